"""Who may do what in the festival core. Every permission of this app is declared here and nowhere else:
the views ask for these names, and the Django admin asks for the model permissions declared at the end."""

import rules

from .models import RoleGrant, User


def _grants(user):
    """The user's (role, region id) pairs, read once per request (kept on the request's user object)."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_role_grants"):
        user._role_grants = frozenset(user.role_grants.values_list("role", "region_id"))
    return user._role_grants


def coordinator_region_ids(user):
    return {region for role, region in _grants(user) if role == RoleGrant.Role.COORDINATOR}


@rules.predicate
def is_organizer(user):
    return user.is_authenticated and (
        user.is_superuser or any(role == RoleGrant.Role.ORGANIZER for role, _ in _grants(user))
    )


@rules.predicate
def is_juror(user):
    return any(role == RoleGrant.Role.JUROR for role, _ in _grants(user))


@rules.predicate
def is_student(user):
    return user.is_authenticated and user.kind == User.Kind.STUDENT


@rules.predicate
def is_supervisor(user):
    return user.is_authenticated and user.kind == User.Kind.SUPERVISOR


@rules.predicate
def is_coordinator_of_region(user, region):
    return region is not None and region.pk in coordinator_region_ids(user)


rules.add_perm("festival.give_own_consent", is_student)
rules.add_perm("festival.manage_team", is_supervisor)
rules.add_perm("festival.view_region_workspace", is_coordinator_of_region | is_organizer)
rules.add_perm("festival.view_organizer_dashboard", is_organizer)

# ---------------------------------------------------------------- the admin: the organizers' tool
rules.add_perm("festival", is_organizer)
rules.add_perm("axes", is_organizer)
for _model in ("region", "school", "edition", "phase", "nomination", "agegroup", "participant", "user", "rolegrant"):
    for _action in ("view", "add", "change", "delete"):
        rules.add_perm(f"festival.{_action}_{_model}", is_organizer)
# Participants come with a consent, through the site's forms only; a consent is never rewritten or
# deleted — it can only be withdrawn (its one editable field).
rules.set_perm("festival.add_participant", rules.always_deny)
rules.add_perm("festival.view_consent", is_organizer)
rules.add_perm("festival.change_consent", is_organizer)
rules.add_perm("festival.add_consent", rules.always_deny)
rules.add_perm("festival.delete_consent", rules.always_deny)
# Login lockouts: organizers look at them and lift them by deleting the attempt.
for _model in ("accessattempt", "accesslog", "accessfailurelog"):
    rules.add_perm(f"axes.view_{_model}", is_organizer)
    rules.add_perm(f"axes.delete_{_model}", is_organizer)
