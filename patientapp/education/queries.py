"""Database access for what a patient has read."""

from __future__ import annotations

from sqlite_utils import Database

from ..db import now


def list_reads(db: Database, course_id: int) -> dict[str, str]:
    """Module slug -> when the patient marked it read."""
    return {row["slug"]: row["read_at"] for row in db.query(
        "SELECT slug, read_at FROM education_reads WHERE course_id = ?", [course_id])}


def save_read(db: Database, course_id: int, slug: str) -> bool:
    """Mark a module read; marking it again keeps the first time. True when new."""
    cursor = db.execute("INSERT INTO education_reads (course_id, slug, read_at) VALUES (?, ?, ?)"
                        " ON CONFLICT (course_id, slug) DO NOTHING", [course_id, slug, now()])
    return cursor.rowcount == 1
