"""Reads of entries used by several views."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from festival.selectors import with_consent_flag

from .models import Entry, EntryAuthor, RegionQuota, RegionSignoff


def entries_with_team():
    """Entries with what an entry's pages show and check: the edition with its phases, the nomination, age
    group and school, the authors, the supervisors and the films (for Entry.film and Entry.latest_film)."""
    return Entry.objects.select_related("edition", "nomination", "age_group", "school").prefetch_related(
        "edition__phases",
        Prefetch("authors", queryset=EntryAuthor.objects.select_related("participant")),
        "supervisors",
        "films",
    )


def entries_of(user):
    """Entries the user made, supervises or is an author of, the newest first, with what their list shows."""
    # Each relation as a subquery of ids: an OR across the joins would need DISTINCT over every joined row.
    supervised = Entry.supervisors.through.objects.filter(user=user).values("entry_id")
    authored = EntryAuthor.objects.filter(participant__user=user).values("entry_id")
    return (
        Entry.objects.filter(Q(created_by=user) | Q(pk__in=supervised) | Q(pk__in=authored))
        .select_related("edition", "nomination")
        .order_by("-created_at")
    )


def team_with_consent(supervisor):
    return [p for p in with_consent_flag(supervisor.supervised_participants.all()) if p.has_consent]


@dataclass
class EntryFilters:
    nomination: str = ""
    state: str = ""
    school: str = ""
    age_group: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, query):
        return cls(**{name: query.get(name, "").strip() for name in cls.__dataclass_fields__})


def region_entries(*, edition, region, filters):
    """The region's entries (drafts aside) that the filters let through, in the coordinator's order, with what
    the list shows of each: nomination, school, authors and films. A queryset, to be read a page at a time."""
    if edition is None:
        return Entry.objects.none()
    entries = Entry.objects.filter(edition=edition, region=region).exclude(state=Entry.State.DRAFT)
    for name in ("nomination", "school", "age_group"):
        value = getattr(filters, name)
        # An id longer than any a table holds matches nothing, as it would as text.
        if value.isdigit():
            entries = entries.filter(**{f"{name}_id": int(value) if len(value) <= 18 else 0})
    if filters.state in Entry.State.values:
        entries = entries.filter(state=filters.state)
    if filters.q:
        # Several authors may match: the entry is found by id, once.
        matching = EntryAuthor.objects.filter(participant__last_name__icontains=filters.q).values("entry_id")
        entries = entries.filter(Q(title__icontains=filters.q) | Q(pk__in=matching))
    return (
        entries.select_related("nomination", "school")
        .prefetch_related(
            Prefetch(
                "authors",
                queryset=EntryAuthor.objects.select_related("participant").order_by("participant__last_name", "pk"),
            ),
            "films",
        )
        .order_by("nomination__order", "-submitted_at", "pk")
    )


def region_entry_counts(*, edition, region):
    """Counts for the coordinator: by state, and finalists by nomination against the quota; the nominations;
    the sign-off."""
    by_state, finalists = {}, {}
    if edition is not None:
        counts = (
            Entry.objects.filter(edition=edition, region=region)
            .exclude(state=Entry.State.DRAFT)
            .values_list("state", "nomination")
            .annotate(n=Count("*"))
            .order_by()
        )
        for state, nomination, n in counts:
            by_state[state] = by_state.get(state, 0) + n
            if state in (Entry.State.REGIONAL_FINALIST, Entry.State.REPUBLICAN_PARTICIPANT):
                finalists[nomination] = finalists.get(nomination, 0) + n
    nominations = list(edition.nominations.all()) if edition else []
    # A quota row if the organizer set one, else the default (services.finalist_quota's rule).
    quotas = (
        dict(RegionQuota.objects.filter(edition=edition, region=region).values_list("nomination_id", "quota"))
        if edition
        else {}
    )
    return {
        "state_counts": [
            (state, label, by_state.get(state, 0)) for state, label in Entry.State.choices if state != Entry.State.DRAFT
        ],
        "total": sum(by_state.values()),
        "nominations": nominations,
        "quota_rows": [
            {"nomination": n, "finalists": finalists.get(n.pk, 0), "quota": quotas.get(n.pk, RegionQuota.DEFAULT)}
            for n in nominations
        ],
        "signed_off": region_signed_off(edition=edition, region=region),
    }


def region_signed_off(*, edition, region):
    """The region's sign-off (its signer read with it), or None."""
    if edition is None:
        return None
    return RegionSignoff.objects.filter(edition=edition, region=region).select_related("signed_by").first()
