"""PSFS asks for 3 activities; a skipped baseline never lets a later score stand in for it."""

from __future__ import annotations

import json

import pytest
from helpers import answer_everything

from patientapp.accounts import save_clinician
from patientapp.courses import queries as courses

PASSWORD = "correct horse battery"


def _activities_step(client, enrol):
    _, token = enrol(consent="given", language="en")
    return token, f"/q/{token}/step/psfs-activities"


def _saved_activities(db):
    rows = list(db.query("SELECT answers FROM responses WHERE instrument = 'psfs'"))
    return json.loads(rows[0]["answers"]).get("activities") if rows else None


def test_the_activities_page_asks_for_three_and_offers_no_shortcut_at_first(client, enrol):
    token, url = _activities_step(client, enrol)
    page = client.get(url).page
    assert "at least three" in page.select_one("#activities-hint").text
    assert page.select_one("input#fewer") is None


@pytest.mark.parametrize("named", [1, 2])
def test_fewer_than_three_gets_a_message_that_three_are_expected_and_keeps_them(client, db,
                                                                                enrol, named):
    token, url = _activities_step(client, enrol)
    data = {f"activities-{n}": f"Activity {n}" for n in range(named)}
    response = client.post(url, data=data)
    assert response.status_code == 400
    summary = response.page.select_one(".error-summary a")
    assert "at least 3" in summary.text and summary["href"] == "#activities-0"
    assert response.page.select_one("#activities-0")["value"] == "Activity 0"
    assert response.page.select_one("input#fewer")  # now offered, not ticked
    assert not response.page.select_one("input#fewer").has_attr("checked")
    assert _saved_activities(db) is None


def test_fewer_than_three_on_purpose_is_accepted_and_stays_ticked(client, db, enrol):
    token, url = _activities_step(client, enrol)
    response = client.post(url, data={"activities-0": "Cycle", "activities-1": "Lift my child",
                                      "fewer": "y"})
    assert response.status_code == 302
    assert _saved_activities(db) == ["Cycle", "Lift my child"]
    assert client.get(url).page.select_one("input#fewer").has_attr("checked")


def test_three_activities_need_no_confirmation(client, db, enrol):
    token, url = _activities_step(client, enrol)
    response = client.post(url, data={f"activities-{n}": f"Task {n}" for n in range(3)})
    assert response.status_code == 302
    assert len(_saved_activities(db)) == 3


def test_no_activity_at_all_is_never_enough_even_when_ticked(client, enrol):
    token, url = _activities_step(client, enrol)
    response = client.post(url, data={"activities-0": " ", "fewer": "y"})
    assert response.status_code == 400
    assert "at least 3" in response.page.select_one(".error-summary a").text


# --- a skipped baseline -----------------------------------------------------------------

ACTIVITIES = ("Put on socks", "Sit through a film", "Carry a shopping bag")


def _answer(client, db, course_id, key, content, pathway, odi, ratings):
    timepoint = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == key)
    token = courses.create_invitation(db, timepoint)
    answer_everything(client, token, content, pathway=pathway, odi=odi, ratings=ratings,
                      activities=ACTIVITIES)
    assert client.post(f"/q/{token}/submit").status_code == 302


@pytest.fixture
def skipped_baseline(client, db, enrol, content):
    """Primary low back pain: baseline never answered; final and 3-month follow-up were."""
    course_id, _ = enrol(consent="given")
    _answer(client, db, course_id, "final", content, "primary-low-back-pain", [1] * 10,
            [2, 2, 2])
    _answer(client, db, course_id, "followup-3m", content, "primary-low-back-pain", [4] * 10,
            [8, 8, 8])
    return course_id


def test_activities_named_after_a_skipped_baseline_are_not_baseline_activities(
        skipped_baseline, db):
    rows = list(db.query("SELECT text, baseline FROM psfs_activities WHERE course_id = ?",
                         [skipped_baseline]))
    assert [r["text"] for r in rows] == list(ACTIVITIES)
    assert {r["baseline"] for r in rows} == {0}


def test_a_later_score_never_raises_a_since_baseline_alert(skipped_baseline, db):
    """ODI 10 % -> 40 %: worse since the previous questionnaire, but there is no baseline."""
    details = [json.loads(r["detail"]) for r in db.query(
        "SELECT detail FROM alerts WHERE course_id = ? AND kind = 'worse'", [skipped_baseline])]
    assert {d["compared"] for d in details} == {"previous"}
    assert {(d["instrument"], d["item"]) for d in details} >= {("odi", "")}


def test_the_patient_page_says_there_is_no_baseline_and_computes_no_change(client, db,
                                                                          skipped_baseline,
                                                                          clinic_id):
    save_clinician(db, clinic_id, "pt@clinic.example", "PT", PASSWORD, language="en")
    client.post("/clinic/login", data={"email": "pt@clinic.example", "password": PASSWORD})
    page = client.get(f"/clinic/courses/{skipped_baseline}").page
    for instrument in ("odi", "psfs"):
        block = page.select_one(f"#scores-{instrument}").find_parent("section")
        baseline_row = block.select("tfoot tr")[0]
        assert "No baseline score" in baseline_row.text, instrument
        assert not baseline_row.select(".change")
    assert page.select_one("#psfs-no-baseline")


def test_a_course_with_a_baseline_still_gets_its_change(client, db, enrol, content):
    course_id, _ = enrol(consent="given")
    _answer(client, db, course_id, "baseline", content, "primary-low-back-pain", [4] * 10,
            [2, 2, 2])
    _answer(client, db, course_id, "final", content, "primary-low-back-pain", [1] * 10,
            [8, 8, 8])
    rows = list(db.query("SELECT baseline FROM psfs_activities WHERE course_id = ?",
                         [course_id]))
    assert {r["baseline"] for r in rows} == {1} and len(rows) == 3
