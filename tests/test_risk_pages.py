"""The risk profile on the clinic's pages: course page, patient list and GP summary, for
every pathway; and the patients' own judgement (GPE) on the overview."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import GPE_ANSWERS, RISK_ANSWERS

from patientapp.accounts import save_clinician
from patientapp.clinician.overview import gpe_shares
from patientapp.content import PATHWAY_IDS, SECTION_IDS
from patientapp.courses import queries as courses
from patientapp.questionnaires import queries as answers_db

PASSWORD = "a-long-test-password-1"


@pytest.fixture
def signed_in(client, db, clinic_id):
    save_clinician(db, clinic_id, "pt@clinic.example", "PT", PASSWORD, language="en")
    response = client.post("/clinic/login", data={"email": "pt@clinic.example",
                                                  "password": PASSWORD})
    assert response.status_code == 302
    return client


def submit(db, content, course_id: int, key: str, risk: dict | None = None,
           nprs: int = 8) -> None:
    """Answer and submit a timepoint through the patient flow's own functions."""
    pathway = content.pathway(courses.get_course(db, course_id)["pathway"])
    tp = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == key)
    items = content.questionnaire("safety", "en").safety_items(pathway.id, key)
    answers = {"nprs": dict.fromkeys(pathway.nprs_sites, nprs),
               "psfs": {"activities": ["Walk"], "ratings": {"1": 5}},
               "odi": dict.fromkeys(SECTION_IDS["odi"], 3),
               "ndi": dict.fromkeys(SECTION_IDS["ndi"], 3),
               "risk": risk or RISK_ANSWERS, "gpe": GPE_ANSWERS,
               "safety": {item["id"]: "no" for item in items}}
    for instrument in [*tp["questionnaires"], "safety"]:
        answers_db.save_answers(db, tp, instrument, "en", "1", answers[instrument])
    assert answers_db.submit(db, tp, list(pathway.nprs_sites), items)


def enrol(db, content, clinic_id, pathway: str) -> int:
    return courses.enrol(db, courses.NewPatient(clinic_id, "Risk Patient", language="en"),
                         content.pathway(pathway), date.today())


@pytest.mark.parametrize("pathway", PATHWAY_IDS)
def test_the_course_page_lists_each_factor_with_its_answer_and_the_prompts(
        signed_in, db, content, clinic_id, pathway):
    course_id = enrol(db, content, clinic_id, pathway)
    before = signed_in.get(f"/clinic/courses/{course_id}").page.select_one("#risk")
    assert "the patient has not sent the first questionnaires" in before.text
    submit(db, content, course_id, "baseline")
    section = signed_in.get(f"/clinic/courses/{course_id}").page.select_one("#risk")
    names = [li.find("strong").text for li in section.select(".risk-factors > li")]
    limb = "Arm pain" if pathway == "cervical-radiculopathy" else "Leg pain"
    # NPRS 8 everywhere, ODI/NDI 60 % (severe), 4 pain sites, sick leave, worry, fear.
    assert names == ["Strong pain", "Much reduced activity", "Pain in many places", limb,
                     "Worry", "Fear of movement", "Sick leave"]
    text = " ".join(section.text.split())
    assert "8 of 10 (NPRS)" in text and "60 of 100 (severe disability)" in text
    assert "“How worried are you about your back or neck?” Very worried" in text
    assert "20 days" in text and "I am on part-time sick leave" in text
    assert "the municipality's rehabilitation" in text
    assert "plan time in the first consultation" in text
    assert "no date of birth is recorded" in text
    assert "7 risk factors are present" in text and "score" in text  # "not added up"
    answers = signed_in.get(f"/clinic/courses/{course_id}/answers").page.text
    assert "Very worried" in answers and "Legs or knees" in answers and "20 days" in answers


def test_the_patient_list_shows_a_compact_count(signed_in, db, content, clinic_id):
    course_id = enrol(db, content, clinic_id, "primary-low-back-pain")
    page = signed_in.get("/clinic/").page
    assert page.select_one(".tag--risk") is None  # nothing known yet: no marker
    calm = {**RISK_ANSWERS, "pain_sites": ["low_back"], "work_status": "working",
            "sick_leave_days": 0, "worry": "a_little", "movement_harm": "disagree"}
    submit(db, content, course_id, "baseline", risk=calm, nprs=7)
    page = signed_in.get("/clinic/").page
    # Strong pain (7), much reduced activity (ODI 60), leg pain (NPRS leg 7).
    assert page.select_one(".tag--risk").text == "3 risk factors"


def test_the_gp_summary_carries_the_profile_and_the_patients_judgement(
        signed_in, db, content, clinic_id):
    course_id = enrol(db, content, clinic_id, "lumbar-radiculopathy")
    submit(db, content, course_id, "baseline")
    submit(db, content, course_id, "week-8")
    page = signed_in.get(f"/clinic/courses/{course_id}/summary").page
    assert "Sick leave" in page.select_one("#risk").text
    assert "Last status consultation after 8 weeks: better" in " ".join(page.text.split())
    course = signed_in.get(f"/clinic/courses/{course_id}").page
    assert "better" in course.find(id="gpe-title").find_parent("section").text


def test_the_overview_gives_the_share_much_better_or_better(signed_in, db, content, clinic_id):
    for rating in (1, 2, 3):
        course_id = enrol(db, content, clinic_id, "cervical-radiculopathy")
        tp = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == "week-8")
        answers_db.save_answers(db, tp, "gpe", "en", "1", {"rating": rating})
        assert answers_db.submit(db, tp, ["neck", "arm"], [])
    section = signed_in.get("/clinic/overview").page.select_one(
        "#pw-cervical-radiculopathy").find_parent("section")
    row = [td.text for td in section.find("th", string="GPE").find_parent("tr").select("td")]
    assert row[:2] == ["3", "2"] and row[2].startswith("67")


@pytest.mark.parametrize("bands, share", [
    (["much-better", "better", "a-little-better", "no-change"], 0.5),
    (["a-little-better"], 0.0), (["much-better"], 1.0),
])
def test_gpe_share_counts_much_better_and_better_only(bands, share):
    rows = [{"pathway": "p", "course_id": n, "band": band} for n, band in enumerate(bands)]
    assert gpe_shares(rows)["p"] == {"courses": len(bands), "share": share,
                                     "improved": round(share * len(bands))}
