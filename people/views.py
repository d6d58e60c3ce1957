"""The organizers' pages for people (who holds which role, invitations, revoking) and the invitee's page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from festival.models import Edition, Region, RoleGrant, User
from festival.views import permission_required

from . import selectors, services
from .forms import InvitationForm, InvitedAccountForm
from .models import Invitation
from .services import InvitationError


def _base_url(request):
    return request.build_absolute_uri("/")


def _error_message(error):
    text = {
        "holds_role": _("%(email)s already holds this role. See the list of people."),
        "already_invited": _(
            "%(email)s has already been invited to this role and has not answered yet. "
            "If the letter was lost, resend it from the list of people."
        ),
        "region_required": _("Choose the region the coordinator will run."),
        "panel_required": _("Choose the jury panel the juror will sit on."),
        "panel_not_current": _("This panel is not of the current edition."),
        "chair_not_member": _("Only a member of a panel can chair it: choose the role «Juror» and the panel."),
        "not_open": _("This invitation has already been accepted or cancelled."),
        "own_organizer": _("You cannot take the organizer role from yourself: ask another organizer."),
        "wrong_account": _("This invitation is for %(email)s, not for the account you are signed in with."),
        "account_exists": _("An account with %(email)s already exists: sign in with it to accept."),
        "used": _("This invitation has already been accepted."),
        "participant_account": _(
            "%(email)s belongs to a student's or teacher's account. Roles of the festival's staff go to a "
            "separate staff account: invite another address."
        ),
    }.get(error.code, _("This is not possible now."))
    return text % {"email": error.params.get("email", "")} if "%(email)s" in text else text


def _next_or(request, fallback):
    """A `next` address on this site (the page the organizer came from), or `fallback`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


# ---------------------------------------------------------------- the organizers' pages


@permission_required("people.manage_people")
@require_safe
def people_list(request):
    edition = Edition.objects.current()
    context = {
        "edition": edition,
        **selectors.role_holders(edition=edition),
        "invitations": selectors.invitations_waiting(),
    }
    return render(request, "people/list.html", context)


def _invitation_initial(request):
    """The form's values from the address: ?role=juror&panel=<pk> or ?role=coordinator&region=<code>."""
    initial = {}
    role = request.GET.get("role")
    if role in RoleGrant.Role.values:
        initial["role"] = role
    if request.GET.get("panel", "").isdigit():
        initial["panel"] = int(request.GET["panel"])
    if request.GET.get("region"):
        initial["region"] = Region.objects.filter(code=request.GET["region"]).first()
    if request.GET.get("email"):
        initial["email"] = request.GET["email"]
    return initial


@permission_required("people.manage_people")
@require_http_methods(["GET", "POST"])
def invite(request):
    form = InvitationForm(request.POST or None, initial=_invitation_initial(request), edition=Edition.objects.current())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = services.invitation_send(
                email=data["email"],
                role=data["role"],
                region=data["region"],
                panel=data["panel"],
                as_chair=data["as_chair"],
                language=data["language"],
                by=request.user,
                base_url=_base_url(request),
            )
        except InvitationError as error:
            form.add_error("email" if error.code in ("holds_role", "already_invited") else None, _error_message(error))
        else:
            messages.success(
                request,
                _("The invitation is sent to %(email)s. Its link works until %(date)s.")
                % {"email": invitation.email, "date": _date(invitation.expires_at)},
            )
            return redirect(_next_or(request, reverse("people:list")))
    return render(request, "people/invite.html", {"form": form, "next": _next_or(request, "")})


def _date(moment):
    return formats.date_format(timezone.localtime(moment), "j E Y, H:i")


@permission_required("people.manage_people")
@require_POST
def invitation_resend(request, pk):
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        services.invitation_resend(invitation=invitation, by=request.user, base_url=_base_url(request))
    except InvitationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(
            request,
            _("A new letter is sent to %(email)s; the links of the earlier letters no longer work.")
            % {"email": invitation.email},
        )
    return redirect("people:list")


@permission_required("people.manage_people")
@require_POST
def invitation_cancel(request, pk):
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        services.invitation_cancel(invitation=invitation, by=request.user)
    except InvitationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, _("The invitation to %(email)s is cancelled.") % {"email": invitation.email})
    return redirect("people:list")


@permission_required("people.manage_people")
@require_http_methods(["GET", "POST"])
def role_revoke(request, pk):
    """A confirmation page (GET), then the role taken away (POST)."""
    grant = get_object_or_404(RoleGrant.objects.select_related("user", "region"), pk=pk)
    if request.method == "POST":
        try:
            services.role_revoke(grant=grant, by=request.user)
        except InvitationError as error:
            messages.error(request, _error_message(error))
        else:
            messages.success(
                request,
                _("%(name)s no longer has the role «%(role)s».")
                % {"name": grant.user.get_full_name(), "role": grant.get_role_display()},
            )
        return redirect("people:list")
    return render(request, "people/revoke.html", {"grant": grant})


# ---------------------------------------------------------------- the invitee's page


def _workspace(invitation):
    if invitation.role == RoleGrant.Role.COORDINATOR:
        return reverse("submissions:region_entries", args=[invitation.region.code])
    if invitation.role == RoleGrant.Role.JUROR:
        return reverse("judging:home")
    return reverse("organizer_dashboard")


def _failed(request, error):
    invitation = error.params.get("invitation")
    status = 400 if error.code == "invalid" else 410
    context = {"reason": error.code, "invitation": invitation}
    return render(request, "people/invitation_failed.html", context, status=status)


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def accept(request, token):
    try:
        invitation = services.invitation_from_token(token)
    except InvitationError as error:
        used = error.params.get("invitation")
        if error.code == "used" and request.user.is_authenticated and used.accepted_by_id == request.user.pk:
            messages.info(request, _("You have already accepted this invitation."))
            return redirect(_workspace(used))
        return _failed(request, error)

    context = {"invitation": invitation}
    user = request.user
    if user.is_authenticated:
        if user.email.lower() != invitation.email:
            return render(request, "people/accept_other_account.html", context)
        if request.method == "POST":
            return _accepted(request, invitation, user)
        return render(request, "people/accept.html", context)

    if User.objects.filter(email__iexact=invitation.email).exists():
        context["login_url"] = reverse("login") + "?" + urlencode({"next": request.get_full_path()})
        return render(request, "people/accept_sign_in.html", context)

    form = InvitedAccountForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.invitation_account_create(
                invitation=invitation,
                last_name=data["last_name"],
                first_name=data["first_name"],
                patronymic=data["patronymic"],
                password=data["password1"],
            )
        except InvitationError as error:
            if error.code == "account_exists":
                messages.error(request, _error_message(error))
                return redirect(request.path)
            return _failed(request, error)
        login(request, user, backend="festival.backends.ModelBackend")
        messages.success(request, _("Welcome! Your account is ready and your role is on it."))
        return redirect(_workspace(invitation))
    context["form"] = form
    return render(request, "people/accept_new_account.html", context)


def _accepted(request, invitation, user):
    try:
        services.invitation_accept(invitation=invitation, user=user)
    except InvitationError as error:
        return _failed(request, error)
    messages.success(request, _("The invitation is accepted: your role is on your account."))
    return redirect(_workspace(invitation))
