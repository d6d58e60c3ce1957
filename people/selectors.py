"""Reads for the organizers' list of people."""

from collections import defaultdict

from festival.models import RoleGrant
from judging.models import PanelMember

from .models import Invitation


def role_holders(*, edition):
    """{"coordinators": [grant, …] by region, "jurors": [(grant, [(panel, is chair), …]), …], "organizers":
    [grant, …]}: every RoleGrant with its person, and a juror's panels of `edition`. Three queries."""
    grants = RoleGrant.objects.select_related("user", "region").order_by("region__order", "user__last_name", "pk")
    by_role = defaultdict(list)
    for grant in grants:
        by_role[grant.role].append(grant)
    jurors = by_role[RoleGrant.Role.JUROR]
    panels = defaultdict(list)
    if edition is not None and jurors:
        seats = (
            PanelMember.objects.filter(panel__edition=edition, active=True, juror__in=[g.user_id for g in jurors])
            .select_related("panel")
            .order_by("panel__stage", "panel__pk")
        )
        for seat in seats:
            panels[seat.juror_id].append((seat.panel, seat.panel.chair_id == seat.juror_id))
    return {
        "coordinators": by_role[RoleGrant.Role.COORDINATOR],
        "jurors": [(grant, panels[grant.user_id]) for grant in jurors],
        "organizers": by_role[RoleGrant.Role.ORGANIZER],
    }


def invitations_waiting():
    """Invitations neither accepted nor cancelled, newest first, with what their rows show."""
    return Invitation.objects.open().select_related("region", "panel", "invited_by")
