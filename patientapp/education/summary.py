"""What the clinician sees of a patient's reading: which open modules were read, and when."""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale

from ..db import get_db
from ..timeutil import parse_date, today
from . import queries, reading


def course_reading_summary(course: dict) -> dict:
    """The course's reading list with read dates, and how many of the open modules were read."""
    modules = current_app.extensions["content"].library.modules_for(course["pathway"],
                                                                     str(get_locale()))
    items = reading.reading_list(modules, parse_date(course["first_visit"]),
                                 today(), queries.list_reads(get_db(),
                                                                          course["id"]))
    opened = [i for i in items if i.unlocked]
    return {"items": items, "opened": len(opened), "read": sum(i.read for i in opened)}
