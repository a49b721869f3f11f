"""The consultation records of a course, as the course page and the GP summary show them."""

from __future__ import annotations

from ..courses import queries as courses
from ..db import get_db
from ..questionnaires import flow
from ..questionnaires import queries as answers_db
from ..timeutil import today
from . import queries, records


def fillable(course: dict, timepoint: dict, timepoints: list[dict]) -> bool:
    """A questionnaire the clinician may fill in with the patient: the patient consented,
    it is not sent and not stopped by a cancelled appointment, and it is due (its link has
    gone out) or it is the course's next one (the patient came before the link went out)."""
    if timepoint["submitted_at"] or timepoint.get("stopped_at") or \
            course["consent"] != "given":
        return False
    upcoming = [tp for tp in timepoints if not tp["submitted_at"] and not tp.get("stopped_at")]
    return timepoint["send_at"] <= today().isoformat() or \
        (bool(upcoming) and upcoming[0]["id"] == timepoint["id"])


def neuro_by_timepoint(findings: list[dict]) -> list[dict]:
    """Findings grouped per consultation, oldest first, each with its strength-worse list."""
    groups: dict[str, dict] = {}
    for finding in findings:
        group = groups.setdefault(finding["timepoint"], {"timepoint": finding["timepoint"],
                                                         "findings": []})
        group["findings"].append(finding)
    for group in groups.values():
        group["strength_worse"] = records.strength_worse(group["findings"])
    return list(groups.values())


def tests_table(tests: list[dict]) -> list[dict]:
    """One row per test (the own test by its name): its value per consultation and the
    change from the first to the last."""
    rows: dict[tuple[str, str], dict] = {}
    for entry in tests:
        row = rows.setdefault((entry["test"], entry["name"]), {
            "test": entry["test"], "name": entry["name"], "unit": entry["unit"], "values": {}})
        row["values"][entry["timepoint"]] = entry["value"]
    for row in rows.values():
        values = list(row["values"].values())
        row["change"] = records.change(values[0], values[-1]) if len(values) > 1 else None
    return list(rows.values())


def course_records(course: dict) -> dict:
    """Everything recorded in the consultations of ``course``, for its page."""
    db = get_db()
    timepoints = courses.list_timepoints(db, course["id"])
    neuro = neuro_by_timepoint(queries.list_neuro_findings(db, course["id"]))
    activities = answers_db.list_fixed_activities(db, course["id"])
    baseline = next((tp for tp in timepoints if tp["key"] == records.BASELINE), None)
    return {
        "fillable": [tp for tp in timepoints if fillable(course, tp, timepoints)],
        "neuro_timepoints": [tp for tp in timepoints
                             if records.asks_neuro(course["pathway"], tp)],
        "test_timepoints": [tp for tp in timepoints if records.asks_tests(tp)],
        "neuro": neuro,
        "strength_worse": neuro[-1]["strength_worse"] if neuro else [],
        "tests": tests_table(queries.list_functional_tests(db, course["id"])),
        "record": queries.get_course_record(db, course["id"]),
        "psfs_editable": bool(baseline) and not baseline["submitted_at"],
        # One added later: after the baseline was sent, while there is room on the form.
        "psfs_can_add": bool(baseline and baseline["submitted_at"] and activities)
        and len(activities) < flow.PSFS_MAX_ACTIVITIES,
    }
