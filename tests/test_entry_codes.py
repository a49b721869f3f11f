"""The service code a course starts with (0261/0262, 0241/0242, 0231/0232), chosen at
enrolment, and the leg NPRS on the primary low back pain course."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import enrol_args

from patientapp.accounts import save_clinic, save_clinician
from patientapp.content import SECTION_IDS, ContentError, load_content
from patientapp.courses import queries as courses
from patientapp.courses.enrolment import check_enrolment, entry_codes_of
from patientapp.courses.schedule import plan
from patientapp.questionnaires import queries as answers_db

PASSWORD = "correct horse battery"
FIRST = date.today() + timedelta(days=20)
CONTENT = Path(__file__).resolve().parent.parent / "content"

# (pathway, usual code, other codes): what PATHWAYS / the course agreement define.
ENTRY_CODES = [("primary-low-back-pain", "0261", ("0262",)),
               ("lumbar-radiculopathy", "0241", ("0242",)),
               ("cervical-radiculopathy", "0231", ("0232",))]


@pytest.mark.parametrize("pathway_id, usual, others", ENTRY_CODES)
def test_each_course_may_start_with_its_usual_or_an_alternative_code(content, pathway_id,
                                                                     usual, others):
    pathway = content.pathway(pathway_id)
    assert pathway.entry_codes == (usual, *others)
    for code in others:
        baseline = pathway.baseline_for(code)
        assert baseline.code == code and baseline.key == "baseline"
        assert set(baseline.names) == {"da", "en"}
        assert baseline.names != pathway.timepoints[0].names
        assert baseline.questionnaires == pathway.timepoints[0].questionnaires


def test_0262_is_on_the_day_of_0110_so_the_questionnaires_go_out_before_it(content):
    pathway = content.pathway("primary-low-back-pain")
    usual, same_day = plan(pathway, FIRST), plan(pathway, FIRST, entry_code="0262")
    assert usual[0].code == "0261" and usual[0].visit_date == FIRST + timedelta(days=7)
    assert same_day[0].code == "0262" and same_day[0].visit_date == FIRST
    assert same_day[0].send_on < FIRST  # before the first consultation
    assert same_day[1:] == usual[1:]  # the rest of the course is the same


@pytest.mark.parametrize("pathway_id, code", [("lumbar-radiculopathy", "0242"),
                                              ("cervical-radiculopathy", "0232")])
def test_switching_from_an_ongoing_course_changes_the_code_not_the_dates(content, pathway_id,
                                                                         code):
    pathway = content.pathway(pathway_id)
    usual, switched = plan(pathway, FIRST), plan(pathway, FIRST, entry_code=code)
    assert switched[0].code == code
    assert [(t.visit_date, t.send_on) for t in switched] == \
        [(t.visit_date, t.send_on) for t in usual]


def test_a_code_of_another_course_is_refused(content):
    raw = {"name": "Anna", "pathway": "primary-low-back-pain",
           "first_visit": FIRST.isoformat(), "entry_code": "0242"}
    enrolment, problems = check_enrolment(raw, content.pathways, entry_codes_of(content.pathways))
    assert enrolment is None
    assert [p.field for p in problems] == ["entry_code"]
    assert "0261, 0262" in str(problems[0])
    with pytest.raises(ValueError):
        content.pathway("primary-low-back-pain").baseline_for("0242")


# --- the command line -------------------------------------------------------------------

def test_enrol_defaults_to_the_usual_code(runner, db, clinic_id):
    result = runner.invoke(args=enrol_args(**{"--json": None}))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["entry_code"] == "0261" and data["timepoints"][0]["code"] == "0261"


def test_enrol_with_an_entry_code_stores_it_and_moving_a_visit_keeps_it(runner, db, clinic_id,
                                                                        content):
    result = runner.invoke(args=enrol_args(**{"--json": None, "--entry-code": "0262"}))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["entry_code"] == "0262"
    assert (data["timepoints"][0]["code"], data["timepoints"][0]["visit_date"]) == \
        ("0262", FIRST.isoformat())
    moved = runner.invoke(args=["move-visit", "--course", str(data["course_id"]), "--timepoint",
                                "final", "--date", (FIRST + timedelta(days=80)).isoformat()])
    assert moved.exit_code == 0, moved.output
    baseline = courses.list_timepoints(db, data["course_id"])[0]
    assert (baseline["code"], baseline["visit_date"]) == ("0262", FIRST.isoformat())


def test_enrol_refuses_a_code_that_does_not_start_the_course(runner, db, clinic_id):
    result = runner.invoke(args=enrol_args(**{"--entry-code": "0232"}))
    assert result.exit_code == 2
    assert "0232" in result.output and "0261, 0262" in result.output
    assert next(db.query("SELECT count(*) AS n FROM courses"))["n"] == 0


# --- the browser form and where the code is shown --------------------------------------------

@pytest.fixture
def signed_in(client, db):
    clinic = save_clinic(db, "Fysio Koder", "+45 12 12 12 12")
    save_clinician(db, clinic, "pt@clinic.example", "PT", PASSWORD, language="en")
    client.post("/clinic/login", data={"email": "pt@clinic.example", "password": PASSWORD})
    return client


def _form(**changes):
    return {"name": "Karen Blixen", "email": "", "phone": "", "language": "da",
            "pathway": "lumbar-radiculopathy", "first_visit": FIRST.isoformat(),
            "referral_date": "", **changes}


def test_the_enrol_form_offers_every_code_with_the_usual_one_chosen(signed_in, content):
    page = signed_in.get("/clinic/patients/new").page
    radios = page.select("input[name=entry_code]")
    assert sorted(r["value"] for r in radios) == ["", "0232", "0242", "0262"]
    assert radios[0]["value"] == "" and radios[0].has_attr("checked")
    assert page.select_one("#entry_code")["aria-describedby"] == "entry_code-hint"


def test_a_switching_patient_is_enrolled_with_0242_shown_on_the_pages(signed_in, db):
    response = signed_in.post("/clinic/patients/new", data=_form(entry_code="0242"))
    assert response.status_code == 302
    course_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert courses.get_course(db, course_id)["entry_code"] == "0242"
    page = signed_in.get(f"/clinic/courses/{course_id}").page
    first_row = page.select_one("#timepoints-title").find_parent("section").select(
        "tbody tr")[0]
    assert "0242" in first_row.text and "switching from an ongoing course" in first_row.text
    summary = signed_in.get(f"/clinic/courses/{course_id}/summary").page
    assert "0242 Initial examination when switching" in " ".join(summary.text.split())
    edit = signed_in.get(f"/clinic/courses/{course_id}/edit").page
    assert "switching from an ongoing course (0242)" in edit.text


def test_a_code_of_another_course_is_refused_in_the_form_and_the_input_kept(signed_in, db):
    response = signed_in.post("/clinic/patients/new",
                              data=_form(pathway="cervical-radiculopathy", entry_code="0262"))
    assert response.status_code == 400
    link = response.page.select_one(".error-summary a")
    assert link["href"] == "#entry_code-0" and "0231, 0232" in link.text
    assert response.page.select_one("input[name=entry_code][value='0262']").has_attr("checked")
    assert response.page.select_one("#name")["value"] == "Karen Blixen"
    assert next(db.query("SELECT count(*) AS n FROM courses"))["n"] == 0


# --- content checks ---------------------------------------------------------------------------

@pytest.fixture
def content_copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


@pytest.mark.parametrize("old, new, problem", [
    ('      - code: "0262"', '      - code: "0261"', "must all be different"),
    ('      - code: "0262"', '      - code: "26"', "4-digit"),
    ("        offset_days: 0\n", "        offset_days: -1\n", "offset_days"),
    ("  - key: final\n", "  - key: final\n    entry_codes: [{code: '0999', names: {da: x, en: y}}]"
                         "\n", "only the baseline"),
])
def test_a_wrong_entry_code_stops_start_up_naming_the_problem(content_copy, old, new, problem):
    path = content_copy / "pathways/primary-low-back-pain.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_content(content_copy)
    assert error.value.path.endswith("primary-low-back-pain.yaml")
    assert problem in error.value.problem


# --- the leg NPRS on the primary low back pain course -------------------------------------------

def test_the_primary_course_asks_back_and_leg_pain(content, client, enrol):
    assert content.pathway("primary-low-back-pain").nprs_sites == ("back", "leg")
    _, token = enrol(consent="given")
    client.post(f"/q/{token}/step/nprs-back", data={"answer": "5"})
    assert client.get(f"/q/{token}/step/nprs-leg").status_code == 200


def test_a_course_answered_before_leg_was_asked_still_shows_and_compares(db, content, clinic_id,
                                                                         client):
    """A baseline scored for the back only (as every primary course was before), then a final
    with back and leg: the leg has no baseline score and no change; nothing breaks."""
    pathway = content.pathway("primary-low-back-pain")
    course_id = courses.enrol(db, courses.NewPatient(clinic_id, "Old Course"), pathway, FIRST)
    items = content.questionnaire("safety", "en").safety_items(pathway.id)
    odi = dict.fromkeys(SECTION_IDS["odi"], 2)
    for key, sites, nprs, psfs in (
            ("baseline", ["back"], {"back": 8}, {"activities": ["Walk"], "ratings": {"1": 3}}),
            ("final", ["back", "leg"], {"back": 2, "leg": 7}, {"ratings": {"1": 4}})):
        tp = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == key)
        for instrument, answers in (("nprs", nprs), ("odi", odi), ("psfs", psfs),
                                    ("safety", {i["id"]: "no" for i in items})):
            answers_db.save_answers(db, tp, instrument, "da", "1", answers)
        assert answers_db.submit(db, tp, sites, items)
    alerts = [json.loads(r["detail"]) for r in db.query("SELECT detail FROM alerts")]
    assert alerts == []  # the leg's 7 has nothing to be compared with
    save_clinician(db, clinic_id, "pt@clinic.example", "PT", PASSWORD, language="en")
    client.post("/clinic/login", data={"email": "pt@clinic.example", "password": PASSWORD})
    page = client.get(f"/clinic/courses/{course_id}").page
    nprs = page.select_one("#scores-nprs").find_parent("section")
    since_baseline = nprs.select("tfoot tr")[0].select("td")
    assert since_baseline[0].select_one(".change--improved")  # back 8 -> 2
    assert "No baseline score" in since_baseline[1].text  # leg


def test_the_migration_gives_existing_courses_their_baseline_code(tmp_path):
    from patientapp.db import connect
    from patientapp.migrations import migrations

    db = connect(str(tmp_path / "old.sqlite3"))
    migrations.apply(db, stop_before="m012_entry_code")
    clinic = save_clinic(db, "Før")
    db.execute("INSERT INTO patients (clinic_id, pseudonym, name, created_at)"
               " VALUES (?, 'pa-1', 'P', 'now')", [clinic])
    db.execute("INSERT INTO courses (id, clinic_id, patient_id, pathway, first_visit,"
               " created_at) VALUES (7, ?, 1, 'lumbar-radiculopathy', '2026-01-05', 'now')",
               [clinic])
    db.table("timepoints").insert({
        "course_id": 7, "key": "baseline", "position": 0, "code": "0241",
        "visit_date": "2026-01-05", "questionnaires": "[]", "send_at": "2026-01-02",
        "expires_at": "2026-01-08T00:00:00+00:00", "is_final": 0})
    migrations.apply(db)
    assert next(db.query("SELECT entry_code FROM courses WHERE id = 7"))["entry_code"] == "0241"
