"""The checks every input goes through, wherever it arrives: a form, the command line, the API.

Pure functions, no Flask. Each raises ``CheckError`` whose message is an English msgid
(marked with ``N_``) with its values in ``params``; whoever shows it translates it
(``gettext(error.message, **error.params)``), and ``str()`` is the English sentence for the
command line.

- Dates lie in a sane window: from 1 January 2000 to the end of the year ten years ahead.
  Anything outside is a typing mistake (``0202-03-01``), and far-off years break date
  arithmetic (``9999-12-31`` plus a week is no date at all).
- Whole numbers lie between a lowest and a highest value; nothing beyond what SQLite can
  store (a 64-bit signed integer) ever reaches a query.
- Text that ends up on one line (names, phone numbers, the clinic's name, which becomes
  the sender of every e-mail) has no control characters: no CR/LF that could start a
  new e-mail header, no NUL. Longer text (notes) may have line breaks and tabs, nothing
  else below the space.
"""

from __future__ import annotations

import re
from datetime import date

import click

from .timeutil import today as clinic_today

EARLIEST_DATE = date(2000, 1, 1)
YEARS_AHEAD = 10
SQLITE_MAX_INT = 2**63 - 1

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"
NOT_SINGLE_LINE = re.compile(f"[{_CONTROL}]")
NOT_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # keeps \t \n \r


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


DATE_FORMAT = N_("Enter the date as YYYY-MM-DD, like 2026-03-02.")
DATE_WINDOW = N_("Enter a date from %(earliest)s to %(latest)s.")
NUMBER_RANGE = N_("Enter a whole number from %(low)d to %(high)d.")
SINGLE_LINE = N_("Write this on one line, without line breaks or other control characters.")
MULTI_LINE = N_("Remove the control characters from the text.")


class CheckError(ValueError):
    """Input that fails a check; ``message`` is the msgid, ``params`` its values."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return self.message % self.params if self.params else self.message


def date_window(today: date | None = None) -> tuple[date, date]:
    """The first and last date any input may name."""
    today = today or clinic_today()
    return EARLIEST_DATE, date(today.year + YEARS_AHEAD, 12, 31)


def in_window(day: date, today: date | None = None) -> date:
    """``day`` itself, or CheckError when it lies outside the date window."""
    earliest, latest = date_window(today)
    if not earliest <= day <= latest:
        raise CheckError(DATE_WINDOW, earliest=earliest.isoformat(), latest=latest.isoformat())
    return day


def parse_day(text: str | None, today: date | None = None) -> date:
    """A date written as YYYY-MM-DD inside the date window; CheckError for anything else."""
    # date.fromisoformat also takes "20260302" and week dates; only YYYY-MM-DD is meant.
    text = (text or "").strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise CheckError(DATE_FORMAT)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CheckError(DATE_FORMAT) from None
    return in_window(day, today)


class Day(click.ParamType):
    """A command-line option that takes a date: the same format and window as the forms."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_day(value)
        except CheckError as error:
            self.fail(str(error), param, ctx)


def whole_number(text: str | None, low: int, high: int) -> int:
    """An integer written with ASCII digits (and an optional minus) between low and high."""
    text = (text or "").strip()
    if not re.fullmatch(r"-?[0-9]{1,19}", text) or not low <= int(text) <= high:
        raise CheckError(NUMBER_RANGE, low=low, high=high)
    return int(text)


def single_line(text: str) -> str:
    """``text`` itself, or CheckError when it holds a line break or another control character."""
    if NOT_SINGLE_LINE.search(text):
        raise CheckError(SINGLE_LINE)
    return text


def multi_line(text: str) -> str:
    """``text`` itself, or CheckError for control characters other than tab and line breaks."""
    if NOT_MULTI_LINE.search(text):
        raise CheckError(MULTI_LINE)
    return text
