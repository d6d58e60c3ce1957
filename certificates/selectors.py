"""Reads of documents: who is owed what, what is still missing, and the documents a person downloads."""

from django.db.models import Q

from festival.models import Participant
from judging.models import Award
from judging.selectors import results_locked
from submissions.models import Entry, EntryAuthor, RegionalParticipant

from .models import Document, Kind

# Entries whose authors took part: the regional stage accepted them (and whatever came after).
TOOK_PART = [
    Entry.State.ACCEPTED,
    Entry.State.REGIONAL_FINALIST,
    Entry.State.REPUBLICAN_PARTICIPANT,
    Entry.State.AWARDED,
    Entry.State.NOT_AWARDED,
]


def owed(edition, *, kinds, region=None, nomination=None):
    """Every document the edition owes, as {"kind", "basis", ids…}, in a stable order.

    Diplomas: each author of each awarded entry, once the results are locked. Thank-you letters: each
    supervisor of an awarded entry. Certificates: every author of every entry the regional stage accepted,
    and everyone on the regions' imported lists — once per person.
    """
    result = []
    entry_filter = Q(edition=edition)
    if region is not None:
        entry_filter &= Q(region=region)
    if nomination is not None:
        entry_filter &= Q(nomination=nomination)
    if Kind.DIPLOMA in kinds or Kind.THANKS in kinds:
        awarded = (
            list(
                Award.objects.filter(entry__in=Entry.objects.filter(entry_filter))
                .select_related("entry")
                .order_by("entry_id")
            )
            if results_locked(edition)
            else []
        )
        region_of = {a.entry_id: a.entry.region_id for a in awarded}
        if Kind.DIPLOMA in kinds:
            authors = EntryAuthor.objects.filter(entry__in=[a.entry_id for a in awarded]).values_list(
                "entry_id", "participant_id"
            )
            seen = set()
            for entry_id, participant_id in sorted(authors):
                if (entry_id, participant_id) in seen:
                    continue  # one author with two parts in the film gets one diploma
                seen.add((entry_id, participant_id))
                result.append(
                    {
                        "kind": Kind.DIPLOMA,
                        "basis": f"entry:{entry_id}:participant:{participant_id}",
                        "participant": participant_id,
                        "entry": entry_id,
                        "region": region_of[entry_id],
                    }
                )
        if Kind.THANKS in kinds:
            through = Entry.supervisors.through.objects.filter(entry__in=[a.entry_id for a in awarded])
            for entry_id, user_id in sorted(through.values_list("entry_id", "user_id")):
                result.append(
                    {
                        "kind": Kind.THANKS,
                        "basis": f"entry:{entry_id}:supervisor:{user_id}",
                        "user": user_id,
                        "entry": entry_id,
                        "region": region_of[entry_id],
                    }
                )
    if Kind.CERTIFICATE in kinds:
        people = {}
        authors = (
            EntryAuthor.objects.filter(entry__in=Entry.objects.filter(entry_filter, state__in=TOOK_PART))
            .order_by("entry_id", "pk")
            .values_list("participant_id", "entry_id", "participant__region_id")
        )
        for participant_id, entry_id, region_id in authors.iterator(chunk_size=5000):
            people.setdefault(participant_id, (entry_id, region_id))
        if nomination is None:
            listed = RegionalParticipant.objects.filter(edition=edition)
            if region is not None:
                listed = listed.filter(participant__region=region)
            for participant_id, region_id in listed.values_list("participant_id", "participant__region_id").iterator(
                chunk_size=5000
            ):
                people.setdefault(participant_id, (None, region_id))
        for participant_id in sorted(people):
            entry_id, region_id = people[participant_id]
            result.append(
                {
                    "kind": Kind.CERTIFICATE,
                    "basis": f"participant:{participant_id}",
                    "participant": participant_id,
                    "entry": entry_id,
                    "region": region_id,
                }
            )
    return result


def missing(edition, items):
    """The items of `owed` that have no valid document yet."""
    issued = set(Document.objects.filter(edition=edition, status=Document.Status.VALID).values_list("kind", "basis"))
    return [item for item in items if (item["kind"], item["basis"]) not in issued]


def documents_of(user):
    """The documents a person downloads from their page: their own, and those of the children they registered
    (a child without an account gets theirs through the supervisor)."""
    if not user.is_authenticated:
        return Document.objects.none()
    people = Participant.objects.filter(Q(user=user) | Q(supervisor=user)).values("pk")
    return (
        Document.objects.filter(Q(user=user) | Q(participant__in=people), status=Document.Status.VALID)
        .select_related("edition")
        .order_by("-edition__year", "kind", "number")
    )
