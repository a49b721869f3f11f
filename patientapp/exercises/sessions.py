"""Logging a session: store it, then raise the pain alert when a streak of 'worse' begins."""

from __future__ import annotations

from sqlite_utils import Database

from . import adherence, queries
from .texts import stored_pain_message


def log_session(db: Database, course_id: int, plan_id: int | None,
                entry: queries.LogEntry) -> bool:
    """Save one log; False when this phone had already sent it (same client_id)."""
    log_id = queries.save_log(db, course_id, plan_id, entry)
    if log_id is None:
        return False
    if entry.pain == "worse":
        check_pain_response(db, course_id, entry.exercise_id)
    return True


def check_pain_response(db: Database, course_id: int, exercise_id: str) -> bool:
    """Raise an alert when the exercise's last logs say 'worse' twice in a row."""
    streak = adherence.worse_streak(queries.list_logs(db, course_id, exercise_id=exercise_id))
    if len(streak) < adherence.FLAG_AFTER:
        return False
    detail = {"exercise": exercise_id, "streak_from": streak[0]["id"],
              "since": streak[0]["logged_on"], "message": stored_pain_message(exercise_id)}
    return queries.save_pain_alert(db, course_id, exercise_id, detail)
