"""Reads of entries used by several views."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, Prefetch, Q, Subquery, Value, When

from festival.edition_cache import current_edition
from festival.prepared import Prepared, prefetched
from festival.selectors import with_consent_flag

from .models import Entry, EntryAuthor, Film, RegionQuota
from .region_cache import region_stage


def entries_with_team():
    """Entries with their school, authors, supervisors and films; the edition, nomination and age group come
    from the cached edition (with_edition_parts) rather than from joins."""
    # Each join more makes PostgreSQL plan the query longer than it runs: only what the pages read of each entry.
    return Entry.objects.select_related("school").prefetch_related(
        Prefetch("authors", queryset=EntryAuthor.objects.select_related("participant")),
        "supervisors",
        "films",
    )


# An entry's pages read it with its team and films as entries_with_team does, in four queries compiled once
# (festival.prepared): every page of an entry starts so, the student's own page of their film most of all.
_ENTRY = Prepared(lambda pk: Entry.objects.select_related("school").filter(pk=pk), pk=int)
_ENTRY_AUTHORS = Prepared(
    lambda entry: EntryAuthor.objects.select_related("participant").filter(entry_id=entry), entry=int
)
_ENTRY_SUPERVISORS = Prepared(lambda entry: get_user_model().objects.filter(supervised_entries=entry), entry=int)
_ENTRY_FILMS = Prepared(lambda entry: Film.objects.filter(entry_id=entry), entry=int)


def entry_with_team(pk):
    """The entry `pk` as entries_with_team() gives it; Entry.DoesNotExist when there is none."""
    entry = _ENTRY.get(pk=pk)
    prefetched(entry, "authors", _ENTRY_AUTHORS.all(entry=pk))
    prefetched(entry, "supervisors", _ENTRY_SUPERVISORS.all(entry=pk))
    prefetched(entry, "films", _ENTRY_FILMS.all(entry=pk))
    return entry


def film_in_effect(entry_ref, field):
    """`field` of the entry's film in effect, as a subquery of another query (`entry_ref`: the OuterRef to the
    entry's id): Entry.film's rule — the newest film that passed the check, else the newest one."""
    ok_first = Case(When(status=Film.Status.OK, then=Value(0)), default=Value(1))
    return Subquery(Film.objects.filter(entry_id=entry_ref).order_by(ok_first, "-pk").values(field)[:1])


def with_edition_parts(entry):
    """`entry` with its edition, nomination and age group from the cached current edition when it belongs to
    it — no query; an entry of an earlier edition reads them when they are used."""
    edition = current_edition()
    if edition is None or entry.edition_id != edition.pk:
        return entry
    entry.edition = edition
    for field, parts in (("nomination", edition.nominations.all()), ("age_group", edition.age_groups.all())):
        part = next((p for p in parts if p.pk == getattr(entry, f"{field}_id")), None)
        if part is not None:
            setattr(entry, field, part)
    return entry


# A union of three index lookups: an OR across the joins (with DISTINCT) reads every entry of the edition.
# Compiled once (festival.prepared): a student's pages read it on every visit.
_ENTRY_IDS_OF = Prepared(
    lambda user: (
        Entry.objects.filter(created_by_id=user)
        .order_by()
        .values("pk")
        .union(
            Entry.supervisors.through.objects.filter(user_id=user).values("entry_id"),
            EntryAuthor.objects.filter(participant__user_id=user).order_by().values("entry_id"),
        )
    ),
    user=int,
)


# The rows a student's list of films shows, by their ids (sent as one array): compiled once too.
_ENTRIES_LISTED = Prepared(
    lambda ids: Entry.objects.filter(pk__any=ids).select_related("edition", "nomination").order_by("-created_at"),
    ids=list,
)


def entries_of(user):
    """Entries the user made, supervises or is an author of, the newest first (a list)."""
    # The ids first, then the rows the list shows: one query with the union and all the joins takes the
    # planner longer than both of these together.
    ids = [row["pk"] for row in _ENTRY_IDS_OF.all(user=user.pk)]
    return _ENTRIES_LISTED.all(ids=ids) if ids else []


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


# The filters a coordinator's list takes by equality: each, when set, a parameter of its prepared query.
_FILTER_FIELDS = {"nomination": "nomination_id", "school": "school_id", "age_group": "age_group_id", "state": "state"}


def _region_entries_queryset(*, edition, region, q="", **values):
    """The region's entries (drafts aside) with the filters' `values` (names of _FILTER_FIELDS) and the search
    `q`, as plain rows in the list's order."""
    entries = Entry.objects.filter(edition_id=edition, region_id=region).exclude(state=Entry.State.DRAFT)
    for name, value in values.items():
        entries = entries.filter(**{_FILTER_FIELDS[name]: value})
    if q:
        # Several authors may match: once per entry.
        entries = entries.filter(Q(title__icontains=q) | Q(authors__participant__last_name__icontains=q)).distinct()
    return entries.order_by("nomination__order", "-submitted_at").values(
        "pk", "title", "state", "nomination_id", "school_other", school_name=F("school__name")
    )


# The list without a search, in each shape its filters give (which of them are set): each compiled once
# (festival.prepared), on its first use.
_REGION_ENTRIES = {}


def _region_entries_prepared(names):
    prepared = _REGION_ENTRIES.get(names)
    if prepared is None:
        kinds = {name: str if name == "state" else int for name in names}
        prepared = _REGION_ENTRIES.setdefault(
            names, Prepared(_region_entries_queryset, edition=int, region=int, **kinds)
        )
    return prepared


class RegionEntries:
    """What region_entries gives without a search, for the paginator: a page is read through the prepared query
    with its LIMIT and OFFSET; count() counts with a query of its own (the view takes the count from the
    counts by state and nomination when they suffice)."""

    def __init__(self, values):
        self.values = values
        self.prepared = _region_entries_prepared(tuple(name for name in _FILTER_FIELDS if name in values))

    def count(self):
        return _region_entries_queryset(**self.values).count()

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("Only pages of the list are read: list[start:stop].")
        start = key.start or 0
        if key.stop <= start:
            return []
        return self.prepared.page(start, key.stop - start, **self.values)


def region_entries(*, edition, region, filters):
    """The region's entries (drafts aside) that the filters let through, as plain rows: a coordinator clicks
    through the filters all evening and reads each page of 50 at once."""
    if edition is None:
        return []
    values = {"edition": edition.pk, "region": region.pk}
    for name in ("nomination", "school", "age_group"):
        value = getattr(filters, name)
        # An id longer than any a table holds matches nothing, as it would as text.
        if value.isdigit():
            values[name] = int(value) if len(value) <= 18 else 0
    if filters.state in Entry.State.values:
        values["state"] = filters.state
    if filters.q:
        return _region_entries_queryset(q=filters.q, **values)
    return RegionEntries(values)


# The authors and the films of a page of the list, compiled once (festival.prepared): the entries' ids go as one
# array, whatever their number.
_PAGE_AUTHORS = Prepared(
    lambda entries: (
        EntryAuthor.objects.filter(entry_id__any=entries)
        .order_by("participant__last_name", "pk")
        .values_list("entry_id", "participant__last_name", "participant__first_name", "participant__patronymic")
    ),
    entries=list,
)
_PAGE_FILMS = Prepared(
    lambda entries: (
        Film.objects.filter(entry_id__any=entries).order_by("-pk").values_list("entry_id", "status", "duplicate_of_id")
    ),
    entries=list,
)


def region_entry_rows(rows, nominations, path_for_pk):
    """What the coordinator's list shows of each of these entries (rows of region_entries): the authors'
    names, whether the film in effect was also sent in another entry, the nomination, school and state, and
    the address of the entry's page (`path_for_pk(pk)`)."""
    rows = list(rows)
    if not rows:
        return []
    ids = [row["pk"] for row in rows]
    authors = {}
    for entry_id, *name in _PAGE_AUTHORS.all(entries=ids):
        authors.setdefault(entry_id, []).append(" ".join(part for part in name if part))
    # The film in effect (Entry.film): the newest that passed the check, else the newest one.
    films = {}
    for entry_id, status, duplicate_of in _PAGE_FILMS.all(entries=ids):
        current = films.get(entry_id)
        if current is None or (status == Film.Status.OK and current[0] != Film.Status.OK):
            films[entry_id] = (status, duplicate_of)
    names = {n.pk: str(n) for n in nominations}
    states = dict(Entry.State.choices)
    return [
        {
            **row,
            "authors": ", ".join(authors.get(row["pk"], [])),
            "duplicate": bool(films.get(row["pk"], (None, None))[1]),
            "nomination": names.get(row["nomination_id"], ""),
            "school": row["school_name"] or row["school_other"],
            "state_label": states.get(row["state"], row["state"]),
            "url": path_for_pk(row["pk"]),
        }
        for row in rows
    ]


# Read on every visit to the coordinator's list: compiled once (festival.prepared). COUNT(*), not of the ids:
# the counts then come from the index on edition, region, state and nomination alone.
_REGION_COUNTS = Prepared(
    lambda edition, region: (
        Entry.objects.filter(edition_id=edition, region_id=region)
        .exclude(state=Entry.State.DRAFT)
        .values_list("state", "nomination")
        .annotate(n=Count("*"))
        .order_by()
    ),
    edition=int,
    region=int,
)


def region_entry_counts(*, edition, region):
    """Counts for the coordinator: by state, and finalists by nomination against the quota; the nominations;
    the sign-off; and `by_state_nomination`, for region_entries_count."""
    # One pass over the region's entries: by state and nomination (the finalists' rows give the second count).
    counts = _REGION_COUNTS.all(edition=edition.pk, region=region.pk) if edition else []
    by_state, finalists, by_state_nomination = {}, {}, {}
    for state, nomination, n in counts:
        by_state[state] = by_state.get(state, 0) + n
        by_state_nomination[state, nomination] = n
        if state in (Entry.State.REGIONAL_FINALIST, Entry.State.REPUBLICAN_PARTICIPANT):
            finalists[nomination] = finalists.get(nomination, 0) + n
    # The quotas of all nominations at once (finalist_quota's rule: a row if the organizer set one, else the default).
    stage = region_stage(edition=edition, region=region)
    quotas = stage["quotas"]
    nominations = list(edition.nominations.all()) if edition else []
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
        "signed_off": stage["signoff"],
        "by_state_nomination": by_state_nomination,
    }


def region_entries_count(filters, by_state_nomination):
    """How many entries region_entries gives for `filters`, from the counts by state and nomination — or None
    when the filters (a school, an age group, a search) need a query of their own."""
    if filters.q or filters.school.isdigit() or filters.age_group.isdigit():
        return None
    state = filters.state if filters.state in Entry.State.values else None
    nomination = int(filters.nomination) if filters.nomination.isdigit() else None
    return sum(
        n
        for (row_state, row_nomination), n in by_state_nomination.items()
        if (state is None or row_state == state) and (nomination is None or row_nomination == nomination)
    )


def region_signed_off(*, edition, region):
    """The region's sign-off (its signer read with it), or None: for showing; the services read their own."""
    return region_stage(edition=edition, region=region)["signoff"]
