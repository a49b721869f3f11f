"""Database access for FHIR: completed timepoints with their responses, scores and alerts.

Only courses whose patient consented (``consent = 'given'``) are ever loaded, the same
rule as the CSV export: a refused or withdrawn consent means nothing is passed on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from ..content import Content
from ..content import queries as content_db
from ..db import write_transaction

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


def list_submissions(db: Database, found: SubmissionFilter | None = None,
                     content: Content | None = None) -> list[dict]:
    """Completed timepoints of consenting patients, oldest submission first, each with the
    kept wording (``versions``) of the content versions its responses were answered on.

    With ``content``, a version no snapshot was kept of (a response from before they
    were kept) is kept now, from today's files: from then on it stays as it is.
    """
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
    _attach_versions(db, rows, content)
    return rows


def _attach_versions(db: Database, rows: list[dict], content: Content | None) -> None:
    def key(r: dict) -> tuple[str, str]:
        version = r["content_version"]
        if not version and content is not None:
            version = str(content.questionnaire(r["instrument"], "da").version)
        return r["instrument"], version

    wanted = {key(r) for row in rows for r in row["responses"]}
    kept = content_db.get_snapshots(db, wanted)
    if content is not None and (missing := wanted - set(kept)):
        with write_transaction(db):
            for instrument, version in missing:
                content_db.save_snapshots(db, content.translations(instrument).values(),
                                          version)
        kept = content_db.get_snapshots(db, wanted)
    for row in rows:
        row["versions"] = {key(r): kept[key(r)] for r in row["responses"] if key(r) in kept}


def get_submission(db: Database, timepoint_id: int,
                   content: Content | None = None) -> dict | None:
    found = list_submissions(db, SubmissionFilter(timepoint_id=timepoint_id), content)
    return found[0] if found else None


# The rows behind the resources that are read by id (their ids are "<prefix><row id>").
ROW_TABLES = {"QuestionnaireResponse": "responses", "Observation": "scores", "Flag": "alerts"}


def find_timepoint(db: Database, resource_type: str, row_id: int) -> int | None:
    """The timepoint a response, score or alert belongs to, whoever's it is."""
    table = ROW_TABLES[resource_type]  # one of three fixed names, never from the request
    row = next(db.query(f"SELECT timepoint_id FROM {table} WHERE id = ?", [row_id]),  # nosec B608
               None)
    return row["timepoint_id"] if row else None


def get_patient(db: Database, clinic_id: int, pseudonym: str) -> dict | None:
    """The patient with this pseudonym, when the clinic has a course of theirs whose
    answers may be passed on (the same rule as everything else FHIR)."""
    return next(db.query(
        "SELECT patients.pseudonym, patients.name AS patient_name FROM patients"
        " JOIN courses ON courses.patient_id = patients.id WHERE patients.pseudonym = ?"
        " AND courses.clinic_id = ? AND courses.consent = 'given' LIMIT 1",
        [pseudonym, clinic_id]), None)
