"""Reads of entries used by several views."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from festival.selectors import with_consent_flag

from .models import Entry, EntryAuthor, Film, RegionQuota, RegionSignoff


def entries_with_team():
    # Each join more makes PostgreSQL plan the query longer than it runs: only what the pages read of each entry.
    return Entry.objects.select_related("edition", "nomination", "age_group", "school").prefetch_related(
        Prefetch("authors", queryset=EntryAuthor.objects.select_related("participant")),
        "supervisors",
        "films",
    )


def entries_of(user):
    """Entries the user made, supervises or is an author of."""
    # A union of three index lookups: an OR across the joins (with DISTINCT) reads every entry of the edition.
    ids = (
        Entry.objects.filter(created_by=user)
        .order_by()
        .values("pk")
        .union(
            Entry.supervisors.through.objects.filter(user=user).values("entry_id"),
            EntryAuthor.objects.filter(participant__user=user).order_by().values("entry_id"),
        )
    )
    # The ids first, then the rows the list shows: one query with the union and all the joins takes the
    # planner longer than both of these together.
    return (
        Entry.objects.filter(pk__in=[row["pk"] for row in ids])
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
    # What the coordinator's list shows of each entry, and no more: its rows are read on every filter click.
    entries = (
        Entry.objects.filter(edition=edition, region=region)
        .exclude(state=Entry.State.DRAFT)
        .select_related("nomination", "school")
        .prefetch_related(
            Prefetch(
                "authors",
                queryset=EntryAuthor.objects.select_related("participant")
                .only("entry_id", "participant__last_name", "participant__first_name", "participant__patronymic")
                .order_by("participant__last_name", "pk"),
            ),
            Prefetch("films", queryset=Film.objects.only("entry_id", "status", "duplicate_of_id")),
        )
    )
    for name in ("nomination", "school", "age_group"):
        value = getattr(filters, name)
        if value.isdigit():
            entries = entries.filter(**{f"{name}_id": value})
    if filters.state in Entry.State.values:
        entries = entries.filter(state=filters.state)
    if filters.q:
        # Several authors may match: once per entry.
        entries = entries.filter(
            Q(title__icontains=filters.q) | Q(authors__participant__last_name__icontains=filters.q)
        ).distinct()
    return entries.order_by("nomination__order", "-submitted_at")


def region_entry_counts(*, edition, region):
    """Counts for the coordinator: by state, and finalists by nomination against the quota."""
    entries = Entry.objects.filter(edition=edition, region=region).exclude(state=Entry.State.DRAFT)
    by_state = dict(entries.values_list("state").annotate(n=Count("pk")))
    finalists = dict(
        entries.filter(state__in=[Entry.State.REGIONAL_FINALIST, Entry.State.REPUBLICAN_PARTICIPANT])
        .values_list("nomination")
        .annotate(n=Count("pk"))
    )
    # The quotas of all nominations at once (finalist_quota's rule: a row if the organizer set one, else the default).
    quotas = dict(RegionQuota.objects.filter(edition=edition, region=region).values_list("nomination_id", "quota"))
    nominations = (
        [
            {
                "nomination": n,
                "finalists": finalists.get(n.pk, 0),
                "quota": quotas.get(n.pk, RegionQuota.DEFAULT),
            }
            for n in edition.nominations.all()
        ]
        if edition
        else []
    )
    return {
        "state_counts": [
            (state, label, by_state.get(state, 0)) for state, label in Entry.State.choices if state != Entry.State.DRAFT
        ],
        "total": sum(by_state.values()),
        "quota_rows": nominations,
        "signed_off": region_signed_off(edition=edition, region=region),
    }


def region_signed_off(*, edition, region):
    return RegionSignoff.objects.filter(edition=edition, region=region).select_related("signed_by").first()
