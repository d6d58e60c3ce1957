"""Invitations and roles: inviting coordinators, jurors and organizers by e-mail, accepting, resending,
cancelling, and revoking a role. Each writes an audit record (judging's trail, the organizers' one)."""

import datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from festival.models import Edition, RoleGrant, User
from festival.services import queue_after_commit, role_grant, user_sync_staff
from judging.models import Panel, PanelMember
from judging.services import audit, juror_drop, member_add

from .models import INVITATION_DAYS, Invitation, new_nonce

_TOKEN_SALT = "people.invitation"


class InvitationError(Exception):
    """A refusal the views turn into a message in the reader's language: `code` names it, `params` fill it."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# ---------------------------------------------------------------- the link


def invitation_token(invitation):
    """The link's token: the invitation and its current nonce, signed. A resend changes the nonce."""
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_TOKEN_SALT)


def invitation_from_token(token, *, now=None):
    """The open, unexpired invitation the token names. Raises InvitationError: "invalid" (damaged, unknown),
    "superseded" (a newer letter was sent), "cancelled", "used" (with the `invitation`), "expired"."""
    try:
        data = signing.loads(token, salt=_TOKEN_SALT)
        invitation = Invitation.objects.select_related("region", "panel", "invited_by").get(pk=data["i"])
    except (signing.BadSignature, Invitation.DoesNotExist, KeyError, TypeError):
        raise InvitationError("invalid") from None
    if invitation.accepted_at is not None:
        raise InvitationError("used", invitation=invitation)
    if invitation.cancelled_at is not None:
        raise InvitationError("cancelled", invitation=invitation)
    if data["n"] != invitation.nonce:
        raise InvitationError("superseded", invitation=invitation)
    if invitation.is_expired(now):
        raise InvitationError("expired", invitation=invitation)
    return invitation


# ---------------------------------------------------------------- checks


def role_holder(*, email, role, region=None, panel=None):
    """The account with this e-mail that already holds the role in that scope, or None: a region's
    coordinator, an active member of the panel, an organizer (a superuser counts as one)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return None
    if role == RoleGrant.Role.COORDINATOR:
        held = user.role_grants.filter(role=role, region=region).exists()
    elif role == RoleGrant.Role.JUROR:
        held = PanelMember.objects.filter(panel=panel, juror=user, active=True).exists()
    else:
        held = user.is_superuser or user.role_grants.filter(role=role).exists()
    return user if held else None


def _check_scope(*, role, region, panel, as_chair):
    if role == RoleGrant.Role.COORDINATOR and region is None:
        raise InvitationError("region_required")
    if role == RoleGrant.Role.JUROR:
        if panel is None:
            raise InvitationError("panel_required")
        current = Edition.objects.current()
        if current is None or panel.edition_id != current.pk:
            raise InvitationError("panel_not_current")
    if as_chair and role != RoleGrant.Role.JUROR:
        raise InvitationError("chair_not_member")


def _check_staff_account(email, invitation=None):
    """Roles go to staff accounts only: a student or a teacher who became a juror would be given their own
    films, a coordinator their own team's. Their address needs a separate staff account."""
    if User.objects.filter(email__iexact=email).exclude(kind=User.Kind.STAFF).exists():
        raise InvitationError("participant_account", email=email, invitation=invitation)


# ---------------------------------------------------------------- invitations


def invitation_send(*, email, role, region=None, panel=None, as_chair=False, language, by, base_url):
    """Invite `email` to take `role` (coordinator of `region`, member of `panel` — its chair with `as_chair`
    — or organizer), with a letter in `language`.

    Refuses (InvitationError) a missing or foreign scope, a chair who would not be a juror of the panel, an
    address that already holds the role ("holds_role"), and one already invited and waiting
    ("already_invited"); an expired invitation for the same role is cancelled and replaced.
    Side effects: an Invitation row; an audit record; after commit, a Celery task sends the letter.
    """
    email = email.strip().lower()
    region = region if role == RoleGrant.Role.COORDINATOR else None
    panel = panel if role == RoleGrant.Role.JUROR else None
    _check_scope(role=role, region=region, panel=panel, as_chair=as_chair)
    _check_staff_account(email)
    if role_holder(email=email, role=role, region=region, panel=panel):
        raise InvitationError("holds_role", email=email)
    try:
        with transaction.atomic():
            waiting = (
                Invitation.objects.open()
                .select_for_update()
                .filter(email=email, role=role, region=region, panel=panel)
                .first()
            )
            if waiting is not None:
                if not waiting.is_expired():
                    raise InvitationError("already_invited", email=email, invitation=waiting)
                waiting.cancelled_at = timezone.now()
                waiting.save(update_fields=["cancelled_at"])
            invitation = Invitation.objects.create(
                email=email,
                role=role,
                region=region,
                panel=panel,
                as_chair=bool(as_chair),
                language=language,
                invited_by=by,
            )
            _audit(invitation, "invitation_send", by)
            queue_after_commit("people.tasks.send_invitation", invitation.pk, base_url)
    except IntegrityError:
        # Two organizers sent the same invitation at once: the database kept one.
        raise InvitationError("already_invited", email=email) from None
    return invitation


@transaction.atomic
def invitation_resend(*, invitation, by, base_url):
    """Send the letter again with a new link, valid INVITATION_DAYS from now; the older links stop working.
    Refuses (InvitationError "not_open") an accepted or cancelled invitation.
    Side effects: Invitation.nonce and expires_at; an audit record; the letter."""
    fields = {"nonce": new_nonce(), "expires_at": timezone.now() + datetime.timedelta(days=INVITATION_DAYS)}
    if not Invitation.objects.open().filter(pk=invitation.pk).update(**fields):
        raise InvitationError("not_open")
    for name, value in fields.items():
        setattr(invitation, name, value)
    _audit(invitation, "invitation_resend", by)
    queue_after_commit("people.tasks.send_invitation", invitation.pk, base_url)
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation, by):
    """Withdraw an invitation: its link stops working. Refuses (InvitationError "not_open") an accepted or
    cancelled one. Side effects: Invitation.cancelled_at; an audit record."""
    now = timezone.now()
    if not Invitation.objects.open().filter(pk=invitation.pk).update(cancelled_at=now):
        raise InvitationError("not_open")
    invitation.cancelled_at = now
    _audit(invitation, "invitation_cancel", by)


def invitation_sent(*, invitation_id):
    """The letter went out (called by the task). Side effects: Invitation.sent_at."""
    Invitation.objects.filter(pk=invitation_id).update(sent_at=timezone.now())


@transaction.atomic
def invitation_accept(*, invitation, user):
    """`user` takes the role the invitation offers: coordinator of its region, member (and chair) of its
    panel, or organizer. Refuses (InvitationError) another person's invitation ("wrong_account") and one
    no longer open or expired — checked and marked in one conditional update, so a link works once.

    Side effects: Invitation.accepted_at/accepted_by; the RoleGrant (organizers also get is_staff; jurors a
    PanelMember, and the panel's chair when invited as chair); the address counts as confirmed; audit records.
    """
    if user.email.lower() != invitation.email.lower():
        raise InvitationError("wrong_account", email=invitation.email)
    _check_staff_account(user.email, invitation)
    try:
        # The scope is checked again: the panel's edition may have stopped being the current one meanwhile.
        _check_scope(
            role=invitation.role, region=invitation.region, panel=invitation.panel, as_chair=invitation.as_chair
        )
    except InvitationError as error:
        raise InvitationError(error.code, invitation=invitation) from None
    now = timezone.now()
    claimed = (
        Invitation.objects.open()
        .filter(pk=invitation.pk, nonce=invitation.nonce, expires_at__gt=now)
        .update(accepted_at=now, accepted_by=user)
    )
    if not claimed:
        raise InvitationError("used")
    invitation.accepted_at, invitation.accepted_by = now, user
    by = invitation.invited_by
    if invitation.role == RoleGrant.Role.JUROR:
        member_add(panel=invitation.panel, juror=user, chair=invitation.as_chair, by=by)
        grant = user.role_grants.get(role=RoleGrant.Role.JUROR)
    else:
        grant = role_grant(user=user, role=invitation.role, region=invitation.region)
    if user.email_confirmed_at is None:
        # The letter reached this address: it is confirmed.
        user.email_confirmed_at = now
        user.save(update_fields=["email_confirmed_at"])
    after = {**_describe(invitation), "grant": grant.pk, "invited_by": by.pk if by else None}
    audit(actor=user, action="role_grant", subject=f"user {user.pk}", panel=invitation.panel, after=after)
    return grant


@transaction.atomic
def invitation_account_create(*, invitation, last_name, first_name, patronymic="", password):
    """A new staff account for the invited address, then the invitation accepted with it.

    Refuses (InvitationError "account_exists") when the address has an account meanwhile, and whatever
    invitation_accept refuses; then nothing is saved. Side effects: a User (staff, address confirmed,
    letters in the invitation's language) and those of invitation_accept. Returns the user."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=invitation.email,
                password=password,
                kind=User.Kind.STAFF,
                first_name=first_name,
                last_name=last_name,
                patronymic=patronymic,
                language=invitation.language,
                email_confirmed_at=timezone.now(),
            )
    except IntegrityError:
        raise InvitationError("account_exists", email=invitation.email) from None
    invitation_accept(invitation=invitation, user=user)
    return user


# ---------------------------------------------------------------- roles


@transaction.atomic
def role_revoke(*, grant, by):
    """Take a role away; it counts from the holder's next request (roles are read per request).

    A juror also leaves the panels of the current edition (their submitted scores stay; their open films go
    to the other members) and stops chairing them; an organizer loses the admin. Refuses (InvitationError
    "own_organizer") an organizer's revoking their own organizer role: another organizer must.
    Side effects: the RoleGrant deleted; PanelMember inactive and assignments moved (jurors); Panel.chair
    cleared; User.is_staff; audit records.
    """
    user = grant.user
    if grant.role == RoleGrant.Role.ORGANIZER and user.pk == by.pk:
        raise InvitationError("own_organizer")
    after = {"role": grant.role, "region": grant.region.code if grant.region_id else None, "email": user.email}
    if grant.role == RoleGrant.Role.JUROR:
        current = Edition.objects.current()
        panels = (
            list(Panel.objects.filter(edition=current, members__juror=user, members__active=True)) if current else []
        )
        for panel in panels:
            juror_drop(panel=panel, juror=user, by=by)
        if current:
            Panel.objects.filter(edition=current, chair=user).update(chair=None)
        after["panels"] = [panel.pk for panel in panels]
    grant.delete()
    user_sync_staff(user=user)
    audit(actor=by, action="role_revoke", subject=f"user {user.pk}", after=after)


def _audit(invitation, action, by):
    subject = f"invitation {invitation.pk}"
    audit(actor=by, action=action, subject=subject, panel=invitation.panel, after=_describe(invitation))


def _describe(invitation):
    described = {
        "email": invitation.email,
        "role": invitation.role,
        "region": invitation.region.code if invitation.region_id else None,
        "panel": invitation.panel_id,
        "chair": invitation.as_chair,
        "language": invitation.language,
    }
    return described
