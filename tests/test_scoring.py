"""Scoring against docs/scoring.md: every worked example, every rule, and properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patientapp.scoring import (
    IMPROVED,
    NO_CHANGE,
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
        ("odi", 40, 30, IMPROVED),      # 10 points
        ("odi", 40, 31, NO_CHANGE),     # 9 points, 22.5 %
        ("odi", 20, 14, IMPROVED),      # 6 points but 30 %
        ("odi", 20, 15, NO_CHANGE),     # 25 %
        ("odi", 30, 40, WORSE),         # rise of 10
        ("odi", 30, 39, NO_CHANGE),     # rise of 9: a 30 % rise is not "worse"
        ("odi", 16 / 45 * 100, 16 / 45 * 100 - 10, IMPROVED),
        ("ndi", 40, 30, IMPROVED),
        ("ndi", 20, 14, NO_CHANGE),     # NDI has no relative rule
        ("ndi", 30, 40, WORSE),
        ("nprs", 8, 6, IMPROVED),
        ("nprs", 3, 2, IMPROVED),       # 33 %
        ("nprs", 8, 7, NO_CHANGE),
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


@given(st.sampled_from(["odi", "ndi", "nprs", "psfs"]), st.floats(0, 100), st.floats(0, 100))
def test_change_is_antisymmetric_between_improved_and_worse(instrument, a, b):
    forward, backward = classify_change(instrument, a, b), classify_change(instrument, b, a)
    if forward == WORSE:
        assert backward == IMPROVED
