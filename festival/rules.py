"""Who may do what in the festival core. Every permission of this app is declared here and nowhere else."""

import rules

from .models import RoleGrant, User


def _has_role(user, role):
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_role_cache", None)
    if cache is None:
        cache = {(g.role, g.region_id) for g in user.role_grants.all()}
        user._role_cache = cache
    return any(r == role for r, _region in cache)


def coordinator_region_ids(user):
    if not user.is_authenticated:
        return set()
    _has_role(user, RoleGrant.Role.COORDINATOR)
    return {region for role, region in user._role_cache if role == RoleGrant.Role.COORDINATOR}


@rules.predicate
def is_organizer(user):
    return user.is_authenticated and (user.is_superuser or _has_role(user, RoleGrant.Role.ORGANIZER))


@rules.predicate
def is_coordinator(user):
    return _has_role(user, RoleGrant.Role.COORDINATOR)


@rules.predicate
def is_juror(user):
    return _has_role(user, RoleGrant.Role.JUROR)


@rules.predicate
def is_student(user):
    return user.is_authenticated and user.kind == User.Kind.STUDENT


@rules.predicate
def is_supervisor(user):
    return user.is_authenticated and user.kind == User.Kind.SUPERVISOR


@rules.predicate
def is_coordinator_of_region(user, region):
    return region is not None and region.pk in coordinator_region_ids(user)


@rules.predicate
def is_own_participant(user, participant):
    return participant is not None and user.is_authenticated and participant.user_id == user.pk


@rules.predicate
def supervises_participant(user, participant):
    return participant is not None and user.is_authenticated and participant.supervisor_id == user.pk


@rules.predicate
def coordinates_participant_region(user, participant):
    return participant is not None and participant.region_id in coordinator_region_ids(user)


rules.add_perm("festival.give_own_consent", is_student)
rules.add_perm("festival.manage_team", is_supervisor)
rules.add_perm(
    "festival.view_participant_record",
    is_own_participant | supervises_participant | coordinates_participant_region | is_organizer,
)
rules.add_perm("festival.view_region_workspace", is_coordinator_of_region | is_organizer)
rules.add_perm("festival.view_jury_workspace", is_juror)
rules.add_perm("festival.view_organizer_dashboard", is_organizer)
rules.add_perm("festival.use_admin", is_organizer)
