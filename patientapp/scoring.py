"""Scoring of the outcome instruments, exactly as docs/scoring.md describes.

Pure functions: no Flask, no database. ``score(instrument, answers)`` is the public
contract; ``classify_change`` turns two scores into improved / no-change / worse
using the project's decided thresholds; ``display`` rounds for people (half up),
while the stored value stays unrounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SECTION_COUNT = 10
SECTION_MAX = 5
MAX_MISSING_SECTIONS = 1
NPRS_MAX = 10
PSFS_MAX = 10
PSFS_MAX_ACTIVITIES = 5

INSTRUMENTS = ("odi", "ndi", "nprs", "psfs")

# Direction: for these, a lower value is better. PSFS is the opposite.
LOWER_IS_BETTER = {"odi": True, "ndi": True, "nprs": True, "psfs": False}


@dataclass(frozen=True)
class Score:
    """The result of scoring one questionnaire (or one NPRS site)."""

    value: float | None
    valid: bool
    band: str | None
    answered: int
    reason: str | None = None


def score(instrument: str, answers) -> Score:
    """Score ``answers`` for ``instrument`` ("odi", "ndi", "nprs" or "psfs").

    Raises ValueError for an unknown instrument or an answer that is out of range
    or not a whole number; such answers are never clipped.
    """
    scorers = {"odi": _score_odi, "ndi": _score_ndi, "nprs": _score_nprs, "psfs": _score_psfs}
    try:
        scorer = scorers[instrument]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown instrument {instrument!r}; expected one of {INSTRUMENTS}") from None
    return scorer(answers)


def _check_int(value, low: int, high: int, where: str) -> int:
    # bool is a subclass of int, but True is not an answer.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where}: answer {value!r} is not a whole number")
    if not low <= value <= high:
        raise ValueError(f"{where}: answer {value} is outside {low}-{high}")
    return value


def _section_answer(raw, position: int) -> int | None:
    """One ODI/NDI section: an int, None (missing) or several marks (highest counts)."""
    where = f"section {position}"
    if raw is None:
        return None
    if isinstance(raw, (str, bytes)) or not isinstance(raw, (int, Iterable)):
        raise ValueError(f"{where}: answer {raw!r} is not a whole number")
    if isinstance(raw, Iterable):
        marks = [_check_int(mark, 0, SECTION_MAX, where) for mark in raw]
        return max(marks) if marks else None
    return _check_int(raw, 0, SECTION_MAX, where)


def _section_sum(answers: Sequence, name: str) -> tuple[int, int]:
    if isinstance(answers, (str, bytes)) or not isinstance(answers, Sequence):
        raise ValueError(f"{name}: answers must be a sequence of {SECTION_COUNT} sections")
    if len(answers) != SECTION_COUNT:
        raise ValueError(f"{name}: expected {SECTION_COUNT} sections, got {len(answers)}")
    values = [_section_answer(raw, i) for i, raw in enumerate(answers, start=1)]
    given = [v for v in values if v is not None]
    return sum(given), len(given)


def _percent_or_invalid(answers: Sequence, name: str) -> tuple[float | None, int, str | None]:
    total, answered = _section_sum(answers, name)
    missing = SECTION_COUNT - answered
    if missing > MAX_MISSING_SECTIONS:
        reason = f"{missing} sections unanswered; at most {MAX_MISSING_SECTIONS} may be missing"
        return None, answered, reason
    return total / (SECTION_MAX * answered) * 100, answered, None


def odi_band(value: float) -> str:
    """ODI disability band, judged on the unrounded percentage."""
    for limit, band in ((20, "minimal"), (40, "moderate"), (60, "severe"), (80, "crippled")):
        if value <= limit:
            return band
    return "bed-bound"


def ndi_band(value: float) -> str:
    """NDI band, judged on the raw 0-50 scale (percent / 2)."""
    raw = value / 2
    for limit, band in ((5, "none"), (15, "mild"), (25, "moderate"), (35, "severe")):
        if raw < limit:
            return band
    return "complete"


def _score_sections(answers, name: str, band) -> Score:
    value, answered, reason = _percent_or_invalid(answers, name)
    if value is None:
        return Score(None, False, None, answered, reason)
    return Score(value, True, band(value), answered)


def _score_odi(answers) -> Score:
    return _score_sections(answers, "ODI", odi_band)


def _score_ndi(answers) -> Score:
    return _score_sections(answers, "NDI", ndi_band)


def _score_nprs(answers) -> Score:
    if isinstance(answers, Sequence) and not isinstance(answers, (str, bytes)):
        if len(answers) != 1:
            raise ValueError(f"NPRS: expected one rating, got {len(answers)}")
        answers = answers[0]
    if answers is None:
        return Score(None, False, None, 0, "no rating given")
    value = _check_int(answers, 0, NPRS_MAX, "NPRS")
    return Score(float(value), True, None, 1)


def _score_psfs(answers) -> Score:
    if isinstance(answers, (str, bytes)) or not isinstance(answers, Sequence):
        raise ValueError("PSFS: answers must be a sequence of activity ratings")
    if len(answers) > PSFS_MAX_ACTIVITIES:
        raise ValueError(f"PSFS: at most {PSFS_MAX_ACTIVITIES} activities, got {len(answers)}")
    ratings = [
        _check_int(r, 0, PSFS_MAX, f"PSFS activity {i}")
        for i, r in enumerate(answers, start=1)
        if r is not None
    ]
    if not ratings:
        return Score(None, False, None, 0, "no activity rated")
    return Score(sum(ratings) / len(ratings), True, None, len(ratings))


def display(value: float | None, decimals: int = 0) -> str:
    """Round for display, half up (Python's round() would round half to even)."""
    if value is None:
        return "–"
    quantum = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


DISPLAY_DECIMALS = {"odi": 0, "ndi": 0, "nprs": 0, "psfs": 1}


def display_score(instrument: str, value: float | None) -> str:
    """A score as people read it: ODI/NDI/NPRS whole numbers, PSFS one decimal."""
    return display(value, DISPLAY_DECIMALS.get(instrument, 1))


# --- change between two timepoints -------------------------------------------

IMPROVED, NO_CHANGE, WORSE = "improved", "no-change", "worse"


@dataclass(frozen=True)
class ChangeRule:
    """Thresholds for a meaningful change, in the instrument's own units."""

    points: float
    percent_of_baseline: float | None  # relative improvement that also counts


CHANGE_RULES = {
    # ODI: improved = drop >= 10 points or >= 30 %; worse = rise >= 10 points.
    "odi": ChangeRule(points=10, percent_of_baseline=30),
    # NDI: >= 10 percentage points either way.
    "ndi": ChangeRule(points=10, percent_of_baseline=None),
    # NPRS: 2 points or 30 % (Farrar 2001, Childs 2005).
    "nprs": ChangeRule(points=2, percent_of_baseline=30),
    # PSFS: 2 points for the mean (3 for a single activity, see classify_change).
    "psfs": ChangeRule(points=2, percent_of_baseline=None),
}
PSFS_SINGLE_ACTIVITY_POINTS = 3
# Scores such as 16/45 are not exact in binary; a change of "10.000000001" is 10.
_EPSILON = 1e-9


def classify_change(
    instrument: str, before: float | None, after: float | None, single_activity: bool = False
) -> str | None:
    """Classify the change from ``before`` to ``after``; None when either is missing.

    The direction is the instrument's: for PSFS a rise is an improvement.
    """
    if before is None or after is None:
        return None
    rule = CHANGE_RULES[instrument]
    points = PSFS_SINGLE_ACTIVITY_POINTS if single_activity else rule.points
    # gain > 0 always means "better", whatever the instrument's direction.
    gain = (before - after) if LOWER_IS_BETTER[instrument] else (after - before)
    if gain <= -points + _EPSILON:
        return WORSE
    if gain >= points - _EPSILON:
        return IMPROVED
    relative = rule.percent_of_baseline
    if relative and before > 0 and gain / before * 100 >= relative - _EPSILON:
        return IMPROVED
    return NO_CHANGE
