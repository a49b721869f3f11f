"""Numbers in addresses: the ids in paths and the whole numbers in query strings, bounded.

SQLite stores integers of at most 64 bits, and Python's sqlite3 raises OverflowError for
anything larger, so an id or offset typed as ``99999999999999999999`` must be refused
before it reaches a query: an id in the path is then simply not found (404), a number in
the query string is answered 400 with a page that says what is wrong.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from ..checks import SQLITE_MAX_INT, CheckError, whole_number


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route: at most SQLite's largest integer, else the route does not
    match and the answer is 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=SQLITE_MAX_INT, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BadParameter(BadRequest):
    """A query parameter out of bounds; ``error`` says what to enter instead."""

    def __init__(self, name: str, error: CheckError):
        super().__init__(f"{name}: {error}")
        self.parameter = name
        self.error = error


def int_arg(name: str, default: int, low: int = 0, high: int = 1_000_000) -> int:
    """The whole number in query parameter ``name``, ``default`` when absent or empty;
    BadParameter (400) when it is not a whole number from ``low`` to ``high``."""
    text = request.args.get(name, "")
    if not text:
        return default
    try:
        return whole_number(text, low, high)
    except CheckError as error:
        raise BadParameter(name, error) from None


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter
