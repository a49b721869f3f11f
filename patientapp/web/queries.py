"""Database access for the request contexts: a clinician's sessions, a clinic's course."""

from __future__ import annotations

from sqlite_utils import Database

from ..db import now, write_transaction


def get_clinic_course(db: Database, clinic_id: int, course_id: int) -> dict | None:
    """A course with its patient, only if it belongs to ``clinic_id``."""
    rows = list(db.query(
        "SELECT courses.*, patients.name AS patient_name, patients.email, patients.phone,"
        " patients.language, patients.pseudonym, patients.birth_date,"
        " clinicians.name AS clinician_name FROM courses"
        " JOIN patients ON patients.id = courses.patient_id"
        " LEFT JOIN clinicians ON clinicians.id = courses.clinician_id"
        " WHERE courses.id = ? AND courses.clinic_id = ?", [course_id, clinic_id]))
    return rows[0] if rows else None


def save_session(db: Database, clinician_id: int, nonce_hash: str) -> None:
    """A signed-in device: the sign-in also clears failed attempts and a lock-out."""
    with write_transaction(db):
        db.execute("UPDATE clinicians SET failed_logins = 0, locked_until = NULL,"
                   " last_login_at = ? WHERE id = ?", [now(), clinician_id])
        db.execute("INSERT INTO clinician_sessions (clinician_id, nonce_hash, created_at)"
                   " VALUES (?, ?, ?)", [clinician_id, nonce_hash, now()])


def delete_session(db: Database, nonce_hash: str) -> None:
    db.execute("DELETE FROM clinician_sessions WHERE nonce_hash = ?", [nonce_hash])


def delete_sessions(db: Database, clinician_id: int) -> None:
    db.execute("DELETE FROM clinician_sessions WHERE clinician_id = ?", [clinician_id])


def get_session_clinician(db: Database, nonce_hash: str, clinician_id: int) -> dict | None:
    """The active clinician signed in on the device holding this session nonce, with
    ``session_id``: that device's session row (where its patient-list search is kept),
    and whether the clinic requires two-factor sign-in of its admins."""
    rows = list(db.query(
        "SELECT clinicians.*, clinician_sessions.id AS session_id,"
        " clinics.require_admin_two_factor FROM clinician_sessions JOIN clinicians ON"
        " clinicians.id = clinician_sessions.clinician_id JOIN clinics ON clinics.id ="
        " clinicians.clinic_id WHERE clinician_sessions.nonce_hash = ?"
        " AND clinicians.id = ? AND clinicians.active = 1", [nonce_hash, clinician_id]))
    return rows[0] if rows else None
