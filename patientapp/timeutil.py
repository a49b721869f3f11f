"""Clinic-local dates and UTC timestamps.

Visits are calendar dates in the clinic's time zone; everything stored as a
moment is UTC ISO 8601. These helpers convert between the two.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CLINIC_TZ = ZoneInfo("Europe/Copenhagen")


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_moment(value: str) -> datetime:
    """An ISO 8601 string as an aware datetime; naive input is taken as clinic time."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CLINIC_TZ)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def local_date(moment: datetime) -> date:
    return moment.astimezone(CLINIC_TZ).date()


def start_of_day(day: date) -> datetime:
    """The first moment of ``day`` in the clinic's time zone, in UTC."""
    return datetime.combine(day, time(0), CLINIC_TZ).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The first moment after ``day`` in the clinic's time zone, in UTC."""
    return start_of_day(day + timedelta(days=1))


def parse_date(value: str) -> date:
    """A YYYY-MM-DD date; ValueError with a plain message otherwise."""
    try:
        return date.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def parse_now_option(value: str | None) -> datetime:
    """The ``--now`` option of the scheduled commands: an ISO moment, or now."""
    import click

    if value is None:
        return utcnow()
    try:
        return parse_moment(value.strip())
    except ValueError:
        raise click.BadParameter("use an ISO date and time, like 2026-03-02T09:00 (clinic time) "
                                 "or 2026-03-02T08:00+00:00", param_hint="--now") from None
