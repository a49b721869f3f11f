"""What the physiotherapist records in the consultation (issue 18, items 9-12).

Filling in a questionnaire with the patient stores, scores, alerts and exports exactly as
the patient's own link does, and records who filled it in; the PSFS activities set together;
the neurological status, functional tests, painkillers and attendance. Every form keeps
what was typed when it is wrong, and every change has its audit entry.
"""

from __future__ import annotations

import json

import pytest
from conftest import _fill

from patientapp.accounts import save_clinician
from patientapp.questionnaires import queries as answers_db

PASSWORD = "correct horse battery"


@pytest.fixture
def clinician(db, clinic_id):
    return save_clinician(db, clinic_id, "fys@clinic.example", "Fie Fysioterapeut", PASSWORD)


@pytest.fixture
def signed_in(client, clinician):
    response = client.post("/clinic/login", data={"email": "fys@clinic.example",
                                                  "password": PASSWORD})
    assert response.status_code == 302
    return client


def timepoint(db, course_id, key="baseline"):
    return next(db.query("SELECT * FROM timepoints WHERE course_id = ? AND key = ?",
                         [course_id, key]))


def fill_in(client, course_id, tp_id, choose=None) -> list[str]:
    """Walk the clinic's fill-in pages from the start, as the clinician would; ``choose``
    may change the values posted for a step. Returns the step paths posted to."""
    page = client.get(f"/clinic/courses/{course_id}/consultations/{tp_id}/fill").page
    response = client.get(page.select_one("a.button")["href"])
    posted = []
    while response.request.path.rsplit("/", 1)[-1] != "fill":
        form = next(f for f in response.page.find_all("form") if "/fill/" in f["action"])
        data = _fill(form)
        if choose:
            data.update(choose(form["action"], data))
        posted.append(form["action"])
        response = client.post(form["action"], data=data)
        assert response.status_code == 302, (form["action"], response.status_code)
        response = client.follow(response)
    return posted


def submit(client, course_id, tp_id):
    return client.post(f"/clinic/courses/{course_id}/consultations/{tp_id}/fill")


def audit_actions(db) -> list[str]:
    return [row["action"] for row in db.query("SELECT action FROM audit_log ORDER BY id")]


# --- filling in with the patient ---------------------------------------------------------

def test_a_questionnaire_filled_in_with_the_patient_is_stored_and_scored_as_theirs(
        signed_in, db, enrol, clinician):
    course_id, _ = enrol(consent="given")
    tp = timepoint(db, course_id)
    posted = fill_in(signed_in, course_id, tp["id"])
    assert posted, "no screen was shown"
    response = submit(signed_in, course_id, tp["id"])
    assert response.status_code == 302
    row = timepoint(db, course_id)
    assert row["submitted_at"] and row["completed_by"] == clinician
    instruments = {r["instrument"] for r in db.query(
        "SELECT instrument FROM scores WHERE timepoint_id = ?", [tp["id"]])}
    assert set(json.loads(tp["questionnaires"])) <= instruments
    assert {"fill-in-step", "submit-in-consultation"} <= set(audit_actions(db))
    page = signed_in.follow(response).page
    assert "completed in the consultation by Fie Fysioterapeut" in page.get_text(" ")


def test_the_questions_are_in_the_patients_language(signed_in, db, enrol):
    course_id, _ = enrol(consent="given", language="en")
    tp = timepoint(db, course_id)
    page = signed_in.get(f"/clinic/courses/{course_id}/consultations/{tp['id']}/fill").page
    step = signed_in.get(page.select_one("a.button")["href"]).page
    assert page.html["lang"] == "da"  # the clinician's own language around them
    questions = step.select_one("main [lang=en]")  # marked for screen readers
    assert questions and "Pain rating (NPRS)" in questions.get_text(" ")
    assert "Næste" in step.get_text(" ")  # the clinic's buttons in the clinician's language


def test_a_wrong_answer_keeps_what_was_typed_and_names_the_problem(signed_in, db, enrol):
    course_id, _ = enrol(consent="given")
    tp = timepoint(db, course_id)
    url = f"/clinic/courses/{course_id}/consultations/{tp['id']}/fill/psfs-activities"
    response = signed_in.post(url, data={"activities-0": "Gå til bussen"})
    assert response.status_code == 400
    assert response.page.select_one(".error-summary a")
    assert response.page.select_one("#activities-0")["value"] == "Gå til bussen"


def test_an_alarm_answer_in_the_consultation_raises_the_alert_and_queues_the_notice(
        signed_in, db, enrol):
    course_id, _ = enrol(consent="given")
    tp = timepoint(db, course_id)

    def say_yes(action, data):
        return {name: "yes" for name, value in data.items()
                if action.endswith("/safety") and value == "no"}

    fill_in(signed_in, course_id, tp["id"], say_yes)
    alarms = list(db.query("SELECT * FROM alerts WHERE kind = 'alarm' AND course_id = ?",
                           [course_id]))
    queued = list(db.query("SELECT * FROM outbox WHERE kind = 'alarm' AND timepoint_id = ?",
                           [tp["id"]]))
    assert alarms and len(queued) == 1  # one alarm address in the test clinic, one message
    assert not timepoint(db, course_id)["submitted_at"]


def test_without_consent_there_is_nothing_to_fill_in(signed_in, db, enrol):
    course_id, _ = enrol()
    tp = timepoint(db, course_id)
    response = signed_in.get(f"/clinic/courses/{course_id}/consultations/{tp['id']}/fill")
    assert response.status_code == 302
    page = signed_in.get(f"/clinic/courses/{course_id}").page
    assert not page.find("a", string="Fill in with the patient")


def test_a_submitted_questionnaire_cannot_be_filled_in_again(signed_in, db, enrol):
    course_id, _ = enrol(consent="given")
    tp = timepoint(db, course_id)
    fill_in(signed_in, course_id, tp["id"])
    submit(signed_in, course_id, tp["id"])
    scores = db.execute("SELECT count(*) FROM scores").fetchone()[0]
    assert submit(signed_in, course_id, tp["id"]).status_code == 302
    assert db.execute("SELECT count(*) FROM scores").fetchone()[0] == scores


def test_another_clinics_course_is_not_found(signed_in, db, content):
    from datetime import date

    from patientapp.accounts import save_clinic
    from patientapp.courses import queries as courses
    other = save_clinic(db, "Anden Klinik")
    course_id = courses.enrol(db, courses.NewPatient(other, "Fremmed"),
                              content.pathway("primary-low-back-pain"), date.today())
    tp = timepoint(db, course_id)
    assert signed_in.get(f"/clinic/courses/{course_id}/consultations/{tp['id']}/fill") \
        .status_code == 404
    assert signed_in.get(f"/clinic/courses/{course_id}/record").status_code == 404


def test_answers_keep_their_place_in_the_patients_flow(db, enrol):
    """The clinic and the link share one draft: nothing the clinician saved is lost."""
    course_id, _ = enrol(consent="given")
    tp = timepoint(db, course_id)
    answers_db.save_answers(db, {**tp}, "odi", "da", "1", {"pain": 2})
    assert answers_db.load_answers(db, tp["id"])["odi"] == {"pain": 2}
