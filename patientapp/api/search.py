"""Query parameters of the read API: FHIR date and token search, paging, dates.

Pure functions, no Flask. Every problem raises ``SearchError`` with a sentence for the
``detail`` of a 400 problem response, naming the parameter.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..checks import date_window
from ..timeutil import clinic_tz, iso

# The patterns are also the OpenAPI document's: what one accepts, the other does. Dates are
# spelled out month by month (leap days included) so that a value the document allows is
# always a real date, and the years are those of the date window every input keeps to
# (checks.date_window: 2000 to ten years ahead), so that every range has an end.
PREFIXES = ("eq", "gt", "lt", "ge", "le")
MONTH_DAY = (r"((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
             r"|02-(0[1-9]|1[0-9]|2[0-8]))")
TIME = (r"T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
        r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])")


def _years(today: date | None, leap: bool = False) -> str:
    first, last = date_window(today)
    years = [y for y in range(first.year, last.year + 1) if not leap or calendar.isleap(y)]
    return "(" + "|".join(map(str, years)) + ")"


def _calendar_day(today: date | None) -> str:
    return rf"({_years(today)}-{MONTH_DAY}|{_years(today, leap=True)}-02-29)"


def date_search_pattern(today: date | None = None) -> str:
    """A FHIR date search value: a prefix, then a year, a month, a day or a moment."""
    return (rf"^(eq|gt|lt|ge|le)?({_years(today)}(-(0[1-9]|1[0-2]))?"
            rf"|{_calendar_day(today)}({TIME})?)$")


def day_pattern(today: date | None = None) -> str:
    """A YYYY-MM-DD date inside the date window."""
    return rf"^{_calendar_day(today)}$"


PATIENT = r"^(Patient/)?pa-[0-9a-f]{16}$"
# Printable ASCII but "|" (a code and its system are URLs and codes): spelt out, because "\s"
# means more in Python (\x1c-\x1f too) than in the document's ECMA regular expressions.
CODE_SEARCH = r"^([!-{}~]+\|)?[!-{}~]+$"
EXTERNAL_ID = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$"  # the write API's, see writes.py
CANONICAL = r"^[!-~]{1,500}$"  # a canonical URL (|version) or a version: printable ASCII
FHIR_ID = r"^[A-Za-z0-9\-.]{1,64}$"
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
MAX_ID = 2**63 - 1  # SQLite's largest integer


class SearchError(ValueError):
    """A malformed query parameter; str() says which and why."""

    def __init__(self, parameter: str, problem: str):
        super().__init__(f"{parameter}: {problem}")
        self.parameter = parameter


@dataclass(frozen=True)
class Period:
    """A half-open range of moments, [since, before), as UTC ISO strings; None is open."""

    since: str | None = None
    before: str | None = None


def only(given: Iterable[str], allowed: Iterable[str]) -> None:
    """Refuse unknown parameters: a misspelt filter must not silently return everything."""
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise SearchError(unknown[0], f"not a parameter here; use {', '.join(sorted(allowed))}")


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=clinic_tz())


def _date_range(value: str) -> tuple[datetime, datetime]:
    """The moments a FHIR date value stands for: a year, a month, a day or one second."""
    parts = value.split("-")
    if len(parts) == 1:
        year = int(value)
        return _local_midnight(date(year, 1, 1)), _local_midnight(date(year + 1, 1, 1))
    if len(parts) == 2 and "T" not in value:
        start = date(int(parts[0]), int(parts[1]), 1)
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return _local_midnight(start), _local_midnight(end)
    if "T" not in value:
        day = date.fromisoformat(value)
        return _local_midnight(day), _local_midnight(day + timedelta(days=1))
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time needs a time zone")
    return moment, moment + timedelta(seconds=1)


def date_period(parameter: str, values: list[str]) -> Period:
    """FHIR date search, e.g. ``ge2026-01-01`` and ``lt2026-02``; several values all apply."""
    since, before = None, None
    for raw in values:
        if not re.match(date_search_pattern(), raw):
            first, last = date_window()
            raise SearchError(parameter, f"{raw!r} is not a date search like ge2026-01-31 "
                                         f"(prefixes: {', '.join(PREFIXES)}; years "
                                         f"{first.year} to {last.year})")
        prefix, value = (raw[:2], raw[2:]) if raw[:2].isalpha() else ("eq", raw)
        try:
            start, end = (iso(m) for m in _date_range(value.replace("Z", "+00:00")))
        except ValueError as error:
            raise SearchError(parameter, f"{raw!r} is not a valid date ({error})") from None
        low, high = {"eq": (start, end), "ge": (start, None), "gt": (end, None),
                     "le": (None, end), "lt": (None, start)}[prefix]
        since = max(filter(None, [since, low]), default=None)
        before = min(filter(None, [before, high]), default=None)
    return Period(since, before)


def day(parameter: str, value: str | None) -> str | None:
    """An optional YYYY-MM-DD date, returned as given."""
    if value is None:
        return None
    if not re.match(day_pattern(), value):
        first, last = date_window()
        raise SearchError(parameter, f"{value!r} is not a date in the form YYYY-MM-DD from "
                                     f"{first} to {last}")
    return value


def pseudonym(parameter: str, value: str | None) -> str | None:
    """A patient reference: ``pa-…`` or ``Patient/pa-…``."""
    if value is None:
        return None
    if not re.match(PATIENT, value):
        raise SearchError(parameter, f"{value!r} is not a patient id like pa-0123456789abcdef")
    return value.removeprefix("Patient/")


def external_id(parameter: str, value: str | None) -> str | None:
    """The clinic's own reference of a course (see writes.EXTERNAL_ID)."""
    if value is None:
        return None
    if not re.match(EXTERNAL_ID, value):
        raise SearchError(parameter, "not a reference like K-1234: 1 to 100 letters, digits "
                                     "and . _ : / -")
    return value


def number(parameter: str, value: str | None, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise SearchError(parameter, f"{value!r} is not a whole number from {low} to {high}")
    return int(value)


def token(parameter: str, value: str | None) -> tuple[str | None, str] | None:
    """A FHIR token ``[system|]code``; None when not given."""
    if value is None:
        return None
    if not re.match(CODE_SEARCH, value):
        raise SearchError(parameter, f"{value!r} is not a code like system|code or code")
    system, _, code = value.rpartition("|")
    return (system or None, code)


def matches(concept: dict, wanted: tuple[str | None, str]) -> bool:
    system, code = wanted
    return any(c.get("code") == code and (system is None or c.get("system") == system)
               for c in concept.get("coding", []))
