"""The ranking mathematics of the jury, kept free of the database so that every rule can be checked on
examples computed by hand and reused by any service that has the scores in memory.

The pipeline for one panel: each juror's criterion values become a weighted total on a 0–100 scale
(`weighted_total`), optionally adjusted for harsh and lenient jurors (`normalise_by_juror`), combined
per entry over the jurors who scored it (`aggregate`), flagged when the jurors disagree widely
(`disagreement`) and ranked with explicit tie-breaks (`rank`). `panel_ranking` runs the whole chain.
"""

from __future__ import annotations

import math
import numbers
import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

# Scores are compared at this many decimals: totals are computed in floating point, so two entries a
# jury would call equal can differ in the 12th decimal, and such noise must never decide a place.
PLACES_PRECISION = 2

AGGREGATION_METHODS = ("mean", "median", "trimmed")


@dataclass(frozen=True)
class Criterion:
    """A scored aspect of an entry: values run from 0 to `maximum` and count with `weight` in the total."""

    id: Hashable
    maximum: float
    weight: float = 1

    def __post_init__(self):
        if not _is_number(self.maximum) or not 0 < float(self.maximum) < math.inf:
            raise ValueError(f"criterion {self.id!r}: the scale maximum must be a positive number")
        if not _is_number(self.weight) or not float(self.weight) >= 0 or not math.isfinite(float(self.weight)):
            raise ValueError(f"criterion {self.id!r}: the weight must be a non-negative number")


def _is_number(value) -> bool:
    # bool is an int subclass, but True as a score is a bug upstream rather than a 1.
    return not isinstance(value, bool) and isinstance(value, numbers.Real | Decimal)


def _settle(value: float) -> float:
    """The value as compared for places and spreads (see PLACES_PRECISION)."""
    return round(float(value), PLACES_PRECISION)


def weighted_total(values: Mapping[Hashable, float], criteria: Sequence[Criterion]) -> float:
    """A juror's total for one entry on a 0–100 scale: `100 * Σ(w·v/max) / Σw` over the panel's criteria.

    Each value is first made a fraction of its own maximum, so a criterion scored out of 5 weighs the same
    as one out of 10 with the same weight. The juror must score every criterion of the panel and nothing
    else: a missing, unknown or out-of-range (outside 0..maximum) value raises ValueError instead of
    silently counting as zero.
    """
    ids = [criterion.id for criterion in criteria]
    if len(set(ids)) != len(ids):
        raise ValueError("the same criterion appears twice in the panel")
    total_weight = sum(float(criterion.weight) for criterion in criteria)
    if not total_weight > 0:
        raise ValueError("the panel's criteria have no weight in total")
    missing = [cid for cid in ids if cid not in values]
    if missing:
        raise ValueError(f"no value for criteria {missing!r}")
    known = set(ids)
    unknown = [cid for cid in values if cid not in known]
    if unknown:
        raise ValueError(f"values for criteria outside the panel: {unknown!r}")
    weighted = 0.0
    for criterion in criteria:
        value = values[criterion.id]
        # `0 <= nan` is False, so NaN is rejected here together with the out-of-range values.
        if not _is_number(value) or not 0 <= float(value) <= float(criterion.maximum):
            raise ValueError(f"criterion {criterion.id!r}: {value!r} is outside 0..{criterion.maximum}")
        weighted += float(criterion.weight) * float(value) / float(criterion.maximum)
    return 100 * weighted / total_weight


def normalise_by_juror(
    totals: Mapping[Hashable, Mapping[Hashable, float]],
) -> dict[Hashable, dict[Hashable, float]]:
    """Correct for harsh and lenient jurors: each juror's totals become z-scores against that juror's own
    mean and population standard deviation, then are put back on the panel's scale as
    `panel_mean + z * panel_sd` (mean and population sd of all the panel's totals), so the numbers stay
    readable as points out of 100.

    Two jurors who order the entries alike and differ only by offset or scale end up with the same
    normalised totals. If the panel's totals have no spread at all, there is nothing to correct and the
    totals come back unchanged. The input is never modified.
    """
    everything = [float(total) for by_entry in totals.values() for total in by_entry.values()]
    if not everything:
        return {juror: {} for juror in totals}
    panel_mean = statistics.fmean(everything)
    panel_sd = statistics.pstdev(everything, panel_mean)
    if panel_sd == 0:
        return {juror: {entry: float(total) for entry, total in by_entry.items()} for juror, by_entry in totals.items()}
    normalised = {}
    for juror, by_entry in totals.items():
        own = [float(total) for total in by_entry.values()]
        own_sd = statistics.pstdev(own) if len(own) > 1 else 0.0
        if own_sd == 0:
            # A juror with one score, or the same total for everything, says nothing about how the entries
            # compare: z is undefined (division by zero). Their entries get the panel's mean, a neutral
            # contribution that neither pushes the entries up nor drops the juror's vote on them.
            normalised[juror] = {entry: panel_mean for entry in by_entry}
            continue
        own_mean = statistics.fmean(own)
        normalised[juror] = {
            entry: panel_mean + (float(total) - own_mean) / own_sd * panel_sd for entry, total in by_entry.items()
        }
    return normalised


def aggregate(values: Sequence[float], method: str) -> float:
    """Combine the jurors' totals for one entry.

    - "mean": the arithmetic mean.
    - "median": the middle value, or the mean of the two middle values for an even count.
    - "trimmed": the mean after dropping ONE highest and ONE lowest value, which blunts a single outlier
      juror; with fewer than 3 values nothing would remain, so it is the plain mean.

    An empty list raises ValueError: an entry nobody scored has no score, not a zero.
    """
    if method not in AGGREGATION_METHODS:
        raise ValueError(f"unknown aggregation method {method!r}; expected one of {AGGREGATION_METHODS}")
    floats = [float(value) for value in values]
    if not floats:
        raise ValueError("no values to aggregate")
    if method == "median":
        return float(statistics.median(floats))
    if method == "trimmed" and len(floats) >= 3:
        floats = sorted(floats)[1:-1]
    return statistics.fmean(floats)


def disagreement(values: Iterable[float], threshold: float = 25.0) -> bool:
    """True when the jurors' totals for an entry spread by more than `threshold` points (max − min on the
    0–100 scale), which asks the chair to look at the entry again. A spread of exactly the threshold is
    not flagged; the spread is settled to PLACES_PRECISION first so float noise (32.2 − 7.2 computing as
    25.000000000000004) cannot raise a flag. Fewer than two values cannot disagree.
    """
    floats = [float(value) for value in values]
    if len(floats) < 2:
        return False
    return _settle(max(floats) - min(floats)) > threshold


@dataclass(frozen=True)
class EntryResult:
    """What `rank` needs to know about an entry: its aggregated score, the panel's mean per criterion
    (0–100, for criterion tie-breaks) and the chair's own total (None when the chair did not score it)."""

    entry_id: Hashable
    score: float
    criterion_means: Mapping[Hashable, float] = field(default_factory=dict)
    chair_total: float | None = None


@dataclass(frozen=True)
class Placed:
    """An entry's place. `tied` says the rules could not separate it from another entry sharing the place;
    `decided_by` names the tie-break rule that fixed its place among entries with an equal score."""

    entry_id: Hashable
    place: int
    score: float
    tied: bool
    decided_by: str | None


def _rule_name(rule: tuple) -> str:
    """The rule as shown in `Placed.decided_by`, validating it on the way."""
    if not isinstance(rule, tuple) or not rule:
        raise ValueError(f"a tie-break rule must be a non-empty tuple, not {rule!r}")
    if rule[0] == "criterion" and len(rule) == 2:
        return f"criterion:{rule[1]}"
    if rule[0] == "chair" and len(rule) == 1:
        return "chair"
    raise ValueError(f"unknown tie-break rule {rule!r}; expected ('criterion', id) or ('chair',)")


def _rule_key(result: EntryResult, rule: tuple) -> tuple:
    """A key that sorts ascending with the winner of the rule first; equal keys mean the rule cannot
    separate the entries. The values are settled like scores, for the same reason."""
    if rule[0] == "criterion":
        if rule[1] not in result.criterion_means:
            # An unknown criterion id is a configuration mistake; guessing a value would decide places.
            raise ValueError(f"entry {result.entry_id!r} has no mean for criterion {rule[1]!r}")
        value = result.criterion_means[rule[1]]
    else:
        value = result.chair_total
        if value is None:
            # No chair total counts as lower than any number; two Nones stay equal.
            return (1, 0.0)
    if not math.isfinite(float(value)):
        raise ValueError(f"entry {result.entry_id!r}: {value!r} cannot be compared for rule {rule!r}")
    return (0, -_settle(value))


def rank(results: Sequence[EntryResult], rules: Sequence[tuple] = ()) -> list[Placed]:
    """Places from the highest score down, with the tie-break `rules` applied in order to equal scores.

    Scores are compared settled to PLACES_PRECISION decimals, so floating error never decides a place.
    Rules: `("criterion", id)` — the higher panel mean on that criterion wins; `("chair",)` — the higher
    chair total wins, None counting as lower than any number.

    Entries the rules cannot separate share a place, are marked `tied`, and the following place is skipped
    (standard competition ranking: 1, 2, 2, 4). Within a shared place entries are listed by entry_id only
    so the display is stable; that order decides nothing. `decided_by` is the last rule that was needed to
    separate the entry (or its group of tied entries) from its equal-score neighbours, and None when its
    score alone placed it or no rule could tell the equal scores apart.

    One sort plus linear passes: O(n log n) in the number of entries.
    """
    names = [_rule_name(rule) for rule in rules]
    keyed = []
    seen = set()
    for result in results:
        if result.entry_id in seen:
            raise ValueError(f"entry {result.entry_id!r} appears twice")
        seen.add(result.entry_id)
        if not _is_number(result.score) or not math.isfinite(float(result.score)):
            raise ValueError(f"entry {result.entry_id!r}: score {result.score!r} is not a finite number")
        score_key = -_settle(result.score)
        tie_keys = tuple(_rule_key(result, rule) for rule in rules)
        keyed.append((score_key, tie_keys, result))
    keyed.sort(key=lambda item: (item[0], item[1], item[2].entry_id))

    placed: list[Placed] = []
    position = 0
    for _score, same_score in groupby(keyed, key=lambda item: item[0]):
        # Inside one score: groups of entries the rules cannot separate at all.
        groups = [list(group) for _keys, group in groupby(same_score, key=lambda item: item[1])]
        # boundary[i] is the index of the first rule telling group i from group i + 1.
        boundary = [_first_difference(groups[i][0][1], groups[i + 1][0][1]) for i in range(len(groups) - 1)]
        for i, group in enumerate(groups):
            needed = [boundary[j] for j in (i - 1, i) if 0 <= j < len(boundary)]
            decided_by = names[max(needed)] if needed else None
            for _s, _k, result in group:
                placed.append(
                    Placed(
                        entry_id=result.entry_id,
                        place=position + 1,
                        score=result.score,
                        tied=len(group) > 1,
                        decided_by=decided_by,
                    )
                )
            position += len(group)
    return placed


def _first_difference(left: tuple, right: tuple) -> int:
    return next(index for index, (a, b) in enumerate(zip(left, right, strict=True)) if a != b)


@dataclass(frozen=True)
class RankingRow:
    """One line of a panel's ranking. `juror_totals` are the totals that were aggregated (normalised when
    normalisation was asked for); `raw_totals` are the jurors' weighted totals as scored, kept for audit."""

    entry_id: Hashable
    place: int
    score: float
    tied: bool
    decided_by: str | None
    disagreement: bool
    juror_totals: dict[Hashable, float]
    raw_totals: dict[Hashable, float]


def panel_ranking(
    scores: Mapping[Hashable, Mapping[Hashable, Mapping[Hashable, float]]],
    criteria: Sequence[Criterion],
    *,
    method: str = "mean",
    normalise: bool = False,
    rules: Sequence[tuple] = (),
    chair: Hashable | None = None,
    disagreement_threshold: float = 25.0,
) -> list[RankingRow]:
    """Rank a panel's entries from `scores[juror][entry][criterion] = value`.

    Weighted totals per juror → optional per-juror normalisation → `method` over the jurors who scored each
    entry → criterion means per entry (each raw value as a percentage of its maximum, averaged over those
    jurors; raw because normalisation acts on totals, not on single criteria) → the chair's raw weighted
    total (None when the chair did not score the entry) → `rank`. The disagreement flag looks at the
    aggregated totals, so with normalisation a merely harsh juror does not raise it.
    """
    if method not in AGGREGATION_METHODS:
        # Checked up front so a misspelt method fails even for a panel without scores yet.
        raise ValueError(f"unknown aggregation method {method!r}; expected one of {AGGREGATION_METHODS}")
    raw: dict[Hashable, dict[Hashable, float]] = {
        juror: {entry: weighted_total(values, criteria) for entry, values in by_entry.items()}
        for juror, by_entry in scores.items()
    }
    used = normalise_by_juror(raw) if normalise else raw

    per_entry_used: dict[Hashable, dict[Hashable, float]] = {}
    per_entry_raw: dict[Hashable, dict[Hashable, float]] = {}
    for juror, by_entry in used.items():
        for entry, total in by_entry.items():
            per_entry_used.setdefault(entry, {})[juror] = total
            per_entry_raw.setdefault(entry, {})[juror] = raw[juror][entry]

    criterion_sums: dict[Hashable, dict[Hashable, float]] = {}
    for by_entry in scores.values():
        for entry, values in by_entry.items():
            sums = criterion_sums.setdefault(entry, dict.fromkeys((c.id for c in criteria), 0.0))
            for criterion in criteria:
                sums[criterion.id] += 100 * float(values[criterion.id]) / float(criterion.maximum)

    chair_totals = raw.get(chair, {}) if chair is not None else {}
    results = []
    for entry, by_juror in per_entry_used.items():
        count = len(by_juror)
        results.append(
            EntryResult(
                entry_id=entry,
                score=aggregate(list(by_juror.values()), method),
                criterion_means={cid: total / count for cid, total in criterion_sums[entry].items()},
                chair_total=chair_totals.get(entry),
            )
        )

    return [
        RankingRow(
            entry_id=placed.entry_id,
            place=placed.place,
            score=placed.score,
            tied=placed.tied,
            decided_by=placed.decided_by,
            disagreement=disagreement(per_entry_used[placed.entry_id].values(), disagreement_threshold),
            juror_totals=per_entry_used[placed.entry_id],
            raw_totals=per_entry_raw[placed.entry_id],
        )
        for placed in rank(results, rules)
    ]
