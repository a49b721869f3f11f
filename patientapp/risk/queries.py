"""Database access for the risk profile: what each course's baseline answered."""

from __future__ import annotations

import json

from sqlite_utils import Database

BASELINE_SCORES = (
    "SELECT scores.course_id, scores.instrument, scores.item, scores.value, scores.band"
    " FROM scores JOIN timepoints ON timepoints.id = scores.timepoint_id"
    " WHERE timepoints.key = 'baseline' AND scores.valid = 1"
    " AND scores.instrument IN ('nprs', 'odi', 'ndi')"
    " AND scores.course_id IN (SELECT value FROM json_each(?)) ORDER BY scores.id")
BASELINE_RISK = (
    "SELECT responses.course_id, responses.answers FROM responses"
    " JOIN timepoints ON timepoints.id = responses.timepoint_id"
    " WHERE timepoints.key = 'baseline' AND responses.instrument = 'risk'"
    " AND responses.status = 'submitted'"
    " AND responses.course_id IN (SELECT value FROM json_each(?))")


def list_baseline_inputs(db: Database, course_ids: list[int]) -> dict[int, dict]:
    """Per course: its valid baseline scores and its submitted risk answers (or None).

    Two queries for any number of courses, so the patient list stays one page load.
    """
    ids = json.dumps(list(course_ids))
    found: dict[int, dict] = {cid: {"scores": [], "risk": None} for cid in course_ids}
    for row in db.query(BASELINE_SCORES, [ids]):
        found[row["course_id"]]["scores"].append(row)
    for row in db.query(BASELINE_RISK, [ids]):
        found[row["course_id"]]["risk"] = json.loads(row["answers"])
    return found
