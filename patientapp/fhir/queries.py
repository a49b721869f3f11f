"""Database access for FHIR: completed timepoints with their responses, scores and alerts.

Only courses whose patient consented (``consent = 'given'``) are ever loaded, the same
rule as the CSV export: a refused or withdrawn consent means nothing is passed on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

SUBMISSIONS = (
    "SELECT timepoints.id AS timepoint_id, timepoints.key AS timepoint,"
    " timepoints.submitted_at, timepoints.completed_by, clinicians.name AS completed_by_name,"
    " courses.id AS course_id, courses.clinic_id, courses.pathway,"
    " patients.pseudonym, patients.name AS patient_name FROM timepoints"
    " JOIN courses ON courses.id = timepoints.course_id"
    " JOIN patients ON patients.id = courses.patient_id"
    " LEFT JOIN clinicians ON clinicians.id = timepoints.completed_by"
    " WHERE timepoints.submitted_at IS NOT NULL AND courses.consent = 'given'"
)


@dataclass(frozen=True)
class SubmissionFilter:
    """Which submissions to load; every field is optional. Times are UTC ISO strings."""

    clinic_id: int | None = None
    timepoint_id: int | None = None
    pseudonym: str | None = None
    since: str | None = None  # submitted at or after
    before: str | None = None  # submitted strictly before


def _where(found: SubmissionFilter) -> tuple[str, list]:
    sql, params = "", []
    for clause, value in (("courses.clinic_id = ?", found.clinic_id),
                          ("timepoints.id = ?", found.timepoint_id),
                          ("patients.pseudonym = ?", found.pseudonym),
                          ("timepoints.submitted_at >= ?", found.since),
                          ("timepoints.submitted_at < ?", found.before)):
        if value is not None:
            sql += f" AND {clause}"
            params.append(value)
    return sql, params


def _by_timepoint(db: Database, table_sql: str, ids: list[int]) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for row in db.query(table_sql, [json.dumps(ids)]):
        grouped.setdefault(row["timepoint_id"], []).append(row)
    return grouped


def _examinations(db: Database, ids: list[int]) -> tuple[dict, dict]:
    """The neurological status and functional tests recorded at these timepoints."""
    within = "timepoint_id IN (SELECT value FROM json_each(?))"
    recorder = ("clinicians.name AS recorded_by_name FROM {table} LEFT JOIN clinicians"
                " ON clinicians.id = {table}.recorded_by WHERE {within} ORDER BY {table}.id")
    neuro = _by_timepoint(db, "SELECT neuro_findings.*, " + recorder.format(  # nosec B608
        table="neuro_findings", within=within), ids)
    tests = _by_timepoint(db, "SELECT functional_tests.*, " + recorder.format(  # nosec B608
        table="functional_tests", within=within), ids)
    return neuro, tests


def _children(db: Database, ids: list[int]) -> tuple[dict, dict, dict]:
    # json_each keeps it to one query per table, however many timepoints there are.
    within = "timepoint_id IN (SELECT value FROM json_each(?))"
    responses = _by_timepoint(db, "SELECT * FROM responses WHERE status = 'submitted' AND "  # nosec B608
                                  f"{within} ORDER BY id", ids)
    scores = _by_timepoint(db, f"SELECT * FROM scores WHERE {within} ORDER BY id", ids)  # nosec B608
    alerts = _by_timepoint(db, f"SELECT * FROM alerts WHERE kind != 'delivery' AND {within}"  # nosec B608
                               " ORDER BY id", ids)
    return responses, scores, alerts


def list_submissions(db: Database, found: SubmissionFilter | None = None) -> list[dict]:
    """Completed timepoints of consenting patients, oldest submission first."""
    where, params = _where(found or SubmissionFilter())
    rows = list(db.query(f"{SUBMISSIONS}{where} ORDER BY timepoints.submitted_at,"
                         " timepoints.id", params))
    ids = [row["timepoint_id"] for row in rows]
    responses, scores, alerts = _children(db, ids)
    neuro, tests = _examinations(db, ids)
    for row in rows:
        row["neuro"] = neuro.get(row["timepoint_id"], [])
        row["tests"] = tests.get(row["timepoint_id"], [])
        tp = row["timepoint_id"]
        row["responses"] = [{**r, "answers": json.loads(r["answers"])}
                            for r in responses.get(tp, [])]
        row["scores"] = scores.get(tp, [])
        row["alerts"] = [{**a, "detail": json.loads(a["detail"])} for a in alerts.get(tp, [])]
    return rows


def get_submission(db: Database, timepoint_id: int) -> dict | None:
    found = list_submissions(db, SubmissionFilter(timepoint_id=timepoint_id))
    return found[0] if found else None
