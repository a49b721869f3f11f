"""Everything held about a patient, found by schema rather than by a hand-kept list,
so a table added by a later feature is included in access and erasure automatically.
"""

from __future__ import annotations

import json
from datetime import date

from sqlite_utils import Database

from ..db import now, write_transaction

# Secrets are not the patient's data and must never leave the database.
HIDDEN_COLUMNS = {"token_hash", "key_hash", "password_hash", "session_nonce", "nonce_hash"}
# Tables whose rows are about the course itself, read in this order.
JSON_COLUMNS = {"answers", "questionnaires", "detail", "warning"}


def course_tables(db: Database) -> list[str]:
    """Every table with a course_id column, in a stable order."""
    return sorted(t.name for t in db.tables
                  if "course_id" in t.columns_dict and t.name != "courses")


def _decode(row: dict) -> dict:
    clean = {}
    for key, value in row.items():
        if key in HIDDEN_COLUMNS:
            continue
        if key in JSON_COLUMNS and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        clean[key] = value
    return clean


def get_contact(db: Database, patient_id: int) -> dict:
    """The patient's e-mail address and phone number ('' when not on file)."""
    row = next(db.query("SELECT email, phone FROM patients WHERE id = ?", [patient_id]))
    return {"email": row["email"] or "", "phone": row["phone"] or ""}


def patient_data(db: Database, patient_id: int) -> dict:
    """The patient's record, their courses and every row that belongs to those courses."""
    patient = next(db.query("SELECT * FROM patients WHERE id = ?", [patient_id]))
    courses = list(db.query("SELECT * FROM courses WHERE patient_id = ? ORDER BY id",
                            [patient_id]))
    ids = [c["id"] for c in courses]
    marks = ",".join("?" * len(ids)) or "NULL"
    related = {table: [_decode(r) for r in db.query(
        f'SELECT * FROM "{table}" WHERE course_id IN ({marks}) ORDER BY rowid', ids)]  # nosec B608
        for table in course_tables(db)}
    return {"exported_at": now(), "patient": _decode(patient),
            "courses": [_decode(c) for c in courses],
            **{table: rows for table, rows in related.items() if rows}}


def erase_patient(db: Database, patient_id: int) -> int:
    """Delete the patient and everything about them; audit entries lose their link.

    Returns the number of courses erased.
    """
    with write_transaction(db):
        # Tables added by later features may reference each other without ON DELETE
        # CASCADE; checking foreign keys at commit lets the deletes run in any order.
        db.execute("PRAGMA defer_foreign_keys = ON")
        ids = [r["id"] for r in db.query("SELECT id FROM courses WHERE patient_id = ?",
                                         [patient_id])]
        marks = ",".join("?" * len(ids)) or "NULL"
        for table in course_tables(db):
            db.execute(f'DELETE FROM "{table}" WHERE course_id IN ({marks})', ids)  # nosec B608
        db.execute(f"UPDATE audit_log SET object_id = NULL, detail = '' WHERE object_type ="  # nosec B608
                   f" 'course' AND object_id IN ({marks})", ids)
        db.execute(f"DELETE FROM courses WHERE id IN ({marks})", ids)  # nosec B608
        db.execute("DELETE FROM patients WHERE id = ?", [patient_id])
    return len(ids)


def unconsented_timepoints(db: Database, today: date) -> list[int]:
    """Timepoints with answers given without consent whose consultation is over."""
    return [r["id"] for r in db.query(
        "SELECT timepoints.id FROM timepoints JOIN courses ON courses.id ="
        " timepoints.course_id WHERE courses.consent IN ('refused', 'withdrawn')"
        " AND timepoints.visit_date < ? AND EXISTS (SELECT 1 FROM responses"
        " WHERE responses.timepoint_id = timepoints.id)", [today.isoformat()])]


def purge_unconsented(db: Database, today: date) -> int:
    """A 'no' to keeping answers: drop them once the consultation they were for is over."""
    with write_transaction(db):
        ids = unconsented_timepoints(db, today)
        marks = ",".join("?" * len(ids)) or "NULL"
        for table in ("scores", "responses", "alerts"):
            db.execute(f"DELETE FROM {table} WHERE timepoint_id IN ({marks})", ids)  # nosec B608
        db.execute("DELETE FROM psfs_activities WHERE course_id IN"  # nosec B608
                   f" (SELECT course_id FROM timepoints WHERE id IN ({marks}))", ids)
    return len(ids)


def active_courses_last_visit_before(db: Database, day: date) -> list[int]:
    """Active courses whose every planned visit is before ``day``."""
    return [r["course_id"] for r in db.query(
        "SELECT timepoints.course_id FROM timepoints JOIN courses ON courses.id ="
        " timepoints.course_id WHERE courses.status = 'active' GROUP BY timepoints.course_id"
        " HAVING max(timepoints.visit_date) < ?", [day.isoformat()])]


def clinic_of_course(db: Database, course_id: int) -> int | None:
    found = next(db.query("SELECT clinic_id FROM courses WHERE id = ?", [course_id]), None)
    return found["clinic_id"] if found else None


def expired_patients(db: Database, cutoff: str) -> list[int]:
    """Patients whose every course ended before ``cutoff`` (an ISO timestamp)."""
    return [r["patient_id"] for r in db.query(
        "SELECT patient_id FROM courses GROUP BY patient_id"
        " HAVING sum(status = 'active') = 0 AND max(ended_at) < ?", [cutoff])]
