"""Who may do what in judging. Every permission of this app is declared here."""

import rules

from festival.rules import coordinator_region_ids, is_juror, is_organizer

from .models import PanelMember


@rules.predicate
def is_assigned_juror(user, assignment):
    """The juror of an active assignment who still sits on its panel: one who left it (or lost the juror role)
    keeps their submitted scores in the ranking, but can no longer open or change them."""
    return (
        assignment is not None
        and user.is_authenticated
        and assignment.juror_id == user.pk
        and assignment.active
        and PanelMember.objects.filter(panel_id=assignment.panel_id, juror=user, active=True).exists()
    )


@rules.predicate
def is_panel_member(user, panel):
    return (
        panel is not None
        and user.is_authenticated
        and PanelMember.objects.filter(panel=panel, juror=user, active=True).exists()
    )


@rules.predicate
def is_panel_chair(user, panel):
    return panel is not None and user.is_authenticated and panel.chair_id == user.pk


@rules.predicate
def coordinates_panel_region(user, panel):
    return panel is not None and panel.region_id is not None and panel.region_id in coordinator_region_ids(user)


rules.add_perm("judging.use_jury", is_juror)
# The ranking: the chair, the organizers, and at the regional stage the region's coordinator, whose
# choice of finalists it informs. Members see only their own scores.
rules.add_perm("judging.see_results", is_panel_chair | is_organizer | coordinates_panel_region)
rules.add_perm("judging.see_panel", is_panel_member | is_panel_chair | is_organizer)
rules.add_perm("judging.score", is_assigned_juror)
rules.add_perm("judging.manage_panels", is_organizer)

# The admin: organizers.
rules.add_perm("judging", is_organizer)
for _model in ("criterion", "panel", "panelmember", "assignment", "score", "scoreitem", "conflict", "auditevent"):
    for _action in ("view", "add", "change", "delete"):
        rules.add_perm(f"judging.{_action}_{_model}", is_organizer)
# The audit trail is read, never written by hand.
rules.set_perm("judging.add_auditevent", rules.always_deny)
rules.set_perm("judging.change_auditevent", rules.always_deny)
rules.set_perm("judging.delete_auditevent", rules.always_deny)
for _action in ("view", "add", "change", "delete"):
    rules.add_perm(f"judging.{_action}_showcase", is_organizer)
