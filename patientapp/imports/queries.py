"""Database access for the bulk import: the upload kept between preview and confirmation,
the clinic's courses the file names, and writing what the preview showed."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlite_utils import Database

from ..audit import record
from ..content import Pathway
from ..courses import queries as courses
from ..db import write_transaction
from ..timeutil import iso
from .csvfile import Column, Table
from .rows import NEW, UPDATE, Outcome


def save_upload(db: Database, clinic_id: int, clinician_id: int, session_id: int,
                digest: str, table: Table, now: datetime, keep: timedelta) -> str:
    """Keep a parsed file for its preview; the random id it is found by. Expired uploads
    (anyone's) go at the same time: they hold names and contact details."""
    upload_id = secrets.token_urlsafe(18)
    content = json.dumps({"columns": [[c.header, c.field, c.code] for c in table.columns],
                          "rows": table.rows}, ensure_ascii=False)
    with write_transaction(db):
        db.execute("DELETE FROM bulk_imports WHERE expires_at <= ?", [iso(now)])
        db.execute("INSERT INTO bulk_imports (id, clinic_id, clinician_id, session_id, digest,"
                   " content, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [upload_id, clinic_id, clinician_id, session_id, digest, content, iso(now),
                    iso(now + keep)])
    return upload_id


def get_upload(db: Database, upload_id: str, clinic_id: int, session_id: int,
               now: datetime) -> tuple[dict, Table] | None:
    """The upload if it is this device's, of this clinic and not expired; else None."""
    rows = list(db.query("SELECT * FROM bulk_imports WHERE id = ? AND clinic_id = ?"
                         " AND session_id = ? AND expires_at > ?",
                         [upload_id, clinic_id, session_id, iso(now)]))
    if not rows:
        return None
    content = json.loads(rows[0]["content"])
    table = Table([Column(*c) for c in content["columns"]],
                  [(line, cells) for line, cells in content["rows"]])
    return rows[0], table


def take_upload(db: Database, upload_id: str, session_id: int) -> bool:
    """Remove the upload (in the caller's transaction); False when it was already gone,
    so two confirmations (two tabs, a double click) import once."""
    return db.execute("DELETE FROM bulk_imports WHERE id = ? AND session_id = ?",
                      [upload_id, session_id]).rowcount == 1


def list_courses_by_reference(db: Database, clinic_id: int,
                              references: list[str]) -> dict[str, dict]:
    """The clinic's courses with these external_ids, by external_id, with the patient."""
    rows = db.query(
        "SELECT courses.*, patients.name AS patient_name, patients.email, patients.phone,"
        " patients.language FROM courses JOIN patients ON patients.id = courses.patient_id"
        " WHERE courses.clinic_id = ? AND courses.external_id IN"
        " (SELECT value FROM json_each(?))", [clinic_id, json.dumps(references)])
    return {row["external_id"]: row for row in rows}


def list_timepoints_of(db: Database, course_ids: list[int]) -> dict[int, list[dict]]:
    rows = db.query("SELECT id, course_id, key, code, visit_date, submitted_at FROM timepoints"
                    " WHERE course_id IN (SELECT value FROM json_each(?)) ORDER BY position",
                    [json.dumps(course_ids)])
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row["course_id"], []).append(row)
    return found


def _apply_one(db: Database, clinic_id: int, outcome: Outcome, pathway: Pathway) -> int:
    enrolment = outcome.row.enrolment
    course_id = outcome.course_id
    if outcome.kind == NEW:
        patient = courses.NewPatient(clinic_id, enrolment.name, enrolment.email,
                                     enrolment.phone, enrolment.language)
        course_id = courses.enrol(db, patient, pathway, enrolment.first_visit,
                                  enrolment.referral_date, enrolment.entry_code,
                                  external_id=outcome.external_id)
    elif outcome.contact:
        patient_id = courses.get_course(db, course_id)["patient_id"]
        courses.save_contact(db, patient_id, outcome.contact)
    order = [t.key for t in pathway.timepoints]
    for key in sorted(outcome.moves, key=order.index):
        courses.move_visit(db, course_id, pathway, key, outcome.moves[key])
    return course_id


def apply_import(db: Database, upload_id: str, session_id: int, clinic_id: int,
                 clinician_id: int, outcomes: list[Outcome],
                 pathways: Mapping[str, Pathway]) -> bool:
    """Write every new and changed row and the audit log, all in one transaction, and
    remove the upload. False (and nothing written) when the upload was already taken."""
    with write_transaction(db):
        if not take_upload(db, upload_id, session_id):
            return False
        for outcome in outcomes:
            if outcome.kind not in (NEW, UPDATE):
                continue
            course_id = _apply_one(db, clinic_id, outcome, pathways[outcome.row.enrolment
                                                                    .pathway])
            detail = ", ".join([*sorted(outcome.contact), *outcome.moves])[:200]
            record(db, "clinician", clinician_id, clinic_id,
                   "import-enrol-patient" if outcome.kind == NEW else "import-update-course",
                   "course", course_id, detail)
    return True
