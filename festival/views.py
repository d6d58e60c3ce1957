"""Public site, registration, the personal page and the role workspaces of the festival core.

Each view: fetch with a permission check, validate, call a service, respond. The permission check comes
before the phase check, so someone without access learns nothing about the calendar.
"""

import functools
import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from . import personal, selectors, services, throttle
from .forms import (
    IIN_REFUSED_MESSAGE,
    ParticipantConsentForm,
    ResendConfirmationForm,
    StudentRegistrationForm,
    SupervisorRegistrationForm,
)
from .models import Edition, Region, School, User
from .phases import phase_allows, phase_message, phase_required

logger = logging.getLogger(__name__)

# Masked in error reports: passwords, and what identifies a child or their parent.
SENSITIVE = (
    "iin",
    "birth_date",
    "last_name",
    "first_name",
    "patronymic",
    "phone",
    "given_by_name",
    "given_by_phone",
    "password",
    "password1",
    "password2",
    "new_password1",
    "new_password2",
    "old_password",
)


def permission_required(perm):
    """Signed in, and holding `perm` (a rule of festival/rules.py); otherwise 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _base_url(request):
    return request.build_absolute_uri("/")


# ---------------------------------------------------------------- public


@require_safe
def landing(request):
    edition = Edition.objects.current()
    now = timezone.now()
    context = {"edition": edition, "now": now, "registration_open": phase_allows(edition, "register", now)}
    return render(request, "festival/landing.html", context)


@require_safe
def school_options(request):
    """The <option>s of a region's approved schools, for the htmx region → school select."""
    region_id = request.GET.get("region", "")
    schools = (
        School.objects.filter(region_id=region_id, approved=True).only("pk", "name") if region_id.isdigit() else []
    )
    return render(request, "festival/partials/school_options.html", {"schools": schools})


@require_http_methods(["GET", "POST"])
def set_language(request):
    """Django's language switch, remembered on the account so that letters come in that language too."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language")
    if request.method == "POST" and request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return response


def csrf_failure(request, reason=""):
    """A form sent after its page went stale: say so in the reader's language, and how to recover."""
    return render(request, "403_csrf.html", status=403)


# ---------------------------------------------------------------- registration


@require_safe
def register_choice(request):
    edition = Edition.objects.current()
    context = {"edition": edition, "closed_message": phase_message(edition, "register")}
    return render(request, "registration/register_choice.html", context)


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
            form.add_error("email", form.DUPLICATE_EMAIL_MESSAGE)
        else:
            request.session["letter_to"] = {"email": data["email"], "registered": True}
            return redirect("register_done")
    return render(request, template, {"form": form})


@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
@phase_required("register")
def register_student(request):
    return _register(request, StudentRegistrationForm, User.Kind.STUDENT, "registration/register_student.html")


@sensitive_post_parameters(*SENSITIVE)
@require_http_methods(["GET", "POST"])
@phase_required("register")
def register_supervisor(request):
    return _register(request, SupervisorRegistrationForm, User.Kind.SUPERVISOR, "registration/register_supervisor.html")


@require_safe
def register_done(request):
    return render(request, "registration/register_done.html", {"letter_to": request.session.get("letter_to")})


@require_safe
def confirm_email(request, token):
    try:
        user, confirmed_now = services.user_confirm_email(token=token)
    except (services.ConfirmationExpired, services.ConfirmationInvalid) as error:
        expired = isinstance(error, services.ConfirmationExpired)
        context = {"expired": expired, "form": ResendConfirmationForm()}
        return render(request, "registration/confirm_failed.html", context, status=410 if expired else 400)
    if not confirmed_now:
        messages.info(request, _("This e-mail is already confirmed. Log in with your password."))
        return redirect("login")
    login(request, user, backend="festival.backends.ModelBackend")
    messages.success(request, _("Your e-mail is confirmed. Welcome!"))
    return redirect("account:home")


@require_http_methods(["GET", "POST"])
def resend_confirmation(request):
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        services.email_confirmation_resend(email=email, language=get_language(), base_url=_base_url(request))
        # The same answer whether or not the address is known, so the form cannot probe for accounts.
        request.session["letter_to"] = {"email": email, "registered": False}
        return redirect("register_done")
    return render(request, "registration/resend_confirmation.html", {"form": form})


@method_decorator(sensitive_post_parameters(*SENSITIVE), name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_reset_done(user=form.user)
        return response


# ---------------------------------------------------------------- personal page


@login_required
@require_safe
def account_home(request):
    user = request.user
    participant = selectors.participant_of(user) if user.kind == User.Kind.STUDENT else None
    context = {
        "edition": Edition.objects.current(),
        "participant": participant,
        "consent": selectors.consent_of(participant) if participant else None,
        "team_count": user.supervised_participants.count() if user.kind == User.Kind.SUPERVISOR else None,
        "coordinator_regions": selectors.regions_coordinated_by(user),
        "personal_sections": personal.sections(),
    }
    return render(request, "festival/account_home.html", context)


def _participant_form_saved(form, request, *, user=None, supervisor=None, identity):
    """Save a valid participant-and-consent form through the service; False with a form error on a taken IIN."""
    _identity, profile, consent_data = form.split()
    try:
        return services.participant_register(
            recorded_by=request.user,
            user=user,
            supervisor=supervisor,
            identity=identity,
            profile=profile,
            consent=consent_data,
            language=get_language(),
        )
    except services.DuplicateIIN:
        form.add_error("iin", IIN_REFUSED_MESSAGE)
        return None


@sensitive_post_parameters(*SENSITIVE)
@permission_required("festival.give_own_consent")
@require_http_methods(["GET", "POST"])
@throttle.rate_limited("iin-check", applies=throttle.posts_an_iin)
def consent(request):
    user = request.user
    if not selectors.user_needs_consent(user):
        return redirect("account:home")
    form = ParticipantConsentForm(
        request.POST or None, with_identity=False, birth_date=user.birth_date, own_user=user, language=get_language()
    )
    if request.method == "POST" and form.is_valid():
        identity = {
            "last_name": user.last_name,
            "first_name": user.first_name,
            "patronymic": user.patronymic,
            "birth_date": user.birth_date or form.cleaned_data["birth_date"],
        }
        if _participant_form_saved(form, request, user=user, identity=identity):
            messages.success(request, _("Consent recorded. Your participant profile is ready."))
            return redirect("account:home")
    return render(request, "festival/consent.html", {"form": form})


@permission_required("festival.manage_team")
@require_safe
def team_list(request):
    return render(request, "festival/team_list.html", {"members": selectors.team_of(request.user)})


@sensitive_post_parameters(*SENSITIVE)
@permission_required("festival.manage_team")
@require_http_methods(["GET", "POST"])
@phase_required("register")
@throttle.rate_limited("iin-check", applies=throttle.posts_an_iin)
@throttle.rate_limited("team-add")
def team_add(request):
    supervisor = request.user
    form = ParticipantConsentForm(
        request.POST or None,
        with_identity=True,
        supervisor=supervisor,
        language=get_language(),
        initial={
            "region": supervisor.region_id,
            "school": supervisor.school_id,
            "school_other": supervisor.school_other,
        },
    )
    if request.method == "POST" and form.is_valid():
        identity, _profile, _consent = form.split()
        participant = _participant_form_saved(form, request, supervisor=supervisor, identity=identity)
        if participant:
            messages.success(request, _("%(name)s is on your team.") % {"name": participant.full_name})
            return redirect("account:team")
    return render(request, "festival/team_add.html", {"form": form})


# ---------------------------------------------------------------- staff workspaces


@login_required
@require_safe
def region_workspace(request, code):
    region = get_object_or_404(Region, code=code)
    if not request.user.has_perm("festival.view_region_workspace", region):
        raise PermissionDenied
    participants = selectors.region_participants(
        region=region, school_id=request.GET.get("school", ""), query=request.GET.get("q", "").strip()
    )
    context = {
        "region": region,
        "page": Paginator(participants, 50).get_page(request.GET.get("page")),
        **selectors.region_overview(region=region),
    }
    return render(request, "festival/region_workspace.html", context)


@permission_required("festival.view_organizer_dashboard")
@require_safe
def organizer_dashboard(request):
    edition = Edition.objects.current()
    context = {
        "edition": edition,
        "phases": edition.phases.all() if edition else [],
        "nominations": edition.nominations.all() if edition else [],
        "now": timezone.now(),
        **selectors.organizer_overview(),
    }
    return render(request, "festival/organizer_dashboard.html", context)


def favicon(request):
    """Browsers ask for /favicon.ico on every site; the icon is a static file with a hashed name."""
    return redirect(static("favicon.svg"))


def _database_answers():
    Region.objects.exists()


def _cache_answers():
    # A write and a read: a Redis that refuses writes (full, read-only) cannot take Celery's messages either.
    key, token = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, token, timeout=10)
    if cache.get(key) != token:
        raise RuntimeError("the cache did not return what was written")


@never_cache
def health(request):
    """For the load balancer: the database and the cache (Redis in production, also Celery's broker) answer.

    503 with a one-line reason when one does not; the error itself goes to the log, never into the answer.
    """
    for what, check in (("database", _database_answers), ("cache", _cache_answers)):
        try:
            check()
        except Exception:
            logger.warning("Health check: the %s does not answer.", what, exc_info=True)
            return HttpResponse(f"{what} unavailable", content_type="text/plain", status=503)
    return HttpResponse("ok", content_type="text/plain")
