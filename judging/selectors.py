"""Reads of the jury's work: the panel's ranking per nomination from the submitted scores."""

from collections import defaultdict
from dataclasses import dataclass

from submissions.models import Entry

from . import aggregation
from .models import Panel, Score, ScoreItem
from .services import criteria_for


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


def panel_results(panel):
    """The ranking of each nomination of the panel, from submitted scores only (drafts do not count)."""
    items = ScoreItem.objects.filter(
        score__status=Score.Status.SUBMITTED, score__assignment__panel=panel, score__assignment__active=True
    ).values_list("score__assignment__juror_id", "score__assignment__entry_id", "criterion_id", "value")
    scores = defaultdict(lambda: defaultdict(dict))
    for juror, entry, criterion, value in items.iterator(chunk_size=5000):
        scores[juror][entry][criterion] = value
    entries = {
        e.pk: e
        for e in Entry.objects.filter(pk__in={e for j in scores.values() for e in j}).select_related(
            "nomination", "age_group"
        )
    }
    groups = sorted({e.age_group for e in entries.values()}, key=lambda g: (g is not None, g.min_age if g else 0))
    rankings = []
    for nomination, group in ((n, g) for n in panel.nominations.all().order_by("order") for g in groups or [None]):
        criteria = criteria_for(edition=panel.edition, nomination=nomination)
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


def panels_for_results(user):
    return Panel.objects.filter(chair=user) if user.is_authenticated else Panel.objects.none()
