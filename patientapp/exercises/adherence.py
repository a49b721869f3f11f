"""Adherence and pain response from exercise logs: pure functions, no Flask, no database.

A *session* is a calendar day with at least one exercise done or partly done. Weeks are
ISO weeks (Monday to Sunday), compared with the days per week of the plan version in
force at the end of that week. The week in which the first plan was made is shown but not
judged, nor counted in the totals: the patient had only part of it. An exercise is flagged
when its last two logs that say how the pain was both say *worse* (a log of an exercise
not done says nothing about pain).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import mean

SESSION_STATUSES = ("done", "partly")
WEEKS_SHOWN = 4
FLAG_AFTER = 2  # this many 'worse' in a row raise the flag


@dataclass(frozen=True)
class Week:
    start: date  # the Monday
    sessions: int
    planned: int | None  # None: no plan yet in that week
    complete: bool  # the week is over
    first: bool = False  # the first plan was made during this week

    @property
    def number(self) -> int:
        return self.start.isocalendar().week

    @property
    def met(self) -> bool | None:
        """Whether the plan was kept; None while that cannot be said yet, or fairly."""
        if self.planned is None:
            return None
        if self.sessions >= self.planned:
            return True
        return None if self.first or not self.complete else False


@dataclass(frozen=True)
class ExerciseSummary:
    exercise_id: str
    counts: dict[str, int]  # status -> number of logs
    last_logged_on: date
    last_pain: str | None
    mean_effort: float | None
    worse_streak: int


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def session_days(logs: Iterable[Mapping]) -> set[date]:
    """The days on which at least one exercise was done or partly done."""
    return {as_date(log["logged_on"]) for log in logs if log["status"] in SESSION_STATUSES}


def plan_in_force(plans: Iterable[Mapping], day: date) -> Mapping | None:
    """The latest plan version created on or before ``day``."""
    earlier = [p for p in plans if as_date(p["created_at"]) <= day]
    return max(earlier, key=lambda p: p["version"], default=None)


def weekly(logs: Iterable[Mapping], plans: Iterable[Mapping], today: date,
           weeks: int = WEEKS_SHOWN) -> list[Week]:
    """Sessions per ISO week against the plan, for the last ``weeks`` weeks, oldest first."""
    days, plans = session_days(logs), list(plans)
    began = min((as_date(p["created_at"]) for p in plans), default=None)
    result = []
    for back in range(weeks - 1, -1, -1):
        start = week_start(today) - timedelta(weeks=back)
        end = start + timedelta(days=6)
        plan = plan_in_force(plans, min(end, today))
        result.append(Week(start=start, sessions=sum(start <= d <= end for d in days),
                           planned=plan["days_per_week"] if plan else None,
                           complete=end < today,
                           first=began is not None and start < began <= end))
    return result


def totals(weeks: Iterable[Week]) -> tuple[int, int]:
    """(sessions, planned) over the weeks that had a plan from their start."""
    planned = [w for w in weeks if w.planned is not None and not w.first]
    return sum(w.sessions for w in planned), sum(w.planned for w in planned)


def _in_order(logs: Iterable[Mapping]) -> list[Mapping]:
    return sorted(logs, key=lambda log: (as_date(log["logged_on"]), log.get("id") or 0))


def worse_streak(logs: Iterable[Mapping]) -> list[Mapping]:
    """The trailing run of 'worse' among one exercise's logs that say how the pain was."""
    streak: list[Mapping] = []
    for log in _in_order(log for log in logs if log.get("pain")):
        streak = streak + [log] if log["pain"] == "worse" else []
    return streak


def by_exercise(logs: Iterable[Mapping]) -> dict[str, list[Mapping]]:
    grouped: dict[str, list[Mapping]] = {}
    for log in logs:
        grouped.setdefault(log["exercise_id"], []).append(log)
    return grouped


def pain_flags(logs: Iterable[Mapping]) -> dict[str, list[Mapping]]:
    """Exercise id -> its current 'worse' streak, for streaks long enough to flag."""
    streaks = {exercise: worse_streak(own) for exercise, own in by_exercise(logs).items()}
    return {exercise: s for exercise, s in streaks.items() if len(s) >= FLAG_AFTER}


def summarise(exercise_id: str, logs: list[Mapping]) -> ExerciseSummary:
    ordered = _in_order(logs)
    with_pain = [log for log in ordered if log.get("pain")]
    efforts = [log["effort"] for log in ordered if log.get("effort") is not None]
    counts = {status: 0 for status in (*SESSION_STATUSES, "not-done")}
    for log in ordered:
        counts[log["status"]] += 1
    return ExerciseSummary(
        exercise_id=exercise_id, counts=counts,
        last_logged_on=as_date(ordered[-1]["logged_on"]),
        last_pain=with_pain[-1]["pain"] if with_pain else None,
        mean_effort=round(mean(efforts), 1) if efforts else None,
        worse_streak=len(worse_streak(ordered)))


def summaries(logs: Iterable[Mapping]) -> list[ExerciseSummary]:
    """One summary per logged exercise, the most recently logged first."""
    found = [summarise(exercise, own) for exercise, own in by_exercise(logs).items()]
    return sorted(found, key=lambda s: (s.last_logged_on, s.exercise_id), reverse=True)
