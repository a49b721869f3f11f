"""Appointments from the booking system (PUT /api/v1/fhir/Appointment/{id}): the service code
picks the timepoint for every pathway and code, booked ones move the visit, cancelled ones
stop the invitation, a repeat changes nothing, and what cannot be mapped is 422 with why.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from helpers import api_error, sign_in_as

from patientapp.accounts import save_clinic
from patientapp.api import queries as api_db
from patientapp.content import load_content
from patientapp.courses import queries as courses
from patientapp.fhir.appointments import (
    Booking,
    choose_timepoint,
    course_codes,
    read_appointment,
)
from patientapp.notifications import due
from patientapp.timeutil import CLINIC_TZ

ROOT = Path(__file__).resolve().parents[1]
FIRST = date.today() + timedelta(days=30)
SERVICE_CODES = "urn:oid:1.2.208.184.100.1"  # any system is accepted; the code decides


def appointment(code: str, start: date | None, ref: str = "BK-1", status: str = "booked",
                **extra) -> dict:
    found = {"resourceType": "Appointment", "status": status,
             "serviceType": [{"coding": [{"system": SERVICE_CODES, "code": code}]}],
             "participant": [{"actor": {"type": "Patient",
                                        "identifier": {"system": "urn:booking", "value": ref}},
                              "status": "accepted"}], **extra}
    if start:
        found["start"] = datetime(start.year, start.month, start.day, 9, 30,
                                  tzinfo=CLINIC_TZ).isoformat()
    return found


@pytest.fixture
def write_key(db, clinic_id) -> str:
    return api_db.save_api_key(db, clinic_id, "Booking system", None, "write")[1]


@pytest.fixture
def put(client, write_key):
    def _put(appointment_id, body, key=None):
        return client.raw.put(f"/api/v1/fhir/Appointment/{appointment_id}",
                              data=json.dumps(body) if not isinstance(body, str) else body,
                              content_type="application/fhir+json",
                              headers={"Authorization": f"Bearer {key or write_key}"})
    return _put


@pytest.fixture
def course(db, content, clinic_id):
    def _course(pathway="lumbar-radiculopathy", ref="BK-1", email="p@example.dk"):
        return courses.enrol(db, courses.NewPatient(clinic_id, "Patient", email=email),
                             content.pathway(pathway), FIRST, external_id=ref)
    return _course


def visits(db, course_id) -> dict[str, str]:
    return {tp["key"]: tp["visit_date"] for tp in courses.list_timepoints(db, course_id)}


def timepoint(db, course_id, key) -> dict:
    return next(tp for tp in courses.list_timepoints(db, course_id) if tp["key"] == key)


PATHWAYS = load_content(ROOT / "content").pathways


# --- the mapping, for every pathway and code ------------------------------------------------------

@pytest.mark.parametrize("pathway, key", [(p.id, t.key) for p in PATHWAYS.values()
                                          for t in p.timepoints])
def test_each_code_moves_its_timepoint(put, db, course, pathway, key):
    course_id = course(pathway)
    spec = PATHWAYS[pathway].timepoint(key)
    planned = date.fromisoformat(visits(db, course_id)[key])
    new = planned + timedelta(days=3)
    response = put(f"a-{key}", appointment(spec.code, new))
    assert response.status_code == 201, response.get_json()
    assert visits(db, course_id)[key] == new.isoformat()
    row = courses.get_appointment(db, 1, f"a-{key}")
    assert row["timepoint_id"] == timepoint(db, course_id, key)["id"]


def test_two_follow_ups_with_one_code_go_to_the_nearest_and_then_the_other(put, db, course):
    course_id = course("primary-low-back-pain")
    planned = visits(db, course_id)
    nine = date.fromisoformat(planned["followup-9m"]) + timedelta(days=2)
    assert put("f9", appointment("0268", nine)).status_code == 201
    three = date.fromisoformat(planned["followup-3m"]) - timedelta(days=4)
    assert put("f3", appointment("0268", three)).status_code == 201
    now = visits(db, course_id)
    assert (now["followup-3m"], now["followup-9m"]) == (three.isoformat(), nine.isoformat())
    # A third 0268 appointment fits neither.
    body = api_error(put("f-extra", appointment("0268", nine)), 422)
    assert "fits no timepoint" in body["errors"][0]["detail"]


def test_a_moved_final_consultation_moves_the_follow_ups(put, db, course):
    course_id = course("primary-low-back-pain")
    before = visits(db, course_id)
    final = date.fromisoformat(before["final"]) + timedelta(days=14)
    put("final-1", appointment("0267", final))
    after = visits(db, course_id)
    assert date.fromisoformat(after["followup-3m"]) == \
        date.fromisoformat(before["followup-3m"]) + timedelta(days=14)


def test_a_rebooking_of_the_same_appointment_moves_the_visit_again(put, db, course):
    course_id = course()
    first = FIRST + timedelta(days=16)
    put("w2", appointment("0243", first))
    put("w2", appointment("0243", first + timedelta(days=2)))
    assert visits(db, course_id)["week-2"] == (first + timedelta(days=2)).isoformat()
    assert put("w2", appointment("0243", first + timedelta(days=2))).status_code == 200


def test_the_same_appointment_twice_changes_nothing(put, db, course):
    course()
    body = appointment("0243", FIRST + timedelta(days=15))
    assert put("w2", body).status_code == 201
    state = [list(db.query(f"SELECT * FROM {t}")) for t in ("timepoints", "appointments")]
    audits = len(list(db.query("SELECT * FROM audit_log WHERE action = 'api-appointment'")))
    again = put("w2", dict(reversed(body.items())))
    assert again.status_code == 200 and again.get_json() == dict(reversed(body.items()))
    assert state == [list(db.query(f"SELECT * FROM {t}")) for t in ("timepoints",
                                                                   "appointments")]
    assert len(list(db.query("SELECT * FROM audit_log WHERE action = 'api-appointment'"))) \
        == audits


@pytest.mark.parametrize("status", ["cancelled", "noshow", "entered-in-error"])
def test_a_cancelled_appointment_stops_its_invitation_until_booked_again(put, db, course,
                                                                         status):
    course_id = course()
    week2 = timepoint(db, course_id, "week-2")
    day = date.fromisoformat(week2["visit_date"])
    put("w2", appointment("0243", day))
    assert put("w2", appointment("0243", day, status=status)).status_code == 200
    stopped = timepoint(db, course_id, "week-2")
    assert stopped["stopped_at"] and stopped["visit_date"] == week2["visit_date"]
    assert timepoint(db, course_id, "week-4")["stopped_at"] is None
    put("w2", appointment("0243", day + timedelta(days=1)))
    assert timepoint(db, course_id, "week-2")["stopped_at"] is None


def test_a_stopped_timepoint_is_not_due(db, course):
    candidate = {"timepoint_id": 1, "send_at": "2026-03-01", "remind_at": None,
                 "expires_at": "2026-04-01T00:00:00+00:00", "course_status": "active",
                 "submitted_at": None, "email": "a@b.dk", "phone": "", "outbox": {}}
    moment = datetime(2026, 3, 2, 10, tzinfo=CLINIC_TZ)
    assert due.due_messages(candidate, moment)
    assert due.due_messages({**candidate, "stopped_at": "2026-03-01T10:00:00+00:00"},
                            moment) == []


@pytest.mark.parametrize("status", ["proposed", "pending", "waitlist"])
def test_an_appointment_not_yet_booked_changes_nothing(put, db, course, status):
    course_id = course()
    before = visits(db, course_id)
    assert put("w2", appointment("0243", FIRST + timedelta(days=40), status=status)
               ).status_code == 201
    assert visits(db, course_id) == before


# --- what cannot be mapped -----------------------------------------------------------------------

def test_an_unknown_code_is_422_naming_the_pathways_codes(put, db, course):
    course_id = course()
    body = api_error(put("x", appointment("0267", FIRST)), 422)  # a code of another pathway
    [error] = body["errors"]
    assert error["field"] == "serviceType"
    assert "0267" in error["detail"] and "0241, 0243, 0244, 0245" in error["detail"]
    assert courses.get_appointment(db, 1, "x") is None
    assert visits(db, course_id)


def test_a_patient_with_no_course_is_422(put, db, course):
    course()
    body = api_error(put("x", appointment("0241", FIRST, ref="BK-404")), 422)
    assert body["errors"][0]["field"] == "participant" and "BK-404" in body["errors"][0]["detail"]


def test_an_appointment_for_another_clinics_patient_finds_no_course(put, db, content):
    other = save_clinic(db, "Anden Klinik")
    foreign = courses.enrol(db, courses.NewPatient(other, "Fremmed"),
                            content.pathway("lumbar-radiculopathy"), FIRST, external_id="BK-1")
    before = visits(db, foreign)
    assert api_error(put("x", appointment("0243", FIRST + timedelta(days=20))), 422)
    assert visits(db, foreign) == before


def test_a_visit_whose_answers_are_in_cannot_move(put, db, content, course):
    from helpers import submit
    course_id = course()
    submit(db, content, course_id)
    response = put("b", appointment("0241", FIRST + timedelta(days=5)))
    assert "already been sent" in api_error(response, 409)["detail"]
    assert courses.get_appointment(db, 1, "b") is None


def test_an_appointment_before_the_first_visit_is_422(put, db, course):
    course()
    body = api_error(put("w2", appointment("0243", FIRST - timedelta(days=1))), 422)
    assert body["errors"][0]["field"] == "start"


@pytest.mark.parametrize("body, field", [
    ({"resourceType": "Patient"}, "resourceType"),
    (appointment("0243", FIRST, status="invented"), "status"),
    (appointment("0243", None), "start"),
    (appointment("02-43", FIRST), "serviceType"),
    ({**appointment("0243", FIRST), "participant": [{"status": "accepted"}]}, "participant"),
    ({**appointment("0243", FIRST), "start": "tomorrow"}, "start"),
    ({**appointment("0243", FIRST), "id": "other"}, "id"),
    ({**appointment("0243", FIRST), "colour": "blue"}, "colour"),
    ("[]", "resourceType"),
])
def test_malformed_appointments_are_422_naming_the_element(put, db, course, body, field):
    course()
    found = api_error(put("w2", body), 422)
    assert field in {e["field"] for e in found["errors"]}, found
    assert list(db.query("SELECT * FROM appointments")) == []


def test_every_problem_is_its_own_operation_outcome_issue(put, db, course):
    """A FHIR route answers errors as FHIR: one valid R4 OperationOutcome issue per problem,
    its expression the element, and nothing written."""
    from fhir.resources.R4B.operationoutcome import OperationOutcome
    course()
    response = put("w2", appointment("02-43", FIRST, status="invented"))
    outcome = OperationOutcome.model_validate(response.get_json())
    assert response.status_code == 422 and response.mimetype == "application/fhir+json"
    assert {issue.expression[0] for issue in outcome.issue} == {"serviceType", "status"}
    assert {issue.code for issue in outcome.issue} == {"processing"}
    assert all(issue.diagnostics for issue in outcome.issue)
    assert list(db.query("SELECT * FROM appointments")) == []
    missing_key = put("w2", appointment("0243", FIRST), key="pa_not-a-key")
    assert OperationOutcome.model_validate(missing_key.get_json()).issue[0].code == "login"


def test_a_read_key_cannot_send_appointments(put, db, clinic_id, course):
    course()
    read = api_db.save_api_key(db, clinic_id, "Journal", None)[1]
    assert api_error(put("w2", appointment("0243", FIRST), key=read), 403)


def test_a_malformed_id_is_400(put, course):
    assert api_error(put("a" * 65, appointment("0243", FIRST)), 400)["parameter"] == "id"


# --- the pure choice --------------------------------------------------------------------------

def test_an_answered_timepoint_is_chosen_last():
    tps = [{"id": 1, "code": "0268", "visit_date": "2026-06-01", "submitted_at": "x",
            "position": 2},
           {"id": 2, "code": "0268", "visit_date": "2026-12-01", "submitted_at": None,
            "position": 3}]
    booking = Booking("a", "booked", "r", "0268", date(2026, 6, 2))
    assert choose_timepoint(booking, tps, set())["id"] == 2
    assert choose_timepoint(booking, tps, set(), current=1)["id"] == 1
    assert choose_timepoint(booking, tps, {1, 2}) is None


def test_the_day_is_the_clinics_calendar_day():
    body = {**appointment("0243", None), "start": "2026-03-01T23:30:00Z"}
    booking, problems = read_appointment(body, "a")
    assert problems == [] and booking.day == date(2026, 3, 2)


# --- the README's mapping table -------------------------------------------------------------------

def mapping_table() -> str:
    """The table README.md shows, built from the pathway files: for each code a course may
    start with, every service code that course answers to and its timepoint."""
    lines = ["| pathway | course started with | service code | timepoint | consultation |",
             "|---|---|---|---|---|"]
    for pathway in PATHWAYS.values():
        for entry in pathway.entry_codes:
            specs = {t.key: t for t in pathway.timepoints_for(entry)}
            for code, keys in course_codes(pathway, entry).keys.items():
                for key in keys:
                    name = specs[key].names["en"] if code == specs[key].code \
                        else f"First consultation, the same day as {specs[key].code}"
                    lines.append(f"| `{pathway.id}` | {entry} | {code} | `{key}` | {name} |")
    return "\n".join(lines)


def test_the_readme_maps_every_code_of_every_pathway():
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- appointment-mapping -->\n(.*?)\n<!-- /appointment-mapping -->",
                      readme, re.S)
    assert table, "README.md has no appointment-mapping table"
    assert table[1] == mapping_table(), "regenerate it: python tests/test_appointments.py"


if __name__ == "__main__":
    print(mapping_table())


# --- end to end: the booking system's script, then send-due ---------------------------------

def test_appointments_put_by_a_script_move_the_visits_and_the_invitations_follow(
        client, runner, db, write_key):
    """The booking system enrols a patient, books, rebooks and cancels; send-due follows."""
    auth = {"Authorization": f"Bearer {write_key}"}
    enrolled = client.raw.post("/api/v1/courses", headers=auth, json={
        "pathway": "lumbar-radiculopathy", "name": "Bodil Hansen", "email": "bodil@example.dk",
        "first_visit": FIRST.isoformat(), "external_id": "BK-77"})
    assert enrolled.status_code == 201
    course_id = enrolled.get_json()["id"]
    planned = visits(db, course_id)
    week2 = date.fromisoformat(planned["week-2"])
    rebooked = week2 + timedelta(days=9)
    week4 = date.fromisoformat(planned["week-4"])
    script = [("apt-2", appointment("0243", week2, ref="BK-77")),
              ("apt-2", appointment("0243", rebooked, ref="BK-77")),  # rebooked
              ("apt-4", appointment("0244", week4, ref="BK-77")),
              ("apt-4", appointment("0244", week4, ref="BK-77", status="cancelled"))]
    for appointment_id, body in script:
        response = client.raw.put(f"/api/v1/fhir/Appointment/{appointment_id}", headers=auth,
                                  data=json.dumps(body), content_type="application/fhir+json")
        assert response.status_code in (200, 201), response.get_json()
    assert visits(db, course_id)["week-2"] == rebooked.isoformat()

    def send_due_on(day: date) -> list[str]:
        result = runner.invoke(args=["send-due", "--now", f"{day.isoformat()}T10:00"])
        assert result.exit_code == 0, result.output
        return [tp["key"] for tp in courses.list_timepoints(db, course_id)
                for row in db.query("SELECT * FROM outbox WHERE timepoint_id = ?"
                                    " AND kind = 'invitation' AND status = 'sent'", [tp["id"]])]

    old_send = date.fromisoformat(timepoint(db, course_id, "week-2")["send_at"]) \
        - timedelta(days=9)
    assert "week-2" not in send_due_on(old_send)  # the day it would have gone out before
    new_send = date.fromisoformat(timepoint(db, course_id, "week-2")["send_at"])
    assert new_send == rebooked - (week2 - old_send)
    assert "week-2" in send_due_on(new_send)
    week4_send = date.fromisoformat(timepoint(db, course_id, "week-4")["send_at"])
    assert "week-4" not in send_due_on(week4_send)  # cancelled: no invitation
    assert "week-4" not in send_due_on(week4_send + timedelta(days=1))


def test_the_clinician_sees_that_an_invitation_was_stopped(put, client, db, clinic_id, course):
    course_id = course()
    day = date.fromisoformat(timepoint(db, course_id, "week-2")["visit_date"])
    put("w2", appointment("0243", day, status="cancelled"))
    sign_in_as(client, db, clinic_id)
    row = client.get(f"/clinic/courses/{course_id}").page.find("td", string="0243").parent
    assert "appointment cancelled: no invitation" in row.text


# --- courses started with another code (0262, 0242, 0232) and the first consultation (0110) -------

@pytest.fixture
def entry_course(db, content, clinic_id):
    def _course(pathway, entry_code, ref="BK-1"):
        return courses.enrol(db, courses.NewPatient(clinic_id, "Patient", email="p@example.dk"),
                             content.pathway(pathway), FIRST, entry_code=entry_code,
                             external_id=ref)
    return _course


@pytest.mark.parametrize("pathway, code", [("primary-low-back-pain", "0262"),
                                           ("lumbar-radiculopathy", "0242"),
                                           ("cervical-radiculopathy", "0232")])
def test_the_code_a_course_started_with_moves_its_baseline(put, db, entry_course, pathway,
                                                            code):
    course_id = entry_course(pathway, code)
    new = FIRST + timedelta(days=2)
    assert put("a", appointment(code, new)).status_code == 201
    assert visits(db, course_id)["baseline"] == new.isoformat()


@pytest.mark.parametrize("pathway, started, sent", [("primary-low-back-pain", None, "0262"),
                                                    ("primary-low-back-pain", "0262", "0261"),
                                                    ("lumbar-radiculopathy", None, "0242")])
def test_the_other_entry_code_is_422_naming_the_one_the_course_started_with(
        put, db, entry_course, pathway, started, sent):
    course_id = entry_course(pathway, started)
    before = visits(db, course_id)
    [error] = api_error(put("a", appointment(sent, FIRST)), 422)["errors"]
    course_code = courses.get_course(db, course_id)["entry_code"]
    assert error["field"] == "serviceType" and sent in error["detail"]
    assert f"started with {course_code}" in error["detail"]
    assert visits(db, course_id) == before


def test_0110_moves_the_baseline_of_a_course_started_with_0262(put, db, entry_course):
    course_id = entry_course("primary-low-back-pain", "0262")
    new = FIRST + timedelta(days=1)
    assert put("first", appointment("0110", new)).status_code == 201
    assert visits(db, course_id)["baseline"] == new.isoformat()
    # The 0262 appointment of the same visit is not blocked by the 0110 one.
    assert put("supplementary", appointment("0262", new)).status_code == 201
    assert {r["timepoint_id"] for r in db.query("SELECT timepoint_id FROM appointments")} == \
        {timepoint(db, course_id, "baseline")["id"]}


@pytest.mark.parametrize("pathway", ["primary-low-back-pain", "lumbar-radiculopathy"])
def test_0110_is_422_where_no_visit_falls_on_the_first_consultation(put, db, entry_course,
                                                                      pathway):
    course_id = entry_course(pathway, None)
    before = visits(db, course_id)
    [error] = api_error(put("first", appointment("0110", FIRST)), 422)["errors"]
    assert error["field"] == "serviceType" and "0110" in error["detail"]
    assert visits(db, course_id) == before
