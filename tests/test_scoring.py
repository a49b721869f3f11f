"""Scoring against docs/scoring.md: every worked example, every rule, and properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patientapp.scoring import (
    CHANGE_RULES,
    IMPROVED,
    NO_CHANGE,
    PATHWAY_CHANGE_RULES,
    WORSE,
    classify_change,
    display,
    display_score,
    ndi_band,
    odi_band,
    score,
)

_ = None  # a missing section


@pytest.mark.parametrize(
    "instrument, answers, expected",
    [
        ("odi", [1, 5, 4, 4, 3, 0, 1, 5, 3, 4], 60),
        ("odi", [2, 2, 2, 2, 2, 3, 3, 3, 3, 3], 50),
        ("odi", [1, 1, 2, 1, 2, 2, 1, 2, 2, 2], 32),
        ("odi", [5, 5, 3, 3, 0, 0, 0, 0, 0, _], 35.56),
        ("ndi", [3, 2, 3, 0, 0, 2, 5, 2, 2, 2], 42),
        ("ndi", [2, 2, 2, 2, 2, 3, 3, 3, 3, 3], 50),
        ("ndi", [2, 1, 2, 2, 3, 2, 2, 2, 2, 2], 40),
    ],
)
def test_published_worked_examples(instrument, answers, expected):
    result = score(instrument, answers)
    assert result.valid
    assert round(result.value, 2) == expected


def test_odi_one_missing_section_divides_by_answered_sections():
    result = score("odi", [5, 5, 3, 3, 0, 0, 0, 0, 0, None])
    assert result.value == pytest.approx(16 / 45 * 100)
    assert result.answered == 9


@pytest.mark.parametrize("instrument", ["odi", "ndi"])
def test_two_missing_sections_make_the_score_invalid_with_a_reason(instrument):
    result = score(instrument, [1, 1, 1, 1, 1, 1, 1, 1, None, None])
    assert not result.valid
    assert result.value is None
    assert result.band is None
    assert result.answered == 8
    assert "2 sections unanswered" in result.reason


def test_all_missing_is_invalid_not_a_division_error():
    assert not score("odi", [None] * 10).valid


def test_several_marks_in_one_section_count_the_highest():
    single = score("odi", [3, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    double = score("odi", [{1, 3}, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    assert double.value == single.value


def test_empty_marks_count_as_missing():
    assert score("odi", [[], 2, 2, 2, 2, 2, 2, 2, 2, 2]).answered == 9


@pytest.mark.parametrize(
    "instrument, answers, message",
    [
        ("odi", [6, 0, 0, 0, 0, 0, 0, 0, 0, 0], "outside 0-5"),
        ("odi", [-1, 0, 0, 0, 0, 0, 0, 0, 0, 0], "outside 0-5"),
        ("odi", [2.5, 0, 0, 0, 0, 0, 0, 0, 0, 0], "not a whole number"),
        ("odi", ["3", 0, 0, 0, 0, 0, 0, 0, 0, 0], "not a whole number"),
        ("odi", [True, 0, 0, 0, 0, 0, 0, 0, 0, 0], "not a whole number"),
        ("odi", [[1, 7], 0, 0, 0, 0, 0, 0, 0, 0, 0], "outside 0-5"),
        ("odi", [0] * 9, "expected 10 sections"),
        ("ndi", [0] * 11, "expected 10 sections"),
        ("ndi", "0000000000", "sequence"),
        ("nprs", 11, "outside 0-10"),
        ("nprs", 7.0, "not a whole number"),
        ("nprs", [1, 2], "one rating"),
        ("psfs", [11], "outside 0-10"),
        ("psfs", [1, 2, 3, 4, 5, 6], "at most 5"),
        ("psfs", 5, "sequence"),
        ("sf36", [1], "Unknown instrument"),
    ],
)
def test_bad_answers_raise_clear_value_errors_and_are_never_clipped(instrument, answers, message):
    with pytest.raises(ValueError, match=message):
        score(instrument, answers)


@pytest.mark.parametrize(
    "value, band",
    [(0, "minimal"), (20, "minimal"), (20.01, "moderate"), (40, "moderate"), (40.5, "severe"),
     (60, "severe"), (60.1, "crippled"), (80, "crippled"), (80.1, "bed-bound"), (100, "bed-bound")],
)
def test_odi_bands_use_the_unrounded_value(value, band):
    assert odi_band(value) == band


def test_odi_band_is_judged_before_rounding():
    # 16/45 = 35.56 %: moderate. 20.4 would display as 20 but is already moderate.
    assert score("odi", [5, 5, 3, 3, 0, 0, 0, 0, 0, None]).band == "moderate"
    assert odi_band(20.4) == "moderate"


@pytest.mark.parametrize(
    "raw, band",
    [(0, "none"), (4, "none"), (5, "mild"), (14, "mild"), (15, "moderate"), (24, "moderate"),
     (25, "severe"), (34, "severe"), (35, "complete"), (50, "complete")],
)
def test_ndi_bands_on_the_raw_scale(raw, band):
    assert ndi_band(raw * 2) == band


def test_ndi_band_of_a_full_questionnaire():
    # raw 21 of 50 = 42 %: moderate (15-24)
    assert score("ndi", [3, 2, 3, 0, 0, 2, 5, 2, 2, 2]).band == "moderate"


def test_nprs_is_a_single_rating_and_each_site_its_own_score():
    assert score("nprs", 7).value == 7.0
    assert score("nprs", [7]).value == 7.0
    assert score("nprs", None).valid is False
    assert score("nprs", 0).band is None


def test_psfs_is_the_mean_of_the_rated_activities():
    result = score("psfs", [2, 5, None, 6])
    assert result.value == pytest.approx(13 / 3)
    assert result.answered == 3
    assert not score("psfs", []).valid
    assert not score("psfs", [None, None]).valid


@pytest.mark.parametrize(
    "value, decimals, shown",
    [(35.5555, 0, "36"), (32.5, 0, "33"), (33.5, 0, "34"), (2.25, 1, "2.3"), (None, 0, "–"),
     (0.0, 0, "0"), (16 / 45 * 100, 0, "36")],
)
def test_display_rounds_half_up(value, decimals, shown):
    assert display(value, decimals) == shown


def test_display_score_uses_the_instrument_precision():
    assert display_score("odi", 44.5) == "45"
    assert display_score("psfs", 13 / 3) == "4.3"


@pytest.mark.parametrize(
    "instrument, before, after, expected",
    [
        # Issue 18 replaced "10 points OR 30 %" by "30 % of baseline, but at least 10":
        ("odi", 4, 2, NO_CHANGE),       # 50 % but only 2 points: below the floor
        ("odi", 20, 14, NO_CHANGE),     # 30 % but 6 points (was "improved" before issue 18)
        ("odi", 40, 30, NO_CHANGE),     # 10 points but 25 %: 40 needs 12
        ("odi", 40, 28, IMPROVED),      # 12 points = 30 %
        ("odi", 30, 40, WORSE),         # rise of 10
        ("odi", 30, 39, NO_CHANGE),     # rise of 9: a 30 % rise is not "worse"
        ("odi", 16 / 45 * 100, 16 / 45 * 100 * 0.7, IMPROVED),  # exactly 30 % of 35.56
        ("odi", 16 / 45 * 100, 16 / 45 * 100 - 10, NO_CHANGE),  # 10 points = 28 %
        ("ndi", 40, 30, IMPROVED),
        ("ndi", 20, 14, NO_CHANGE),     # NDI has no relative rule
        ("ndi", 30, 40, WORSE),
        ("nprs", 8, 5, IMPROVED),       # 3 points, 37.5 %
        ("nprs", 8, 6, NO_CHANGE),      # 2 points but 25 % of 8
        ("nprs", 3, 2, NO_CHANGE),      # 33 % but 1 point
        ("nprs", 1, 0, NO_CHANGE),      # 100 % but 1 point
        ("nprs", 4, 2, IMPROVED),
        ("nprs", 4, 6, WORSE),
        ("psfs", 3, 5, IMPROVED),       # higher is better
        ("psfs", 5, 3, WORSE),
        ("psfs", 5, 6, NO_CHANGE),
        ("odi", None, 30, None),
        ("psfs", 4, None, None),
    ],
)
def test_change_classification(instrument, before, after, expected):
    assert classify_change(instrument, before, after) == expected


def test_psfs_single_activity_needs_three_points():
    assert classify_change("psfs", 3, 5, single_activity=True) == NO_CHANGE
    assert classify_change("psfs", 3, 6, single_activity=True) == IMPROVED


# Every threshold at its edge: just below, at and just above, in both directions.
# (instrument, pathway, single activity, before, after, expected)
EDGES = [
    # ODI floor (baseline 20: 30 % is 6, so the floor of 10 decides)
    ("odi", None, False, 20, 10.5, NO_CHANGE), ("odi", None, False, 20, 10, IMPROVED),
    ("odi", None, False, 20, 9.5, IMPROVED),
    # ODI percentage (baseline 50: 30 % is 15, above the floor)
    ("odi", None, False, 50, 35.5, NO_CHANGE), ("odi", None, False, 50, 35, IMPROVED),
    ("odi", None, False, 50, 34.5, IMPROVED),
    # ODI worse: a rise of 10, whatever the baseline
    ("odi", None, False, 30, 39.5, NO_CHANGE), ("odi", None, False, 30, 40, WORSE),
    ("odi", None, False, 30, 40.5, WORSE), ("odi", None, False, 2, 12, WORSE),
    # NDI: 10 percentage points either way, no percentage rule
    ("ndi", None, False, 40, 30.5, NO_CHANGE), ("ndi", None, False, 40, 30, IMPROVED),
    ("ndi", None, False, 40, 29.5, IMPROVED), ("ndi", None, False, 80, 70, IMPROVED),
    ("ndi", None, False, 30, 39.5, NO_CHANGE), ("ndi", None, False, 30, 40, WORSE),
    ("ndi", None, False, 30, 40.5, WORSE),
    # NDI on the cervical radiculopathy course: improved at 14 (Cleland 2006), worse at 10
    ("ndi", "cervical-radiculopathy", False, 40, 26.5, NO_CHANGE),
    ("ndi", "cervical-radiculopathy", False, 40, 26, IMPROVED),
    ("ndi", "cervical-radiculopathy", False, 40, 25.5, IMPROVED),
    ("ndi", "cervical-radiculopathy", False, 40, 30, NO_CHANGE),
    ("ndi", "cervical-radiculopathy", False, 30, 39.5, NO_CHANGE),
    ("ndi", "cervical-radiculopathy", False, 30, 40, WORSE),
    ("ndi", "cervical-radiculopathy", False, 30, 40.5, WORSE),
    # The other courses keep the general NDI and ODI rules
    ("ndi", "lumbar-radiculopathy", False, 40, 30, IMPROVED),
    ("odi", "cervical-radiculopathy", False, 20, 10, IMPROVED),
    # NPRS floor (baseline 4: 30 % is 1.2, the floor of 2 decides)
    ("nprs", None, False, 4, 2.1, NO_CHANGE), ("nprs", None, False, 4, 2, IMPROVED),
    ("nprs", None, False, 4, 1.9, IMPROVED),
    # NPRS percentage (baseline 8: 30 % is 2.4)
    ("nprs", None, False, 8, 5.7, NO_CHANGE), ("nprs", None, False, 8, 5.6, IMPROVED),
    ("nprs", None, False, 8, 5.5, IMPROVED),
    # NPRS worse: a rise of 2
    ("nprs", None, False, 4, 5.9, NO_CHANGE), ("nprs", None, False, 4, 6, WORSE),
    ("nprs", None, False, 4, 6.1, WORSE),
    # PSFS mean: 2 points, higher is better
    ("psfs", None, False, 3, 4.9, NO_CHANGE), ("psfs", None, False, 3, 5, IMPROVED),
    ("psfs", None, False, 3, 5.1, IMPROVED),
    ("psfs", None, False, 5, 3.1, NO_CHANGE), ("psfs", None, False, 5, 3, WORSE),
    ("psfs", None, False, 5, 2.9, WORSE),
    # PSFS single activity: 3 points
    ("psfs", None, True, 3, 5.9, NO_CHANGE), ("psfs", None, True, 3, 6, IMPROVED),
    ("psfs", None, True, 3, 6.1, IMPROVED),
    ("psfs", None, True, 6, 3.1, NO_CHANGE), ("psfs", None, True, 6, 3, WORSE),
    ("psfs", None, True, 6, 2.9, WORSE),
]


@pytest.mark.parametrize("instrument, pathway, single, before, after, expected", EDGES)
def test_thresholds_at_their_edges(instrument, pathway, single, before, after, expected):
    assert classify_change(instrument, before, after, single_activity=single,
                           pathway=pathway) == expected


def test_every_threshold_has_edge_cases():
    """A new rule or course-specific threshold needs its own rows in EDGES."""
    covered = {(i, p) for i, p, *_ in EDGES}
    assert {(i, None) for i in CHANGE_RULES} <= covered
    assert {(i, p) for p, i in PATHWAY_CHANGE_RULES} <= covered


def test_an_unknown_instrument_has_no_change_rule():
    with pytest.raises(ValueError):
        classify_change("sf36", 10, 20)


# --- properties ---------------------------------------------------------------

section = st.one_of(st.none(), st.integers(0, 5))


@given(st.sampled_from(["odi", "ndi"]), st.lists(section, min_size=10, max_size=10))
def test_section_scores_are_percentages_or_invalid(instrument, answers):
    result = score(instrument, answers)
    missing = answers.count(None)
    assert result.answered == 10 - missing
    if missing > 1:
        assert not result.valid and result.value is None
    else:
        assert result.valid and 0 <= result.value <= 100
        given_sum = sum(a for a in answers if a is not None)
        assert result.value == pytest.approx(given_sum / (5 * result.answered) * 100)


@given(st.sampled_from(["odi", "ndi"]), st.lists(st.integers(0, 5), min_size=10, max_size=10),
       st.integers(0, 9), st.integers(0, 5))
def test_raising_one_section_never_lowers_the_score(instrument, answers, position, extra):
    higher = list(answers)
    higher[position] = max(answers[position], extra)
    assert score(instrument, higher).value >= score(instrument, answers).value


@given(st.lists(st.integers(0, 5), min_size=10, max_size=10), st.integers(0, 9),
       st.lists(st.integers(0, 5), min_size=1, max_size=6))
def test_multiple_marks_equal_their_maximum(answers, position, marks):
    marked = list(answers)
    marked[position] = marks
    single = list(answers)
    single[position] = max(marks)
    assert score("odi", marked) == score("odi", single)


@given(st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=1, max_size=5))
def test_psfs_mean_is_within_the_scale(ratings):
    result = score("psfs", ratings)
    rated = [r for r in ratings if r is not None]
    assert result.valid == bool(rated)
    if rated:
        assert min(rated) <= result.value <= max(rated)


@given(st.integers().filter(lambda n: not 0 <= n <= 10))
def test_nprs_out_of_range_always_raises(value):
    with pytest.raises(ValueError):
        score("nprs", value)


@given(st.sampled_from(["odi", "ndi", "nprs", "psfs"]),
       st.sampled_from([None, "cervical-radiculopathy"]), st.floats(0, 100), st.floats(0, 100))
def test_an_improvement_read_backwards_is_a_worsening(instrument, pathway, a, b):
    """Improving needs at least as much as worsening (the floor, or 30 % of a high baseline),
    so an improvement from b to a is always a worsening from a to b; not the other way round:
    ODI 50 → 60 is worse, 60 → 50 (17 %) is not yet improved."""
    if classify_change(instrument, b, a, pathway=pathway) == IMPROVED:
        assert classify_change(instrument, a, b, pathway=pathway) == WORSE
