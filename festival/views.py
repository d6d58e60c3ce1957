"""Public site, registration, the personal page and the role workspaces of the festival core."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .forms import (
    ParticipantConsentForm,
    ResendConfirmationForm,
    StudentRegistrationForm,
    SupervisorRegistrationForm,
)
from .models import Edition, Region, School, User
from .phases import phase_required


def _require(request, perm, obj=None):
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _base_url(request):
    return request.build_absolute_uri("/")


# ---------------------------------------------------------------- public


@require_GET
def landing(request):
    edition = selectors.edition_for_landing()
    return render(request, "festival/landing.html", {"edition": edition, "now": timezone.now()})


@require_GET
def school_options(request):
    """The <option>s of a region's schools, for the htmx region → school select."""
    region_id = request.GET.get("region", "")
    schools = School.objects.filter(region_id=region_id).only("pk", "name") if region_id.isdigit() else []
    return render(request, "festival/partials/school_options.html", {"schools": schools})


# ---------------------------------------------------------------- registration


@require_GET
def register_choice(request):
    return render(request, "registration/register_choice.html", {"edition": Edition.objects.current()})


def _register(request, form_class, kind, template):
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_register(
                kind=kind,
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                patronymic=data.get("patronymic", ""),
                birth_date=data.get("birth_date"),
                phone=data.get("phone", ""),
                region=data.get("region"),
                school=data.get("school"),
                school_other=data.get("school_other", ""),
                language=get_language(),
                base_url=_base_url(request),
            )
        except services.DuplicateEmail:
            form.add_error(
                "email",
                _("An account with this e-mail already exists. Log in, or reset the password if you forgot it."),
            )
        else:
            request.session["registered_email"] = data["email"]
            return redirect("register_done")
    return render(request, template, {"form": form})


@require_http_methods(["GET", "POST"])
@phase_required("register")
def register_student(request):
    return _register(request, StudentRegistrationForm, User.Kind.STUDENT, "registration/register_student.html")


@require_http_methods(["GET", "POST"])
@phase_required("register")
def register_supervisor(request):
    return _register(request, SupervisorRegistrationForm, User.Kind.SUPERVISOR, "registration/register_supervisor.html")


@require_GET
def register_done(request):
    return render(request, "registration/register_done.html", {"email": request.session.get("registered_email")})


@require_GET
def confirm_email(request, token):
    try:
        user = services.user_confirm_email(token=token)
    except services.ConfirmationExpired:
        return render(
            request, "registration/confirm_failed.html", {"expired": True, "form": ResendConfirmationForm()}, status=410
        )
    except services.ConfirmationInvalid:
        return render(
            request,
            "registration/confirm_failed.html",
            {"expired": False, "form": ResendConfirmationForm()},
            status=400,
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Your e-mail is confirmed. Welcome!"))
    return redirect("account:home")


@require_http_methods(["GET", "POST"])
def resend_confirmation(request):
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(email__iexact=form.cleaned_data["email"], email_confirmed_at__isnull=True).first()
        if user is not None:
            services.email_confirmation_send(user=user, language=get_language(), base_url=_base_url(request))
        # The same answer whether or not the address is known, so the form cannot probe for accounts.
        request.session["registered_email"] = form.cleaned_data["email"]
        return redirect("register_done")
    return render(request, "registration/resend_confirmation.html", {"form": form})


# ---------------------------------------------------------------- personal page


@login_required
@require_GET
def account_home(request):
    user = request.user
    context = {
        "edition": selectors.edition_for_landing(),
        "participant": getattr(user, "participant", None) if user.kind == User.Kind.STUDENT else None,
        "team_count": user.supervised_participants.count() if user.kind == User.Kind.SUPERVISOR else None,
        "coordinator_regions": selectors.regions_coordinated_by(user),
    }
    if context["participant"]:
        context["consent"] = context["participant"].consents.filter(withdrawn_at__isnull=True).first()
    return render(request, "festival/account_home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def consent(request):
    _require(request, "festival.give_own_consent")
    user = request.user
    if not services.user_needs_consent(user):
        return redirect("account:home")
    form = ParticipantConsentForm(
        request.POST or None, with_identity=False, birth_date=user.birth_date, language=get_language()
    )
    if request.method == "POST" and form.is_valid():
        _identity, profile, consent_data = form.split()
        identity = {
            "last_name": user.last_name,
            "first_name": user.first_name,
            "patronymic": user.patronymic,
            "birth_date": user.birth_date,
        }
        try:
            services.participant_register(
                recorded_by=user,
                user=user,
                identity=identity,
                profile=profile,
                consent=consent_data,
                language=get_language(),
            )
        except services.DuplicateIIN:
            form.add_error(
                "iin",
                _("A participant with this IIN is already registered. Ask the supervisor or the regional coordinator."),
            )
        else:
            messages.success(request, _("Consent recorded. Your participant profile is ready."))
            return redirect("account:home")
    return render(request, "festival/consent.html", {"form": form})


@login_required
@require_GET
def team_list(request):
    _require(request, "festival.manage_team")
    members = request.user.supervised_participants.select_related("region", "school").prefetch_related("consents")
    return render(request, "festival/team_list.html", {"members": members})


@login_required
@require_http_methods(["GET", "POST"])
@phase_required("register")
def team_add(request):
    _require(request, "festival.manage_team")
    supervisor = request.user
    form = ParticipantConsentForm(
        request.POST or None,
        with_identity=True,
        language=get_language(),
        initial={
            "region": supervisor.region_id,
            "school": supervisor.school_id,
            "school_other": supervisor.school_other,
        },
    )
    if request.method == "POST" and form.is_valid():
        identity, profile, consent_data = form.split()
        try:
            participant = services.participant_register(
                recorded_by=supervisor,
                supervisor=supervisor,
                identity=identity,
                profile=profile,
                consent=consent_data,
                language=get_language(),
            )
        except services.DuplicateIIN:
            form.add_error(
                "iin",
                _("A participant with this IIN is already registered. Ask the supervisor or the regional coordinator."),
            )
        else:
            messages.success(request, _("%(name)s is on your team.") % {"name": participant.full_name})
            return redirect("account:team")
    return render(request, "festival/team_add.html", {"form": form})


# ---------------------------------------------------------------- staff workspaces


@login_required
@require_GET
def region_workspace(request, code):
    region = get_object_or_404(Region, code=code)
    _require(request, "festival.view_region_workspace", region)
    participants = selectors.region_participants(
        region=region, school_id=request.GET.get("school", ""), query=request.GET.get("q", "").strip()
    )
    page = Paginator(participants, 50).get_page(request.GET.get("page"))
    schools = region.schools.annotate(n=Count("participants")).order_by("name")
    return render(
        request,
        "festival/region_workspace.html",
        {
            "region": region,
            "page": page,
            "schools": schools,
            "total": region.participants.count(),
            "supervisors": User.objects.filter(kind=User.Kind.SUPERVISOR, region=region).count(),
        },
    )


@login_required
@require_GET
def organizer_dashboard(request):
    _require(request, "festival.view_organizer_dashboard")
    edition = Edition.objects.current()
    regions = Region.objects.annotate(
        participants_count=Count("participants", distinct=True),
        schools_count=Count("schools", distinct=True),
    )
    return render(
        request,
        "festival/organizer_dashboard.html",
        {
            "edition": edition,
            "phases": edition.phases.all() if edition else [],
            "nominations": edition.nominations.all() if edition else [],
            "regions": regions,
            "unconfirmed": User.objects.filter(email_confirmed_at__isnull=True).count(),
            "students_without_consent": User.objects.filter(
                Q(participant__isnull=True), kind=User.Kind.STUDENT
            ).count(),
            "now": timezone.now(),
        },
    )


@login_required
@require_GET
def jury_home(request):
    _require(request, "festival.view_jury_workspace")
    return render(request, "festival/jury_home.html", {"edition": selectors.edition_for_landing()})


def health(request):
    """For the load balancer: the database answers."""
    Region.objects.exists()
    return HttpResponse("ok", content_type="text/plain")
