"""The jury's ranking mathematics on examples computed by hand (the arithmetic is in the comments)."""

import itertools
import math
import random
from decimal import Decimal

import pytest

from judging.aggregation import (
    Criterion,
    EntryResult,
    aggregate,
    disagreement,
    normalise_by_juror,
    panel_ranking,
    rank,
    weighted_total,
)

# Three criteria with different maxima and weights.
IDEA = Criterion("idea", maximum=10, weight=2)
SOUND = Criterion("sound", maximum=5, weight=1)
CAMERA = Criterion("camera", maximum=20, weight=3)
THREE = [IDEA, SOUND, CAMERA]


def placed_rows(placed):
    return [(p.entry_id, p.place, p.tied, p.decided_by) for p in placed]


# --- weighted_total -----------------------------------------------------------------------------------


def test_weighted_total_unequal_weights_and_maxima():
    # idea 7/10 = 0.7 × 2 = 1.4; sound 4/5 = 0.8 × 1 = 0.8; camera 10/20 = 0.5 × 3 = 1.5
    # 100 × (1.4 + 0.8 + 1.5) / (2 + 1 + 3) = 100 × 3.7 / 6 = 61.666…
    assert weighted_total({"idea": 7, "sound": 4, "camera": 10}, THREE) == pytest.approx(370 / 6)


def test_weighted_total_bounds_included():
    assert weighted_total({"idea": 0, "sound": 0, "camera": 0}, THREE) == 0
    assert weighted_total({"idea": 10, "sound": 5, "camera": 20}, THREE) == pytest.approx(100)


def test_weighted_total_decimal_weight_accepted():
    # Weights are stored as decimals: 100 × (1.5 × 6/10 + 0.5 × 2/4) / 2 = 100 × (0.9 + 0.25) / 2 = 57.5
    criteria = [Criterion("a", 10, Decimal("1.5")), Criterion("b", 4, Decimal("0.5"))]
    assert weighted_total({"a": 6, "b": 2}, criteria) == pytest.approx(57.5)


@pytest.mark.parametrize("sound", [-1, 5.5, 6, math.nan, True, "4", None])
def test_weighted_total_out_of_range_rejected(sound):
    with pytest.raises(ValueError, match="sound"):
        weighted_total({"idea": 7, "sound": sound, "camera": 10}, THREE)


def test_weighted_total_missing_value_rejected():
    with pytest.raises(ValueError, match="camera"):
        weighted_total({"idea": 7, "sound": 4}, THREE)


def test_weighted_total_unknown_criterion_rejected():
    with pytest.raises(ValueError, match="acting"):
        weighted_total({"idea": 7, "sound": 4, "camera": 10, "acting": 3}, THREE)


def test_weighted_total_duplicate_or_weightless_criteria_rejected():
    with pytest.raises(ValueError, match="twice"):
        weighted_total({"idea": 7}, [IDEA, IDEA])
    with pytest.raises(ValueError, match="weight"):
        weighted_total({"a": 1}, [Criterion("a", 10, 0)])


@pytest.mark.parametrize("maximum, weight", [(0, 1), (-5, 1), (math.inf, 1), (10, -1), (10, math.nan)])
def test_criterion_invalid_scale_rejected(maximum, weight):
    with pytest.raises(ValueError):
        Criterion("a", maximum, weight)


# --- aggregate ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, method, expected",
    [
        # Odd count [60, 70, 95]: mean 225 / 3 = 75; median 70; trimmed drops 60 and 95 → 70.
        ([95, 60, 70], "mean", 75),
        ([95, 60, 70], "median", 70),
        ([95, 60, 70], "trimmed", 70),
        # Even count [40, 60, 90, 100]: mean 290 / 4 = 72.5; median (60 + 90) / 2 = 75;
        # trimmed drops 40 and 100 → (60 + 90) / 2 = 75.
        ([100, 40, 90, 60], "mean", 72.5),
        ([100, 40, 90, 60], "median", 75),
        ([100, 40, 90, 60], "trimmed", 75),
        # Five [10, 60, 65, 85, 100]: mean 320 / 5 = 64; median 65; trimmed (60 + 65 + 85) / 3 = 70,
        # so the low outlier 10 no longer drags the score down.
        ([10, 60, 65, 85, 100], "mean", 64),
        ([10, 60, 65, 85, 100], "median", 65),
        ([10, 60, 65, 85, 100], "trimmed", 70),
        # Two values [40, 90]: all three are (40 + 90) / 2 = 65; trimming would leave nothing.
        ([40, 90], "mean", 65),
        ([40, 90], "median", 65),
        ([40, 90], "trimmed", 65),
        # One value is itself whatever the method.
        ([42.5], "trimmed", 42.5),
    ],
)
def test_aggregate_methods_hand_computed(values, method, expected):
    assert aggregate(values, method) == pytest.approx(expected)


def test_aggregate_trimmed_drops_only_one_of_each_extreme():
    # [50, 50, 80, 80]: drop one 50 and one 80 → (50 + 80) / 2 = 65.
    assert aggregate([50, 50, 80, 80], "trimmed") == pytest.approx(65)


def test_aggregate_empty_rejected():
    with pytest.raises(ValueError, match="no values"):
        aggregate([], "mean")


def test_aggregate_unknown_method_rejected():
    with pytest.raises(ValueError, match="unknown aggregation method"):
        aggregate([1, 2], "mode")


# --- normalise_by_juror -------------------------------------------------------------------------------


def test_normalise_harsh_and_lenient_jurors_coincide():
    # Harsh juror 40, 50, 60: mean 50, population sd √((100 + 0 + 100) / 3) = 8.165 → z = −1.2247, 0, +1.2247.
    # Lenient juror 50, 70, 90: mean 70, sd √((400 + 0 + 400) / 3) = 16.33 → the same z (same order, twice
    # the scale, another offset).
    # Panel: all six totals sum to 360 → mean 60; deviations −20, −10, 0, −10, 10, 30 → squares sum to 1600,
    # population sd √(1600 / 6) = 16.33. Back on the panel's scale: 60 ± 1.2247 × 16.33 = 60 ± √(1.5 × 1600 / 6)
    # = 60 ± 20 → 40, 60, 80 for both jurors.
    totals = {"harsh": {"e1": 40, "e2": 50, "e3": 60}, "lenient": {"e1": 50, "e2": 70, "e3": 90}}
    normalised = normalise_by_juror(totals)
    for juror in ("harsh", "lenient"):
        assert normalised[juror] == pytest.approx({"e1": 40, "e2": 60, "e3": 80})
    assert totals["harsh"] == {"e1": 40, "e2": 50, "e3": 60}, "the input must not be modified"


def test_normalise_juror_with_one_score_gets_panel_mean():
    # A: 40, 60; B: 90 only. Panel mean (40 + 60 + 90) / 3 = 63.333; deviations −23.333, −3.333, 26.667
    # → squares 544.44 + 11.11 + 711.11 = 1266.67, sd √(1266.67 / 3) = 20.548.
    # A: mean 50, sd 10 → z = −1, +1 → 63.333 − 20.548 = 42.785 and 63.333 + 20.548 = 83.881.
    # B has no spread of their own → 63.333, the panel mean.
    normalised = normalise_by_juror({"A": {"e1": 40, "e2": 60}, "B": {"e1": 90}})
    mean, sd = 190 / 3, math.sqrt((190 / 3 - 40) ** 2 + (190 / 3 - 60) ** 2 + (90 - 190 / 3) ** 2) / math.sqrt(3)
    assert sd == pytest.approx(20.548, abs=1e-3)
    assert normalised["B"] == {"e1": pytest.approx(mean)}
    assert normalised["A"] == pytest.approx({"e1": mean - sd, "e2": mean + sd})
    assert normalised["A"]["e1"] == pytest.approx(42.785, abs=1e-3)


def test_normalise_juror_without_spread_gets_panel_mean():
    # A gives 50 to both; B gives 40 and 80. Panel mean (50 + 50 + 40 + 80) / 4 = 55.
    normalised = normalise_by_juror({"A": {"e1": 50, "e2": 50}, "B": {"e1": 40, "e2": 80}})
    assert normalised["A"] == pytest.approx({"e1": 55, "e2": 55})


def test_normalise_zero_panel_spread_returns_totals_unchanged():
    totals = {"A": {"e1": 70, "e2": 70}, "B": {"e1": 70}}
    assert normalise_by_juror(totals) == totals


def test_normalise_empty_panel():
    assert normalise_by_juror({}) == {}
    assert normalise_by_juror({"A": {}}) == {"A": {}}


# --- disagreement -------------------------------------------------------------------------------------


def test_disagreement_exactly_threshold_not_flagged():
    # 75 − 50 = 25, not more than 25.
    assert disagreement([50, 60, 75]) is False


def test_disagreement_just_over_threshold_flagged():
    # 75.01 − 50 = 25.01 > 25.
    assert disagreement([50, 75.01]) is True


def test_disagreement_float_noise_not_flagged():
    # In floating point 32.2 − 7.2 = 25.000000000000004; the jury sees a spread of exactly 25.
    assert 32.2 - 7.2 > 25
    assert disagreement([32.2, 7.2]) is False


def test_disagreement_custom_threshold():
    # 70 − 55 = 15 > 10.
    assert disagreement([55, 70], threshold=10) is True
    assert disagreement([55, 70], threshold=15) is False


def test_disagreement_fewer_than_two_values_not_flagged():
    assert disagreement([100]) is False
    assert disagreement([]) is False


# --- rank ---------------------------------------------------------------------------------------------


def test_rank_unbreakable_tie_shares_place_and_skips_next():
    results = [EntryResult("D", 70), EntryResult("C", 80), EntryResult("A", 90), EntryResult("B", 80)]
    assert placed_rows(rank(results, [])) == [
        ("A", 1, False, None),
        ("B", 2, True, None),
        ("C", 2, True, None),
        ("D", 4, False, None),
    ]


def test_rank_tie_rules_that_cannot_separate_keep_tie():
    # Equal criterion means and no chair total for either: still tied, and listed by id only.
    results = [
        EntryResult("B", 80, {"7": 65}, None),
        EntryResult("A", 80, {"7": 65}, None),
    ]
    assert placed_rows(rank(results, [("criterion", "7"), ("chair",)])) == [
        ("A", 1, True, None),
        ("B", 1, True, None),
    ]


def test_rank_tie_broken_by_criterion():
    # Both 80; criterion 7 means: B 90 > A 70, so B goes first although A sorts first by id.
    results = [EntryResult("A", 80, {"7": 70}), EntryResult("B", 80, {"7": 90}), EntryResult("C", 60, {"7": 100})]
    assert placed_rows(rank(results, [("criterion", "7")])) == [
        ("B", 1, False, "criterion:7"),
        ("A", 2, False, "criterion:7"),
        ("C", 3, False, None),
    ]


def test_rank_tie_not_broken_by_criterion_broken_by_chair():
    # Both 80 and both 70 on criterion 7; the chair gave A 60 and B 75 → B first, by the chair.
    results = [EntryResult("A", 80, {"7": 70}, 60), EntryResult("B", 80, {"7": 70}, 75)]
    assert placed_rows(rank(results, [("criterion", "7"), ("chair",)])) == [
        ("B", 1, False, "chair"),
        ("A", 2, False, "chair"),
    ]


def test_rank_rules_apply_in_order():
    # The chair prefers A, criterion 7 prefers B: the first rule listed decides.
    results = [EntryResult("A", 80, {"7": 70}, 90), EntryResult("B", 80, {"7": 90}, 50)]
    assert [p.entry_id for p in rank(results, [("chair",), ("criterion", "7")])] == ["A", "B"]
    assert [p.entry_id for p in rank(results, [("criterion", "7"), ("chair",)])] == ["B", "A"]


def test_rank_three_way_tie_partly_broken():
    # D 85 is alone at 1. A, B and C all 80: criterion 7 puts A (90) above B and C (70 each), which nothing
    # separates further → A 2, B and C share 3, and E (60) gets 5, not 4.
    results = [
        EntryResult("C", 80, {"7": 70}),
        EntryResult("B", 80, {"7": 70}),
        EntryResult("A", 80, {"7": 90}),
        EntryResult("D", 85, {"7": 10}),
        EntryResult("E", 60, {"7": 100}),
    ]
    assert placed_rows(rank(results, [("criterion", "7")])) == [
        ("D", 1, False, None),
        ("A", 2, False, "criterion:7"),
        ("B", 3, True, "criterion:7"),
        ("C", 3, True, "criterion:7"),
        ("E", 5, False, None),
    ]


def test_rank_decided_by_names_last_rule_needed():
    # A, B, C all 80. Criterion 7: A 90, B and C 70 → A first. The chair then separates B (80) from C (50):
    # B needed the chair to be placed above C, even though the criterion already put it below A.
    results = [
        EntryResult("A", 80, {"7": 90}, 10),
        EntryResult("B", 80, {"7": 70}, 80),
        EntryResult("C", 80, {"7": 70}, 50),
    ]
    assert placed_rows(rank(results, [("criterion", "7"), ("chair",)])) == [
        ("A", 1, False, "criterion:7"),
        ("B", 2, False, "chair"),
        ("C", 3, False, "chair"),
    ]


def test_rank_chair_none_counts_lower_than_any_number():
    # A has no chair total, B has 0: any number beats None.
    results = [EntryResult("A", 80, {}, None), EntryResult("B", 80, {}, 0)]
    assert placed_rows(rank(results, [("chair",)])) == [("B", 1, False, "chair"), ("A", 2, False, "chair")]


def test_rank_chair_none_on_both_stays_tied():
    results = [EntryResult("A", 80, {}, None), EntryResult("B", 80, {}, None)]
    assert placed_rows(rank(results, [("chair",)])) == [("A", 1, True, None), ("B", 1, True, None)]


def test_rank_float_noise_treated_as_equal():
    # 69.999999 and 70.000001 both settle to 70.00: a tie, not a win for B by two millionths.
    results = [EntryResult("B", 70.000001), EntryResult("A", 69.999999)]
    assert placed_rows(rank(results, [])) == [("A", 1, True, None), ("B", 1, True, None)]
    # The scores themselves are reported as computed.
    assert [p.score for p in rank(results, [])] == [69.999999, 70.000001]


def test_rank_float_noise_in_tie_break_values_treated_as_equal():
    # Criterion means differing only in the 7th decimal do not break the tie either.
    results = [EntryResult("A", 70, {"7": 69.9999999}, None), EntryResult("B", 70, {"7": 70.0000001}, None)]
    assert placed_rows(rank(results, [("criterion", "7")])) == [("A", 1, True, None), ("B", 1, True, None)]


def test_rank_empty():
    assert rank([], [("chair",)]) == []


@pytest.mark.parametrize("rule", [("jury",), ("criterion",), ("chair", "x"), "chair", ()])
def test_rank_unknown_rule_rejected(rule):
    with pytest.raises(ValueError, match="rule"):
        rank([EntryResult("A", 80)], [rule])


def test_rank_missing_criterion_mean_rejected():
    with pytest.raises(ValueError, match="no mean for criterion"):
        rank([EntryResult("A", 80, {"7": 50}), EntryResult("B", 80, {})], [("criterion", "7")])


def test_rank_duplicate_entry_rejected():
    with pytest.raises(ValueError, match="twice"):
        rank([EntryResult("A", 80), EntryResult("A", 70)], [])


@pytest.mark.parametrize("score", [math.nan, math.inf, None, "80"])
def test_rank_non_finite_score_rejected(score):
    with pytest.raises(ValueError, match="score"):
        rank([EntryResult("A", score)], [])


def test_rank_large_random_input():
    # A sanity check on the scale of the regional round, not a timing assertion: scores with one decimal
    # make plenty of ties, some broken by the criterion or the chair and some not.
    rng = random.Random(20240601)
    count = 100_000
    results = [
        EntryResult(
            entry_id=index,
            score=round(rng.uniform(0, 100), 1),
            criterion_means={"7": float(rng.randint(0, 10) * 10)},
            chair_total=None if rng.random() < 0.3 else float(rng.randint(0, 20)),
        )
        for index in range(count)
    ]
    placed = rank(results, [("criterion", "7"), ("chair",)])
    assert len(placed) == count
    assert {p.entry_id for p in placed} == set(range(count))
    places = [p.place for p in placed]
    assert places[0] == 1
    assert all(a <= b for a, b in itertools.pairwise(places))
    # Standard competition ranking: a new place is always 1 + the number of entries ahead of it.
    assert all(p == i + 1 for i, p in enumerate(places) if i == 0 or p != places[i - 1])
    assert all(a.score >= b.score - 0.005 for a, b in itertools.pairwise(placed))
    assert any(p.tied for p in placed) and any(p.decided_by == "chair" for p in placed)


# --- panel_ranking ------------------------------------------------------------------------------------

# idea out of 10 with weight 2, sound out of 5 with weight 1:
# total = 100 × (2 × idea/10 + sound/5) / 3 = 100 × 0.2 × (idea + sound) / 3 = (20/3) × (idea + sound).
PANEL_CRITERIA = [Criterion("idea", 10, 2), Criterion("sound", 5, 1)]
PANEL_SCORES = {
    # juror: entry: values                         totals
    "j1": {
        "e1": {"idea": 8, "sound": 4},  # 20/3 × 12 = 80
        "e2": {"idea": 9, "sound": 3},  # 20/3 × 12 = 80
        "e3": {"idea": 6, "sound": 3},  # 20/3 × 9 = 60
    },
    "j2": {
        "e1": {"idea": 7, "sound": 2},  # 20/3 × 9 = 60
        "e2": {"idea": 6, "sound": 3},  # 20/3 × 9 = 60
        "e3": {"idea": 5, "sound": 1},  # 20/3 × 6 = 40
    },
    "j3": {
        "e1": {"idea": 9, "sound": 5},  # 20/3 × 14 = 93.33
        "e2": {"idea": 10, "sound": 4},  # 20/3 × 14 = 93.33
        "e3": {"idea": 6, "sound": 2},  # 20/3 × 8 = 53.33
    },
}
# Means: e1 = e2 = (80 + 60 + 93.33) / 3 = 77.78; e3 = (60 + 40 + 53.33) / 3 = 51.11.
# Criterion means in percent of the maximum:
#   sound: e1 (80 + 40 + 100) / 3 = 73.33, e2 (60 + 60 + 80) / 3 = 66.67 → e1 wins on sound;
#   idea:  e1 (80 + 70 + 90) / 3 = 80,   e2 (90 + 60 + 100) / 3 = 83.33 → e2 wins on idea.
# Spreads: e1 and e2 93.33 − 60 = 33.33 > 25 (flagged); e3 60 − 40 = 20 (not flagged).


def test_panel_ranking_tie_broken_by_criterion():
    rows = panel_ranking(PANEL_SCORES, PANEL_CRITERIA, rules=[("criterion", "sound")])
    assert [(r.entry_id, r.place, r.tied, r.decided_by, r.disagreement) for r in rows] == [
        ("e1", 1, False, "criterion:sound", True),
        ("e2", 2, False, "criterion:sound", True),
        ("e3", 3, False, None, False),
    ]
    assert rows[0].score == pytest.approx(700 / 9)
    assert rows[2].score == pytest.approx(460 / 9)
    assert rows[0].juror_totals == pytest.approx({"j1": 80, "j2": 60, "j3": 280 / 3})
    assert rows[0].raw_totals == rows[0].juror_totals


def test_panel_ranking_chair_cannot_break_then_criterion_does():
    # The chair j1 gave e1 and e2 the same 80, so the chair rule leaves them tied; idea then prefers e2.
    rows = panel_ranking(PANEL_SCORES, PANEL_CRITERIA, rules=[("chair",), ("criterion", "idea")], chair="j1")
    assert [(r.entry_id, r.place, r.decided_by) for r in rows] == [
        ("e2", 1, "criterion:idea"),
        ("e1", 2, "criterion:idea"),
        ("e3", 3, None),
    ]


def test_panel_ranking_unbroken_tie_shares_place():
    rows = panel_ranking(PANEL_SCORES, PANEL_CRITERIA, rules=[("chair",)], chair="j1")
    assert [(r.entry_id, r.place, r.tied) for r in rows] == [("e1", 1, True), ("e2", 1, True), ("e3", 3, False)]


def test_panel_ranking_trimmed_and_median():
    # Trimmed over three jurors keeps the middle one: e1 and e2 → 80 (j1), e3 → 53.33 (j3).
    rows = panel_ranking(PANEL_SCORES, PANEL_CRITERIA, method="trimmed")
    assert [(r.entry_id, round(r.score, 2)) for r in rows] == [("e1", 80), ("e2", 80), ("e3", 53.33)]
    assert panel_ranking(PANEL_SCORES, PANEL_CRITERIA, method="median")[2].score == pytest.approx(160 / 3)


def test_panel_ranking_chair_missing_entry_counts_lower():
    # The chair j1 does not score e2. With j2 giving both e1 and e2 (6, 4) = 20/3 × 10 = 66.67:
    #   e1 = (80 + 66.67 + 93.33) / 3 = 240 / 3 = 80;  e2 = (66.67 + 93.33) / 2 = 160 / 2 = 80 → equal.
    # The chair's total is 80 for e1 and None for e2, and any number beats None → e1 first, by the chair.
    scores = {juror: dict(by_entry) for juror, by_entry in PANEL_SCORES.items()}
    del scores["j1"]["e2"]
    scores["j2"]["e1"] = {"idea": 6, "sound": 4}
    scores["j2"]["e2"] = {"idea": 6, "sound": 4}
    rows = panel_ranking(scores, PANEL_CRITERIA, rules=[("chair",)], chair="j1")
    assert [(r.entry_id, r.place, r.tied, r.decided_by) for r in rows] == [
        ("e1", 1, False, "chair"),
        ("e2", 2, False, "chair"),
        ("e3", 3, False, None),
    ]
    assert rows[1].juror_totals == pytest.approx({"j2": 200 / 3, "j3": 280 / 3})


def test_panel_ranking_normalisation_removes_harsh_lenient_disagreement():
    # One criterion out of 100 with weight 1, so a total is the value itself.
    criteria = [Criterion("overall", 100, 1)]
    # Harsh 20, 30, 40 and lenient 70, 80, 90: each entry's raw spread is 50 points (flagged).
    # Same scale, so both jurors' z are −1.2247, 0, +1.2247 and their normalised totals coincide: panel mean
    # 330 / 6 = 55; deviations ±35, ±25, ±15 → squares sum 2 × (1225 + 625 + 225) = 4150; sd √(4150 / 6) =
    # 26.30 → 55 ∓ 1.2247 × 26.30 = 22.79, 55, 87.21 for both jurors, a spread of 0.
    scores = {
        "harsh": {"e1": {"overall": 20}, "e2": {"overall": 30}, "e3": {"overall": 40}},
        "lenient": {"e1": {"overall": 70}, "e2": {"overall": 80}, "e3": {"overall": 90}},
    }
    raw_rows = panel_ranking(scores, criteria)
    assert all(row.disagreement for row in raw_rows)

    rows = panel_ranking(scores, criteria, normalise=True)
    shift = math.sqrt(1.5) * math.sqrt(4150 / 6)
    assert shift == pytest.approx(32.21, abs=1e-2)
    assert [(r.entry_id, r.place) for r in rows] == [("e3", 1), ("e2", 2), ("e1", 3)]
    assert [r.score for r in rows] == pytest.approx([55 + shift, 55, 55 - shift])
    assert not any(row.disagreement for row in rows)
    assert rows[0].juror_totals == pytest.approx({"harsh": 55 + shift, "lenient": 55 + shift})
    assert rows[0].raw_totals == {"harsh": 40, "lenient": 90}


def test_panel_ranking_invalid_values_rejected():
    with pytest.raises(ValueError, match="sound"):
        panel_ranking({"j1": {"e1": {"idea": 5}}}, PANEL_CRITERIA)
    with pytest.raises(ValueError, match="unknown aggregation method"):
        panel_ranking({}, PANEL_CRITERIA, method="average")


def test_panel_ranking_empty_panel():
    assert panel_ranking({}, PANEL_CRITERIA) == []
    assert panel_ranking({"j1": {}}, PANEL_CRITERIA) == []
