"""Invitations: how coordinators, jurors and organizers come to the portal with their role."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from festival.models import Region, RoleGrant
from judging.models import Panel

INVITATION_DAYS = 14
_OPEN = Q(accepted_at__isnull=True, cancelled_at__isnull=True)


def _expiry():
    return timezone.now() + datetime.timedelta(days=INVITATION_DAYS)


def new_nonce():
    return get_random_string(16)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor cancelled (an expired one is still open: the organizer may resend it)."""
        return self.filter(_OPEN)


class Invitation(models.Model):
    """A letter asking someone to take a role: a region's coordinator, a member (or the chair) of a jury
    panel, or an organizer. Its link works once, until `expires_at`, and only with the current `nonce`
    (a new one on each resend, so an older letter stops working)."""

    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=12, choices=RoleGrant.Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    panel = models.ForeignKey(
        Panel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("jury panel"),
    )
    as_chair = models.BooleanField(_("as the chair"), default=False)
    # The letter's language, and the new account's.
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("valid until"), default=_expiry)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="coordinator", region__isnull=False, panel__isnull=True, as_chair=False)
                | Q(role="juror", region__isnull=True, panel__isnull=False)
                | Q(role="organizer", region__isnull=True, panel__isnull=True, as_chair=False),
                name="invitation_scope_fits_role",
            ),
            # One open invitation per address and role scope (three constraints: NULLs never collide).
            models.UniqueConstraint(
                fields=["email", "region"], condition=_OPEN & Q(role="coordinator"), name="invitation_open_coordinator"
            ),
            models.UniqueConstraint(
                fields=["email", "panel"], condition=_OPEN & Q(role="juror"), name="invitation_open_juror"
            ),
            models.UniqueConstraint(
                fields=["email"], condition=_OPEN & Q(role="organizer"), name="invitation_open_organizer"
            ),
        ]

    def __str__(self):
        return f"{self.email}: {self.get_role_display()}"

    @property
    def is_open(self):
        return self.accepted_at is None and self.cancelled_at is None

    def is_expired(self, now=None):
        return (now or timezone.now()) >= self.expires_at
