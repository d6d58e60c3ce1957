"""Reads of the jury's work: the criteria, a panel's entries, a juror's panels and films with their progress, a
score as stored, whether the results are locked, and the rankings from the submitted scores."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce

from festival.models import Nomination
from submissions.models import Entry

from . import aggregation
from .models import Assignment, Award, Criterion, Panel, PanelMember, ResultsLock, Score, ScoreItem, Showcase

# ---------------------------------------------------------------- the rules of an edition


def criteria_for(*, edition, nomination):
    """A nomination's own criteria if it has any, else the edition's general ones (`edition` and `nomination`:
    objects or ids)."""
    criteria = Criterion.objects.filter(Q(nomination=nomination) | Q(nomination__isnull=True), edition=edition)
    return criteria_of(list(criteria), getattr(nomination, "pk", nomination))


def criteria_of(criteria, nomination_id):
    """Of an edition's criteria, in their order, those a nomination is scored by: its own if it has any, else the
    general ones. Pages with many nominations read the edition's criteria once and pick here."""
    own = [c for c in criteria if c.nomination_id == nomination_id]
    return own or [c for c in criteria if c.nomination_id is None]


def results_locked(edition):
    """Whether the edition's results are locked (read from the database, as every refusal that depends on it)."""
    return ResultsLock.objects.filter(edition=edition, locked=True).exists()


def panel_entries(panel):
    """The entries a panel judges: at the regional stage those its coordinator accepted, at the republican
    stage the regions' finalists in the panel's nominations."""
    entries = Entry.objects.filter(edition=panel.edition_id, nomination__in=panel.nominations.all())
    if panel.stage == Panel.Stage.REGIONAL:
        return entries.filter(region=panel.region_id, state__in=[Entry.State.ACCEPTED, Entry.State.REGIONAL_FINALIST])
    return entries.filter(state__in=[Entry.State.REPUBLICAN_PARTICIPANT, Entry.State.AWARDED, Entry.State.NOT_AWARDED])


# ---------------------------------------------------------------- a juror's progress


def juror_progress_counts(*, panel, juror):
    """The annotations `submitted` and `assigned`: how many of the juror's active assignments in the panel there
    are, and how many of them have a submitted score. `panel` and `juror` are ids, objects or OuterRefs, so
    that any query (of panels, of members, of assignments) adds a juror's progress to its rows."""
    own = Assignment.objects.filter(panel=panel, juror=juror, active=True).order_by().values("juror")
    counts = {"submitted": Count("pk", filter=Q(score__status=Score.Status.SUBMITTED)), "assigned": Count("pk")}
    return {name: Coalesce(Subquery(own.annotate(n=count).values("n")), 0) for name, count in counts.items()}


def juror_progress(*, panel, juror):
    """(submitted, assigned) of the juror in the panel."""
    return (
        Panel.objects.filter(pk=panel.pk)
        .annotate(**juror_progress_counts(panel=OuterRef("pk"), juror=juror))
        .values_list("submitted", "assigned")
        .get()
    )


def juror_panels(juror):
    """The panels `juror` is an active member of, with the edition, each with the juror's `submitted` and
    `assigned`."""
    return (
        Panel.objects.filter(members__juror=juror, members__active=True)
        .select_related("edition")
        .annotate(**juror_progress_counts(panel=OuterRef("pk"), juror=juror))
    )


def panels_progress(panels):
    """[(panel, [(juror, submitted, assigned) per active member])], for the organizer's and the chair's views: in
    two queries whatever the number of panels (one panel's: `[(_panel, progress)] = panels_progress([panel])`)."""
    panels = list(panels)
    by_panel = defaultdict(list)
    members = (
        PanelMember.objects.filter(panel__in=panels, active=True)
        .select_related("juror")
        .annotate(**juror_progress_counts(panel=OuterRef("panel"), juror=OuterRef("juror")))
        .order_by("pk")
    )
    for member in members:
        by_panel[member.panel_id].append((member.juror, member.submitted, member.assigned))
    return [(panel, by_panel[panel.pk]) for panel in panels]


# ---------------------------------------------------------------- a juror's films


def panel_films(*, panel, juror):
    """The juror's active assignments in the panel, in their order, with the entry and its nomination and
    `score_status` (None while the film has no score)."""
    return (
        Assignment.objects.filter(panel=panel, juror=juror, active=True)
        .select_related("entry__nomination")
        .annotate(score_status=F("score__status"))
        .order_by("pk")
    )


def assignment_for_page(pk, *, juror):
    """The juror's assignment `pk` with its panel and entry (the entry's nomination, and its films for Entry.film,
    whose preview the page plays) and the juror's progress in the panel, `submitted` and `assigned`. Raises
    Assignment.DoesNotExist, also for anybody else's."""
    return (
        Assignment.objects.select_related("panel", "entry__nomination")
        .prefetch_related("entry__films")
        .annotate(**juror_progress_counts(panel=OuterRef("panel"), juror=OuterRef("juror")))
        .get(pk=pk, juror=juror)
    )


def score_initial(assignment):
    """What is stored of the assignment's score: (its status, or None when there is no score; the scoring
    form's initial values)."""
    rows = Score.objects.filter(assignment=assignment).values_list(
        "status", "version", "note", "items__criterion_id", "items__value", "items__note"
    )
    status, initial = None, {"version": 0, "note": ""}
    for row_status, version, note, criterion_id, value, item_note in rows:
        status = row_status
        initial.update(version=version, note=note)
        if criterion_id is not None:
            initial[f"c{criterion_id}"] = value
            initial[f"n{criterion_id}"] = item_note
    return status, initial


def next_unscored(*, panel, juror, after=None):
    """The juror's next assignment without a submitted score, after `after` in their list, wrapping round."""
    pending = (
        Assignment.objects.filter(panel=panel, juror=juror, active=True)
        .exclude(score__status=Score.Status.SUBMITTED)
        .order_by("pk")
    )
    if after is not None:
        later = pending.filter(pk__gt=after.pk).first()
        if later:
            return later
    return pending.exclude(Q(pk=after.pk) if after else Q()).first()


# ---------------------------------------------------------------- rankings and results


@dataclass
class NominationRanking:
    nomination: object
    rows: list  # of (aggregation.RankingRow, Entry)
    jurors: list
    criteria: list
    age_group: object = None  # films compete within their age group when the edition has age groups


def _rules(panel, criteria):
    """The panel's tie-break rules with criterion codes turned into the ids the ranking compares."""
    by_code = {c.code: c.pk for c in criteria}
    rules = []
    for rule in panel.tie_break or []:
        if rule and rule[0] == "criterion" and len(rule) > 1 and rule[1] in by_code:
            rules.append(("criterion", by_code[rule[1]]))
        elif rule and rule[0] == "chair":
            rules.append(("chair",))
    return rules


def panels_results(panels):
    """[(panel, its rankings)]: per nomination of each panel (and per age group, when the edition has them) the
    ranking from submitted scores only (drafts do not count). In four queries whatever the number of panels,
    nominations and films: the scores, their entries, the panels' nominations and the editions' criteria (one
    panel's: `[(_panel, rankings)] = panels_results([panel])`)."""
    panels = list(panels)
    if not panels:
        return []
    prefetch_related_objects(panels, Prefetch("nominations", queryset=Nomination.objects.order_by("order", "code")))
    items = ScoreItem.objects.filter(
        score__status=Score.Status.SUBMITTED, score__assignment__panel__in=panels, score__assignment__active=True
    ).values_list(
        "score__assignment__panel_id",
        "score__assignment__juror_id",
        "score__assignment__entry_id",
        "criterion_id",
        "value",
    )
    scores = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))  # panel → juror → entry → criterion
    for panel_id, juror, entry, criterion, value in items.iterator(chunk_size=5000):
        scores[panel_id][juror][entry][criterion] = value
    scored = {entry for by_juror in scores.values() for by_entry in by_juror.values() for entry in by_entry}
    entries = {e.pk: e for e in Entry.objects.filter(pk__in=scored).select_related("nomination", "age_group", "region")}
    criteria = defaultdict(list)  # per edition, in their order
    for criterion in Criterion.objects.filter(edition__in={panel.edition_id for panel in panels}):
        criteria[criterion.edition_id].append(criterion)
    return [(panel, _rankings(panel, scores[panel.pk], entries, criteria[panel.edition_id])) for panel in panels]


def _rankings(panel, scores, entries, edition_criteria):
    """The panel's rankings from its submitted `scores` (juror → entry → criterion → value)."""
    scored = {entry for by_entry in scores.values() for entry in by_entry}
    groups = sorted(
        {entries[entry].age_group for entry in scored}, key=lambda g: (g is not None, g.min_age if g else 0)
    )
    rankings = []
    for nomination, group in ((n, g) for n in panel.nominations.all() for g in groups or [None]):
        criteria = criteria_of(edition_criteria, nomination.pk)
        math_criteria = [aggregation.Criterion(id=c.pk, maximum=c.maximum, weight=float(c.weight)) for c in criteria]
        wanted = {c.pk for c in criteria}
        # Only complete score sheets of this nomination's entries take part.
        subset = {
            juror: {
                entry: values
                for entry, values in by_entry.items()
                if entries[entry].nomination_id == nomination.pk
                and entries[entry].age_group == group
                and set(values) >= wanted
            }
            for juror, by_entry in scores.items()
        }
        subset = {juror: by_entry for juror, by_entry in subset.items() if by_entry}
        rows = (
            aggregation.panel_ranking(
                subset,
                math_criteria,
                method=panel.method,
                normalise=panel.normalise,
                rules=_rules(panel, criteria),
                chair=panel.chair_id,
            )
            if subset
            else []
        )
        rankings.append(
            NominationRanking(
                nomination=nomination,
                rows=[(row, entries[row.entry_id]) for row in rows],
                jurors=sorted(subset),
                criteria=criteria,
                age_group=group,
            )
        )
    # A nomination keeps one (empty) table when nothing is scored yet; age groups without films are left out.
    return [r for r in rankings if r.rows or r.age_group is None or len(groups) <= 1]


def published_awards(edition):
    """The edition's awards as the public results page lists them."""
    return (
        Award.objects.filter(entry__edition=edition)
        .select_related("entry__nomination", "entry__region")
        .prefetch_related("entry__films")
        .order_by("entry__nomination__order", "kind", "place")
    )


def shown_films(edition):
    """The films the organizers chose to show on the public results page."""
    return Showcase.objects.filter(entry__edition=edition).select_related("entry__nomination", "entry__region")
