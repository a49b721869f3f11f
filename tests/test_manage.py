"""Enrol and manage a course from the browser."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from helpers import ALERT_EMAIL

from patientapp.accounts import save_clinic, save_clinician
from patientapp.courses import queries as courses

PASSWORD = "correct horse battery"


@pytest.fixture
def signed_in(client, db):
    clinic = save_clinic(db, "Fysio Manage", "+45 12 12 12 12", alert_emails=ALERT_EMAIL)
    save_clinician(db, clinic, "pt@clinic.example", "PT", PASSWORD)
    client.post("/clinic/login", data={"email": "pt@clinic.example", "password": PASSWORD})
    client.clinic_id = clinic
    return client


def enrol_form(**changes):
    return {"name": "Karen Blixen", "email": "Karen@Example.DK", "phone": "12 34 56 78",
            "language": "da", "pathway": "lumbar-radiculopathy",
            "first_visit": (date.today() + timedelta(days=5)).isoformat(), "referral_date": "",
            **changes}


def test_enrolment_creates_the_course_with_dated_timepoints(signed_in, db):
    response = signed_in.post("/clinic/patients/new", data=enrol_form())
    assert response.status_code == 302
    course_id = int(response.headers["Location"].rsplit("/", 1)[1])
    patient = next(db.query("SELECT patients.* FROM patients JOIN courses ON"
                            " courses.patient_id = patients.id WHERE courses.id = ?",
                            [course_id]))
    assert patient["email"] == "Karen@example.dk" and patient["phone"] == "+4512345678"
    assert [t["key"] for t in courses.list_timepoints(db, course_id)] == [
        "baseline", "week-2", "week-4", "week-8"]
    page = signed_in.get(f"/clinic/courses/{course_id}").page
    assert "Karen Blixen" in page.h1.text


@pytest.mark.parametrize("changes, field", [
    ({"name": "  "}, "name"),
    ({"email": "karen@"}, "email"),
    ({"phone": "1234"}, "phone"),
    ({"language": "fr"}, "language-0"),
    ({"pathway": "knee"}, "pathway-0"),
    ({"first_visit": "2026-02-30"}, "first_visit"),
    ({"first_visit": "next tuesday"}, "first_visit"),
    ({"referral_date": "2099-01-01"}, "referral_date"),
])
def test_enrolment_errors_point_at_the_field_and_keep_the_input(signed_in, db, changes, field):
    response = signed_in.post("/clinic/patients/new", data=enrol_form(**changes))
    assert response.status_code == 400
    assert response.page.select_one(".error-summary a")["href"] == f"#{field}"
    kept = response.page.select_one("#name").get("value", "")
    assert kept == enrol_form(**changes)["name"].strip()
    assert list(db.query("SELECT * FROM courses")) == []


def test_enrolment_messages_are_in_danish(signed_in):
    response = signed_in.post("/clinic/patients/new", data=enrol_form(email="nope"))
    assert "e-mail" in response.page.select_one("#email-error").text.lower()
    assert response.page.html["lang"] == "da"


@pytest.fixture
def course(signed_in, db):
    response = signed_in.post("/clinic/patients/new", data=enrol_form())
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_contact_details_can_be_changed_and_bad_ones_are_refused(signed_in, db, course):
    bad = signed_in.post(f"/clinic/courses/{course}/edit", data={
        "name": "Karen B", "email": "x@y", "phone": "", "language": "en"})
    assert bad.status_code == 400 and bad.page.select_one("#email")["value"] == "x@y"
    ok = signed_in.post(f"/clinic/courses/{course}/edit", data={
        "name": "Karen B", "email": "", "phone": "+46 70 123 45 67", "language": "en"})
    assert ok.status_code == 302
    row = next(db.query("SELECT name, email, phone, language FROM patients"))
    assert row == {"name": "Karen B", "email": "", "phone": "+46701234567", "language": "en"}


def test_moving_a_visit_replans_and_keeps_answers(signed_in, db, course):
    week4 = (date.today() + timedelta(days=40)).isoformat()
    response = signed_in.post(f"/clinic/courses/{course}/visits", data={"visit-week-4": week4})
    assert response.status_code == 302
    row = next(db.query("SELECT visit_date, send_at FROM timepoints WHERE key = 'week-4'"))
    assert row["visit_date"] == week4
    assert row["send_at"] == (date.fromisoformat(week4) - timedelta(days=2)).isoformat()


@pytest.mark.parametrize("value", ["31-12-2026", "2026-13-01", ""])
def test_bad_visit_dates_change_nothing(signed_in, db, course, value):
    before = list(db.query("SELECT visit_date FROM timepoints ORDER BY id"))
    response = signed_in.post(f"/clinic/courses/{course}/visits", data={"visit-week-2": value})
    assert response.status_code == 400
    assert response.page.select_one(".error-summary a")["href"] == "#visit-week-2"
    assert list(db.query("SELECT visit_date FROM timepoints ORDER BY id")) == before


def test_a_visit_before_the_first_consultation_is_refused(signed_in, db, course):
    response = signed_in.post(f"/clinic/courses/{course}/visits",
                              data={"visit-week-2": "2000-01-01"})
    assert response.status_code == 400


def test_ending_a_course_needs_confirmation(signed_in, db, course):
    signed_in.post(f"/clinic/courses/{course}/end")
    assert next(db.query("SELECT status FROM courses"))["status"] == "active"
    signed_in.post(f"/clinic/courses/{course}/end", data={"confirm": "yes"})
    assert next(db.query("SELECT status FROM courses"))["status"] == "ended"


def test_send_link_now_delivers_through_the_console_backend(signed_in, db, course, capsys):
    response = signed_in.post(f"/clinic/courses/{course}/send-link")
    assert response.status_code == 302
    rows = list(db.query("SELECT channel, status FROM outbox WHERE course_id = ?", [course]))
    assert sorted(r["channel"] for r in rows) == ["email", "sms"]
    assert {r["status"] for r in rows} == {"sent"}
    printed = capsys.readouterr().out
    token = printed.split("/q/")[1].split()[0].strip()
    assert signed_in.raw.application.test_client().get(f"/q/{token}").status_code == 200


def test_manage_pages_are_scoped_to_the_clinic(signed_in, db, content):
    other = save_clinic(db, "Other")
    course_id = courses.enrol(db, courses.NewPatient(other, "Fremmed"),
                              content.pathway("primary-low-back-pain"), date.today())
    assert signed_in.get(f"/clinic/courses/{course_id}/edit").status_code == 404
    for action in ("visits", "end", "send-link"):
        assert signed_in.raw.post(f"/clinic/courses/{course_id}/{action}").status_code == 404
    assert json.dumps(list(db.query("SELECT status FROM courses WHERE id = ?", [course_id])))


def test_an_admin_edits_the_clinic_details(client, db, content):
    from patientapp.demo import create_demo

    create_demo(db, content, "http://localhost", date.today(), PASSWORD)
    client.post("/clinic/login", data={"email": "demo@clinic.example", "password": PASSWORD})
    bad = client.post("/clinic/admin/settings", data={"name": " ", "phone": "1", "email": "x"})
    assert bad.status_code == 400
    assert [a["href"] for a in bad.page.select(".error-summary a")] == ["#name", "#email"]
    ok = client.post("/clinic/admin/settings", data={"name": "Fysio Nord", "phone": "70 10 10 10",
                                                     "email": "", "alert_emails": ALERT_EMAIL})
    assert ok.status_code == 302
    assert next(db.query("SELECT name, phone FROM clinics")) == {"name": "Fysio Nord",
                                                                  "phone": "70 10 10 10"}


def test_only_admins_edit_the_clinic(signed_in):
    assert signed_in.get("/clinic/admin/settings").status_code == 403
