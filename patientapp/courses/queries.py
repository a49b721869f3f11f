"""Database access for patients, courses, timepoints and invitation links."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlite_utils import Database

from ..content import Pathway
from ..db import now, write_transaction
from ..events import course_ended
from ..timeutil import end_of_day, iso, parse_date, parse_moment, utcnow
from ..web.security import hash_token, new_token
from .contact import N_
from .schedule import PlannedTimepoint, plan

# The errors move_visit raises; callers catch them as courses.CourseError and so on.
from .visits import CourseConflict, CourseError, NoSuchVisit, check_move  # noqa: F401


@dataclass(frozen=True)
class NewPatient:
    clinic_id: int
    name: str
    email: str = ""
    phone: str = ""
    language: str = "da"
    birth_date: date | None = None


def new_pseudonym() -> str:
    """A random, meaningless identifier used wherever the clinic's system sees the patient."""
    return "pa-" + secrets.token_hex(8)


def save_patient(db: Database, patient: NewPatient) -> int:
    cursor = db.execute(
        "INSERT INTO patients (clinic_id, pseudonym, name, email, phone, language, birth_date,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [patient.clinic_id, new_pseudonym(), patient.name, patient.email, patient.phone,
         patient.language, patient.birth_date.isoformat() if patient.birth_date else None,
         now()],
    )
    return cursor.lastrowid


def _timepoint_row(course_id: int, tp: PlannedTimepoint) -> dict:
    return {
        "course_id": course_id, "key": tp.key, "position": tp.position, "code": tp.code,
        "visit_date": tp.visit_date.isoformat(),
        "questionnaires": json.dumps(list(tp.questionnaires)),
        "send_at": tp.send_on.isoformat(),
        "remind_at": tp.remind_on.isoformat() if tp.remind_on else None,
        "expires_at": iso(end_of_day(tp.expires_on)),
        "is_final": int(tp.is_final),
        "warning": json.dumps(tp.warning) if tp.warning else None,
    }


def enrol(
    db: Database,
    patient: NewPatient,
    pathway: Pathway,
    first_visit: date,
    referral_date: date | None = None,
    entry_code: str | None = None,
    external_id: str | None = None,
    clinician_id: int | None = None,
) -> int:
    """Create the patient, the course and its dated timepoints in one transaction.

    ``entry_code`` is the baseline's service code (None: the pathway's usual one); it is
    stored on the course so that re-planning keeps it. ``external_id`` is the clinic's own
    reference; the database keeps it unique per clinic (sqlite3.IntegrityError when taken:
    check with ``find_course_by_external_id`` first). ``clinician_id`` is the treating
    physiotherapist (the one who enrols, on the clinic's pages).
    """
    entry_code = pathway.baseline_for(entry_code).code
    planned = plan(pathway, first_visit, referral_date, entry_code=entry_code)
    with write_transaction(db):
        patient_id = save_patient(db, patient)
        course_id = db.execute(
            "INSERT INTO courses (clinic_id, patient_id, pathway, referral_date, first_visit,"
            " entry_code, created_at, external_id, clinician_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [patient.clinic_id, patient_id, pathway.id,
             referral_date.isoformat() if referral_date else None, first_visit.isoformat(),
             entry_code, now(), external_id, clinician_id],
        ).lastrowid
        for tp in planned:
            db.table("timepoints").insert(_timepoint_row(course_id, tp))
    return course_id


def get_course(db: Database, course_id: int) -> dict | None:
    rows = list(db.query(
        "SELECT courses.*, patients.name AS patient_name, patients.language,"
        " patients.email, patients.phone, patients.pseudonym"
        " FROM courses JOIN patients ON patients.id = courses.patient_id WHERE courses.id = ?",
        [course_id]))
    return rows[0] if rows else None


def list_timepoints(db: Database, course_id: int) -> list[dict]:
    # completed_by_name: the clinician who filled it in with the patient (None: the patient).
    rows = db.query("SELECT timepoints.*, clinicians.name AS completed_by_name FROM timepoints"
                    " LEFT JOIN clinicians ON clinicians.id = timepoints.completed_by"
                    " WHERE timepoints.course_id = ? ORDER BY timepoints.position", [course_id])
    return [decode_timepoint(row) for row in rows]


def decode_timepoint(row: dict) -> dict:
    """A timepoints row as the app uses it: its JSON columns read."""
    row["questionnaires"] = json.loads(row["questionnaires"])
    row["warning"] = json.loads(row["warning"]) if row.get("warning") else None
    return row


def get_timepoint(db: Database, timepoint_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM timepoints WHERE id = ?", [timepoint_id]))
    return decode_timepoint(rows[0]) if rows else None


def replan(db: Database, course_id: int, pathway: Pathway, moved: dict[str, date]) -> None:
    """Move visit dates; dates of submitted timepoints and all answers stay as they are.

    Dates set by hand earlier are kept too, so moving one visit never undoes another move.
    """
    with write_transaction(db):
        course = get_course(db, course_id)
        current = {tp["key"]: tp for tp in list_timepoints(db, course_id)}
        by_hand = {key: parse_date(tp["visit_date"]) for key, tp in current.items()
                   if tp["moved_at"]}
        done = {key: parse_date(tp["visit_date"]) for key, tp in current.items()
                if tp["submitted_at"]}
        planned = plan(pathway, parse_date(course["first_visit"]),
                       parse_date(course["referral_date"]) if course["referral_date"] else None,
                       {**by_hand, **moved, **done}, entry_code=course["entry_code"])
        for tp in planned:
            if current[tp.key]["submitted_at"]:
                continue
            row = _timepoint_row(course_id, tp)
            if tp.key in moved:
                row["moved_at"] = now()
            db.table("timepoints").update(current[tp.key]["id"], row)
            # A link already issued never lives longer because its visit moved: it ends
            # sooner when the visit moves earlier; a later visit gets the new links that
            # the reminder (or the clinic) sends.
            db.execute("UPDATE invitations SET expires_at = min(expires_at, ?)"
                       " WHERE timepoint_id = ?", [row["expires_at"], current[tp.key]["id"]])


def move_visit(db: Database, course_id: int, pathway: Pathway, key: str, day: date) -> None:
    """Set one visit's date by hand and re-plan the invitations that follow from it.

    The rules are ``visits.check_move``'s; CourseError (or a subclass) when one refuses."""
    course = get_course(db, course_id)
    if course is None:
        raise CourseError(N_("There is no course with the id %(id)s."), id=course_id)
    timepoint = next((tp for tp in list_timepoints(db, course_id) if tp["key"] == key), None)
    refused = check_move(course, timepoint, key, day, (t.key for t in pathway.timepoints))
    if refused is not None:
        raise refused
    replan(db, course_id, pathway, {key: day})


def find_course_by_external_id(db: Database, clinic_id: int, external_id: str) -> int | None:
    """The id of the clinic's course with this reference of the clinic's own, or None."""
    rows = list(db.query("SELECT id FROM courses WHERE clinic_id = ? AND external_id = ?",
                         [clinic_id, external_id]))
    return rows[0]["id"] if rows else None


def save_contact(db: Database, patient_id: int, changes: dict[str, str]) -> None:
    """Change some of a patient's name, e-mail, phone and language (already checked)."""
    columns = [name for name in ("name", "email", "phone", "language") if name in changes]
    if columns:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        db.execute(f"UPDATE patients SET {assignments} WHERE id = ?",  # nosec B608
                   [changes[name] for name in columns] + [patient_id])


def end_course(db: Database, course_id: int) -> bool:
    """End the course: no further invitations or reminders. Answers and sent links stay.

    Returns False when there is no active course with that id.
    """
    with write_transaction(db):
        ended = db.execute("UPDATE courses SET status = 'ended', ended_at = ?"
                           " WHERE id = ? AND status = 'active'", [now(), course_id]
                           ).rowcount == 1
        if ended:  # the webhook's outbox row commits with the change, or neither does
            course_ended.send(db=db, course_id=course_id)
    return ended


def list_clinics(db: Database) -> list[dict]:
    return list(db.query("SELECT id, name FROM clinics ORDER BY id"))


def create_invitation(db: Database, timepoint: dict) -> str:
    """A new link token for ``timepoint``; only its hash is stored. Returns the token.

    Scheduled messages use this: an invitation and its reminder each carry a link, and the
    first keeps working when the second arrives. ``replace_invitations`` is for the clinic.
    """
    token, token_hash = new_token()
    db.table("invitations").insert({
        "course_id": timepoint["course_id"], "timepoint_id": timepoint["id"],
        "token_hash": token_hash, "created_at": now(), "expires_at": timepoint["expires_at"],
    })
    return token


# A link made this recently may be in a message still on its way (a scheduled text in the
# gateway's queue): when it is replaced it keeps working until this long after it was made,
# so the patient it reaches is not met by a dead link. Older links stop at once.
LINK_GRACE = timedelta(minutes=10)


def replace_invitations(db: Database, timepoint: dict) -> str:
    """A new link for ``timepoint`` that replaces every earlier link of the course."""
    with write_transaction(db):
        revoke_invitations(db, timepoint["course_id"], grace=LINK_GRACE)
        return create_invitation(db, timepoint)


def revoke_invitations(db: Database, course_id: int, grace: timedelta | None = None) -> int:
    """Stop every working link of the course; returns how many were stopped.

    With ``grace``, a link younger than that stops ``grace`` after it was made instead.
    """
    moment = utcnow()
    stopped = 0
    for row in list(db.query(
            "SELECT id, created_at FROM invitations WHERE course_id = ?"
            " AND (revoked_at IS NULL OR revoked_at > ?) AND expires_at > ?",
            [course_id, iso(moment), iso(moment)])):
        ends = moment
        if grace is not None:
            ends = max(moment, parse_moment(row["created_at"]) + grace)
        db.execute("UPDATE invitations SET revoked_at = ? WHERE id = ?", [iso(ends), row["id"]])
        stopped += 1
    return stopped


def revoke_all_links(db: Database, course_id: int) -> tuple[int, int]:
    """For a link sent to the wrong person: stop every link of the course now, with no
    grace, and cancel the retries still waiting to go to the address on record.

    Returns how many (links, messages) were stopped.
    """
    with write_transaction(db):
        links = revoke_invitations(db, course_id)
        messages = db.execute("UPDATE outbox SET status = 'cancelled' WHERE course_id = ?"
                              " AND status = 'pending'", [course_id]).rowcount
    return links, messages


def find_invitation(db: Database, token: str) -> dict | None:
    """The invitation behind ``token`` with its course, patient, clinic and timepoint."""
    if not token or len(token) > 128:
        return None
    rows = list(db.query(
        "SELECT invitations.id AS invitation_id, invitations.expires_at,"
        " invitations.revoked_at, invitations.timepoint_id, courses.id AS course_id,"
        " courses.pathway, courses.consent, courses.status AS course_status,"
        " courses.clinic_id, courses.patient_id, patients.language,"
        " clinics.name AS clinic_name, clinics.phone AS clinic_phone"
        " FROM invitations"
        " JOIN courses ON courses.id = invitations.course_id"
        " JOIN patients ON patients.id = courses.patient_id"
        " JOIN clinics ON clinics.id = courses.clinic_id"
        " WHERE invitations.token_hash = ?", [hash_token(token)]))
    return rows[0] if rows else None


def invitation_is_revoked(invitation: dict) -> bool:
    """Replaced or stopped by the clinic (a revocation in the future is a grace period)."""
    return bool(invitation["revoked_at"]) and invitation["revoked_at"] <= iso(utcnow())


def invitation_is_usable(invitation: dict) -> bool:
    return not invitation_is_revoked(invitation) and invitation["expires_at"] > iso(utcnow())


def touch_invitation(db: Database, invitation_id: int) -> None:
    db.execute("UPDATE invitations SET last_used_at = ? WHERE id = ?", [now(), invitation_id])


def save_contact_details(db: Database, patient_id: int, name: str, email: str, phone: str,
                         language: str) -> None:
    db.execute("UPDATE patients SET name = ?, email = ?, phone = ?, language = ? WHERE id = ?",
               [name, email, phone, language, patient_id])


def set_patient_language(db: Database, patient_id: int, language: str) -> None:
    db.execute("UPDATE patients SET language = ? WHERE id = ?", [language, patient_id])


def record_consent(db: Database, course_id: int, status: str, method: str = "online",
                   clinician_id: int | None = None) -> None:
    """Record a consent decision (kept as history) and make it the course's current one."""
    with write_transaction(db):
        db.execute(
            "INSERT INTO consents (course_id, status, method, recorded_by, recorded_at)"
            " VALUES (?, ?, ?, ?, ?)", [course_id, status, method, clinician_id, now()])
        db.execute("UPDATE courses SET consent = ? WHERE id = ?", [status, course_id])


# --- appointments from the clinic's booking system ----------------------------------------

def get_appointment(db: Database, clinic_id: int, appointment_id: str) -> dict | None:
    rows = list(db.query("SELECT * FROM appointments WHERE clinic_id = ? AND appointment_id = ?",
                         [clinic_id, appointment_id]))
    return rows[0] if rows else None


def list_held_timepoints(db: Database, course_id: int, stopped: tuple[str, ...],
                         other_than: str) -> set[int]:
    """Timepoints of the course that another live (not stopped) appointment stands for."""
    rows = db.query(
        "SELECT timepoint_id FROM appointments WHERE course_id = ? AND appointment_id != ?"
        " AND status NOT IN (SELECT value FROM json_each(?))",
        [course_id, other_than, json.dumps(list(stopped))])
    return {row["timepoint_id"] for row in rows}


def save_appointment(db: Database, clinic_id: int, appointment_id: str, course_id: int,
                     timepoint_id: int, status: str, visit_date: str | None,
                     request_hash: str) -> None:
    moment = now()
    db.execute(
        "INSERT INTO appointments (clinic_id, appointment_id, course_id, timepoint_id, status,"
        " visit_date, request_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (clinic_id, appointment_id) DO UPDATE SET course_id = excluded.course_id,"
        " timepoint_id = excluded.timepoint_id, status = excluded.status,"
        " visit_date = excluded.visit_date, request_hash = excluded.request_hash,"
        " updated_at = excluded.updated_at",
        [clinic_id, appointment_id, course_id, timepoint_id, status, visit_date, request_hash,
         moment, moment])


def stop_invitations(db: Database, timepoint_id: int) -> bool:
    """No invitation or reminder for this timepoint (its appointment was cancelled) until
    it is booked again; a retry waiting in the outbox waits too. False when already so."""
    return db.execute("UPDATE timepoints SET stopped_at = ? WHERE id = ?"
                      " AND stopped_at IS NULL", [now(), timepoint_id]).rowcount == 1


def resume_invitations(db: Database, timepoint_id: int) -> bool:
    """The timepoint was booked again: its invitation goes out as planned."""
    return db.execute("UPDATE timepoints SET stopped_at = NULL WHERE id = ?"
                      " AND stopped_at IS NOT NULL", [timepoint_id]).rowcount == 1
