"""Schedule arithmetic: from a pathway and the visit dates to dated timepoints.

Pure functions, no Flask or database. Dates are local (clinic) calendar dates.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from ..content import Pathway, TimepointSpec


@dataclass(frozen=True)
class PlannedTimepoint:
    key: str
    position: int
    code: str
    visit_date: date
    send_on: date
    remind_on: date | None
    expires_on: date
    questionnaires: tuple[str, ...]
    is_final: bool
    # {"code": "moved-to-limit" | "after-limit", "planned": ISO date, "limit": ISO date}
    warning: dict | None = None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_limit(pathway: Pathway, referral_date: date | None) -> date | None:
    """The last day a follow-up may fall on, or None when no referral date is known."""
    if referral_date is None:
        return None
    return add_months(referral_date, pathway.follow_up_limit_months)


def _dated(spec: TimepointSpec, position: int, visit: date, warning: dict | None = None):
    remind = None
    if spec.remind_days_before is not None:
        remind = visit - timedelta(days=spec.remind_days_before)
    return PlannedTimepoint(
        key=spec.key, position=position, code=spec.code, visit_date=visit,
        send_on=visit - timedelta(days=spec.send_days_before), remind_on=remind,
        expires_on=visit + timedelta(days=spec.expires_days_after),
        questionnaires=spec.questionnaires, is_final=spec.final, warning=warning,
    )


def _limit_warning(code: str, planned: date, limit: date) -> dict:
    return {"code": code, "planned": planned.isoformat(), "limit": limit.isoformat()}


def _fit_follow_up(visit: date, limit: date | None, earliest: date) -> tuple[date, dict | None]:
    """Keep a follow-up inside the limit, saying so when it had to move or cannot fit."""
    if limit is None or visit <= limit:
        return visit, None
    if limit > earliest:
        return limit, _limit_warning("moved-to-limit", visit, limit)
    return visit, _limit_warning("after-limit", visit, limit)


def plan(
    pathway: Pathway,
    first_visit: date,
    referral_date: date | None = None,
    moved: dict[str, date] | None = None,
    entry_code: str | None = None,
) -> list[PlannedTimepoint]:
    """Date every timepoint of ``pathway``.

    ``moved`` holds visit dates the clinic has set by hand; a moved final visit
    moves the follow-ups anchored on it. A follow-up that would fall after
    12 months from the referral is moved to the limit, with a warning.
    ``entry_code`` is the service code the course starts with (None: the pathway's
    usual one); it gives the baseline its code and, for some codes, its own offset.
    """
    moved = moved or {}
    if referral_date and referral_date > first_visit:
        raise ValueError("the referral date cannot be after the first consultation")
    final_spec = next(t for t in pathway.timepoints if t.final)
    final_date = moved.get(final_spec.key, first_visit + timedelta(days=final_spec.offset_days))
    limit = follow_up_limit(pathway, referral_date)
    planned, previous = [], first_visit
    specs = pathway.timepoints_for(entry_code)
    for position, spec in enumerate(specs):
        anchor = final_date if spec.anchor == "final" else first_visit
        visit, warning = moved.get(spec.key), None
        if visit is None:
            visit = anchor + timedelta(days=spec.offset_days)
            if spec.follow_up:
                visit, warning = _fit_follow_up(visit, limit, previous)
        elif spec.follow_up and limit and visit > limit:
            warning = _limit_warning("after-limit", visit, limit)
        planned.append(_dated(spec, position, visit, warning))
        previous = visit
    return planned


def current_timepoint(timepoints: list[dict], now: str) -> dict | None:
    """The first timepoint not yet answered whose link has not expired (the patient's rule:
    the moment, not the UTC date, so zones west of UTC agree too). ``now``: ISO UTC time."""
    return next((tp for tp in timepoints if not tp["submitted_at"] and tp["expires_at"] > now),
                None)
