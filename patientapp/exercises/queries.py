"""Database access for exercise plans, their versions, session logs and pain alerts."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date

from sqlite_utils import Database

from ..db import now, write_transaction

DOSAGE_COLUMNS = ("sets", "reps", "hold_seconds", "minutes")


@dataclass(frozen=True)
class PlanItem:
    exercise_id: str
    sets: int | None = None
    reps: int | None = None
    hold_seconds: int | None = None
    minutes: int | None = None
    note: str = ""


@dataclass(frozen=True)
class LogEntry:
    exercise_id: str
    logged_on: date
    status: str  # done | partly | not-done
    pain: str | None = None  # better | same | worse; None when not done
    effort: int | None = None  # 0-10
    client_id: str | None = None  # set by a phone that saved the log offline


def save_plan(db: Database, course_id: int, clinician_id: int | None, items: list[PlanItem],
              days_per_week: int, note: str = "", *, created_at: str | None = None) -> int:
    """Save the next version of the course's plan and make it current; return its number.

    Earlier versions are kept as they were: only their ``current`` flag changes.
    ``created_at`` back-dates the version (the demo's plans started before its logs).
    """
    with write_transaction(db):
        last = next(db.query("SELECT coalesce(max(version), 0) AS v FROM exercise_plans"
                             " WHERE course_id = ?", [course_id]))["v"]
        db.execute("UPDATE exercise_plans SET current = 0 WHERE course_id = ? AND current = 1",
                   [course_id])
        plan_id = db.execute(
            "INSERT INTO exercise_plans (course_id, version, created_at, created_by, note,"
            " days_per_week, current) VALUES (?, ?, ?, ?, ?, ?, 1)",
            [course_id, last + 1, created_at or now(), clinician_id, note, days_per_week]).lastrowid
        for position, item in enumerate(items, start=1):
            db.table("plan_items").insert({**asdict(item), "plan_id": plan_id,
                                           "course_id": course_id, "position": position})
    return last + 1


PLANS_SQL = """
SELECT exercise_plans.*, clinicians.name AS created_by_name FROM exercise_plans
LEFT JOIN clinicians ON clinicians.id = exercise_plans.created_by
WHERE exercise_plans.course_id = ? {where} ORDER BY exercise_plans.version DESC
"""


def list_plans(db: Database, course_id: int, current_only: bool = False) -> list[dict]:
    """Every version of the course's plan, newest first, each with its items in order."""
    where = "AND exercise_plans.current = 1" if current_only else ""
    plans = list(db.query(PLANS_SQL.format(where=where), [course_id]))
    items: dict[int, list[dict]] = {}
    for row in db.query("SELECT * FROM plan_items WHERE course_id = ? ORDER BY plan_id,"
                        " position", [course_id]):
        items.setdefault(row["plan_id"], []).append(row)
    return [{**plan, "items": items.get(plan["id"], [])} for plan in plans]


def get_current_plan(db: Database, course_id: int) -> dict | None:
    plans = list_plans(db, course_id, current_only=True)
    return plans[0] if plans else None


def save_log(db: Database, course_id: int, plan_id: int | None, entry: LogEntry) -> int | None:
    """Store one log; None when a log with the same client_id was already stored."""
    cursor = db.execute(
        "INSERT INTO exercise_logs (course_id, plan_id, exercise_id, logged_on, status, pain,"
        " effort, created_at, client_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (course_id, client_id) DO NOTHING",
        [course_id, plan_id, entry.exercise_id, entry.logged_on.isoformat(), entry.status,
         entry.pain, entry.effort, now(), entry.client_id])
    return cursor.lastrowid if cursor.rowcount == 1 else None


def list_logs(db: Database, course_id: int, since: date | None = None,
              exercise_id: str | None = None) -> list[dict]:
    """The course's logs in the order they happened, optionally from a day or for one exercise."""
    return list(db.query(
        "SELECT * FROM exercise_logs WHERE course_id = ? AND logged_on >= ?"
        " AND (? IS NULL OR exercise_id = ?) ORDER BY logged_on, id",
        [course_id, since.isoformat() if since else "", exercise_id, exercise_id]))


def save_pain_alert(db: Database, course_id: int, exercise_id: str, detail: dict) -> bool:
    """Raise the 'exercise makes pain worse' alert once per streak; True when raised.

    ``detail['streak_from']`` (the first log of the streak) tells streaks apart. An alert
    still open for the exercise is not repeated either: alerts without a timepoint are not
    kept unique by the table's constraint.
    """
    key = f"exercise:{exercise_id}"
    with write_transaction(db):
        existing = next(db.query(
            "SELECT count(*) AS n FROM alerts WHERE course_id = ? AND kind = 'exercise'"
            " AND key = ? AND (acknowledged_at IS NULL"
            " OR json_extract(detail, '$.streak_from') = ?)",
            [course_id, key, detail["streak_from"]]))["n"]
        if existing:
            return False
        db.execute("INSERT INTO alerts (course_id, timepoint_id, kind, level, key, detail,"
                   " created_at) VALUES (?, NULL, 'exercise', 'warning', ?, ?, ?)",
                   [course_id, key, json.dumps(detail), now()])
    return True
