"""Database access for what every feature shares: clinics, clinician accounts, the audit
log and the score export. Each feature's own tables are in its ``<feature>/queries.py``."""

from __future__ import annotations

from collections.abc import Iterator

from sqlite_utils import Database

from .db import now


def _first(rows) -> dict | None:
    return next(iter(rows), None)


# --- clinics ---------------------------------------------------------------------

def save_clinic(db: Database, name: str, phone: str = "", email: str = "",
                alert_emails: str = "", alert_phones: str = "") -> int:
    return db.execute(
        "INSERT INTO clinics (name, phone, email, alert_emails, alert_phones, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [name, phone, email, alert_emails, alert_phones, now()]).lastrowid


def get_clinic(db: Database, clinic_id: int) -> dict | None:
    """The clinic: its name and contact details as patients and messages show them, and
    where alarm notifications go."""
    return _first(db.query("SELECT * FROM clinics WHERE id = ?", [clinic_id]))


def list_clinics(db: Database) -> list[dict]:
    return list(db.query("SELECT id, name FROM clinics ORDER BY id"))


def get_clinic_by_name(db: Database, name: str) -> dict | None:
    return _first(db.query("SELECT * FROM clinics WHERE name = ?", [name]))


def save_clinic_settings(db: Database, clinic_id: int, values: dict) -> None:
    """What an admin sets under Clinic settings: name, contact and alert addresses, and
    whether admins must use two-factor sign-in."""
    db.execute("UPDATE clinics SET name = ?, phone = ?, email = ?, alert_emails = ?,"
               " alert_phones = ?, require_admin_two_factor = ? WHERE id = ?",
               [values["name"], values["phone"], values["email"], values["alert_emails"],
                values["alert_phones"], int(values["require_admin_two_factor"]), clinic_id])


# --- clinician accounts ------------------------------------------------------------

def get_clinician_by_email(db: Database, email: str) -> dict | None:
    return _first(db.query("SELECT * FROM clinicians WHERE email = ?", [email]))


def save_clinician(db: Database, clinic_id: int, email: str, name: str, password_hash: str,
                   role: str, language: str) -> int:
    return db.execute(
        "INSERT INTO clinicians (clinic_id, email, name, password_hash, role, language,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [clinic_id, email, name, password_hash, role, language, now()]).lastrowid


def save_password_hash(db: Database, clinician_id: int, password_hash: str) -> None:
    """A new password also lifts a lock-out."""
    db.execute("UPDATE clinicians SET password_hash = ?, failed_logins = 0, locked_until = NULL"
               " WHERE id = ?", [password_hash, clinician_id])


def save_clinician_language(db: Database, clinician_id: int, language: str) -> None:
    db.execute("UPDATE clinicians SET language = ? WHERE id = ?", [language, clinician_id])


# --- the audit log -------------------------------------------------------------------

def save_audit_entry(db: Database, actor_type: str, actor_id: int | None,
                     clinic_id: int | None, action: str, object_type: str,
                     object_id: int | None, detail: str) -> None:
    db.execute(
        "INSERT INTO audit_log (at, actor_type, actor_id, clinic_id, action, object_type,"
        " object_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [now(), actor_type, actor_id, clinic_id, action, object_type, object_id, detail])


# --- the score export ------------------------------------------------------------------

# Instruments without a score whose answers the export carries one row per question, the
# answer as stored: an answer id, a number of days, or the ids of the ticked pain sites
# separated by spaces (docs/integration.md).
ANSWERED_INSTRUMENTS = ("risk",)
_SCORE_ROWS = ("SELECT course_id, timepoint_id, instrument, item, value, valid FROM scores")
_ANSWER_ROWS = (
    "SELECT responses.course_id, responses.timepoint_id, responses.instrument,"
    " answer.key AS item, CASE WHEN answer.type = 'array' THEN (SELECT group_concat(ticked.value,"
    " ' ') FROM json_each(answer.value) AS ticked) ELSE answer.value END AS value, 1 AS valid"
    " FROM responses, json_each(responses.answers) AS answer"
    " WHERE responses.status = 'submitted' AND responses.instrument IN ({})")


def list_score_rows(db: Database, clinic_id: int | None = None,
                    since: str | None = None) -> Iterator[dict]:
    """One row per score, and per answer of an unscored instrument (the risk questionnaire),
    of courses whose patient consented to passing answers on."""
    where, params = ["courses.consent = 'given'"], list(ANSWERED_INSTRUMENTS)
    if clinic_id is not None:
        where.append("courses.clinic_id = ?")
        params.append(clinic_id)
    if since:
        where.append("timepoints.submitted_at >= ?")
        params.append(since)
    answers = _ANSWER_ROWS.format(", ".join("?" for _ in ANSWERED_INSTRUMENTS))
    return db.query(
        "SELECT result.course_id, courses.pathway, timepoints.key AS timepoint,"  # nosec B608
        " result.instrument, result.item, result.value, result.valid,"
        " timepoints.submitted_at,"
        " CASE WHEN timepoints.completed_by IS NULL THEN 'link' ELSE 'consultation' END"
        " AS completed_in, coalesce(clinicians.name, '') AS completed_by"
        f" FROM ({_SCORE_ROWS} UNION ALL {answers}) AS result"
        " JOIN courses ON courses.id = result.course_id"
        " JOIN timepoints ON timepoints.id = result.timepoint_id"
        " LEFT JOIN clinicians ON clinicians.id = timepoints.completed_by"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY result.course_id, timepoints.position, result.instrument, result.item",
        params)
