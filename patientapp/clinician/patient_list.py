"""The patient list's rows: what each course's main score did since baseline.

Pure logic: which instrument a course is followed by, and the change of its latest score
from the baseline, classified by the same thresholds as the patient page (docs/scoring.md).
The query (``queries.list_courses``) brings both values with each row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .. import scoring
from ..content import Pathway

# The disability index a course is followed by, before its pain scores.
MAIN_INSTRUMENTS = ("odi", "ndi")
BASELINE = "baseline"
# What the arrow beside a change shows: the direction the score moved (the words beside
# it say whether that is better or worse, so nothing rests on the arrow or its colour).
ARROWS = {-1: "↓", 0: "→", 1: "↑"}


def main_instrument(pathway: Pathway) -> str | None:
    """The instrument whose score the list shows for a course on ``pathway``: the
    disability index its baseline asks, else the baseline's first questionnaire."""
    asked = pathway.timepoints[0].questionnaires if pathway.timepoints else ()
    return next((i for i in asked if i in MAIN_INSTRUMENTS), asked[0] if asked else None)


def main_instruments(pathways: Iterable[Pathway]) -> dict[str, str]:
    """Pathway id -> main instrument, for every pathway that has one."""
    return {p.id: instrument for p in pathways if (instrument := main_instrument(p))}


def score_change(row: Mapping) -> dict | None:
    """The change from the baseline score to the latest one, or None when there is no
    baseline score or the latest score is the baseline's."""
    before, after = row.get("baseline_score"), row.get("latest_score")
    if before is None or after is None or row.get("latest_timepoint") == BASELINE:
        return None
    delta = after - before
    return {"from": before, "to": after, "delta": delta,
            "arrow": ARROWS[(delta > 0) - (delta < 0)],
            "class": scoring.classify_change(row["instrument"], before, after,
                                             pathway=row["pathway"])}


def with_changes(rows: list[dict]) -> list[dict]:
    """The rows, each with its ``change`` (see score_change)."""
    return [{**row, "change": score_change(row)} for row in rows]
