"""The write API: scopes, enrolment, visits, end, consent, contact changes, idempotency,
and that a key of one clinic never touches another clinic's courses.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from helpers import api_error, is_problem, sign_in_as

from patientapp.accounts import save_clinic
from patientapp.api import openapi
from patientapp.api import queries as api_db
from patientapp.api.idempotency import request_hash
from patientapp.courses import queries as courses

FIRST = date.today() + timedelta(days=10)
NEW = {"pathway": "lumbar-radiculopathy", "name": "Bodil Hansen", "email": "bodil@example.dk",
       "phone": "12 34 56 78", "language": "da", "first_visit": FIRST.isoformat(),
       "referral_date": (FIRST - timedelta(days=5)).isoformat(), "external_id": "BK-1001"}


@pytest.fixture
def write_key(db, clinic_id) -> str:
    return api_db.save_api_key(db, clinic_id, "Booking system", None, "write")[1]


@pytest.fixture
def read_key(db, clinic_id) -> str:
    return api_db.save_api_key(db, clinic_id, "Journal", None)[1]


@pytest.fixture
def call(client, write_key):
    """Send a request with a key (the write key unless told) and a JSON body."""
    def _call(method, url, body=None, key=None, headers=None, raw=None):
        sent = {"Authorization": f"Bearer {key or write_key}", **(headers or {})}
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        return client.raw.open(f"/api/v1{url}", method=method, data=data, headers=sent,
                               content_type="application/json")
    return _call


@pytest.fixture
def course(call) -> dict:
    response = call("POST", "/courses", NEW)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def count(db, table: str) -> int:
    return next(db.query(f"SELECT count(*) AS n FROM {table}"))["n"]  # noqa: S608


def audited(db, action: str) -> list[dict]:
    return list(db.query("SELECT * FROM audit_log WHERE action = ?", [action]))


# --- scopes ---------------------------------------------------------------------------------------

def test_existing_keys_stay_read_keys(db, read_key):
    assert api_db.find_api_key(db, read_key)["scope"] == "read"


WRITES = [("POST", "/courses", NEW), ("PUT", "/courses/{id}/visits/week-2", {"date": "2030-01-01"}),
          ("POST", "/courses/{id}/end", None), ("PUT", "/courses/{id}/consent",
                                                {"status": "given"}),
          ("PATCH", "/courses/{id}", {"language": "en"}),
          # Cross-clinic access for appointments: test_appointments.py (they name no course id).
          ("PUT", "/fhir/Appointment/a-1", {"resourceType": "Appointment", "status": "booked",
                                            "participant": [{"status": "accepted"}]})]


def test_every_write_route_is_tested_here():
    documented = {(method.upper(), path.replace("{course_id}", "{id}")
                   .replace("{timepoint}", "week-2").replace("{appointment_id}", "a-1"))
                  for path, item in openapi.document()["paths"].items()
                  for method in item if method != "get"}
    assert documented == {(method, url) for method, url, _ in WRITES}


@pytest.mark.parametrize("method, url, body", WRITES)
def test_a_read_key_gets_403_on_every_write_and_nothing_changes(call, db, read_key, course,
                                                                method, url, body):
    before = list(db.query("SELECT * FROM courses")), list(db.query("SELECT * FROM patients"))
    response = call(method, url.format(id=course["id"]), body, key=read_key)
    assert "only read" in api_error(response, 403)["detail"]
    assert before == (list(db.query("SELECT * FROM courses")),
                      list(db.query("SELECT * FROM patients")))
    assert audited(db, "api-denied-write")


@pytest.mark.parametrize("method, url, body", [w for w in WRITES if "{id}" in w[1]])
def test_a_key_of_one_clinic_never_touches_another_clinics_course(call, db, content, method,
                                                                   url, body):
    other = save_clinic(db, "Anden Klinik", alert_emails="vagt@anden.example")
    foreign = courses.enrol(db, courses.NewPatient(other, "Fremmed", email="f@example.dk"),
                            content.pathway("lumbar-radiculopathy"), FIRST, external_id="BK-1")
    before = [list(db.query(f"SELECT * FROM {t}")) for t in ("courses", "patients", "timepoints",
                                                             "consents")]
    response = call(method, url.format(id=foreign), body)
    assert is_problem(response, 404)["detail"] == "No course with this id at the clinic."
    assert before == [list(db.query(f"SELECT * FROM {t}")) for t in ("courses", "patients",
                                                                     "timepoints", "consents")]
    assert audited(db, "api-denied-course")[0]["object_id"] == foreign


def test_a_key_of_one_clinic_does_not_find_anothers_external_id(call, db, content):
    other = save_clinic(db, "Anden Klinik")
    courses.enrol(db, courses.NewPatient(other, "Fremmed"), content.pathway("lumbar-radiculopathy"),
                  FIRST, external_id="BK-1001")
    assert call("GET", "/courses?external_id=BK-1001").get_json()["total"] == 0
    # ... and the same reference is free at this clinic.
    assert call("POST", "/courses", NEW).status_code == 201


# --- enrolment ------------------------------------------------------------------------------------

def test_enrolment_answers_201_with_the_course_as_the_read_api_shows_it(call, db, course):
    assert course["pathway"] == "lumbar-radiculopathy" and course["status"] == "active"
    assert course["external_id"] == "BK-1001" and course["consent"] == "unknown"
    assert course["patient"].startswith("pa-") and course["link"] is None
    assert course["warnings"] == []
    assert [t["key"] for t in course["timepoints"]] == ["baseline", "week-2", "week-4", "week-8"]
    assert "Bodil" not in json.dumps(course)
    stored = courses.get_course(db, course["id"])
    assert (stored["patient_name"], stored["email"], stored["phone"], stored["language"]) == (
        "Bodil Hansen", "bodil@example.dk", "+4512345678", "da")
    assert stored["referral_date"] == NEW["referral_date"]
    found = call("GET", "/courses?external_id=BK-1001").get_json()
    assert found["total"] == 1 and found["items"][0] == {
        k: v for k, v in course.items() if k not in ("link", "warnings")}


def test_enrolment_is_audited_under_the_keys_name(call, db, client, clinic_id, course):
    row = audited(db, "api-enrol-patient")[0]
    assert (row["actor_type"], row["object_id"]) == ("api-key", course["id"])
    sign_in_as(client, db, clinic_id)
    page = client.get("/clinic/audit").page
    assert "Booking system" in page.find(string="api-enrol-patient").find_parent("tr").text


def test_a_link_is_issued_only_when_asked_and_shown_once(call, db):
    body = call("POST", "/courses", {**NEW, "issue_link": True}).get_json()
    assert body["link"].startswith("http://localhost/q/") and body["warnings"] == []
    token = body["link"].rsplit("/", 1)[1]
    assert token not in str(list(db.query("SELECT * FROM invitations")))
    assert courses.find_invitation(db, token)["course_id"] == body["id"]


def test_without_alert_addresses_the_patient_is_enrolled_without_a_link(call, db, clinic_id):
    db.execute("UPDATE clinics SET alert_emails = '' WHERE id = ?", [clinic_id])
    response = call("POST", "/courses", {**NEW, "issue_link": True})
    assert response.status_code == 201
    body = response.get_json()
    assert body["link"] is None and [w["code"] for w in body["warnings"]] == ["links-held-back"]
    assert "alarm" in body["warnings"][0]["detail"]
    assert count(db, "invitations") == 0 and count(db, "courses") == 1


WRONG = {"pathway": "knee", "name": " ", "email": "bodil@", "phone": "123",
         "language": "sv", "first_visit": "02-03-2026", "referral_date": "2026-02-30",
         "external_id": "0101901234", "issue_link": "yes", "cpr": "x"}


def test_every_wrong_field_is_named_at_once_and_nothing_is_written(call, db):
    response = call("POST", "/courses", WRONG)
    body = is_problem(response, 422)
    assert {e["field"] for e in body["errors"]} == set(WRONG)
    messages = {e["field"]: e["detail"] for e in body["errors"]}
    # The browser's and the command line's messages.
    assert messages["name"] == "Enter the patient's name."
    assert messages["first_visit"].startswith("Enter the date of the first consultation")
    assert "CPR" in messages["external_id"]
    assert count(db, "patients") == count(db, "courses") == 0


@pytest.mark.parametrize("body, fields", [
    ({}, {"pathway", "name", "first_visit"}),
    ({**NEW, "referral_date": (FIRST + timedelta(days=1)).isoformat()}, {"referral_date"}),
    ({**NEW, "first_visit": " " + NEW["first_visit"]}, {"first_visit"}),
    ({**NEW, "name": 7, "email": ["a"]}, {"name", "email"}),
    ({**NEW, "external_id": "has space"}, {"external_id"}),
    ([NEW], {"body"}),
    ("text", {"body"}),
])
def test_wrong_enrolments_are_refused(call, db, body, fields):
    assert {e["field"] for e in is_problem(call("POST", "/courses", body), 422)["errors"]} == fields
    assert count(db, "courses") == 0


def test_a_body_that_is_not_json_is_400(call, db):
    assert "JSON" in is_problem(call("POST", "/courses", raw="{not json"), 400)["detail"]


def test_an_external_id_is_unique_in_the_clinic(call, db, course):
    body = is_problem(call("POST", "/courses", {**NEW, "name": "Other"}), 422)
    assert [e["field"] for e in body["errors"]] == ["external_id"]
    assert count(db, "courses") == 1


def test_optional_fields_may_be_left_out_or_null(call, db):
    body = {"pathway": "primary-low-back-pain", "name": "Ib", "first_visit": FIRST.isoformat(),
            "email": None, "referral_date": None, "external_id": None}
    course = call("POST", "/courses", body).get_json()
    assert course["external_id"] is None
    assert courses.get_course(db, course["id"])["language"] == "da"


# --- visits ---------------------------------------------------------------------------------------

def visit(course: dict, key: str) -> str:
    return next(t["visit_date"] for t in course["timepoints"] if t["key"] == key)


def test_a_visit_moves_and_invitations_follow(call, db, course):
    new = (FIRST + timedelta(days=20)).isoformat()
    response = call("PUT", f"/courses/{course['id']}/visits/week-2", {"date": new})
    assert response.status_code == 200
    assert visit(response.get_json(), "week-2") == new
    tp = next(t for t in courses.list_timepoints(db, course["id"]) if t["key"] == "week-2")
    assert tp["visit_date"] == new and tp["moved_at"]
    assert tp["send_at"] < new
    assert audited(db, "api-move-visit")[0]["detail"] == "week-2"


def test_moving_the_final_consultation_moves_the_follow_ups(call, db):
    course = call("POST", "/courses", {**NEW, "pathway": "primary-low-back-pain",
                                       "referral_date": None}).get_json()
    final = date.fromisoformat(visit(course, "final"))
    moved = call("PUT", f"/courses/{course['id']}/visits/final",
                 {"date": (final + timedelta(days=14)).isoformat()}).get_json()
    assert date.fromisoformat(visit(moved, "followup-3m")) == \
        date.fromisoformat(visit(course, "followup-3m")) + timedelta(days=14)


def test_a_visit_whose_answers_are_in_cannot_move(call, db, content, course):
    from helpers import submit
    submit(db, content, course["id"])
    response = call("PUT", f"/courses/{course['id']}/visits/baseline", {"date": "2030-01-01"})
    assert "already been sent" in is_problem(response, 409)["detail"]


def test_the_visits_of_an_ended_course_cannot_move(call, course):
    call("POST", f"/courses/{course['id']}/end")
    response = call("PUT", f"/courses/{course['id']}/visits/week-2", {"date": "2030-01-01"})
    assert "ended" in is_problem(response, 409)["detail"]


@pytest.mark.parametrize("url_key, body, status, field", [
    ("week-3", {"date": "2030-01-01"}, 404, None),
    ("week-2", {"date": "2020-01-01"}, 422, "date"),   # before the first consultation
    ("week-2", {"date": "1-1-2030"}, 422, "date"),
    ("week-2", {"day": "2030-01-01"}, 422, "day"),
    ("week-2", None, 422, "body"),
])
def test_wrong_visit_moves_are_refused(call, db, course, url_key, body, status, field):
    before = list(db.query("SELECT * FROM timepoints"))
    found = is_problem(call("PUT", f"/courses/{course['id']}/visits/{url_key}", body), status)
    if field:
        assert field in {e["field"] for e in found["errors"]}
    assert list(db.query("SELECT * FROM timepoints")) == before


def test_moving_a_visit_to_its_own_date_changes_nothing(call, db, course):
    before = list(db.query("SELECT * FROM timepoints"))
    response = call("PUT", f"/courses/{course['id']}/visits/week-2",
                    {"date": visit(course, "week-2")})
    assert response.status_code == 200
    assert list(db.query("SELECT * FROM timepoints")) == before and not audited(
        db, "api-move-visit")


# --- end, consent, contact ------------------------------------------------------------------------

def test_a_course_ends_once(call, db, course):
    first = call("POST", f"/courses/{course['id']}/end")
    assert first.status_code == 200 and first.get_json()["status"] == "ended"
    assert call("POST", f"/courses/{course['id']}/end").get_json()["status"] == "ended"
    assert len(audited(db, "api-end-course")) == 1
    assert is_problem(call("POST", f"/courses/{course['id']}/end", {"now": True}), 422)


def test_consent_is_recorded_as_history(call, db, course):
    for status in ("given", "given", "withdrawn"):
        body = call("PUT", f"/courses/{course['id']}/consent", {"status": status}).get_json()
        assert body["consent"] == status
    assert [r["status"] for r in db.query("SELECT status FROM consents ORDER BY id")] == [
        "given", "withdrawn"]
    assert [r["action"] for r in db.query("SELECT action FROM audit_log WHERE action LIKE"
                                          " 'api-consent-%' ORDER BY id")] == [
        "api-consent-given", "api-consent-withdrawn"]
    assert is_problem(call("PUT", f"/courses/{course['id']}/consent", {"status": "maybe"}), 422)


def test_contact_details_and_language_change(call, db, course):
    response = call("PATCH", f"/courses/{course['id']}", {"phone": "+46 70 123 45 67",
                                                          "email": None, "language": "en"})
    assert response.status_code == 200
    stored = courses.get_course(db, course["id"])
    assert (stored["email"], stored["phone"], stored["language"], stored["patient_name"]) == (
        "", "+46701234567", "en", "Bodil Hansen")
    assert audited(db, "api-edit-contact")[0]["detail"] == "email, language, phone"


@pytest.mark.parametrize("body, fields", [
    ({}, {"body"}), ({"email": "x@"}, {"email"}), ({"language": None}, {"language"}),
    ({"language": "sv", "phone": "1", "name": "New"}, {"language", "phone", "name"}),
])
def test_wrong_contact_changes_change_nothing(call, db, course, body, fields):
    before = list(db.query("SELECT * FROM patients"))
    found = is_problem(call("PATCH", f"/courses/{course['id']}", body), 422)
    assert {e["field"] for e in found["errors"]} == fields
    assert list(db.query("SELECT * FROM patients")) == before


def test_a_write_key_sees_courses_without_consent_a_read_key_does_not(call, read_key, course):
    assert call("GET", "/courses").get_json()["total"] == 1
    assert call("GET", "/courses", key=read_key).get_json()["total"] == 0
    assert call("GET", "/courses?external_id=BK-1001", key=read_key).get_json()["total"] == 0


@pytest.mark.parametrize("value", ["has space", "", "-start", "x" * 101])
def test_a_malformed_external_id_search_is_400(call, value):
    body = is_problem(call("GET", f"/courses?external_id={value}"), 400)
    assert body["parameter"] == "external_id"


# --- idempotency ----------------------------------------------------------------------------------

def test_the_same_key_and_body_replay_the_first_answer(call, db):
    headers = {"Idempotency-Key": "7c1f6b1e-enrol-1"}
    first = call("POST", "/courses", NEW, headers=headers)
    again = call("POST", "/courses", dict(reversed(NEW.items())), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert count(db, "courses") == 1 and len(audited(db, "api-enrol-patient")) == 1


def test_the_same_key_with_another_body_is_422(call, db):
    headers = {"Idempotency-Key": "k-1"}
    call("POST", "/courses", NEW, headers=headers)
    response = call("POST", "/courses", {**NEW, "external_id": "BK-2"}, headers=headers)
    assert is_problem(response, 422)["parameter"] == "Idempotency-Key"
    assert count(db, "courses") == 1


def test_the_same_key_on_another_route_is_422(call, db, course):
    headers = {"Idempotency-Key": "k-2"}
    call("POST", f"/courses/{course['id']}/end", headers=headers)
    assert is_problem(call("POST", "/courses", {**NEW, "external_id": "BK-3"}, headers=headers),
                      422)


def test_keys_are_per_api_key(call, db, clinic_id):
    other = api_db.save_api_key(db, clinic_id, "Second system", None, "write")[1]
    call("POST", "/courses", NEW, headers={"Idempotency-Key": "k"})
    response = call("POST", "/courses", {**NEW, "external_id": "BK-9"}, key=other,
                    headers={"Idempotency-Key": "k"})
    assert response.status_code == 201 and count(db, "courses") == 2


def test_an_error_answer_is_replayed_too(call, db):
    headers = {"Idempotency-Key": "bad-1"}
    first = call("POST", "/courses", WRONG, headers=headers)
    again = call("POST", "/courses", WRONG, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.get_json() == first.get_json() and again.mimetype == "application/problem+json"


def test_a_replay_does_not_repeat_the_patient_link(call, db):
    headers = {"Idempotency-Key": "link-1"}
    first = call("POST", "/courses", {**NEW, "issue_link": True}, headers=headers).get_json()
    again = call("POST", "/courses", {**NEW, "issue_link": True}, headers=headers).get_json()
    assert first["link"] and again["link"] is None
    assert [w["code"] for w in again["warnings"]] == ["link-shown-once"]
    token = first["link"].rsplit("/", 1)[1]
    assert token not in str(list(db.query("SELECT * FROM api_idempotency")))
    assert count(db, "invitations") == 1


def test_answers_are_forgotten_after_the_window(app, call, db):
    headers = {"Idempotency-Key": "old"}
    call("POST", "/courses", NEW, headers=headers)
    db.execute("UPDATE api_idempotency SET created_at = '2000-01-01T00:00:00+00:00'")
    response = call("POST", "/courses", {**NEW, "external_id": "BK-5"}, headers=headers)
    assert response.status_code == 201 and count(db, "api_idempotency") == 1


def test_a_request_still_in_progress_is_409(app, call, db, write_key):
    """Two copies of a request at once: the second waits for the first instead of enrolling."""
    key_id = api_db.find_api_key(db, write_key)["id"]
    with app.test_request_context("/api/v1/courses", method="POST", data=json.dumps(NEW)):
        claimed = api_db.remember_request(db, key_id, "busy", request_hash(),
                                          timedelta(hours=24))
    assert claimed.outcome == "new"
    response = call("POST", "/courses", NEW, headers={"Idempotency-Key": "busy"})
    assert is_problem(response, 409)["parameter"] == "Idempotency-Key"
    assert count(db, "courses") == 0


@pytest.mark.parametrize("value", ["", "with space", "x" * 256, "ø"])
def test_a_malformed_idempotency_key_is_400(call, db, value):
    response = call("POST", "/courses", NEW, headers={"Idempotency-Key": value.encode()
                                                      .decode("latin-1")})
    assert is_problem(response, 400)["parameter"] == "Idempotency-Key"
    assert count(db, "courses") == 0


# --- the command line and the admin page ----------------------------------------------------------

def test_create_api_key_takes_a_scope(runner, db, clinic_id):
    result = runner.invoke(args=["create-api-key", "--clinic", "Fysio Test", "--name", "Booking",
                                 "--scope", "write"])
    assert result.exit_code == 0
    assert api_db.find_api_key(db, result.output.strip())["scope"] == "write"
    assert runner.invoke(args=["create-api-key", "--clinic", "Fysio Test", "--name", "B",
                               "--scope", "admin"]).exit_code == 2


def test_an_admin_chooses_the_scope(client, db, clinic_id):
    sign_in_as(client, db, clinic_id)
    page = client.get("/clinic/admin/api-keys").page
    assert page.find("input", attrs={"name": "scope", "value": "read"}).has_attr("checked")
    response = client.post("/clinic/admin/api-keys", data={"name": "Booking", "scope": "write"})
    assert response.status_code == 200
    assert api_db.list_api_keys(db, clinic_id)[0]["scope"] == "write"
    bad = client.post("/clinic/admin/api-keys", data={"name": "X", "scope": "root"})
    assert bad.status_code == 400 and bad.page.find(class_="error-summary")
    assert len(api_db.list_api_keys(db, clinic_id)) == 1


# --- entry_code: the service code the course starts with, as in the browser --------------------

ENTRY_CODES = [("primary-low-back-pain", "0262", 0), ("lumbar-radiculopathy", "0242", 0),
               ("cervical-radiculopathy", "0232", 0), ("primary-low-back-pain", None, 7)]


@pytest.mark.parametrize("pathway, code, offset", ENTRY_CODES)
def test_an_enrolment_may_name_the_service_code_the_course_starts_with(call, db, content,
                                                                       pathway, code, offset):
    body = {**NEW, "pathway": pathway, "entry_code": code}
    created = call("POST", "/courses", body).get_json()
    baseline = created["timepoints"][0]
    assert baseline["code"] == (code or content.pathway(pathway).usual_entry_code)
    assert baseline["visit_date"] == (FIRST + timedelta(days=offset)).isoformat()
    assert courses.get_course(db, created["id"])["entry_code"] == baseline["code"]


@pytest.mark.parametrize("pathway, code", [("primary-low-back-pain", "0242"),
                                           ("lumbar-radiculopathy", "0262"),
                                           ("lumbar-radiculopathy", "0110")])
def test_an_entry_code_the_pathway_does_not_start_with_is_422(call, db, pathway, code):
    body = {**NEW, "pathway": pathway, "entry_code": code}
    found = is_problem(call("POST", "/courses", body), 422)
    [error] = found["errors"]
    assert error["field"] == "entry_code" and code in error["detail"]
    assert count(db, "courses") == 0
