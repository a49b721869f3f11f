"""What the progress page reads: the open alarm of a course, if any."""

from __future__ import annotations

from sqlite_utils import Database

LEVELS = ("emergency", "urgent")


def get_open_alarm(db: Database, course_id: int) -> dict | None:
    """The most serious alarm answer the clinic has not yet dealt with (newest first)."""
    rows = list(db.query(
        "SELECT timepoint_id, level FROM alerts WHERE course_id = ? AND kind = 'alarm'"
        " AND acknowledged_at IS NULL ORDER BY created_at DESC, id DESC", [course_id]))
    return next((row for level in LEVELS for row in rows if row["level"] == level), None)
