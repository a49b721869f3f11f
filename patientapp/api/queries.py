"""Database access for the read API: API keys, and courses and scores of one clinic.

Keys are ``pa_`` plus 256 random bits, shown once and stored only as a SHA-256 hash
(as patient links are; see security.py). Only courses whose patient consented are ever
listed, the same rule as the CSV export.
"""

from __future__ import annotations

import json
import secrets

from sqlite_utils import Database

from ..db import now
from ..queries import list_score_rows
from ..security import hash_token

KEY_PREFIX = "pa_"
SHOWN_PREFIX = 8  # characters kept to tell keys apart on the admin page


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def save_api_key(db: Database, clinic_id: int, name: str,
                 created_by: int | None) -> tuple[int, str]:
    """Create a key; returns (id, the key itself), which is never stored."""
    key = new_api_key()
    key_id = db.execute(
        "INSERT INTO api_keys (clinic_id, name, key_hash, prefix, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [clinic_id, name, hash_token(key), key[:SHOWN_PREFIX], now(), created_by]).lastrowid
    return key_id, key


def find_api_key(db: Database, key: str) -> dict | None:
    rows = list(db.query("SELECT * FROM api_keys WHERE key_hash = ?", [hash_token(key)]))
    return rows[0] if rows else None


def touch_api_key(db: Database, key_id: int) -> None:
    db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [now(), key_id])


def list_api_keys(db: Database, clinic_id: int) -> list[dict]:
    return list(db.query(
        "SELECT api_keys.id, api_keys.name, api_keys.prefix, api_keys.created_at,"
        " api_keys.revoked_at, api_keys.last_used_at, clinicians.name AS created_by_name"
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
    " courses.first_visit FROM courses JOIN patients ON patients.id = courses.patient_id"
    " WHERE courses.clinic_id = ? AND courses.consent = 'given'"
)


def _with_timepoints(db: Database, courses: list[dict]) -> list[dict]:
    rows = db.query(
        "SELECT course_id, key, code, visit_date, submitted_at FROM timepoints"
        " WHERE course_id IN (SELECT value FROM json_each(?)) ORDER BY course_id, position",
        [json.dumps([c["id"] for c in courses])])
    by_course: dict[int, list[dict]] = {}
    for row in rows:
        by_course.setdefault(row.pop("course_id"), []).append(row)
    return [{**course, "timepoints": by_course.get(course["id"], [])} for course in courses]


def list_courses(db: Database, clinic_id: int, limit: int, offset: int) -> tuple[list[dict], int]:
    """One page of the clinic's courses, oldest first, with their timepoints; and the total."""
    total = next(db.query(f"SELECT count(*) AS n FROM ({COURSES})", [clinic_id]))["n"]  # nosec B608
    rows = list(db.query(f"{COURSES} ORDER BY courses.id LIMIT ? OFFSET ?",
                         [clinic_id, limit, offset]))
    return _with_timepoints(db, rows), total


def get_course(db: Database, clinic_id: int, course_id: int) -> dict | None:
    rows = list(db.query(f"{COURSES} AND courses.id = ?", [clinic_id, course_id]))
    return _with_timepoints(db, rows)[0] if rows else None


def list_scores(db: Database, clinic_id: int, since: str | None = None,
                course_id: int | None = None) -> list[dict]:
    """The CSV export's rows (same columns, same consent rule) for one clinic."""
    return [{**row, "valid": bool(row["valid"])}
            for row in list_score_rows(db, clinic_id=clinic_id, since=since)
            if course_id is None or row["course_id"] == course_id]
