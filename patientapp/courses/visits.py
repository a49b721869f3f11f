"""The rules for moving a visit, as pure functions: one set for the browser, the command
line, the write API, appointments and the bulk import.

No Flask or database. ``check_move`` answers what ``queries.move_visit`` would refuse, so a
preview (the bulk import's) can say so before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from ..checks import CheckError, in_window
from .contact import N_


class CourseError(ValueError):
    """A change the course does not allow; str() is the English message."""

    def __init__(self, message: str, **params) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


class CourseConflict(CourseError):
    """The change is well formed but the course's state forbids it (ended, answered)."""


class NoSuchVisit(CourseError):
    """The course has no timepoint of that name."""


def check_move(course: Mapping, timepoint: Mapping | None, key: str, day: date,
               keys: Iterable[str]) -> CourseError | None:
    """Why the visit ``key`` of ``course`` cannot move to ``day``, or None when it can.

    ``timepoint`` is the course's timepoint row of that key (None: it has none); ``keys``
    the pathway's timepoint keys, for the message.
    """
    if course["status"] != "active":
        return CourseConflict(N_("The course has ended, so its visits can no longer be moved."))
    if timepoint is None:
        return NoSuchVisit(N_("The course has no visit called '%(key)s'. Choose one of: "
                              "%(choices)s."), key=key, choices=", ".join(keys))
    if timepoint.get("submitted_at"):
        return CourseConflict(N_("The answers for '%(key)s' have already been sent, so its "
                                 "date can no longer be moved."), key=key)
    try:
        in_window(day)
    except CheckError as error:
        return CourseError(error.message, **error.params)
    if day < date.fromisoformat(course["first_visit"]):
        return CourseError(N_("A visit cannot be before the first consultation (%(date)s)."),
                           date=course["first_visit"])
    return None
