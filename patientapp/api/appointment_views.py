"""``PUT /api/v1/fhir/Appointment/{id}``: the booking system's appointments drive the visits.

The Appointment's service code picks the course's timepoint (fhir/appointments.py), its
participant the course (by ``external_id``), its start the visit date. A booked one
creates or moves the visit with the same rules as the browser (courses.move_visit); a
cancelled or no-show one stops that timepoint's invitation until it is booked again.
The same Appointment sent twice changes nothing. Errors are a FHIR OperationOutcome like
every route under /api/v1/fhir/ (problems.py), one issue per problem with its
``expression`` naming the FHIR element; the reason a mapping failed (unknown code, no
course, no fitting timepoint) is 422. Only write keys come here.
"""

from __future__ import annotations

import re
from dataclasses import replace

from flask import current_app, g, request

from ..courses import queries as courses
from ..courses.enrolment import Problem
from ..db import get_db, write_transaction
from ..fhir.appointments import (
    ID,
    STOPPED,
    Booking,
    choose_timepoint,
    course_codes,
    read_appointment,
    refusal,
)
from . import bp
from .auth import audit
from .idempotency import request_hash
from .problems import problem
from .views import FHIR_JSON
from .write_views import _body, invalid


class Refused(Exception):
    """The Appointment cannot be applied: ``response`` says why."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def _clinic() -> int:
    return g.api_key["clinic_id"]


def _course_of(booking: Booking) -> dict:
    course_id = courses.find_course_by_external_id(get_db(), _clinic(), booking.external_id)
    if course_id is None:
        raise Refused(invalid([Problem("participant", "No course of the clinic has the "
                                                      "external_id %(ref)s.",
                                       {"ref": booking.external_id})]))
    return courses.get_course(get_db(), course_id)


def _timepoint(booking: Booking, course: dict, existing: dict | None) -> dict:
    pathway = current_app.extensions["content"].pathway(course["pathway"])
    codes = course_codes(pathway, course["entry_code"])
    target = codes.target(booking.code)
    if target is None:
        raise Refused(invalid([refusal(pathway, codes, booking.code)]))
    db = get_db()
    timepoints = courses.list_timepoints(db, course["id"])
    # One visit with two codes (0110 and 0262 on the same day): neither holds it alone.
    taken = courses.list_held_timepoints(db, course["id"], STOPPED, booking.appointment_id) \
        - {tp["id"] for tp in timepoints if tp["key"] in codes.shared}
    current = existing["timepoint_id"] if existing and existing["course_id"] == course["id"] \
        else None
    found = choose_timepoint(replace(booking, code=target), timepoints, taken, current)
    if found is None:
        raise Refused(invalid([Problem(
            "serviceType", "The Appointment fits no timepoint: every consultation with the "
                           "service code %(code)s of this course already has another "
                           "appointment.", {"code": booking.code})]))
    return found


def _move(booking: Booking, course: dict, timepoint: dict) -> list[str]:
    """Put the visit on the appointment's day; what changed."""
    day = booking.day.isoformat()
    changes = ["resumed"] if courses.resume_invitations(get_db(), timepoint["id"]) else []
    if timepoint["visit_date"] == day:
        return changes
    pathway = current_app.extensions["content"].pathway(course["pathway"])
    try:
        courses.move_visit(get_db(), course["id"], pathway, timepoint["key"], booking.day)
    except courses.CourseConflict as error:
        raise Refused(problem(409, str(error))) from None
    except courses.CourseError as error:
        raise Refused(invalid([Problem("start", str(error))])) from None
    return [*changes, "moved"]


def _apply(booking: Booking, existing: dict | None, fingerprint: str) -> list[str]:
    course = _course_of(booking)
    timepoint = _timepoint(booking, course, existing)
    changes: list[str] = []
    if booking.booked:
        changes = _move(booking, course, timepoint)
    elif booking.stopped and courses.stop_invitations(get_db(), timepoint["id"]):
        changes = ["stopped"]
    courses.save_appointment(get_db(), _clinic(), booking.appointment_id, course["id"],
                             timepoint["id"], booking.status,
                             booking.day.isoformat() if booking.day else None, fingerprint)
    audit("api-appointment", "course", course["id"],
          f"{timepoint['key']} {booking.status} {' '.join(changes)}".strip()[:200])
    return changes


@bp.put("/fhir/Appointment/<appointment_id>")
def put_appointment(appointment_id: str):
    if not re.match(ID, appointment_id):
        return problem(400, "The id must be 1 to 64 letters, digits, '-' and '.'.",
                       parameter="id")
    booking, problems = read_appointment(_body(), appointment_id)
    if problems:
        return invalid(problems)
    fingerprint = request_hash()
    existing = courses.get_appointment(get_db(), _clinic(), appointment_id)
    if existing is None or existing["request_hash"] != fingerprint:
        try:
            with write_transaction(get_db()):  # a refusal changes nothing
                _apply(booking, existing, fingerprint)
        except Refused as refused:
            return refused.response
    return current_app.response_class(request.get_data(), mimetype=FHIR_JSON,
                                      status=201 if existing is None else 200)
