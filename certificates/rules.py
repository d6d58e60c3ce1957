"""Who may do what with documents. Every permission of this app is declared here."""

import rules

from festival.rules import coordinator_region_ids, is_organizer


@rules.predicate
def owns_document(user, document):
    """The recipient's own account, or the supervisor who registered the child (a child without an
    account receives the documents through them)."""
    if document is None or not user.is_authenticated:
        return False
    if document.user_id == user.pk:
        return True
    participant = document.participant
    return participant is not None and user.pk in (participant.user_id, participant.supervisor_id)


@rules.predicate
def coordinates_document_region(user, document):
    return (
        document is not None and document.region_id is not None and document.region_id in coordinator_region_ids(user)
    )


@rules.predicate
def coordinates_archive_region(user, archive):
    return archive is not None and archive.region_id is not None and archive.region_id in coordinator_region_ids(user)


rules.add_perm("certificates.manage_documents", is_organizer)
rules.add_perm("certificates.download_document", owns_document | coordinates_document_region | is_organizer)
rules.add_perm("certificates.download_archive", coordinates_archive_region | is_organizer)

# The admin: organizers look; documents change only through revocation and reissue on the site.
rules.add_perm("certificates", is_organizer)
for _model in ("documenttemplate", "font", "issuejob", "document"):
    rules.add_perm(f"certificates.view_{_model}", is_organizer)
