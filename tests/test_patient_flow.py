"""The patient questionnaire loop through Flask's test client, every page parsed and checked."""

from __future__ import annotations

import json

import pytest
from helpers import answer_everything, safety_form

from patientapp.content import RISK_ITEMS, RISK_SCREENS, SECTION_IDS
from patientapp.queries import list_score_rows

ODI_EXAMPLE = [1, 5, 4, 4, 3, 0, 1, 5, 3, 4]  # docs/scoring.md: 60


def consent(client, token, choice="given"):
    return client.post(f"/q/{token}/consent", data={"consent": choice})


def test_unknown_link_gets_a_clear_404_page(client):
    response = client.get("/q/not-a-real-token")
    assert response.status_code == 404
    assert "genkende" in response.page.h1.text  # Danish by default


def test_expired_link_names_the_clinic_and_answers_410(client, db, enrol):
    _, token = enrol()
    db.execute("UPDATE invitations SET expires_at = '2000-01-01T00:00:00+00:00'")
    response = client.get(f"/q/{token}")
    assert response.status_code == 410
    assert "Fysio Test" in response.page.text
    assert "+45 11 22 33 44" in response.page.text


def test_revoked_link_stops_working(client, db, enrol):
    _, token = enrol()
    db.execute("UPDATE invitations SET revoked_at = '2026-01-01T00:00:00+00:00'")
    assert client.get(f"/q/{token}").status_code == 410


def test_first_visit_welcomes_by_clinic_name_and_asks_consent(client, enrol):
    _, token = enrol()
    page = client.get(f"/q/{token}").page
    assert page.html["lang"] == "da"
    assert "Fysio Test" in page.text
    assert page.select_one("fieldset legend")
    assert {i["value"] for i in page.select("input[name=consent]")} == {"given", "refused"}


def test_consent_is_recorded_and_leads_to_the_first_question(client, db, enrol):
    course_id, token = enrol()
    response = consent(client, token)
    assert response.headers["Location"].endswith("/step/nprs-back")
    rows = list(db.query("SELECT status, method FROM consents WHERE course_id = ?", [course_id]))
    assert rows == [{"status": "given", "method": "online"}]


@pytest.mark.parametrize("data", [{}, {"consent": "maybe"}])
def test_consent_without_a_valid_choice_shows_an_error_summary(client, enrol, data):
    _, token = enrol()
    response = client.post(f"/q/{token}/consent", data=data)
    assert response.status_code == 400
    summary = response.page.select_one(".error-summary")
    assert summary and summary.a["href"] == "#consent-0"


def test_questions_are_closed_until_consent_is_answered(client, enrol):
    _, token = enrol()
    response = client.get(f"/q/{token}/step/odi-1")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/q/{token}")


def test_a_whole_odi_is_scored_exactly_as_the_specification(client, db, enrol, content):
    course_id, token = enrol(consent="given")
    done = answer_everything(client, token, content, odi=ODI_EXAMPLE)
    assert done.request.path.endswith("/review")
    response = client.post(f"/q/{token}/submit")
    assert response.headers["Location"].endswith("/done")
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "Tak" in thanks.page.h1.text
    odi = next(db.query("SELECT * FROM scores WHERE course_id = ? AND instrument = 'odi'",
                        [course_id]))
    assert odi["value"] == 60 and odi["valid"] == 1 and odi["band"] == "severe"
    rows = list(list_score_rows(db))
    assert {(r["instrument"], r["item"], r["value"]) for r in rows} >= {
        ("odi", "", 60.0), ("nprs", "back", 5.0), ("psfs", "", 4.0), ("psfs", "1", 4.0)}


def test_progress_shows_position_within_the_questionnaire(client, enrol, content):
    _, token = enrol(consent="given")
    page = client.get(f"/q/{token}/step/odi-3").page
    assert "ODI · 3 af 10" in " ".join(page.select_one(".progress-label").text.split())
    # nprs back and leg + 10 odi + 2 psfs + the risk screens + safety
    sites = content.pathway("primary-low-back-pain").nprs_sites
    screens = len(sites) + len(SECTION_IDS["odi"]) + 2 + len(RISK_SCREENS) + 1
    assert page.select_one("progress")["max"] == str(screens)


def test_answers_are_saved_as_the_patient_goes_and_resume_later(client, enrol):
    _, token = enrol(consent="given")
    client.post(f"/q/{token}/step/nprs-back", data={"answer": "6"})
    client.post(f"/q/{token}/step/nprs-leg", data={"answer": "2"})
    client.post(f"/q/{token}/step/odi-1", data={"answer": "3"})
    home = client.get(f"/q/{token}").page
    assert home.select_one("a.button")["href"].endswith("/step/odi-2")
    again = client.get(f"/q/{token}/step/odi-1").page
    assert again.select_one("input[name=answer][value='3']").has_attr("checked")


def test_back_saves_a_valid_answer_and_goes_to_the_previous_screen(client, db, enrol):
    _, token = enrol(consent="given")
    response = client.post(f"/q/{token}/step/odi-2", data={"answer": "4", "action": "back"})
    assert response.headers["Location"].endswith("/step/odi-1")
    answers = json.loads(next(db.query("SELECT answers FROM responses"))["answers"])
    assert answers == {"personal_care": 4}


def test_back_without_an_answer_just_goes_back(client, enrol):
    _, token = enrol(consent="given")
    response = client.post(f"/q/{token}/step/odi-2", data={"action": "back"})
    assert response.headers["Location"].endswith("/step/odi-1")


@pytest.mark.parametrize("value", ["", "6", "-1", "2.5", "<script>", "na"])
def test_bad_section_answers_get_a_clear_message_and_keep_earlier_answers(client, db, enrol,
                                                                        value):
    _, token = enrol(consent="given")
    client.post(f"/q/{token}/step/odi-1", data={"answer": "2"})
    response = client.post(f"/q/{token}/step/odi-2", data={"answer": value})
    assert response.status_code == 400
    assert response.page.select_one(".error-summary a")["href"] == "#answer-0"
    assert response.page.select_one("#answer-error").text.strip()
    assert response.page.select_one("fieldset")["aria-describedby"].endswith("answer-error")
    answers = json.loads(next(db.query("SELECT answers FROM responses"))["answers"])
    assert answers == {"pain_intensity": 2}


def test_sex_life_offers_not_applicable_which_is_stored_as_missing(client, db, enrol, content):
    course_id, token = enrol(consent="given")
    page = client.get(f"/q/{token}/step/odi-8").page
    assert page.select_one("input[value=na]")
    odi = ODI_EXAMPLE[:7] + ["na"] + ODI_EXAMPLE[8:]
    answer_everything(client, token, content, odi=odi)
    client.post(f"/q/{token}/submit")
    row = next(db.query("SELECT value, answered FROM scores WHERE instrument = 'odi'"))
    assert row["answered"] == 9
    assert row["value"] == pytest.approx((sum(ODI_EXAMPLE) - 5) / 45 * 100)


NDI_EXAMPLE = [3, 2, 3, 0, 0, 2, 5, 2, 2, 2]  # docs/scoring.md: 42


def _ndi_score(client, db, enrol, content, ndi):
    course_id, token = enrol(pathway="cervical-radiculopathy", consent="given")
    answer_everything(client, token, content, pathway="cervical-radiculopathy", odi=ndi)
    client.post(f"/q/{token}/submit")
    return next(db.query("SELECT value, valid, answered, reason FROM scores"
                         " WHERE instrument = 'ndi'"))


def test_ndi_work_offers_not_applicable_which_is_stored_as_missing(client, db, enrol, content):
    _, token = enrol(pathway="cervical-radiculopathy", consent="given", language="en")
    page = client.get(f"/q/{token}/step/ndi-7").page
    label = page.select_one("label[for=answer-6]")
    assert page.select_one("input#answer-6")["value"] == "na"
    assert label.text.strip() == content.questionnaire("ndi", "en").section(7)["not_applicable"]
    ndi = NDI_EXAMPLE[:6] + ["na"] + NDI_EXAMPLE[7:]
    row = _ndi_score(client, db, enrol, content, ndi)
    assert row["answered"] == 9 and row["valid"] == 1
    assert row["value"] == pytest.approx((sum(NDI_EXAMPLE) - 5) / 45 * 100)


def test_ndi_with_work_and_driving_not_applicable_has_no_score_and_says_why(client, db, enrol,
                                                                            content):
    """The same missing-item rule as any section: at most one may be missing."""
    ndi = NDI_EXAMPLE[:6] + ["na", "na"] + NDI_EXAMPLE[8:]
    row = _ndi_score(client, db, enrol, content, ndi)
    assert row["valid"] == 0 and row["value"] is None and row["answered"] == 8
    assert "2 sections unanswered" in row["reason"]


def test_nprs_offers_eleven_labelled_options_with_named_end_points(client, enrol, content):
    _, token = enrol(consent="given", language="en")
    page = client.get(f"/q/{token}/step/nprs-back").page
    radios = page.select("input[name=answer]")
    assert [r["value"] for r in radios] == [str(n) for n in range(11)]
    low = page.select_one("label[for=answer-0]").text
    assert content.questionnaire("nprs", "en").low_anchor in low


def test_an_alarm_answer_shows_advice_at_once_and_alerts_the_clinic(client, db, enrol, content):
    course_id, token = enrol(consent="given", language="en")
    data = safety_form(content, "primary-low-back-pain", yes=("saddle_numbness",))
    response = client.post(f"/q/{token}/step/safety", data=data)
    assert response.headers["Location"].endswith("/advice")
    advice = client.get(response.headers["Location"]).page
    assert "112" in advice.text and advice.select_one("[role=alert]")
    alerts = list(db.query("SELECT kind, level, key FROM alerts WHERE course_id = ?", [course_id]))
    assert alerts == [{"kind": "alarm", "level": "emergency", "key": "saddle_numbness"}]
    client.post(f"/q/{token}/step/safety", data=data)  # asked again: still one alert
    assert len(list(db.query("SELECT id FROM alerts"))) == 1


def test_urgent_but_not_emergency_symptoms_get_the_urgent_advice(client, enrol, content):
    _, token = enrol(consent="given", language="en")
    client.post(f"/q/{token}/step/safety",
                data=safety_form(content, "primary-low-back-pain", yes=("fever_or_unwell",)))
    page = client.get(f"/q/{token}/advice").page
    assert "today" in page.h1.text


def test_submitting_twice_creates_one_response(client, db, enrol, content):
    _, token = enrol(consent="given")
    answer_everything(client, token, content)
    first = client.post(f"/q/{token}/submit")
    scores = next(db.query("SELECT count(*) AS n FROM scores"))["n"]
    second = client.post(f"/q/{token}/submit")
    assert first.headers["Location"] == second.headers["Location"]
    assert scores == 5  # nprs back and leg, odi, psfs mean, psfs activity 1
    assert next(db.query("SELECT count(*) AS n FROM scores"))["n"] == scores
    # nprs, odi, psfs, risk (no score: its answers are stored as given), safety
    assert next(db.query("SELECT count(*) AS n FROM responses"))["n"] == 5


def test_after_submitting_answers_can_no_longer_change(client, db, enrol, content):
    _, token = enrol(consent="given")
    answer_everything(client, token, content)
    client.post(f"/q/{token}/submit")
    response = client.post(f"/q/{token}/step/odi-1", data={"answer": "5"})
    assert response.status_code == 302
    answers = json.loads(next(db.query(
        "SELECT answers FROM responses WHERE instrument = 'odi'"))["answers"])
    assert answers["pain_intensity"] == 2
    home = client.get(f"/q/{token}")
    assert "sendt" in home.page.text


def test_submit_with_missing_answers_goes_to_the_first_missing_question(client, enrol):
    _, token = enrol(consent="given")
    client.post(f"/q/{token}/step/nprs-back", data={"answer": "3"})
    client.post(f"/q/{token}/step/nprs-leg", data={"answer": "0"})
    response = client.post(f"/q/{token}/submit")
    assert response.headers["Location"].endswith("/step/odi-1")


def test_review_lists_every_answer_with_a_change_link(client, enrol, content):
    _, token = enrol(consent="given", language="en")
    review = answer_everything(client, token, content)
    rows = review.page.select(".summary__row")
    assert len(rows) == 2 + 10 + 1 + 1 + len(RISK_ITEMS) + len(content.questionnaire("safety", "en")
                                             .safety_items("primary-low-back-pain"))
    change = rows[3].select_one("a")["href"]
    assert change.endswith("?return=review")
    response = client.post(change, data={"answer": "1"})
    assert response.headers["Location"].endswith("/review")


def test_switching_language_keeps_answers_and_is_remembered(client, db, enrol):
    course_id, token = enrol(consent="given")
    client.post(f"/q/{token}/step/odi-1", data={"answer": "3"})
    response = client.post(f"/q/{token}/language",
                           data={"language": "en", "next": f"/q/{token}/step/odi-1"})
    assert response.headers["Location"].endswith("/step/odi-1")
    page = client.get(f"/q/{token}/step/odi-1").page
    assert page.html["lang"] == "en"
    assert page.select_one("input[value='3']").has_attr("checked")
    fresh = client.raw.application.test_client()  # another browser: language comes with the link
    assert "lang=\"en\"" in fresh.get(f"/q/{token}").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client, enrol):
    _, token = enrol(consent="given")
    response = client.post(f"/q/{token}/language",
                           data={"language": "en", "next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/q/{token}")


def test_psfs_activities_from_baseline_are_rerated_word_for_word(client, db, enrol, content):
    course_id, token = enrol(pathway="lumbar-radiculopathy", consent="given")
    activities = ("Tage strømper på", "Gå en tur på 2 km")
    answer_everything(client, token, content, pathway="lumbar-radiculopathy",
                      activities=activities, ratings=[2, 3])
    client.post(f"/q/{token}/submit")
    final = next(t for t in db.query("SELECT * FROM timepoints WHERE key = 'week-8'"))
    from patientapp.courses.queries import create_invitation
    final["questionnaires"] = json.loads(final["questionnaires"])
    later = create_invitation(db, final)
    client.post(f"/q/{later}/step/nprs-back", data={"answer": "3"})
    page = client.get(f"/q/{later}/step/psfs-rate").page
    legends = [legend.text.strip() for legend in page.select("fieldset legend")]
    assert legends == list(activities)
    assert client.get(f"/q/{later}/step/psfs-activities").status_code == 404


def test_psfs_needs_at_least_one_activity(client, enrol):
    _, token = enrol(consent="given")
    response = client.post(f"/q/{token}/step/psfs-activities", data={"activities-0": "   "})
    assert response.status_code == 400
    assert response.page.select_one(".error-summary a")["href"] == "#activities-0"


def test_psfs_activity_text_keeps_what_was_typed_when_another_is_too_long(client, enrol):
    _, token = enrol(consent="given")
    response = client.post(f"/q/{token}/step/psfs-activities",
                           data={"activities-0": "Cykle", "activities-1": "x" * 101})
    assert response.status_code == 400
    assert response.page.select_one("#activities-0")["value"] == "Cykle"


def test_worsening_pain_creates_an_alert_for_the_clinic(client, db, enrol, content):
    course_id, token = enrol(pathway="lumbar-radiculopathy", consent="given")
    answer_everything(client, token, content, pathway="lumbar-radiculopathy", nprs=3)
    client.post(f"/q/{token}/submit")
    week2 = next(db.query("SELECT * FROM timepoints WHERE key = 'week-2'"))
    from patientapp.courses.queries import create_invitation
    later = create_invitation(db, week2)
    answer_everything(client, later, content, pathway="lumbar-radiculopathy", nprs=6)
    client.post(f"/q/{later}/submit")
    alerts = list(db.query("SELECT kind, key, detail FROM alerts WHERE course_id = ?",
                           [course_id]))
    assert {a["key"] for a in alerts} == {"nprs:back", "nprs:leg"}
    assert json.loads(alerts[0]["detail"])["from"] == 3.0


def test_cervical_course_asks_ndi_and_neck_and_arm_pain(client, enrol):
    _, token = enrol(pathway="cervical-radiculopathy", consent="given")
    home = client.get(f"/q/{token}")
    assert home.page.select_one("a.button")["href"].endswith("/step/nprs-neck")
    assert client.get(f"/q/{token}/step/nprs-arm").status_code == 200
    assert client.get(f"/q/{token}/step/ndi-10").status_code == 200
    assert client.get(f"/q/{token}/step/odi-1").status_code == 404


def test_refused_consent_still_lets_the_patient_answer_but_keeps_nothing_for_export(
        client, db, enrol, content):
    _, token = enrol(consent="refused")
    answer_everything(client, token, content)
    client.post(f"/q/{token}/submit")
    assert list(list_score_rows(db)) == []
    assert "slettet" in client.get(f"/q/{token}/done").page.text


def test_section_content_is_in_the_expected_order(content):
    for instrument, ids in SECTION_IDS.items():
        for locale in ("da", "en"):
            assert [s["id"] for s in content.questionnaire(instrument, locale).sections] == ids


def test_a_question_meant_for_baseline_is_not_asked_again(client, db, enrol, content):
    """A past cancer is asked about once; asked at every visit it would alert every time."""
    course_id, token = enrol(pathway="lumbar-radiculopathy", consent="given")
    baseline = [f["name"] for f in client.get(f"/q/{token}/step/safety").page.select(
        "input[value=yes]")]
    assert "item_cancer_history" in baseline
    week2 = next(db.query("SELECT * FROM timepoints WHERE course_id = ? AND key = 'week-2'",
                          [course_id]))
    from patientapp.courses.queries import create_invitation
    later = create_invitation(db, week2)
    asked = [f["name"] for f in client.get(f"/q/{later}/step/safety").page.select(
        "input[value=yes]")]
    once = {f"item_{item['id']}" for item in content.questionnaire("safety", "da").items
            if item.get("timepoints") == ["baseline"]}
    assert "item_cancer_history" in once
    assert set(asked) == set(baseline) - once


@pytest.mark.parametrize("language, words", [("da", "Træk dit samtykke tilbage?"),
                                             ("en", "Withdraw your consent?")])
def test_withdrawing_consent_asks_first_and_says_what_happens(client, db, enrol, language,
                                                               words):
    course_id, token = enrol(consent="given", language=language)
    home = client.get(f"/q/{token}").page
    link = next(a for a in home.select("a.button") if a["href"].endswith("/consent/withdraw"))
    page = client.get(link["href"]).page
    assert page.h1.text.strip() == words and len(page.select("main li, li")) >= 4
    assert courses_consent(db, course_id) == "given"  # asking changed nothing
    done = client.post(f"/q/{token}/consent/withdraw")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/q/{token}")
    assert courses_consent(db, course_id) == "withdrawn"
    assert [r["action"] for r in db.query("SELECT action FROM audit_log WHERE action LIKE"
                                          " 'consent-%'")] == ["consent-withdrawn"]
    again = client.get(f"/q/{token}/consent/withdraw")  # nothing left to withdraw
    assert again.status_code == 302


def courses_consent(db, course_id):
    return next(db.query("SELECT consent FROM courses WHERE id = ?", [course_id]))["consent"]
