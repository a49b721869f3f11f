"""The clinic side: sign-in, access control across clinics, patient list, patient page."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from helpers import submit

from patientapp.accounts import save_clinic, save_clinician
from patientapp.content import SECTION_IDS
from patientapp.courses import queries as courses
from patientapp.demo import DEMO_PATIENTS, create_demo

PASSWORD = "correct horse battery"
GOOD = "a long enough password"


@pytest.fixture
def demo(db, content):
    return create_demo(db, content, "http://localhost", date.today(), PASSWORD)


@pytest.fixture
def signed_in(client, demo):
    response = client.post("/clinic/login", data={"email": "demo@clinic.example",
                                                  "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def other_clinic_course(db, content):
    clinic = save_clinic(db, "Anden Klinik")
    save_clinician(db, clinic, "other@clinic.example", "Other", PASSWORD)
    return courses.enrol(db, courses.NewPatient(clinic, "Fremmed Patient"),
                         content.pathway("primary-low-back-pain"), date.today())


def course_id_of(db, name):
    return next(db.query("SELECT courses.id FROM courses JOIN patients ON patients.id ="
                         " courses.patient_id WHERE patients.name = ?", [name]))["id"]


def test_sign_in_with_a_wrong_password_is_refused_with_a_clear_message(client, demo):
    response = client.post("/clinic/login", data={"email": "demo@clinic.example",
                                                  "password": "nope"})
    assert response.status_code == 401
    assert response.page.select_one(".error-summary")
    assert response.page.select_one("#email")["value"] == "demo@clinic.example"


def test_five_failures_pause_this_e_mail_here_even_for_the_right_password(client, demo):
    for _ in range(5):
        client.post("/clinic/login", data={"email": "demo@clinic.example", "password": "x"})
    response = client.post("/clinic/login", data={"email": "demo@clinic.example",
                                                  "password": PASSWORD})
    assert response.status_code == 401
    assert "15" in response.page.select_one(".error-summary").text


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, demo):
    known = client.post("/clinic/login", data={"email": "demo@clinic.example", "password": "x"})
    unknown = client.post("/clinic/login", data={"email": "who@x.dk", "password": "x"})
    assert known.page.select_one(".error-summary").text == \
        unknown.page.select_one(".error-summary").text


@pytest.mark.parametrize("data", [{}, {"email": "  ", "password": ""}])
def test_empty_sign_in_form_names_each_missing_field(client, data):
    response = client.post("/clinic/login", data=data)
    assert response.status_code == 400
    links = [a["href"] for a in response.page.select(".error-summary a")]
    assert links == ["#email", "#password"]


def test_sign_out_kills_every_copy_of_the_session(signed_in):
    copied = signed_in.raw.get_cookie("patientapp_session").value
    signed_in.post("/clinic/logout")
    signed_in.raw.set_cookie("patientapp_session", copied)
    assert signed_in.raw.get("/clinic/").status_code == 302


def test_idle_sessions_time_out(signed_in, app):
    with signed_in.raw.session_transaction() as session:
        session["seen"] = "2000-01-01T00:00:00+00:00"
    response = signed_in.raw.get("/clinic/")
    assert response.status_code == 302
    assert "inaktiv" in signed_in.get(response.headers["Location"]).page.select_one(".notice").text


def test_patient_list_shows_who_needs_action_first(signed_in):
    page = signed_in.get("/clinic/").page
    names = [th.text.strip() for th in page.select("tbody th")]
    assert names[0] == "Erik Madsen"  # alarm symptom and worse pain
    assert set(names[-2:]) == {"Anna Jensen", "Frida Holm"}  # nothing answered, nothing wrong
    assert page.select_one("tbody tr.row--alarm")


def test_search_by_name_keeps_the_name_out_of_the_url(signed_in):
    response = signed_in.post("/clinic/search", data={"q": "bent"})
    assert response.headers["Location"].endswith("/clinic/")
    names = [th.text.strip() for th in signed_in.get("/clinic/").page.select("tbody th")]
    assert names == ["Bent Nielsen"]
    signed_in.post("/clinic/search", data={"action": "clear"})
    assert len(signed_in.get("/clinic/").page.select("tbody th")) == len(DEMO_PATIENTS)


def test_search_treats_wildcards_literally(signed_in):
    signed_in.post("/clinic/search", data={"q": "%"})
    assert signed_in.get("/clinic/").page.select("tbody th") == []


def test_the_patient_page_shows_scores_change_and_alerts(signed_in, db):
    course_id = course_id_of(db, "Erik Madsen")
    page = signed_in.get(f"/clinic/courses/{course_id}").page
    assert page.select_one("svg.chart")
    assert "forværret" in page.select_one(".change--worse").text  # "worse", in Danish
    assert len(page.select(".alert-item--alarm")) == 1
    assert len(page.select(".alert-item--worse")) == 2


def test_psfs_improvement_is_shown_as_improved(signed_in, db):
    course_id = course_id_of(db, "Dorte Hansen")
    page = signed_in.get(f"/clinic/courses/{course_id}").page
    psfs = page.select_one("#scores-psfs").find_parent("section")
    assert psfs.select_one(".change--improved")  # 3.0 -> 7.0: higher is better


def test_scores_are_written_the_local_way(signed_in, db):
    """PSFS has one decimal: a decimal comma in Danish, a point in English."""
    course_id = course_id_of(db, "Dorte Hansen")
    danish = signed_in.get(f"/clinic/courses/{course_id}").page
    psfs = danish.select_one("#scores-psfs").find_parent("section").text
    assert "7,0" in psfs and "(+4,0)" in psfs and "7.0" not in psfs
    signed_in.post("/language", data={"language": "en"})
    english = signed_in.get(f"/clinic/courses/{course_id}").page
    psfs = english.select_one("#scores-psfs").find_parent("section").text
    assert "7.0" in psfs and "(+4.0)" in psfs and "7,0" not in psfs


def test_an_invalid_score_says_why_in_the_pages_language(signed_in, db, content):
    clinic = next(db.query("SELECT id FROM clinics"))["id"]
    course_id = courses.enrol(db, courses.NewPatient(clinic, "Ny Patient"),
                              content.pathway("primary-low-back-pain"), date.today())
    odi = dict.fromkeys(SECTION_IDS["odi"][2:], 2)  # two sections left out: no valid score
    submit(db, content, course_id, odi=odi)
    danish = signed_in.get(f"/clinic/courses/{course_id}").page
    odi_section = danish.select_one("#scores-odi").find_parent("section").text
    assert "8 af 10 afsnit besvaret; en score kræver 9." in odi_section
    assert "unanswered" not in odi_section
    signed_in.post("/language", data={"language": "en"})
    english = signed_in.get(f"/clinic/courses/{course_id}").page
    assert "8 of 10 sections answered; a score needs 9." in \
        english.select_one("#scores-odi").find_parent("section").text


def test_acknowledging_an_alert_records_who_and_when(signed_in, db):
    course_id = course_id_of(db, "Erik Madsen")
    alert = next(db.query("SELECT id FROM alerts WHERE course_id = ? AND kind = 'alarm'",
                          [course_id]))
    signed_in.post(f"/clinic/alerts/{alert['id']}/acknowledge")
    row = next(db.query("SELECT acknowledged_at, acknowledged_by FROM alerts WHERE id = ?",
                        [alert["id"]]))
    assert row["acknowledged_at"] and row["acknowledged_by"]
    page = signed_in.get(f"/clinic/courses/{course_id}").page
    assert "Demo Fysioterapeut" in page.select_one(".alert-item--done").text


def test_another_clinics_patient_is_a_logged_404(signed_in, db, other_clinic_course):
    for url in (f"/clinic/courses/{other_clinic_course}",
                f"/clinic/courses/{other_clinic_course}/answers",
                f"/clinic/courses/{other_clinic_course}/summary"):
        assert signed_in.get(url).status_code == 404
    assert signed_in.raw.post(f"/clinic/courses/{other_clinic_course}/link").status_code == 404
    denied = list(db.query("SELECT * FROM audit_log WHERE action = 'denied-course'"))
    assert len(denied) == 4


def test_another_clinics_alert_cannot_be_acknowledged(signed_in, db, other_clinic_course):
    db.execute("INSERT INTO alerts (course_id, kind, level, key, created_at)"
               " VALUES (?, 'alarm', 'emergency', 'x', '2026-01-01')", [other_clinic_course])
    alert_id = next(db.query("SELECT id FROM alerts WHERE course_id = ?",
                             [other_clinic_course]))["id"]
    assert signed_in.raw.post(f"/clinic/alerts/{alert_id}/acknowledge").status_code == 404
    assert next(db.query("SELECT acknowledged_at FROM alerts WHERE id = ?",
                         [alert_id]))["acknowledged_at"] is None


def test_other_clinic_is_not_in_the_list(signed_in, other_clinic_course):
    assert "Fremmed Patient" not in signed_in.get("/clinic/").page.text


def test_viewing_patient_data_is_audited(signed_in, db):
    course_id = course_id_of(db, "Bent Nielsen")
    signed_in.get(f"/clinic/courses/{course_id}")
    signed_in.get(f"/clinic/courses/{course_id}/answers")
    actions = [r["action"] for r in db.query(
        "SELECT action FROM audit_log WHERE object_id = ? AND object_type = 'course'",
        [course_id])]
    assert actions == ["view-course", "view-answers"]


def test_answers_item_by_item_show_the_statement_chosen(signed_in, db, content):
    course_id = course_id_of(db, "Bent Nielsen")
    page = signed_in.get(f"/clinic/courses/{course_id}/answers").page
    statement = content.questionnaire("odi", "da").section(1)["options"][3]
    assert statement in page.text


def test_a_new_link_is_shown_once_and_works(signed_in, db):
    course_id = course_id_of(db, "Anna Jensen")
    page = signed_in.post(f"/clinic/courses/{course_id}/link").page
    link = page.select_one("#patient-link")["value"]
    token = link.rsplit("/", 1)[1]
    assert signed_in.raw.application.test_client().get(f"/q/{token}").status_code == 200
    assert token not in json.dumps(list(db.query("SELECT * FROM invitations")))


def test_paper_consent_is_recorded_with_the_clinician(signed_in, db):
    course_id = course_id_of(db, "Anna Jensen")
    signed_in.post(f"/clinic/courses/{course_id}/consent", data={"consent": "withdrawn"})
    row = next(db.query("SELECT status, method, recorded_by FROM consents WHERE course_id = ?"
                        " ORDER BY id DESC LIMIT 1", [course_id]))
    assert row["status"] == "withdrawn" and row["method"] == "paper" and row["recorded_by"]


def test_gp_summary_keeps_the_note_and_lays_out_for_print(signed_in, db):
    course_id = course_id_of(db, "Dorte Hansen")
    signed_in.post(f"/clinic/courses/{course_id}/summary", data={"note": "  Godt forløb.  "})
    page = signed_in.get(f"/clinic/courses/{course_id}/summary").page
    assert page.select_one("#note").text == "Godt forløb."
    assert "Godt forløb." in page.select_one("#gp-assessment").text
    assert page.select_one("#scores-odi")


def test_too_long_gp_note_is_refused_and_kept(signed_in, db):
    course_id = course_id_of(db, "Dorte Hansen")
    response = signed_in.post(f"/clinic/courses/{course_id}/summary", data={"note": "x" * 4001})
    assert response.status_code == 400
    assert response.page.select_one("#note").text == "x" * 4001


def test_only_admins_manage_accounts_and_read_the_audit_log(client, db, demo):
    clinic = next(db.query("SELECT id FROM clinics"))["id"]
    save_clinician(db, clinic, "plain@clinic.example", "Plain", PASSWORD, "clinician")
    client.post("/clinic/login", data={"email": "plain@clinic.example", "password": PASSWORD})
    assert client.get("/clinic/audit").status_code == 403
    assert client.get("/clinic/admin/clinicians").status_code == 403
    assert client.get("/clinic/").status_code == 200


def test_admin_creates_an_account_that_can_sign_in(signed_in, app):
    response = signed_in.post("/clinic/admin/clinicians", data={
        "name": "Ny Kollega", "email": "ny@clinic.example", "role": "clinician",
        "password": GOOD})
    assert response.status_code == 302
    fresh = app.test_client()
    assert fresh.post("/clinic/login", data={"email": "ny@clinic.example",
                                             "password": GOOD}
                      ).status_code == 302


@pytest.mark.parametrize("data, field", [
    ({"name": "", "email": "a@b.dk", "role": "clinician", "password": GOOD}, "name"),
    ({"name": "A", "email": "not-an-email", "role": "clinician", "password": GOOD}, "email"),
    ({"name": "A", "email": "a@b.dk", "role": "king", "password": GOOD}, "role-0"),
    ({"name": "A", "email": "a@b.dk", "role": "clinician", "password": "short"}, "password"),
    ({"name": "A", "email": "demo@clinic.example", "role": "clinician",
      "password": GOOD}, "email"),
])
def test_account_form_errors_point_at_the_field(signed_in, data, field):
    response = signed_in.post("/clinic/admin/clinicians", data=data)
    assert response.status_code == 400
    assert response.page.select_one(".error-summary a")["href"] == f"#{field}"


def test_deactivated_clinician_is_signed_out(signed_in, app, db):
    clinic = next(db.query("SELECT id FROM clinics"))["id"]
    other = save_clinician(db, clinic, "b@clinic.example", "B", PASSWORD)
    second = app.test_client()
    second.post("/clinic/login", data={"email": "b@clinic.example", "password": PASSWORD})
    signed_in.post(f"/clinic/admin/clinicians/{other}/active")
    assert second.get("/clinic/").status_code == 302


def test_an_admin_cannot_deactivate_another_clinics_clinician(signed_in, db, other_clinic_course):
    other = next(db.query("SELECT id FROM clinicians WHERE email = 'other@clinic.example'"))
    assert signed_in.post(f"/clinic/admin/clinicians/{other['id']}/active").status_code == 404
    assert next(db.query("SELECT active FROM clinicians WHERE id = ?", [other["id"]]))["active"]


def test_change_password_requires_the_current_one(signed_in):
    response = signed_in.post("/clinic/account/password", data={
        "current": "wrong", "new": "a brand new password", "repeat": "a brand new password"})
    assert response.status_code == 400
    response = signed_in.post("/clinic/account/password", data={
        "current": PASSWORD, "new": "a brand new password", "repeat": "a brand new password"})
    assert response.status_code == 302


def test_create_clinician_command(runner, db):
    result = runner.invoke(args=["create-clinician", "--email", "first@clinic.dk", "--name",
                                 "First Admin", "--clinic", "Ny Klinik",
                                 "--password", "a long password 1"])
    assert result.exit_code == 0, result.output
    row = next(db.query("SELECT role, clinic_id FROM clinicians WHERE email = 'first@clinic.dk'"))
    assert row["role"] == "admin"
    again = runner.invoke(args=["create-clinician", "--email", "first@clinic.dk", "--name", "X",
                                "--clinic", "Ny Klinik", "--password", "a long password 1"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_follow_up_warning_is_explained_on_the_patient_page(signed_in, db, content):
    clinic = next(db.query("SELECT id FROM clinics"))["id"]
    first = date.today()
    course_id = courses.enrol(db, courses.NewPatient(clinic, "Sen Henvisning"),
                              content.pathway("primary-low-back-pain"), first,
                              referral_date=first - timedelta(days=200))
    page = signed_in.get(f"/clinic/courses/{course_id}").page
    assert page.select(".warning-text")


def test_a_clinician_can_be_signed_in_on_two_devices(app, demo):
    desk, tablet = app.test_client(), app.test_client()
    for device in (desk, tablet):
        device.post("/clinic/login", data={"email": "demo@clinic.example",
                                           "password": PASSWORD})
    assert desk.get("/clinic/").status_code == 200
    assert tablet.get("/clinic/").status_code == 200
    desk.post("/clinic/logout")
    assert desk.get("/clinic/").status_code == 302
    assert tablet.get("/clinic/").status_code == 200


def test_a_new_password_signs_out_every_other_device(app, demo):
    desk, stolen = app.test_client(), app.test_client()
    for device in (desk, stolen):
        device.post("/clinic/login", data={"email": "demo@clinic.example",
                                           "password": PASSWORD})
    desk.post("/clinic/account/password", data={
        "current": PASSWORD, "new": "a brand new password", "repeat": "a brand new password"})
    assert desk.get("/clinic/").status_code == 200
    assert stolen.get("/clinic/").status_code == 302


def _cookie_text(client) -> str:
    """The session cookie as anyone holding it can read it: itsdangerous payload, decoded."""
    import base64
    import zlib

    value = client.raw.get_cookie("patientapp_session").value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode("utf-8")


def test_the_search_term_is_not_in_the_session_cookie(signed_in):
    signed_in.post("/clinic/search", data={"q": "Nielsen"})
    assert [th.text.strip() for th in signed_in.get("/clinic/").page.select("tbody th")] \
        == ["Bent Nielsen"]
    text = _cookie_text(signed_in)
    assert "clinician_id" in text  # decoded correctly: the cookie's own keys are readable
    assert "nielsen" not in text.lower()


def test_the_search_is_remembered_per_device_and_forgotten_at_sign_out(signed_in, app):
    signed_in.post("/clinic/search", data={"q": "bent"})
    other = app.test_client()
    other.post("/clinic/login", data={"email": "demo@clinic.example", "password": PASSWORD})
    rows = BeautifulSoup(other.get("/clinic/").data, "html5lib").select("tbody th")
    assert len(rows) == len(DEMO_PATIENTS)
    signed_in.post("/clinic/logout")
    signed_in.post("/clinic/login", data={"email": "demo@clinic.example", "password": PASSWORD})
    assert len(signed_in.get("/clinic/").page.select("tbody th")) == len(DEMO_PATIENTS)


def _add_alert(db, course_id, kind, level, key, created_at):
    detail = {"worse": {"instrument": "odi", "from": 40, "to": 52, "compared": "baseline"},
              "exercise": {"exercise": key}}[kind]
    db.execute("INSERT INTO alerts (course_id, kind, level, key, detail, created_at)"
               " VALUES (?, ?, ?, ?, ?, ?)",
               [course_id, kind, level, key, json.dumps(detail), created_at])


def test_alerts_come_by_severity_and_the_rest_are_acknowledged_at_once(signed_in, db):
    """An acute alarm is always first, however old; 'acknowledge all the others' leaves
    every alarm open (each is read and acknowledged on its own), and separators are single."""
    course_id = course_id_of(db, "Erik Madsen")  # the demo gives him an alarm
    _add_alert(db, course_id, "worse", "warning", "odi:", "2099-01-02T08:00:00+00:00")
    _add_alert(db, course_id, "exercise", "info", "bridge", "2099-01-03T08:00:00+00:00")
    page = signed_in.get(f"/clinic/courses/{course_id}").page
    items = page.select("#alerts .alert-item")
    assert "alert-item--alarm" in items[0]["class"] and len(items) >= 3
    assert all("·  ·" not in item.text and "· ·" not in " ".join(item.text.split())
               for item in items)
    button = page.select_one(f"form[action='/clinic/courses/{course_id}/alerts/acknowledge']")
    assert button is not None
    others = len(list(db.query("SELECT id FROM alerts WHERE course_id = ? AND kind != 'alarm'"
                               " AND acknowledged_at IS NULL", [course_id])))
    response = signed_in.post(f"/clinic/courses/{course_id}/alerts/acknowledge")
    assert response.status_code == 302
    still_open = [r["kind"] for r in db.query("SELECT kind FROM alerts WHERE course_id = ? AND"
                                              " acknowledged_at IS NULL", [course_id])]
    assert still_open and set(still_open) == {"alarm"}
    audited = list(db.query("SELECT * FROM audit_log WHERE action = 'acknowledge-alert'"))
    assert len(audited) == others >= 2  # one entry per alert acknowledged


def test_acknowledging_all_is_refused_for_another_clinics_course(signed_in, db,
                                                                  other_clinic_course):
    _add_alert(db, other_clinic_course, "worse", "warning", "odi:", "2026-01-01")
    response = signed_in.raw.post(f"/clinic/courses/{other_clinic_course}/alerts/acknowledge")
    assert response.status_code == 404
    assert next(db.query("SELECT acknowledged_at FROM alerts WHERE course_id = ?",
                         [other_clinic_course]))["acknowledged_at"] is None
