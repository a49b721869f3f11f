"""Database access for the read API: API keys, and courses and scores of one clinic.

Keys are ``pa_`` plus 256 random bits, shown once and stored only as a SHA-256 hash
(as patient links are; see security.py). Only courses whose patient consented are ever
listed, the same rule as the CSV export.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database

from ..db import now, write_transaction
from ..queries import list_score_rows
from ..timeutil import iso, utcnow
from ..web.security import hash_token

KEY_PREFIX = "pa_"
SHOWN_PREFIX = 8  # characters kept to tell keys apart on the admin page


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


SCOPES = ("read", "write")


def save_api_key(db: Database, clinic_id: int, name: str, created_by: int | None,
                 scope: str = "read") -> tuple[int, str]:
    """Create a key; returns (id, the key itself), which is never stored.

    A ``read`` key reads; a ``write`` key also enrols patients and changes their courses.
    """
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")
    key = new_api_key()
    key_id = db.execute(
        "INSERT INTO api_keys (clinic_id, name, key_hash, prefix, created_at, created_by, scope)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [clinic_id, name, hash_token(key), key[:SHOWN_PREFIX], now(), created_by,
         scope]).lastrowid
    return key_id, key


def find_api_key(db: Database, key: str) -> dict | None:
    rows = list(db.query("SELECT * FROM api_keys WHERE key_hash = ?", [hash_token(key)]))
    return rows[0] if rows else None


def touch_api_key(db: Database, key_id: int) -> None:
    db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [now(), key_id])


def list_api_keys(db: Database, clinic_id: int) -> list[dict]:
    return list(db.query(
        "SELECT api_keys.id, api_keys.name, api_keys.prefix, api_keys.scope,"
        " api_keys.created_at, api_keys.revoked_at, api_keys.last_used_at,"
        " clinicians.name AS created_by_name"
        " FROM api_keys LEFT JOIN clinicians ON clinicians.id = api_keys.created_by"
        " WHERE api_keys.clinic_id = ? ORDER BY api_keys.revoked_at IS NOT NULL,"
        " api_keys.id DESC", [clinic_id]))


def revoke_api_key(db: Database, clinic_id: int, key_id: int) -> bool:
    """Revoke a key of this clinic; False when it is not the clinic's or already revoked."""
    cursor = db.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND clinic_id = ?"
                        " AND revoked_at IS NULL", [now(), key_id, clinic_id])
    return cursor.rowcount == 1


# --- courses and scores -------------------------------------------------------------------

COURSES = (
    "SELECT courses.id, courses.pathway, courses.status, patients.pseudonym AS patient,"
    " courses.first_visit, courses.external_id, courses.consent"
    " FROM courses JOIN patients ON patients.id = courses.patient_id"
    " WHERE courses.clinic_id = ?"
)
# Answers and scores only ever leave for consenting patients. The course itself (dates,
# no answers) is also shown to a write key whatever the consent: the system that enrols
# the patient and keeps the visit dates right must find the course it manages.
CONSENTING = " AND courses.consent = 'given'"


def _with_timepoints(db: Database, courses: list[dict]) -> list[dict]:
    rows = db.query(
        "SELECT course_id, key, code, visit_date, submitted_at FROM timepoints"
        " WHERE course_id IN (SELECT value FROM json_each(?)) ORDER BY course_id, position",
        [json.dumps([c["id"] for c in courses])])
    by_course: dict[int, list[dict]] = {}
    for row in rows:
        by_course.setdefault(row.pop("course_id"), []).append(row)
    return [{**course, "timepoints": by_course.get(course["id"], [])} for course in courses]


def _courses(every_consent: bool, external_id: str | None) -> tuple[str, list]:
    sql = COURSES + ("" if every_consent else CONSENTING)
    if external_id is None:
        return sql, []
    return sql + " AND courses.external_id = ?", [external_id]


def list_courses(db: Database, clinic_id: int, limit: int, offset: int,
                 external_id: str | None = None,
                 every_consent: bool = False) -> tuple[list[dict], int]:
    """One page of the clinic's courses, oldest first, with their timepoints; and the total."""
    sql, extra = _courses(every_consent, external_id)
    total = next(db.query(f"SELECT count(*) AS n FROM ({sql})",  # nosec B608
                          [clinic_id, *extra]))["n"]
    rows = list(db.query(f"{sql} ORDER BY courses.id LIMIT ? OFFSET ?",
                         [clinic_id, *extra, limit, offset]))
    return _with_timepoints(db, rows), total


def get_course(db: Database, clinic_id: int, course_id: int,
               every_consent: bool = False) -> dict | None:
    sql, _ = _courses(every_consent, None)
    rows = list(db.query(f"{sql} AND courses.id = ?", [clinic_id, course_id]))
    return _with_timepoints(db, rows)[0] if rows else None


def list_scores(db: Database, clinic_id: int, since: str | None = None,
                course_id: int | None = None) -> list[dict]:
    """The CSV export's rows (same columns, same consent rule) for one clinic."""
    return [{**row, "valid": bool(row["valid"])}
            for row in list_score_rows(db, clinic_id=clinic_id, since=since)
            if course_id is None or row["course_id"] == course_id]


# --- idempotency keys ---------------------------------------------------------------------------

# A request still marked as in progress after this long belongs to a process that died.
ABANDONED_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class Remembered:
    """What a POST with an Idempotency-Key found: ``new`` (its row id to fill in),
    ``replay`` (status and body of the first answer), ``mismatch`` or ``busy``."""

    outcome: str
    row_id: int | None = None
    status: int | None = None
    body: str | None = None


def remember_request(db: Database, key_id: int, idempotency_key: str, request_hash: str,
                     keep: timedelta) -> Remembered:
    """Look the key up for this API key, or claim it for this request, in one transaction."""
    moment = utcnow()
    with write_transaction(db):
        db.execute("DELETE FROM api_idempotency WHERE created_at < ?", [iso(moment - keep)])
        db.execute("DELETE FROM api_idempotency WHERE status IS NULL AND created_at < ?",
                   [iso(moment - ABANDONED_AFTER)])
        rows = list(db.query("SELECT * FROM api_idempotency WHERE api_key_id = ?"
                             " AND idempotency_key = ?", [key_id, idempotency_key]))
        if not rows:
            row_id = db.execute(
                "INSERT INTO api_idempotency (api_key_id, idempotency_key, request_hash,"
                " created_at) VALUES (?, ?, ?, ?)",
                [key_id, idempotency_key, request_hash, iso(moment)]).lastrowid
            return Remembered("new", row_id)
    row = rows[0]
    if row["request_hash"] != request_hash:
        return Remembered("mismatch")
    if row["status"] is None:
        return Remembered("busy")
    return Remembered("replay", row["id"], row["status"], row["body"])


def save_answer(db: Database, row_id: int, status: int, body: str) -> None:
    db.execute("UPDATE api_idempotency SET status = ?, body = ? WHERE id = ?",
               [status, body, row_id])


def forget_request(db: Database, row_id: int) -> None:
    db.execute("DELETE FROM api_idempotency WHERE id = ?", [row_id])
