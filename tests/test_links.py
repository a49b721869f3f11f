"""Patient links the clinic can take back: replaced, stopped at once, and a data download that
asks for something only the patient knows."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from patientapp.accounts import save_clinician
from patientapp.courses import queries as courses
from patientapp.privacy import identity
from patientapp.timeutil import iso, utcnow

PASSWORD = "correct horse battery"
NAME, EMAIL, PHONE = "Grethe Hansen", "grethe@example.dk", "+4520304050"


@pytest.fixture
def patient(db, content, clinic_id):
    """A patient with an e-mail address and a mobile number, and a link for baseline."""
    course_id = courses.enrol(db, courses.NewPatient(clinic_id, NAME, EMAIL, PHONE),
                              content.pathway("primary-low-back-pain"), date.today())
    timepoint = courses.list_timepoints(db, course_id)[0]
    return course_id, timepoint, courses.create_invitation(db, timepoint)


@pytest.fixture
def clinician(app, db, clinic_id):
    save_clinician(db, clinic_id, "fys@clinic.example", "Fys", PASSWORD)
    browser = app.test_client()
    browser.post("/clinic/login", data={"email": "fys@clinic.example", "password": PASSWORD})
    return browser


def _age_links(db, minutes):
    """Make every link look ``minutes`` older, as if it had been sent then."""
    db.execute("UPDATE invitations SET created_at = ?",
               [iso(utcnow() - timedelta(minutes=minutes))])


def _new_link(clinician, course_id) -> str:
    page = clinician.post(f"/clinic/courses/{course_id}/link").get_data(as_text=True)
    return page.split("/q/")[1].split('"')[0]


def _shows_nothing_of_the_patient(response) -> None:
    text = response.get_data(as_text=True)
    for secret in (NAME, EMAIL, PHONE, "Fysio Test", "+45 11 22 33 44", "2030 4050"):
        assert secret not in text, secret
    assert response.status_code == 410


def test_a_new_link_replaces_the_earlier_ones(client, db, clinician, patient):
    course_id, _, old = patient
    _age_links(db, 60)
    new = _new_link(clinician, course_id)
    assert client.get(f"/q/{new}").status_code == 200
    for path in ("", "/my-data", "/read", "/exercises"):
        _shows_nothing_of_the_patient(client.raw.get(f"/q/{old}{path}"))
    assert client.raw.post(f"/q/{old}/my-data.json").status_code == 410


def test_a_link_perhaps_still_on_its_way_gets_a_short_grace(client, db, clinician, patient,
                                                          monkeypatch):
    course_id, _, in_flight = patient
    _age_links(db, 3)  # sent three minutes ago: the text may not have arrived yet
    _new_link(clinician, course_id)
    assert client.get(f"/q/{in_flight}").status_code == 200
    later = utcnow() + courses.LINK_GRACE
    monkeypatch.setattr(courses, "utcnow", lambda: later)
    _shows_nothing_of_the_patient(client.raw.get(f"/q/{in_flight}"))


def test_sending_a_new_link_replaces_the_earlier_ones_too(client, db, clinician, patient):
    course_id, _, old = patient
    _age_links(db, 60)
    clinician.post(f"/clinic/courses/{course_id}/send-link")
    assert db.execute("SELECT count(*) FROM invitations").fetchone()[0] == 2
    _shows_nothing_of_the_patient(client.raw.get(f"/q/{old}"))


def test_scheduled_messages_add_links_without_stopping_earlier_ones(client, db, patient):
    _, timepoint, invitation_link = patient
    reminder_link = courses.create_invitation(db, timepoint)
    assert client.get(f"/q/{invitation_link}").status_code == 200
    assert client.get(f"/q/{reminder_link}").status_code == 200


def test_stopping_all_links_of_a_course_at_once_is_audited(client, db, clinician, patient,
                                                           content):
    course_id, timepoint, first = patient
    second = courses.create_invitation(db, timepoint)
    db.execute("INSERT INTO outbox (course_id, timepoint_id, kind, channel, recipient,"
               " idempotency_key, status, attempts, created_at, next_attempt_at) VALUES"
               " (?, ?, 'reminder', 'sms', ?, 'k1', 'pending', 1, ?, ?)",
               [course_id, timepoint["id"], PHONE, iso(utcnow()), iso(utcnow())])
    response = clinician.post(f"/clinic/courses/{course_id}/revoke-links")
    assert response.status_code == 302
    for token in (first, second):  # no grace: a link to the wrong person stops now
        _shows_nothing_of_the_patient(client.raw.get(f"/q/{token}"))
    assert db.execute("SELECT status FROM outbox").fetchone()[0] == "cancelled"
    logged = next(db.query("SELECT * FROM audit_log WHERE action = 'revoke-links'"))
    assert logged["object_id"] == course_id and logged["actor_type"] == "clinician"
    assert logged["detail"] == "links=2 messages=1"
    again = _new_link(clinician, course_id)  # the clinic can give a fresh link afterwards
    assert client.get(f"/q/{again}").status_code == 200


def test_the_stop_button_is_on_the_course_page(clinician, patient):
    course_id = patient[0]
    page = clinician.get(f"/clinic/courses/{course_id}").get_data(as_text=True)
    assert f"/clinic/courses/{course_id}/revoke-links" in page


def test_another_clinics_links_cannot_be_stopped(client, db, clinician, content, patient):
    from patientapp.accounts import save_clinic

    other = save_clinic(db, "Anden Klinik")
    course_id = courses.enrol(db, courses.NewPatient(other, "Fremmed"),
                              content.pathway("primary-low-back-pain"), date.today())
    token = courses.create_invitation(db, courses.list_timepoints(db, course_id)[0])
    assert clinician.post(f"/clinic/courses/{course_id}/revoke-links").status_code == 404
    assert client.get(f"/q/{token}").status_code == 200


def test_the_expired_page_tells_the_truth(client, db, patient):
    token = patient[2]
    db.execute("UPDATE invitations SET expires_at = '2000-01-01T00:00:00+00:00'")
    text = client.get(f"/q/{token}").page.text
    assert "erstatter" not in text and "Linket er udløbet" in text


# --- the patient's own data -------------------------------------------------------------

@pytest.mark.parametrize("email, phone, question", [
    ("a@b.dk", "+4520304050", identity.PHONE),
    ("a@b.dk", "", identity.EMAIL),
    ("", "", None),
])
def test_the_question_is_the_best_thing_on_file(email, phone, question):
    assert identity.question_for(email, phone) == question


@pytest.mark.parametrize("question, answer, right", [
    (identity.PHONE, "4050", True), (identity.PHONE, " 40 50 ", True),
    (identity.PHONE, "3040", False), (identity.PHONE, "04050", False),
    (identity.PHONE, "", False), (identity.PHONE, "40\x0050", False),
    (identity.EMAIL, "Grethe@Example.dk ", True), (identity.EMAIL, "grethe@example.d", False),
    (identity.EMAIL, "", False), (identity.EMAIL, "grethe@example.dkø", False),
])
def test_the_answer_must_match_what_is_on_file(question, answer, right):
    assert identity.answer_is_right(question, EMAIL, PHONE, answer) is right


def test_the_download_asks_for_the_phone_digits_before_handing_anything_over(client, db,
                                                                              patient):
    token = patient[2]
    page = client.get(f"/q/{token}/my-data").page
    field = page.select_one("input[name=answer]")
    assert field and field["inputmode"] == "numeric"
    assert PHONE not in str(page) and EMAIL not in str(page)
    wrong = client.post(f"/q/{token}/my-data.json", data={"answer": "1234"})
    assert wrong.status_code == 400 and wrong.mimetype == "text/html"
    assert wrong.page.select_one(".error-summary a")["href"] == "#answer"
    assert wrong.page.select_one("#answer")["value"] == "1234"  # what was typed is kept
    assert NAME not in wrong.get_data(as_text=True)
    right = client.post(f"/q/{token}/my-data.json", data={"answer": "4050"})
    assert right.headers["Content-Disposition"].startswith("attachment")
    assert json.loads(right.get_data(as_text=True))["patient"]["phone"] == PHONE
    actions = [r["action"] for r in db.query("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["my-data-check-failed", "download-own-data"]


def test_without_a_phone_the_download_asks_for_the_email(client, db, patient):
    token = patient[2]
    db.execute("UPDATE patients SET phone = ''")
    assert client.get(f"/q/{token}/my-data").page.select_one("input[name=answer]")["type"] \
        == "email"
    assert client.post(f"/q/{token}/my-data.json", data={"answer": "x@y.dk"}).status_code == 400
    assert client.post(f"/q/{token}/my-data.json",
                       data={"answer": EMAIL.upper()}).mimetype == "application/json"


def test_the_old_download_address_gives_nothing_away(client, patient):
    assert client.raw.get(f"/q/{patient[2]}/my-data.json").status_code == 405


def test_wrong_answers_are_rate_limited_per_address(app, client, patient):
    token = patient[2]
    limit = app.config["MY_DATA_CHECK_LIMIT"]
    codes = [client.raw.post(f"/q/{token}/my-data.json", data={"answer": "0000"}).status_code
             for _ in range(limit + 1)]
    assert codes == [400] * limit + [429]
    # Even the right answer waits now: otherwise the limit would only slow guessing down.
    assert client.raw.post(f"/q/{token}/my-data.json", data={"answer": "4050"}).status_code \
        == 429


def test_wrong_answers_are_rate_limited_per_course_from_any_address(app, patient):
    token = patient[2]
    app.config["MY_DATA_CHECK_LIMIT"] = 1000
    hourly = app.config["MY_DATA_CHECK_HOURLY_LIMIT"]
    codes = []
    for n in range(hourly + 1):
        browser = app.test_client()
        codes.append(browser.post(f"/q/{token}/my-data.json", data={"answer": "0000"},
                                  environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
                     .status_code)
    assert codes == [400] * hourly + [429]
