"""The patient list: the latest main score and its change per row, "My patients", paging
that keeps every filter, and the one query behind it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers import PASSWORD, submit

from patientapp import scoring
from patientapp.accounts import save_clinician
from patientapp.clinician import patient_list
from patientapp.clinician import queries as clinic_db
from patientapp.clinician import views as clinician_views
from patientapp.courses import queries as courses
from patientapp.demo import DEMO_PATIENTS, create_demo

BACK_WORSE = {"odi": dict.fromkeys(("pain_intensity", "personal_care", "lifting", "walking",
                                    "sitting", "standing", "sleeping", "sex_life",
                                    "social_life", "travelling"), 4)}


@pytest.fixture
def demo(db, content):
    return create_demo(db, content, "http://localhost", date.today(), PASSWORD)


def sign_in(client, email, password=PASSWORD):
    response = client.post("/clinic/login", data={"email": email, "password": password})
    assert response.status_code == 302
    return client


def rows_by_name(page) -> dict:
    return {row.select_one("th").text.strip(): row for row in page.select("tbody tr")}


def course_of(db, name):
    return next(db.query("SELECT courses.* FROM courses JOIN patients ON patients.id ="
                         " courses.patient_id WHERE patients.name = ?", [name]))


# --- the pure part ------------------------------------------------------------------

def test_every_pathway_has_a_main_instrument_its_baseline_asks(content):
    for pathway in content.pathways.values():
        instrument = patient_list.main_instrument(pathway)
        assert instrument in pathway.timepoints[0].questionnaires, pathway.id
        assert instrument in patient_list.MAIN_INSTRUMENTS, pathway.id  # not a pain score


@pytest.mark.parametrize(("instrument", "pathway", "before", "after", "latest", "expected",
                          "arrow"), [
    ("odi", "primary-low-back-pain", 44, 20, "final", scoring.IMPROVED, "↓"),
    ("odi", "primary-low-back-pain", 20, 34, "final", scoring.WORSE, "↑"),
    ("odi", "primary-low-back-pain", 30, 30, "followup-3m", scoring.NO_CHANGE, "→"),
    ("ndi", "cervical-radiculopathy", 40, 28, "week-8", scoring.NO_CHANGE, "↓"),  # 14 needed
    ("ndi", "cervical-radiculopathy", 40, 26, "week-8", scoring.IMPROVED, "↓"),
])
def test_the_change_is_classified_like_the_patient_page(instrument, pathway, before, after,
                                                         latest, expected, arrow):
    change = patient_list.score_change({"instrument": instrument, "pathway": pathway,
                                        "baseline_score": before, "latest_score": after,
                                        "latest_timepoint": latest})
    assert change["class"] == expected
    assert change["arrow"] == arrow
    assert change["delta"] == after - before


@pytest.mark.parametrize("row", [
    {"baseline_score": None, "latest_score": 20, "latest_timepoint": "final"},
    {"baseline_score": 30, "latest_score": 30, "latest_timepoint": "baseline"},
    {"baseline_score": None, "latest_score": None, "latest_timepoint": None},
])
def test_no_change_without_a_baseline_and_a_later_score(row):
    assert patient_list.score_change({"instrument": "odi", "pathway": "x", **row}) is None


# --- the page -----------------------------------------------------------------------

def test_each_row_shows_the_latest_main_score_and_its_change_in_words(client, demo):
    rows = rows_by_name(sign_in(client, "demo@clinic.example").get("/clinic/").page)
    dorte = rows["Dorte Hansen"].select_one(".latest-score")  # ODI better at the final
    assert dorte.text.split()[0] == "ODI"
    change = dorte.select_one(".change--improved")
    assert "forbedret" in change.text  # the clinic's language: improved, in words
    assert change.select_one("[aria-hidden=true]").text == "↓"  # the arrow is extra
    assert "siden start" in dorte.text
    bent = rows["Bent Nielsen"].select_one(".latest-score")  # ODI only at baseline
    assert bent.text.split()[0] == "ODI" and not bent.select_one(".change")
    assert rows["Camilla Larsen"].select_one(".latest-score").text.split()[0] == "NDI"
    assert rows["Anna Jensen"].select_one(".latest-score").text.strip() == "–"


def test_the_change_reads_in_english_and_a_worse_score_says_worse(client, db, content, demo):
    erik = course_of(db, "Erik Madsen")
    final = next(t["key"] for t in courses.list_timepoints(db, erik["id"]) if t["is_final"])
    submit(db, content, erik["id"], final, **BACK_WORSE)
    sign_in(client, "demo@clinic.example").post("/language", data={"language": "en"})
    rows = rows_by_name(client.get("/clinic/").page)
    cell = rows["Erik Madsen"].select_one(".latest-score")
    assert "worse" in cell.select_one(".change--worse").text
    assert cell.select_one("[aria-hidden=true]").text == "↑"
    assert "since baseline" in cell.text


@pytest.fixture
def colleague(db, demo, content):
    """A second physiotherapist in the demo clinic, treating one patient of their own."""
    clinic = course_of(db, "Anna Jensen")["clinic_id"]
    colleague_id = save_clinician(db, clinic, "kollega@clinic.example", "Kollega", PASSWORD)
    courses.enrol(db, courses.NewPatient(clinic, "Kollegas Patient"),
                  content.pathway("primary-low-back-pain"), date.today(),
                  clinician_id=colleague_id)
    return colleague_id


def test_my_patients_are_the_courses_the_signed_in_clinician_treats(client, colleague):
    sign_in(client, "kollega@clinic.example")
    assert set(rows_by_name(client.get("/clinic/?mine=1").page)) == {"Kollegas Patient"}
    everyone = rows_by_name(client.get("/clinic/").page)
    assert "Kollegas Patient" in everyone and len(everyone) == len(DEMO_PATIENTS) + 1


def test_my_patients_keeps_the_search_and_the_status(client, colleague):
    sign_in(client, "demo@clinic.example")
    mine = rows_by_name(client.get("/clinic/?mine=1").page)
    assert "Kollegas Patient" not in mine and len(mine) == len(DEMO_PATIENTS)
    client.post("/clinic/search", data={"q": "bent"})
    assert set(rows_by_name(client.get("/clinic/?mine=1").page)) == {"Bent Nielsen"}
    page = client.get("/clinic/?mine=1&status=ended").page
    assert page.select("tbody tr") == []
    # Each filter's links keep the other one.
    links = {a.text.strip(): a["href"] for a in page.select(".filters a")}
    assert "mine=1" in links["Aktive forløb"] and "status=ended" in links["Alle patienter"]


def test_the_page_is_paged_and_every_page_keeps_the_filters(client, db, content, demo,
                                                            monkeypatch):
    monkeypatch.setattr(clinician_views, "PAGE_SIZE", 2)
    sign_in(client, "demo@clinic.example")
    seen, url = [], "/clinic/?mine=1"
    while url:
        page = client.get(url).page
        names = list(rows_by_name(page))
        assert 0 < len(names) <= 2
        seen += names
        following = [a["href"] for a in page.select("a") if a.text == "Næste side"]
        url = following[0] if following else None
        if url:
            assert "mine=1" in url
    assert sorted(seen) == sorted(p.name for p in DEMO_PATIENTS)  # each once, none lost


# --- the query ----------------------------------------------------------------------

def test_the_query_ranks_like_the_rules_say(db, content, clinic_id):
    """Alarm, worse, other alert, new answers, overdue, due, the rest; then next visit."""
    today = date.today()
    pathway = content.pathway("primary-low-back-pain")

    def enrol(name, first_visit):
        return courses.enrol(db, courses.NewPatient(clinic_id, name), pathway, first_visit)

    quiet = enrol("Rolig", today + timedelta(days=30))
    overdue = enrol("Forsinket", today - timedelta(days=20))
    answered = enrol("Besvaret", today)
    submit(db, content, answered)
    alarm = enrol("Alarm", today)
    submit(db, content, alarm, alarm="saddle_numbness")
    clinician = save_clinician(db, clinic_id, "rank@clinic.example", "Rank", PASSWORD)
    rows = clinic_db.list_courses(db, clinic_id, clinician, today.isoformat(),
                                  main_instruments={"primary-low-back-pain": "odi"})
    assert [r["course_id"] for r in rows] == [alarm, answered, overdue, quiet]
    assert [r["priority"] for r in rows] == [0, 3, 4, 6]
    assert rows[1]["latest_score"] == 40.0 and rows[1]["latest_timepoint"] == "baseline"
    page = clinic_db.list_courses(db, clinic_id, clinician, today.isoformat(), limit=2,
                                  offset=2)
    assert [r["course_id"] for r in page] == [overdue, quiet]
