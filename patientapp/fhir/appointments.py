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
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..checks import N_
from ..content import Pathway
from ..courses.enrolment import Problem
from ..timeutil import local_date

if TYPE_CHECKING:
    from fhir.resources.R4B.appointment import Appointment

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
    # The R4B models are 8 MB: loaded by the first Appointment, not by every worker.
    from fhir.resources.R4B.appointment import Appointment

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


@dataclass(frozen=True)
class CodeMap:
    """Which timepoints each service code stands for on one course (its pathway and the
    service code it started with)."""

    keys: dict[str, tuple[str, ...]]  # service code -> timepoint keys, in course order
    shared: frozenset[str]  # keys more than one code leads to (one visit, two codes)
    entry_code: str  # the code the course's first questionnaire consultation has

    def target(self, code: str) -> str | None:
        """The code as the course's timepoints carry it (0110 -> 0262), or None."""
        keys = self.keys.get(code)
        if not keys:
            return None
        return self.entry_code if keys == ("baseline",) else code


def course_codes(pathway: Pathway, entry_code: str | None) -> CodeMap:
    """The service codes a course answers to, and the timepoint(s) of each.

    Each timepoint answers to its own code, the baseline to the code the course started
    with (0262 on a course started with 0262; 0261 then fits nothing). The first
    consultation (0110, ``first_consultation_code``) is no timepoint of its own; it stands
    for the baseline only where the baseline falls on the first consultation's day (a
    course started with 0262): there both appointments are the same visit.
    """
    timepoints = pathway.timepoints_for(entry_code)
    keys: dict[str, tuple[str, ...]] = {}
    for spec in timepoints:
        keys[spec.code] = (*keys.get(spec.code, ()), spec.key)
    baseline = timepoints[0]
    shared: frozenset[str] = frozenset()
    first = pathway.first_consultation_code
    if first and baseline.anchor == "first_visit" and baseline.offset_days == 0:
        keys[first] = (baseline.key,)
        shared = frozenset({baseline.key})
    return CodeMap(keys, shared, baseline.code)


def refusal(pathway: Pathway, codes: CodeMap, code: str) -> Problem:
    """Why ``code`` fits no timepoint of the course, naming the codes that do."""
    listed = {"code": code, "pathway": pathway.id, "codes": ", ".join(codes.keys)}
    if code == pathway.first_consultation_code:
        return Problem("serviceType", N_("The service code %(code)s is the first "
                                         "consultation. On this course it has no "
                                         "questionnaire of its own: the course started with "
                                         "%(entry)s, which is not on the same day. The "
                                         "course's codes: %(codes)s."),
                       {**listed, "entry": codes.entry_code})
    if code in pathway.entry_codes:
        return Problem("serviceType", N_("The service code %(code)s starts a course of "
                                         "%(pathway)s, but this course started with "
                                         "%(entry)s. The course's codes: %(codes)s."),
                       {**listed, "entry": codes.entry_code})
    return Problem("serviceType", N_("The service code %(code)s is not a consultation of "
                                     "the course's pathway (%(pathway)s: %(codes)s)."), listed)
