"""What the physiotherapist records in the consultation (issue 18, items 9-12).

Filling in a questionnaire with the patient stores, scores, alerts and exports exactly as
the patient's own link does, and records who filled it in; the PSFS activities set together;
the neurological status, functional tests, painkillers and attendance. Every form keeps
what was typed when it is wrong, and every change has its audit entry.
"""

from __future__ import annotations

import json

import pytest
from helpers import fill_form

from patientapp.accounts import save_clinician
from patientapp.questionnaires import queries as answers_db

PASSWORD = "correct horse battery"
ACTIVITIES = ("Gå til bussen", "Løfte barnebarn", "Sove en hel nat")


def _fill(form) -> dict:
    """Valid answers read from the form itself, as the clinician would give them."""
    return fill_form(form, ACTIVITIES)


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
    unscored = {"risk"}  # the risk and work questionnaire keeps its answers, with no score
    assert set(json.loads(tp["questionnaires"])) - unscored <= instruments
    assert {"fill-in-step", "submit-in-consultation"} <= set(audit_actions(db))
    page = signed_in.follow(response).page
    assert "udfyldt i konsultationen af Fie Fysioterapeut" in page.get_text(" ")


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
    consented, _ = enrol(consent="given")
    page = signed_in.get(f"/clinic/courses/{consented}").page
    assert [a for a in page.find_all("a", href=True) if a["href"].endswith("/fill")]
    course_id, _ = enrol()
    tp = timepoint(db, course_id)
    response = signed_in.get(f"/clinic/courses/{course_id}/consultations/{tp['id']}/fill")
    assert response.status_code == 302
    page = signed_in.get(f"/clinic/courses/{course_id}").page
    assert not [a for a in page.find_all("a", href=True) if a["href"].endswith("/fill")]


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


# --- neurological status, functional tests, painkillers and attendance -------------------

def neuro_url(course_id, tp_id):
    return f"/clinic/courses/{course_id}/consultations/{tp_id}/neuro"


@pytest.mark.parametrize(("pathway", "roots"), [("lumbar-radiculopathy", ["L4", "L5", "S1"]),
                                                ("cervical-radiculopathy",
                                                 ["C5", "C6", "C7", "C8"])])
def test_the_status_consultation_asks_each_root_level_and_side(signed_in, db, enrol, pathway,
                                                               roots):
    course_id, _ = enrol(pathway=pathway, consent="given")
    page = signed_in.get(neuro_url(course_id, timepoint(db, course_id, "week-2")["id"])).page
    names = {i["name"] for i in page.select("input[type=radio]")}
    assert names == {f"{m}-{side}-{root}" for m in ("sensation", "strength", "reflexes")
                     for side in ("left", "right") for root in roots}


def test_the_primary_course_and_the_first_consultation_have_no_neurological_status(
        signed_in, db, enrol):
    primary = enrol(consent="given")[0]
    for course_id in (primary, enrol(pathway="lumbar-radiculopathy", consent="given")[0]):
        url = neuro_url(course_id, timepoint(db, course_id)["id"])
        assert signed_in.get(url).status_code == 302
        assert signed_in.post(url, data={"strength-left-L5": "worse"}).status_code == 302
    assert db.execute("SELECT count(*) FROM neuro_findings").fetchone()[0] == 0


def test_worse_strength_prompts_a_referral_back_to_the_gp(signed_in, db, enrol):
    course_id, _ = enrol(pathway="lumbar-radiculopathy", consent="given")
    tp = timepoint(db, course_id, "week-2")
    response = signed_in.post(neuro_url(course_id, tp["id"]), data={
        "strength-left-L5": "worse", "sensation-left-L5": "same", "reflexes-right-S1": "better"})
    assert response.status_code == 302
    rows = list(db.query("SELECT modality, side, root, finding, recorded_by FROM neuro_findings"))
    assert len(rows) == 3 and all(r["recorded_by"] for r in rows)
    page = signed_in.follow(response).page
    assert page.select_one("#refer-prompt") and "L5" in page.select_one("#refer-prompt").text
    assert "record-neuro-status" in audit_actions(db)
    # Saved again with strength the same: the prompt goes, nothing is doubled.
    signed_in.post(neuro_url(course_id, tp["id"]), data={"strength-left-L5": "same"})
    assert db.execute("SELECT count(*) FROM neuro_findings").fetchone()[0] == 1
    assert not signed_in.get(f"/clinic/courses/{course_id}").page.select_one("#refer-prompt")


def test_a_tampered_finding_is_refused_and_the_others_are_kept(signed_in, db, enrol):
    course_id, _ = enrol(pathway="lumbar-radiculopathy", consent="given")
    tp = timepoint(db, course_id, "week-2")
    response = signed_in.post(neuro_url(course_id, tp["id"]), data={
        "strength-left-L5": "much-worse", "sensation-left-L4": "better"})
    assert response.status_code == 400
    assert response.page.select_one(".error-summary a")["href"] == "#strength-left-L5-0"
    assert response.page.select_one("#sensation-left-L4 input[value=better]").has_attr("checked")
    assert db.execute("SELECT count(*) FROM neuro_findings").fetchone()[0] == 0


def functional_tests_url(course_id, tp_id):
    return f"/clinic/courses/{course_id}/consultations/{tp_id}/tests"


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"sit_to_stand_30s": "12,5"}, "sit_to_stand_30s", "whole number"),
    ({"sit_to_stand_30s": "61"}, "sit_to_stand_30s", "from 0 to 60"),
    ({"sit_to_stand_5x": "fast"}, "sit_to_stand_5x", "Enter a number"),
    ({"sit_to_stand_5x": "nan"}, "sit_to_stand_5x", "Enter a number"),
    ({"own_value": "40"}, "own_name", "Name the test"),
    ({"own_name": "Sørensen"}, "own_value", "Enter the test's value"),
])
def test_a_wrong_test_value_is_refused_and_kept_as_typed(signed_in, db, enrol, data, field,
                                                         words):
    course_id, _ = enrol(consent="given")
    with signed_in.raw.session_transaction() as session:
        session["lang"] = "en"
    db.execute("UPDATE clinicians SET language = 'en'")
    url = functional_tests_url(course_id, timepoint(db, course_id)["id"])
    response = signed_in.post(url, data=data)
    assert response.status_code == 400
    assert words in response.page.select_one(f"#{field}-error").text
    for name, value in data.items():
        assert response.page.select_one(f"#{name}")["value"] == value
    assert db.execute("SELECT count(*) FROM functional_tests").fetchone()[0] == 0


def test_tests_at_the_first_and_final_consultation_show_their_change(signed_in, db, enrol):
    course_id, _ = enrol(consent="given")
    first, final = timepoint(db, course_id), timepoint(db, course_id, "final")
    signed_in.post(functional_tests_url(course_id, first["id"]), data={
        "sit_to_stand_30s": "9", "own_name": "Sørensen", "own_value": "45", "own_unit": "s"})
    signed_in.post(functional_tests_url(course_id, final["id"]), data={
        "sit_to_stand_30s": "14", "own_name": "Sørensen", "own_value": "90,5", "own_unit": "s"})
    rows = list(db.query("SELECT test, value FROM functional_tests ORDER BY id"))
    assert [(r["test"], r["value"]) for r in rows] == [
        ("sit-to-stand-30s", 9), ("own", 45), ("sit-to-stand-30s", 14), ("own", 90.5)]
    page = signed_in.get(f"/clinic/courses/{course_id}").page
    table = page.select_one("#consultation table").get_text(" ")
    assert "+5" in table and "+45.5" in table
    follow = timepoint(db, course_id, "followup-3m")
    assert signed_in.get(functional_tests_url(course_id, follow["id"])).status_code == 302


def test_painkillers_and_attendance_are_kept_and_wrong_numbers_refused(signed_in, db, enrol):
    course_id, _ = enrol(consent="given")
    url = f"/clinic/courses/{course_id}/record"
    bad = signed_in.post(url, data={"attended": "tolv", "missed": "2", "painkillers": "daily"})
    assert bad.status_code == 400 and bad.page.select_one("#attended")["value"] == "tolv"
    assert bad.page.select_one("#painkillers input[value=daily]").has_attr("checked")
    ok = signed_in.post(url, data={"attended": "12", "missed": "2", "painkillers": "as-needed",
                                   "painkillers_note": "Panodil"})
    assert ok.status_code == 302
    row = next(db.query("SELECT * FROM course_records"))
    assert (row["attended"], row["missed"], row["painkillers"]) == (12, 2, "as-needed")
    assert "record-attendance" in audit_actions(db)


# --- PSFS activities set with the patient ---------------------------------------------------

def psfs_url(course_id):
    return f"/clinic/courses/{course_id}/psfs"


def test_activities_set_together_are_what_the_patient_rates(signed_in, client, db, enrol,
                                                            answer_all):
    course_id, token = enrol(consent="given")
    data = {"action": "save", "goals-activities-0": "Gå til bussen",
            "goals-activities-1": "Løfte barnebarn", "goals-activities-2": "Sove"}
    # Moving the second up first: what was typed follows it, nothing is saved yet.
    moved = signed_in.post(psfs_url(course_id), data={**data, "action": "up-2"})
    assert moved.page.select_one("#goals-activities-0")["value"] == "Løfte barnebarn"
    assert db.execute("SELECT count(*) FROM psfs_activities").fetchone()[0] == 0
    assert signed_in.post(psfs_url(course_id), data=data).status_code == 302
    rows = list(db.query("SELECT text, baseline, created_by FROM psfs_activities"
                         " ORDER BY position"))
    assert [r["text"] for r in rows] == ["Gå til bussen", "Løfte barnebarn", "Sove"]
    assert all(r["baseline"] == 1 and r["created_by"] for r in rows)
    step = client.get(f"/q/{token}/step/psfs-rate")
    assert "Løfte barnebarn" in step.page.get_text(" ")
    assert "set-psfs-activities" in audit_actions(db)


def test_fewer_than_three_need_the_tick_and_keep_what_was_typed(signed_in, db, enrol):
    course_id, _ = enrol(consent="given")
    data = {"action": "save", "goals-activities-0": "Gå"}
    refused = signed_in.post(psfs_url(course_id), data=data)
    assert refused.status_code == 400
    assert refused.page.select_one("#goals-activities-0")["value"] == "Gå"
    assert signed_in.post(psfs_url(course_id), data={**data, "goals-fewer": "y"}) \
        .status_code == 302
    assert db.execute("SELECT count(*) FROM psfs_activities").fetchone()[0] == 1


def test_an_activity_added_later_is_kept_out_of_the_change_since_baseline(signed_in, client,
                                                                          db, enrol,
                                                                          answer_all):
    course_id, token = enrol(consent="given")
    answer_all(client, token)
    assert signed_in.post(psfs_url(course_id), data={"action": "save",
                                                     "goals-activities-0": "x"}) \
        .status_code == 400  # the baseline was sent: its activities stay as rated
    response = signed_in.post(psfs_url(course_id), data={"action": "add",
                                                         "later-activity": "Cykle til arbejde"})
    assert response.status_code == 302
    later = next(db.query("SELECT * FROM psfs_activities WHERE baseline = 0"))
    assert later["text"] == "Cykle til arbejde" and later["position"] == 4
    before = answers_db.psfs_baseline_means(db, course_id)
    assert list(before.values()) == [
        next(db.query("SELECT value FROM scores WHERE instrument = 'psfs' AND item = ''"))
        ["value"]]


# --- the GP summary ----------------------------------------------------------------------

def test_the_gp_summary_prints_what_was_recorded_and_nothing_empty(signed_in, db, enrol,
                                                                   clinician):
    course_id, _ = enrol(pathway="lumbar-radiculopathy", consent="given")
    db.execute("UPDATE patients SET birth_date = '1970-05-31'")
    baseline, week2 = timepoint(db, course_id), timepoint(db, course_id, "week-2")
    fill_in(signed_in, course_id, baseline["id"])
    submit(signed_in, course_id, baseline["id"])
    signed_in.post(neuro_url(course_id, week2["id"]), data={"strength-right-S1": "worse"})
    signed_in.post(functional_tests_url(course_id, baseline["id"]), data={"sit_to_stand_30s": "8"})
    signed_in.post(f"/clinic/courses/{course_id}/record", data={"attended": "3",
                                                                "missed": "1"})
    signed_in.post(f"/clinic/courses/{course_id}/summary", data={"note": "Bedring."})
    response = signed_in.get(f"/clinic/courses/{course_id}/summary")
    article = response.page.select_one("article.gp-summary")
    text = " ".join(article.get_text(" ").split())
    for expected in ("Test Patient", "31. maj 1970", "Fie Fysioterapeut", "S1", "8",
                     "Bedring.", "3 "):
        assert expected in text, expected
    for part in ("gp-who", "gp-scores", "gp-psfs", "gp-neuro", "gp-tests", "gp-attendance",
                 "gp-assessment"):
        assert article.select_one(f"#{part}"), part
    for node in article.select("dd, li, td, p"):
        assert node.get_text(strip=True) not in ("", "–", "-"), node
    assert not article.select(".notice, .flash")


def test_a_summary_with_nothing_recorded_prints_only_who(signed_in, db, enrol):
    course_id, _ = enrol()
    article = signed_in.get(f"/clinic/courses/{course_id}/summary").page.select_one("article")
    assert [s["id"] for s in article.select("section")] == ["gp-who"]
    assert "–" not in article.get_text()


def test_the_page_message_is_not_printed(app):
    css = (app.static_folder + "/css/app.css")
    with open(css, encoding="utf-8") as handle:
        assert ".flash { display: none !important; }" in handle.read()


# --- passed on: FHIR, CSV and API --------------------------------------------------------

def test_fhir_names_the_clinician_as_author_and_sends_the_examinations(signed_in, db, enrol,
                                                                       content, clinician):
    from fhir.resources.R4B import get_fhir_model_class

    from patientapp.fhir import queries as fhir_db
    from patientapp.fhir.bundles import submission_resources
    from patientapp.fhir.resources import FhirSettings

    course_id, _ = enrol(pathway="cervical-radiculopathy", consent="given")
    baseline, week2 = timepoint(db, course_id), timepoint(db, course_id, "week-2")
    fill_in(signed_in, course_id, baseline["id"])
    signed_in.post(functional_tests_url(course_id, baseline["id"]), data={
        "sit_to_stand_5x": "11.2", "own_name": "Grip", "own_value": "30", "own_unit": "kg"})
    submit(signed_in, course_id, baseline["id"])
    fill_in(signed_in, course_id, week2["id"])
    signed_in.post(neuro_url(course_id, week2["id"]), data={"strength-left-C6": "worse",
                                                            "reflexes-left-C6": "same"})
    submit(signed_in, course_id, week2["id"])
    settings = FhirSettings("https://fhir.example-fysio.dk/fhir")
    resources = []
    for tp in (baseline, week2):
        resources += submission_resources(settings, content,
                                          fhir_db.get_submission(db, tp["id"]))
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert responses and all(r["author"]["display"] == "Fie Fysioterapeut" and
                             r["author"]["identifier"]["value"] == str(clinician)
                             for r in responses)
    exams = [r for r in resources if r["id"].startswith(("obs-neuro-", "obs-test-"))]
    assert {r["id"].split("-")[1] for r in exams} == {"neuro", "test"}
    strength = next(r for r in exams if r["code"]["coding"][0]["code"] == "strength")
    assert strength["valueCodeableConcept"]["coding"][0]["code"] == "worse"
    assert strength["bodySite"]["coding"][0]["code"] == "C6-left"
    grip = next(r for r in exams if r["code"]["text"] == "Grip")
    assert grip["valueQuantity"] == {"value": 30, "unit": "kg"}
    assert all(r["performer"][0]["display"] == "Fie Fysioterapeut" for r in exams)


def test_the_patients_own_answers_have_no_clinician_author(client, db, enrol, content,
                                                           answer_all):
    from patientapp.fhir import queries as fhir_db
    from patientapp.fhir.bundles import submission_resources
    from patientapp.fhir.resources import FhirSettings

    course_id, token = enrol(consent="given")
    answer_all(client, token)
    tp = timepoint(db, course_id)
    resources = submission_resources(FhirSettings("https://x.example/fhir"), content,
                                     fhir_db.get_submission(db, tp["id"]))
    assert not [r for r in resources if "author" in r]


def test_the_csv_and_api_rows_say_who_completed_the_questionnaire(signed_in, db, enrol):
    import io

    from patientapp.exports import write_csv
    from patientapp.queries import list_score_rows

    course_id, _ = enrol(consent="given")
    tp = timepoint(db, course_id)
    fill_in(signed_in, course_id, tp["id"])
    submit(signed_in, course_id, tp["id"])
    out = io.StringIO()
    write_csv(list_score_rows(db), out)
    header, first = out.getvalue().splitlines()[:2]
    assert header.endswith("completed_in,completed_by")
    assert first.endswith("consultation,Fie Fysioterapeut")


def test_setting_the_activities_starts_from_what_the_patient_named_so_far(signed_in, client,
                                                                          db, enrol):
    course_id, token = enrol(consent="given")
    client.post(f"/q/{token}/step/psfs-activities",
                data={"activities-0": "Gå", "activities-1": "Cykle", "activities-2": "Sove"})
    page = signed_in.get(psfs_url(course_id)).page
    assert [page.select_one(f"#goals-activities-{n}")["value"] for n in range(3)] == \
        ["Gå", "Cykle", "Sove"]


# --- enrolment: the birth date and the treating physiotherapist ------------------------------

def _enrol_form(**changes):
    from datetime import date
    return {"name": "Karen Blixen", "email": "", "phone": "", "language": "da",
            "pathway": "lumbar-radiculopathy", "first_visit": date.today().isoformat(),
            "referral_date": "", **changes}


@pytest.mark.parametrize("typed", ["31-05-1970", "1970-02-30", "1850-01-01", "2999-01-01"])
def test_a_wrong_birth_date_is_refused_and_kept(signed_in, db, typed):
    response = signed_in.post("/clinic/patients/new", data=_enrol_form(birth_date=typed))
    assert response.status_code == 400
    assert response.page.select_one("#birth_date")["value"] == typed
    assert response.page.select_one("#birth_date-error")
    assert db.execute("SELECT count(*) FROM patients").fetchone()[0] == 0


def test_enrolment_keeps_the_birth_date_and_the_treating_physiotherapist(signed_in, db,
                                                                         clinician):
    response = signed_in.post("/clinic/patients/new", data=_enrol_form(birth_date="1970-05-31"))
    assert response.status_code == 302
    row = next(db.query("SELECT patients.birth_date, courses.clinician_id FROM courses"
                        " JOIN patients ON patients.id = courses.patient_id"))
    assert row["birth_date"] == "1970-05-31" and row["clinician_id"] == clinician
