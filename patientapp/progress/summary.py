"""How a patient's scores moved, as the progress page tells it: pure, rows in, facts out.

Every scored instrument in the course's scores is listed, whatever it is, so a new
instrument shows up without a change here. For one whose direction ``scoring`` knows
(higher ODI/NDI/NPRS is worse, higher PSFS is better) the change is classified with the
same thresholds the clinic sees; for any other only the numbers are told.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import scoring
from ..clinician.report import BASELINE, Point, Series

IMPROVED, NO_CHANGE, WORSE = scoring.IMPROVED, scoring.NO_CHANGE, scoring.WORSE


@dataclass(frozen=True)
class Movement:
    """One series told in words: where it started, where it is now, and which way."""

    series: Series
    first: Point
    last: Point
    direction: str | None  # improved / no-change / worse; None: one answer or unknown scale
    from_baseline: bool  # "than at the start", else "than the first time you answered"
    worse_since_previous: bool

    @property
    def once(self) -> bool:
        return self.first is self.last


def submitted_rows(score_rows: list[dict]) -> list[dict]:
    """Only scores of questionnaires the patient sent (a draft is nobody's business yet)."""
    return [row for row in score_rows if row.get("submitted_at")]


def movement(series: Series) -> Movement | None:
    """From the first valid score to the latest; None when there is no valid score."""
    valid = series.valid_points
    if not valid:
        return None
    first, last = valid[0], valid[-1]
    previous = valid[-2] if len(valid) > 1 else None
    return Movement(series, first, last, _classify(series, first, last),
                    first.timepoint == BASELINE,
                    previous is not None and _classify(series, previous, last) == WORSE)


def _classify(series: Series, before: Point, after: Point) -> str | None:
    if before is after or series.instrument not in scoring.LOWER_IS_BETTER:
        return None
    return scoring.classify_change(series.instrument, before.value, after.value,
                                   single_activity=series.single_activity,
                                   pathway=series.pathway)


def by_instrument(series: list[Series]) -> dict[str, list[Movement]]:
    """The headline movements (an NPRS site each, the PSFS mean) grouped by instrument."""
    grouped: dict[str, list[Movement]] = {}
    for s in series:
        if not s.single_activity and (found := movement(s)) is not None:
            grouped.setdefault(s.instrument, []).append(found)
    return grouped


def activities(series: list[Series]) -> dict[str, Movement]:
    """Each PSFS activity's own movement, keyed by its position (as text)."""
    return {s.item: found for s in series
            if s.single_activity and (found := movement(s)) is not None}


def got_worse(movements: list[Movement]) -> bool:
    """Whether anything is worse than at the start or than the previous answer."""
    return any(m.direction == WORSE or m.worse_since_previous for m in movements)


def lower_is_better(instrument: str) -> bool | None:
    """The instrument's direction, None for one ``scoring`` does not know."""
    return scoring.LOWER_IS_BETTER.get(instrument)
