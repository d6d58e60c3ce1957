"""Who may do what with entries. Every permission of this app is declared here."""

import rules

from festival.rules import coordinator_region_ids, is_organizer, is_student, is_supervisor

from .models import Entry

EDITABLE_STATES = {Entry.State.DRAFT, Entry.State.RETURNED}


@rules.predicate
def is_entry_owner(user, entry):
    """The entry's creator, one of its supervisors, or one of its authors with an account."""
    if entry is None or not user.is_authenticated:
        return False
    if entry.created_by_id == user.pk:
        return True
    if any(s.pk == user.pk for s in entry.supervisors.all()):
        return True
    return any(a.participant.user_id == user.pk for a in entry.authors.all())


@rules.predicate
def is_entry_creator_or_supervisor(user, entry):
    """Withdrawing cannot be undone: it is for whoever sent the entry and its supervisors, not every co-author."""
    if entry is None or not user.is_authenticated:
        return False
    return entry.created_by_id == user.pk or any(s.pk == user.pk for s in entry.supervisors.all())


@rules.predicate
def entry_is_editable(user, entry):
    return entry is not None and entry.state in EDITABLE_STATES


@rules.predicate
def coordinates_entry_region(user, entry):
    return entry is not None and entry.region_id in coordinator_region_ids(user)


rules.add_perm("submissions.create_entry", is_student | is_supervisor)
# Also the admin's model permissions: with no object, only organizers pass.
rules.add_perm("submissions.view_entry", is_entry_owner | coordinates_entry_region | is_organizer)
rules.add_perm("submissions.change_entry", (is_entry_owner & entry_is_editable) | is_organizer)
rules.add_perm("submissions.upload_film", is_entry_owner & entry_is_editable)
rules.add_perm("submissions.submit_entry", is_entry_owner & entry_is_editable)
rules.add_perm("submissions.withdraw_entry", is_entry_creator_or_supervisor)
rules.add_perm("submissions.view_film", is_entry_owner | coordinates_entry_region | is_organizer)
rules.add_perm("submissions.review_entry", coordinates_entry_region | is_organizer)

# The admin: organizers.
rules.add_perm("submissions", is_organizer)
rules.add_perm("submissions.delete_entry", is_organizer)
rules.add_perm("submissions.add_regionquota", is_organizer)
rules.add_perm("submissions.change_film", is_organizer)
rules.add_perm("submissions.delete_film", is_organizer)
for _model in ("entryauthor", "upload", "regionquota", "regionsignoff"):
    for _action in ("view", "change", "delete"):
        rules.add_perm(f"submissions.{_action}_{_model}", is_organizer)
