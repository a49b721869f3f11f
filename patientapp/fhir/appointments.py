"""FHIR R4 Appointments from the clinic's booking system: read one, and find its timepoint.

Pure functions, no Flask or database. Booking systems know appointments, not timepoints:
an Appointment says *which consultation* by its Danish service code (ydelseskode, e.g. 0241)
in ``serviceType``, *who* by the clinic's own reference in a participant's
``actor.identifier.value`` (the course's ``external_id``), and *when* in ``start``. Its
structure is checked with fhir.resources (the R4B models: Appointment is the same in R4
and R4B); what the models do not check (the status code, the parts this app needs) is
checked here. Every problem names the element it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fhir.resources.R4B.appointment import Appointment
from pydantic import ValidationError

from ..courses.enrolment import Problem
from ..timeutil import local_date

# Appointment.status, required binding (http://hl7.org/fhir/R4/valueset-appointmentstatus.html)
STATUSES = ("proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
            "entered-in-error", "checked-in", "waitlist")
BOOKED = ("booked", "arrived", "checked-in", "fulfilled")  # the visit is on ``start``'s day
STOPPED = ("cancelled", "noshow", "entered-in-error")  # no invitation for it
# proposed, pending, waitlist: not agreed yet, so nothing changes until it is booked.
ID = r"^[A-Za-z0-9\-.]{1,64}$"  # a FHIR id
SERVICE_CODE = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Booking:
    """What the app needs from an Appointment."""

    appointment_id: str
    status: str
    external_id: str
    code: str
    day: date | None

    @property
    def booked(self) -> bool:
        return self.status in BOOKED

    @property
    def stopped(self) -> bool:
        return self.status in STOPPED


def _structure(body: dict) -> tuple[Appointment | None, list[Problem]]:
    try:
        return Appointment.model_validate(body), []
    except ValidationError as error:
        return None, [Problem(".".join(str(part) for part in e["loc"]) or "Appointment",
                              "%(problem)s", {"problem": e["msg"]}) for e in error.errors()]


def _code(appointment: Appointment) -> str | None:
    codes = [coding.code for concept in appointment.serviceType or []
             for coding in concept.coding or [] if coding.code and SERVICE_CODE.match(coding.code)]
    return codes[0] if codes else None


def _patient_reference(appointment: Appointment) -> str | None:
    for participant in appointment.participant or []:
        actor = participant.actor
        if actor is None or actor.identifier is None or not actor.identifier.value:
            continue
        if actor.type in (None, "Patient") or (actor.reference or "").startswith("Patient"):
            return actor.identifier.value
    return None


def read_appointment(body: object, url_id: str) -> tuple[Booking | None, list[Problem]]:
    """The booking in an Appointment PUT to ``.../Appointment/{url_id}``, or every problem."""
    if not isinstance(body, dict) or body.get("resourceType") != "Appointment":
        return None, [Problem("resourceType", "Send a FHIR Appointment resource.")]
    appointment, problems = _structure(body)
    if appointment is None:
        return None, problems
    if appointment.id is not None and appointment.id != url_id:
        problems.append(Problem("id", "The id in the body (%(body)s) is not the one in the "
                                      "address (%(url)s).",
                                {"body": appointment.id, "url": url_id}))
    if appointment.status not in STATUSES:
        problems.append(Problem("status", "Use an R4 Appointment status: %(choices)s.",
                                {"choices": ", ".join(STATUSES)}))
    code = _code(appointment)
    if code is None:
        problems.append(Problem("serviceType", "Give the consultation's service code "
                                               "(4 digits, e.g. 0241) in serviceType.coding."))
    external_id = _patient_reference(appointment)
    if external_id is None:
        problems.append(Problem("participant", "Name the patient as a participant whose "
                                               "actor.identifier.value is the course's "
                                               "external_id."))
    if appointment.start is None and appointment.status in BOOKED:
        problems.append(Problem("start", "A booked appointment needs its start."))
    if problems:
        return None, problems
    day = local_date(appointment.start) if appointment.start else None
    return Booking(url_id, appointment.status, external_id, code, day), []


def choose_timepoint(booking: Booking, timepoints: list[dict], taken: set[int],
                     current: int | None = None) -> dict | None:
    """The timepoint an Appointment stands for, or None when none fits.

    ``current`` is the timepoint the Appointment was tied to before: it stays there while
    the code is the same. Otherwise the candidates are the timepoints with the code that
    no other live Appointment holds (``taken``); one not yet answered comes first, then
    the one whose planned date is nearest the appointment's, then the earlier one (two
    follow-ups share code 0268: the 3-month and the 9-month one).
    """
    same_code = [tp for tp in timepoints if tp["code"] == booking.code]
    held = next((tp for tp in same_code if tp["id"] == current), None)
    if held is not None:
        return held
    free = [tp for tp in same_code if tp["id"] not in taken]
    if not free:
        return None
    day = booking.day

    def rank(tp: dict) -> tuple:
        distance = abs((date.fromisoformat(tp["visit_date"]) - day).days) if day else 0
        return (bool(tp["submitted_at"]), distance, tp["position"])

    return min(free, key=rank)
