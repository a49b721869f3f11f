"""The write API under /api/v1: enrol, move visits, end, consent and contact changes.

Only keys with the ``write`` scope get here (views.require_api_key answers 403 to a read
key). Every course is looked up within the key's clinic, so a key of clinic A finds no
course of clinic B (404, and the attempt is audited). The rules are the browser's and the
command line's: the same enrolment check, the same ``move_visit``; bad input is a 422
problem listing every wrong field, and nothing is written. Every write is audited under
the key (the audit page shows the key's name).
"""

from __future__ import annotations

import sqlite3

from flask import abort, current_app, g, request
from werkzeug.exceptions import BadRequest

from .. import queries as shared
from ..courses import queries as courses
from ..courses.enrolment import Problem, entry_codes_of
from ..courses.schedule import current_timepoint
from ..db import get_db
from ..notifications import addresses
from ..timeutil import iso, utcnow
from . import bp, queries, search
from .auth import audit
from .idempotency import idempotent
from .problems import problem
from .writes import (
    check_consent,
    check_contact_patch,
    check_empty,
    check_new_course,
    check_visit_date,
)

LINKS_HELD_BACK = {
    "code": "links-held-back",
    "detail": "The patient is enrolled, but no link was issued: no patient gets a link until "
              "an admin has entered where alarm notifications go (Clinic settings), because "
              "a patient who reports an alarm symptom must reach a person."}
NOTHING_TO_ANSWER = {"code": "no-open-questionnaire",
                     "detail": "No link was issued: no questionnaire of the course is open."}


def _body() -> object:
    """The request's JSON, None when there is none; a 400 problem when it is not JSON."""
    if not request.get_data():
        return None
    try:
        return request.get_json(force=True)
    except BadRequest:
        abort(400, "The body is not valid JSON.")


def invalid(problems: list[Problem]):
    """422 naming every wrong field at once, each with the same message as the browser's."""
    count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
    return problem(422, f"The request has {count}: see errors.",
                   errors=[{"field": p.field, "detail": str(p)} for p in problems])


def _clinic() -> int:
    return g.api_key["clinic_id"]


def _course(course_id: int) -> dict:
    """The course of the key's clinic (any consent: this key manages it), or 404."""
    real = course_id <= search.MAX_ID  # larger cannot be an id, nor be stored in the log
    found = courses.get_course(get_db(), course_id) if real else None
    if found is None or found["clinic_id"] != _clinic():
        audit("api-denied-course", "course", course_id if real else None)
        abort(404, "No course with this id at the clinic.")
    return found


def shown(course_id: int) -> dict:
    """The course as the read API shows it."""
    return queries.get_course(get_db(), _clinic(), course_id, every_consent=True)


def _issue_link(course_id: int) -> tuple[str | None, list[dict]]:
    db = get_db()
    if not addresses.configured(shared.get_clinic(db, _clinic())):
        return None, [LINKS_HELD_BACK]
    timepoint = current_timepoint(courses.list_timepoints(db, course_id), iso(utcnow()))
    if timepoint is None:
        return None, [NOTHING_TO_ANSWER]
    token = courses.create_invitation(db, timepoint)
    audit("api-create-link", "timepoint", timepoint["id"])
    return f"{current_app.config['BASE_URL'].rstrip('/')}/q/{token}", []


# --- enrolment ------------------------------------------------------------------------------

@bp.post("/courses")
@idempotent
def create_course():
    content = current_app.extensions["content"]
    enrolment, extra, problems = check_new_course(_body(), list(content.pathways),
                                                  entry_codes_of(content.pathways))
    db = get_db()
    if extra["external_id"] and not problems and courses.find_course_by_external_id(
            db, _clinic(), extra["external_id"]) is not None:
        problems.append(Problem("external_id", "A course of the clinic already has this "
                                               "external_id. Find it with GET "
                                               "/courses?external_id=…"))
    if problems:
        return invalid(problems)
    patient = courses.NewPatient(_clinic(), enrolment.name, enrolment.email, enrolment.phone,
                                 enrolment.language)
    try:
        course_id = courses.enrol(db, patient, content.pathway(enrolment.pathway),
                                  enrolment.first_visit, enrolment.referral_date,
                                  enrolment.entry_code, external_id=extra["external_id"])
    except sqlite3.IntegrityError:  # the same reference enrolled a moment ago
        return invalid([Problem("external_id", "A course of the clinic already has this "
                                               "external_id.")])
    audit("api-enrol-patient", "course", course_id)
    link, warnings = _issue_link(course_id) if extra["issue_link"] else (None, [])
    return {**shown(course_id), "link": link, "warnings": warnings}, 201


# --- changes to a course -------------------------------------------------------------------

@bp.put("/courses/<int:course_id>/visits/<timepoint>")
def move_visit(course_id: int, timepoint: str):
    course = _course(course_id)
    day, problems = check_visit_date(_body())
    if problems:
        return invalid(problems)
    pathway = current_app.extensions["content"].pathway(course["pathway"])
    current = {tp["key"]: tp for tp in courses.list_timepoints(get_db(), course_id)}
    if timepoint in current and current[timepoint]["visit_date"] == day.isoformat() \
            and course["status"] == "active":
        return shown(course_id)  # already on that day: nothing to change
    try:
        courses.move_visit(get_db(), course_id, pathway, timepoint, day)
    except courses.NoSuchVisit as error:
        return problem(404, str(error))
    except courses.CourseConflict as error:
        return problem(409, str(error))
    except courses.CourseError as error:
        return invalid([Problem("date", str(error))])
    audit("api-move-visit", "course", course_id, timepoint[:40])
    return shown(course_id)


@bp.post("/courses/<int:course_id>/end")
@idempotent
def end_course(course_id: int):
    _course(course_id)
    if problems := check_empty(_body()):
        return invalid(problems)
    if courses.end_course(get_db(), course_id):
        audit("api-end-course", "course", course_id)
    return shown(course_id)


@bp.put("/courses/<int:course_id>/consent")
def record_consent(course_id: int):
    course = _course(course_id)
    status, problems = check_consent(_body())
    if problems:
        return invalid(problems)
    if course["consent"] != status:
        # Recorded as given outside the app (paper or in person), as the clinic's system
        # passes on a decision the patient made there.
        courses.record_consent(get_db(), course_id, status, "paper")
        audit(f"api-consent-{status}", "course", course_id)
    return shown(course_id)


@bp.patch("/courses/<int:course_id>")
def change_contact(course_id: int):
    course = _course(course_id)
    changes, problems = check_contact_patch(_body())
    if problems:
        return invalid(problems)
    courses.save_contact(get_db(), course["patient_id"], changes)
    audit("api-edit-contact", "course", course_id, ", ".join(sorted(changes)))
    return shown(course_id)
