"""Reads of entries used by several views."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from festival.selectors import with_consent_flag

from .models import Entry, EntryAuthor, RegionQuota, RegionSignoff


def entries_with_team():
    return Entry.objects.select_related(
        "edition", "nomination", "age_group", "region", "school", "created_by"
    ).prefetch_related(
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
    return entries_with_team().filter(pk__in=ids).order_by("-created_at")


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
    entries = entries_with_team().filter(edition=edition, region=region).exclude(state=Entry.State.DRAFT)
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
