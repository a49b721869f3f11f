"""What the clinician sees of a patient's exercising: adherence, pain response, the plan."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import get_locale

from ..content.library import Exercise
from ..db import get_db
from ..timeutil import today
from . import adherence, queries


def clinic_today() -> date:
    return today()


def exercise_in(exercise_id: str, locale: str | None = None) -> Exercise | None:
    """The exercise in the reader's language, else the other one; None if no longer there."""
    found = current_app.extensions["content"].library
    return found.exercise(exercise_id, locale or str(get_locale()))


def course_exercise_summary(course: dict, today: date | None = None) -> dict:
    """Plan, weekly adherence, pain flags and per-exercise summaries for one course."""
    db, today = get_db(), today or clinic_today()
    plans = queries.list_plans(db, course["id"])
    logs = queries.list_logs(db, course["id"])
    weeks = adherence.weekly(logs, plans, today)
    flags = [{"exercise_id": exercise_id, "exercise": exercise_in(exercise_id),
              "easier": _easier(exercise_id), "since": streak[0]["logged_on"],
              "count": len(streak)}
             for exercise_id, streak in adherence.pain_flags(logs).items()]
    return {"plans": plans, "plan": next((p for p in plans if p["current"]), None),
            "logs": logs, "weeks": weeks, "totals": adherence.totals(weeks), "flags": flags,
            "summaries": adherence.summaries(logs)}


def _easier(exercise_id: str) -> Exercise | None:
    exercise = exercise_in(exercise_id)
    return exercise_in(exercise.easier) if exercise and exercise.easier else None
