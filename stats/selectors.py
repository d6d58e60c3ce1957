"""The figures of an edition, whole or for one region: aggregate queries (COUNT … GROUP BY), a fixed number
of them whatever the number of participants, and the tables the page, its charts and the .xlsx show.

Participants are counted in their own region (Participant.region); entries, films, scores and documents in
the region of the entry (or of the document)."""

from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from certificates.models import Document, Kind
from festival.models import AgeGroup, Nomination, Participant, Region
from judging.models import Panel, Score
from submissions.models import Entry, EntryAuthor, Film, RegionalParticipant

State = Entry.State
# Sent to the festival: every entry that is not a draft and was not withdrawn.
SENT = [s for s in State.values if s not in (State.DRAFT, State.WITHDRAWN)]
# At the republican stage, or past it.
REPUBLICAN = [State.REPUBLICAN_PARTICIPANT, State.AWARDED, State.NOT_AWARDED]


@dataclass
class Table:
    """One breakdown: rows of figures under named columns, drawn as a chart of `charted` columns."""

    key: str
    title: str
    label: str  # the header of the first column, which names the rows
    columns: list
    rows: list = field(default_factory=list)  # of Row
    chart: str = "bar"  # "bar", "hbar" (bars lying down, for long names) or "doughnut"
    charted: tuple = (0,)
    # Columns that add up over the rows; a person counted in two rows (an author in two nominations) does not.
    summed: tuple | None = None
    stacked: bool = False  # the charted columns are parts of one whole

    def add(self, label, values, url=None):
        self.rows.append(Row(label=str(label), values=list(values), url=url))

    @property
    def totals(self):
        summed = range(len(self.columns)) if self.summed is None else self.summed
        return [sum(row.values[i] for row in self.rows) if i in summed else None for i in range(len(self.columns))]

    @property
    def wide(self):
        """Bars lying down take the page's width; the rest half of it."""
        return self.chart == "hbar"

    @property
    def chart_height(self):
        """Pixels: bars lying down get room for each row's bars."""
        if self.chart != "hbar":
            return 260
        return max(200, 60 + len(self.rows) * (26 if self.stacked else 14 + 12 * len(self.charted)))

    def chart_data(self):
        return {
            "key": self.key,
            "type": self.chart,
            "stacked": self.stacked,
            "labels": [row.label for row in self.rows],
            "datasets": [
                {"label": str(self.columns[i]), "data": [row.values[i] for row in self.rows]} for i in self.charted
            ],
        }


@dataclass
class Row:
    label: str
    values: list
    url: str | None = None


@dataclass
class Headline:
    value: int
    caption: str


@dataclass
class Figures:
    edition: object
    region: object
    headlines: list
    tables: list

    def chart_data(self):
        return {"tables": [table.chart_data() for table in self.tables if table.rows]}


def _entries(edition, region):
    entries = Entry.objects.filter(edition=edition)
    return entries.filter(region=region) if region is not None else entries


def _participants_by_region(edition, region):
    """Per region: the regional stage's participants (authors of sent entries and children on the imported
    lists, each once), and of them those on a list, at the republican stage, and winners."""
    # Uncorrelated "id IN (…)" sets: the database hashes each once instead of probing it row by row.
    authors = EntryAuthor.objects.filter(entry__edition=edition).values("participant_id")
    sent = Q(pk__in=authors.filter(entry__state__in=SENT))
    listed = Q(pk__in=RegionalParticipant.objects.filter(edition=edition).values("participant_id"))
    people = Participant.objects.filter(sent | listed)
    if region is not None:
        people = people.filter(region=region)
    rows = (
        people.values("region_id")
        .annotate(
            participants=Count("pk"),
            listed_count=Count("pk", filter=listed),
            republican_count=Count("pk", filter=Q(pk__in=authors.filter(entry__state__in=REPUBLICAN))),
            winners=Count("pk", filter=Q(pk__in=authors.filter(entry__state=State.AWARDED))),
        )
        .order_by()
    )
    return {row.pop("region_id"): row for row in rows}


def _entries_by_region(edition, region):
    """Per region: entries sent, those with a film (checked, or a link where links are allowed), at the
    republican stage and awarded."""
    checked = Q(pk__in=Film.objects.filter(status=Film.Status.OK).values("entry_id"))
    rows = (
        _entries(edition, region)
        .filter(state__in=SENT)
        .values("region_id")
        .annotate(
            sent=Count("pk"),
            films=Count("pk", filter=checked | ~Q(external_url="")),
            republican_count=Count("pk", filter=Q(state__in=REPUBLICAN)),
            awarded=Count("pk", filter=Q(state=State.AWARDED)),
        )
        .order_by()
    )
    return {row.pop("region_id"): row for row in rows}


def _regions_table(region_rows, by_region, entries_by_region):
    table = Table(
        key="regions",
        title=_("Participants by region"),
        label=_("Region"),
        columns=[
            _("Participants of the regional stage"),
            _("Of them from imported lists"),
            _("Republican stage"),
            _("Winners"),
            _("Entries sent"),
            _("Films"),
        ],
        chart="hbar",
        charted=(0, 4),
    )
    for region in region_rows:
        people = by_region.get(region.pk, {})
        entries = entries_by_region.get(region.pk, {})
        table.add(
            region,
            [
                people.get("participants", 0),
                people.get("listed_count", 0),
                people.get("republican_count", 0),
                people.get("winners", 0),
                entries.get("sent", 0),
                entries.get("films", 0),
            ],
            url=reverse("statistics:region", args=[region.code]),
        )
    return table


def _nominations_table(edition, region):
    sent = Q(entries__state__in=SENT)
    if region is not None:
        sent &= Q(entries__region=region)
    nominations = (
        Nomination.objects.filter(edition=edition)
        .annotate(
            sent=Count("entries", filter=sent, distinct=True),
            authors=Count("entries__authors__participant", filter=sent, distinct=True),
            republican_count=Count("entries", filter=sent & Q(entries__state__in=REPUBLICAN), distinct=True),
            awarded=Count("entries", filter=sent & Q(entries__state=State.AWARDED), distinct=True),
        )
        .order_by("order", "code")
    )
    table = Table(
        key="nominations",
        title=_("Entries by nomination"),
        label=_("Nomination"),
        columns=[_("Entries sent"), _("Authors"), _("Republican stage"), _("Awarded")],
        chart="hbar",
        charted=(0,),
        summed=(0, 2, 3),
    )
    for n in nominations:
        table.add(n, [n.sent, n.authors, n.republican_count, n.awarded])
    return table


def _age_groups_table(edition, region):
    counts = {
        row["age_group_id"]: row
        for row in _entries(edition, region)
        .filter(state__in=SENT)
        .values("age_group_id")
        .annotate(sent=Count("pk", distinct=True), authors=Count("authors__participant", distinct=True))
        .order_by()
    }
    table = Table(
        key="age_groups",
        title=_("Entries by age group"),
        label=_("Age group"),
        columns=[_("Entries sent"), _("Authors")],
        chart="doughnut",
        summed=(0,),
    )
    for group in AgeGroup.objects.filter(edition=edition).order_by("min_age"):
        row = counts.get(group.pk, {})
        table.add(group, [row.get("sent", 0), row.get("authors", 0)])
    if None in counts or not table.rows:
        row = counts.get(None, {})
        table.add(_("Without an age group"), [row.get("sent", 0), row.get("authors", 0)])
    return table


def _states_table(edition, region):
    counts = {
        row["state"]: row
        for row in _entries(edition, region)
        .values("state")
        .annotate(entries=Count("pk", distinct=True), authors=Count("authors__participant", distinct=True))
        .order_by()
    }
    table = Table(
        key="states",
        title=_("Entries by state"),
        label=_("State"),
        columns=[_("Entries"), _("Authors")],
        chart="doughnut",
        summed=(0,),
    )
    for value, label in State.choices:
        row = counts.get(value, {})
        table.add(label, [row.get("entries", 0), row.get("authors", 0)])
    return table


UPLOAD_CHECKED, UPLOAD_CHECKING, UPLOAD_REJECTED, UPLOAD_LINK, UPLOAD_NONE = (
    "checked",
    "checking",
    "rejected",
    "link",
    "none",
)


def _uploads_table(edition, region):
    """Entries (withdrawn ones aside) by the state of their film: a checked one wins over one being
    checked, which wins over a rejected one."""

    def having(status):
        return Q(pk__in=Film.objects.filter(status=status).values("entry_id"))

    status = Case(
        When(having(Film.Status.OK), then=Value(UPLOAD_CHECKED)),
        When(having(Film.Status.CHECKING), then=Value(UPLOAD_CHECKING)),
        When(having(Film.Status.REJECTED), then=Value(UPLOAD_REJECTED)),
        When(~Q(external_url=""), then=Value(UPLOAD_LINK)),
        default=Value(UPLOAD_NONE),
        output_field=CharField(),
    )
    counts = {
        row["upload"]: row
        for row in _entries(edition, region)
        .exclude(state=State.WITHDRAWN)
        .annotate(upload=status)
        .values("upload")
        .annotate(drafts=Count("pk", filter=Q(state=State.DRAFT)), sent=Count("pk", filter=~Q(state=State.DRAFT)))
        .order_by()
    }
    table = Table(
        key="uploads",
        title=_("Upload of films"),
        label=_("Film"),
        columns=[_("Drafts"), _("Entries sent"), _("Total")],
        chart="doughnut",
        charted=(2,),
    )
    for key, label in (
        (UPLOAD_CHECKED, _("Checked")),
        (UPLOAD_CHECKING, _("Being checked")),
        (UPLOAD_REJECTED, _("Rejected")),
        (UPLOAD_LINK, _("Link to the video")),
        (UPLOAD_NONE, _("No film yet")),
    ):
        row = counts.get(key, {})
        drafts, sent = row.get("drafts", 0), row.get("sent", 0)
        table.add(label, [drafts, sent, drafts + sent])
    return table


def _judging_table(edition, region):
    """Per jury panel: active assignments and the scores submitted and in draft. For a region: its own
    panels, and the republican panels' work on the region's entries."""
    mine = Q(assignments__active=True)
    panels = Panel.objects.filter(edition=edition)
    if region is not None:
        mine &= Q(assignments__entry__region=region)
        panels = panels.filter(Q(region=region) | Q(stage=Panel.Stage.REPUBLICAN))
    panels = panels.annotate(
        assigned=Count("assignments", filter=mine),
        submitted=Count("assignments", filter=mine & Q(assignments__score__status=Score.Status.SUBMITTED)),
        drafts=Count("assignments", filter=mine & Q(assignments__score__status=Score.Status.DRAFT)),
    ).order_by("stage", "name_ru")
    table = Table(
        key="judging",
        title=_("Judging"),
        label=_("Jury panel"),
        columns=[_("Films to score"), _("Scores submitted"), _("Scores in draft"), _("Not started")],
        chart="hbar",
        charted=(1, 2, 3),
        stacked=True,
    )
    for panel in panels:
        table.add(
            panel.name,
            [panel.assigned, panel.submitted, panel.drafts, panel.assigned - panel.submitted - panel.drafts],
        )
    return table


def _documents_table(edition, region):
    documents = Document.objects.filter(edition=edition)
    if region is not None:
        documents = documents.filter(region=region)
    counts = {
        (row["kind"], row["status"]): row["n"]
        for row in documents.values("kind", "status").annotate(n=Count("pk")).order_by()
    }
    table = Table(
        key="documents",
        title=_("Documents issued"),
        label=_("Document"),
        columns=[*(label for _value, label in Document.Status.choices), _("Total")],
        chart="bar",
        charted=(0,),
    )
    for kind, label in Kind.choices:
        values = [counts.get((kind, status), 0) for status in Document.Status.values]
        table.add(label, [*values, sum(values)])
    return table


def edition_figures(*, edition, region=None):
    """Everything the statistics page shows, for the edition or (with `region`) one region of it."""
    by_region = _participants_by_region(edition, region)
    entries_by_region = _entries_by_region(edition, region)
    tables = []
    if region is None:
        tables.append(_regions_table(list(Region.objects.all()), by_region, entries_by_region))
    nominations = _nominations_table(edition, region)
    tables += [
        nominations,
        _age_groups_table(edition, region),
        _states_table(edition, region),
        _uploads_table(edition, region),
        _documents_table(edition, region),
        _judging_table(edition, region),
    ]

    def total(rows, key):
        return sum(row.get(key, 0) for row in rows.values())

    participants = total(by_region, "participants")
    republican = total(by_region, "republican_count")
    regions = len({pk for pk, row in by_region.items() if row["participants"]} | set(entries_by_region))
    films = total(entries_by_region, "films")
    winners = total(by_region, "winners")
    # In a context of their own: "region", "film"… alone are the (singular) names of model fields elsewhere, and
    # one catalogue entry cannot be both.
    headlines = [
        Headline(
            participants,
            npgettext(
                "headline", "participant in the regional stages", "participants in the regional stages", participants
            ),
        ),
        Headline(
            republican,
            npgettext(
                "headline", "participant in the republican stage", "participants in the republican stage", republican
            ),
        ),
        Headline(regions, npgettext("headline", "region", "regions", regions)),
        Headline(len(nominations.rows), npgettext("headline", "nomination", "nominations", len(nominations.rows))),
        Headline(films, npgettext("headline", "film", "films", films)),
        Headline(winners, npgettext("headline", "winner", "winners", winners)),
    ]
    return Figures(edition=edition, region=region, headlines=headlines, tables=tables)
