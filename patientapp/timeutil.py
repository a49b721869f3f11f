"""The one clock: now, today and day boundaries in the clinic's time zone.

Visits are calendar dates in the clinic's time zone (``TIMEZONE``, from
``PATIENTAPP_TIMEZONE``); everything stored as a moment is UTC ISO 8601. Every part of
the app asks this module for the time, never ``date.today()`` or ``datetime.now()``,
which follow the server's own zone: on a server running in UTC the clinic side and the
patient side would disagree about what is due and expired for an hour or two each night.
Tests set the moment by replacing ``clock``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Europe/Copenhagen"
CLINIC_TZ = ZoneInfo(DEFAULT_TIMEZONE)  # the default; code asks clinic_tz()


def _system_clock() -> datetime:
    return datetime.now(UTC)


clock: Callable[[], datetime] = _system_clock  # replaced by tests that fix the moment


def zone(name: str) -> ZoneInfo:
    """The named IANA time zone; ValueError with a plain message for an unknown name."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"{name!r} is not a time zone name like {DEFAULT_TIMEZONE}") from None


def clinic_tz() -> ZoneInfo:
    """The clinic's time zone: the app's TIMEZONE setting (the default outside an app)."""
    if has_app_context():
        return zone(current_app.config.get("TIMEZONE", DEFAULT_TIMEZONE))
    return CLINIC_TZ


def utcnow() -> datetime:
    """Now, as an aware UTC moment."""
    return clock().astimezone(UTC)


def clinic_now() -> datetime:
    """Now on the clinic's wall clock."""
    return utcnow().astimezone(clinic_tz())


def today() -> date:
    """Today's date in the clinic, whatever the server's own time zone."""
    return local_date(utcnow())


def parse_moment(value: str) -> datetime:
    """An ISO 8601 string as an aware datetime; naive input is taken as clinic time."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clinic_tz())
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def local_date(moment: datetime) -> date:
    return moment.astimezone(clinic_tz()).date()


def start_of_day(day: date) -> datetime:
    """The first moment of ``day`` in the clinic's time zone, in UTC."""
    return datetime.combine(day, time(0), clinic_tz()).astimezone(UTC)


def since_day(day: date | None) -> str | None:
    """The stored-timestamp bound for "on or after ``day``": its first moment in clinic time.

    Every ``--since`` and ``since=`` of the app means a day as the clinic lives it.
    """
    return iso(start_of_day(day)) if day else None


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
