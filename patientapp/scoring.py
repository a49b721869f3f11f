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

INSTRUMENTS = ("odi", "ndi", "nprs", "psfs", "gpe")
# The global perceived effect: the answer (1-7) is stored as it is, with its name as band.
# It is a judgement of change in itself, so it is never compared with an earlier one.
GPE_BANDS = ("much-better", "better", "a-little-better", "no-change", "a-little-worse",
             "worse", "much-worse")
GPE_IMPROVED = ("much-better", "better")  # what the clinic overview counts as improved

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
    """Score ``answers`` for ``instrument`` ("odi", "ndi", "nprs", "psfs" or "gpe").

    Raises ValueError for an unknown instrument or an answer that is out of range
    or not a whole number; such answers are never clipped.
    """
    scorers = {"odi": _score_odi, "ndi": _score_ndi, "nprs": _score_nprs, "psfs": _score_psfs,
               "gpe": _score_gpe}
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


def _score_gpe(answer) -> Score:
    if answer is None:
        return Score(None, False, None, 0, "no answer given")
    value = _check_int(answer, 1, len(GPE_BANDS), "GPE")
    return Score(float(value), True, GPE_BANDS[value - 1], 1)


def display(value: float | None, decimals: int = 0) -> str:
    """Round for display, half up (Python's round() would round half to even)."""
    if value is None:
        return "–"
    quantum = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


DISPLAY_DECIMALS = {"odi": 0, "ndi": 0, "nprs": 0, "psfs": 1, "gpe": 0}


def display_score(instrument: str, value: float | None) -> str:
    """A score as people read it: ODI/NDI/NPRS whole numbers, PSFS one decimal."""
    return display(value, DISPLAY_DECIMALS.get(instrument, 1))


# --- change between two timepoints -------------------------------------------

IMPROVED, NO_CHANGE, WORSE = "improved", "no-change", "worse"


@dataclass(frozen=True)
class ChangeRule:
    """Thresholds for a meaningful change, in the instrument's own units.

    Improved: the gain reaches ``floor`` and, where ``percent_of_baseline`` is set, also
    that share of the baseline, i.e. the threshold is max(floor, percent × baseline).
    The floor keeps a small absolute change on a low baseline (ODI 4 → 2 is 50 %) from
    counting; the percentage asks more of a high baseline. Worse: the loss reaches
    ``worse_points`` (the floor unless set). docs/change-thresholds.md gives the sources.
    """

    floor: float
    percent_of_baseline: float | None = None
    worse_points: float | None = None

    @property
    def worse(self) -> float:
        return self.floor if self.worse_points is None else self.worse_points

    def improvement_needed(self, before: float) -> float:
        """The gain that counts as improved from ``before``."""
        if self.percent_of_baseline is None:
            return self.floor
        return max(self.floor, self.percent_of_baseline / 100 * before)


CHANGE_RULES = {
    # ODI: 10 points and 30 % of baseline (Ostelo 2008 consensus); worse: a rise of 10.
    "odi": ChangeRule(floor=10, percent_of_baseline=30),
    # NDI: 10 percentage points = 5 raw points (Vernon), either way.
    "ndi": ChangeRule(floor=10),
    # NPRS: 2 points and 30 % of baseline (Farrar 2001, Childs 2005); worse: a rise of 2.
    "nprs": ChangeRule(floor=2, percent_of_baseline=30),
    # PSFS: 2 points for the mean (Stratford 1995); a single activity needs 3.
    "psfs": ChangeRule(floor=2),
}
PSFS_SINGLE_ACTIVITY = ChangeRule(floor=3)
# Course-specific thresholds, where a course's own population has a published value.
PATHWAY_CHANGE_RULES = {
    # Cervical radiculopathy: MCID 7 of 50 raw points = 14 percentage points (Cleland 2006).
    # It was derived for improvement only, so worsening keeps the general 10 points: an
    # earlier warning is the safer error.
    ("cervical-radiculopathy", "ndi"): ChangeRule(floor=14, worse_points=10),
}
# Scores such as 16/45 are not exact in binary; a change of "10.000000001" is 10.
_EPSILON = 1e-9


def change_rule(instrument: str, pathway: str | None = None,
                single_activity: bool = False) -> ChangeRule:
    """The thresholds that apply to ``instrument`` on the course ``pathway`` (None: general)."""
    if instrument not in CHANGE_RULES:
        raise ValueError(f"Unknown instrument {instrument!r}; expected one of {INSTRUMENTS}")
    if instrument == "psfs" and single_activity:
        return PSFS_SINGLE_ACTIVITY
    return PATHWAY_CHANGE_RULES.get((pathway, instrument), CHANGE_RULES[instrument])


def classify_change(
    instrument: str, before: float | None, after: float | None, single_activity: bool = False,
    pathway: str | None = None,
) -> str | None:
    """Classify the change from ``before`` to ``after``; None when either is missing.

    The direction is the instrument's: for PSFS a rise is an improvement. ``pathway`` is
    the course's pathway id, for the thresholds that differ by course.
    """
    if before is None or after is None:
        return None
    rule = change_rule(instrument, pathway, single_activity)
    # gain > 0 always means "better", whatever the instrument's direction.
    gain = (before - after) if LOWER_IS_BETTER[instrument] else (after - before)
    if gain <= -rule.worse + _EPSILON:
        return WORSE
    if gain >= rule.improvement_needed(before) - _EPSILON:
        return IMPROVED
    return NO_CHANGE
