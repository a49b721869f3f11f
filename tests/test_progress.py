"""The patient's own progress page: each score over time in plain words, in both languages,
with the instrument's own direction; their activities; a careful word when things got
worse; nothing before consent and nothing unsent; read-only on an ended course."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from patientapp.clinician import queries as clinic_db
from patientapp.clinician.report import Point, Series
from patientapp.courses import queries as courses
from patientapp.demo import BACK_BASELINE, BACK_BETTER
from patientapp.progress import summary, wording
from patientapp.questionnaires import queries as answers_db

START = date.today() - timedelta(days=60)
# ODI 44 at the start (see the demo's answers); the same again; or 64.
BACK_SAME = {"odi": BACK_BASELINE["odi"], "psfs": {"ratings": {"1": 3, "2": 4, "3": 2}}}
BACK_WORSE = {"odi": {**BACK_BASELINE["odi"], "pain_intensity": 5, "lifting": 5, "walking": 4,
                      "sitting": 4, "standing": 4}, "psfs": {"ratings": {"1": 0, "2": 4, "3": 0}}}
SENTENCES = {
    ("en", "improved"): "Your back problems affect your daily life less than at the start: "
                        "44 → 16 out of 100.",
    ("da", "improved"): "Dine rygproblemer påvirker din hverdag mindre end ved start: "
                        "44 → 16 ud af 100.",
    ("en", "same"): "Your back problems affect your daily life about as much as at the start: "
                    "44 → 44 out of 100.",
    ("da", "same"): "Dine rygproblemer påvirker din hverdag omtrent lige så meget som ved "
                    "start: 44 → 44 ud af 100.",
    ("en", "worse"): "Your back problems affect your daily life more than at the start: "
                     "44 → 64 out of 100.",
    ("da", "worse"): "Dine rygproblemer påvirker din hverdag mere end ved start: "
                     "44 → 64 ud af 100.",
}
LATER = {"improved": BACK_BETTER, "same": BACK_SAME, "worse": BACK_WORSE}


def answer(db, content, course_id: int, key: str, answers: dict, alarm: str | None = None,
           send: bool = True) -> None:
    """Answers saved (and sent) through the functions the patient pages use."""
    course = courses.get_course(db, course_id)
    pathway = content.pathway(course["pathway"])
    timepoint = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == key)
    items = content.questionnaire("safety", "en").safety_items(pathway.id, key)
    safety = {item["id"]: "yes" if item["id"] == alarm else "no" for item in items}
    for instrument, values in {**answers, "safety": safety}.items():
        answers_db.save_answers(db, timepoint, instrument, "da", "1", values)
        if instrument == "safety" and alarm:
            answers_db.save_alarm_alerts(db, timepoint, [i for i in items if i["id"] == alarm])
    if send:
        answers_db.submit(db, timepoint, list(pathway.nprs_sites), items)


@pytest.fixture
def course(db, content, enrol):
    """A low back pain course with its baseline sent; the link is the final consultation's."""

    def _course(language="da", later: str | None = None, consent="given"):
        course_id, _ = enrol(language=language, consent=consent, first_visit=START)
        answer(db, content, course_id, "baseline", {**BACK_BASELINE, "nprs": {"back": 6}})
        if later:
            answer(db, content, course_id, "final",
                   {**LATER[later], "nprs": {"back": {"improved": 2, "same": 6,
                                                      "worse": 9}[later]}})
        final = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == "final")
        return course_id, courses.create_invitation(db, final)

    return _course


def progress_page(client, token: str):
    response = client.get(f"/q/{token}/progress")
    assert response.status_code == 200
    return response.page


def sentences(page) -> list[str]:
    return [" ".join(li.text.split()) for li in page.select(".progress-sentence")]


# --- the page ------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("change", ["improved", "same", "worse"])
def test_each_score_is_told_in_plain_words_with_its_direction(client, course, language,
                                                               change):
    _, token = course(language, later=change)
    page = progress_page(client, token)
    assert page.html["lang"] == language
    assert SENTENCES[(language, change)] in sentences(page)
    odi = page.select_one("#progress-odi")
    assert odi.select_one("h2").text and odi.select_one("p.muted").text  # what it means
    assert odi.select_one(".chart-wrap svg") is not None
    rows = odi.select("tbody tr")
    assert [r.select_one("td").text for r in rows] == ["44", {"improved": "16", "same": "44",
                                                              "worse": "64"}[change]]
    assert (page.select_one("#got-worse") is not None) == (change == "worse")


@pytest.mark.parametrize("language, texts", [
    ("en", ["Your back pain is milder than at the start: 6 → 2 out of 10.",
            "The activities you chose are easier for you than at the start: "
            "3.0 → 7.0 out of 10."]),
    ("da", ["Dine rygsmerter er mildere end ved start: 6 → 2 ud af 10.",
            "De aktiviteter, du valgte, er lettere for dig end ved start: "
            "3,0 → 7,0 ud af 10."]),
])
def test_higher_is_better_for_activities_and_lower_for_pain(client, course, language, texts):
    _, token = course(language, later="improved")
    found = sentences(progress_page(client, token))
    assert all(text in found for text in texts), found


@pytest.mark.parametrize("language, first, heard", [
    ("en", "Tage strømper på", "Easier for you than at the start: 3.0 → 7.0 out of 10."),
    ("da", "Tage strømper på", "Lettere for dig end ved start: 3,0 → 7,0 ud af 10."),
])
def test_each_activity_is_shown_with_the_patients_own_ratings(client, course, language, first,
                                                             heard):
    _, token = course(language, later="improved")
    page = progress_page(client, token)
    activities = page.select("#progress-activities .progress-activity")
    assert [a.h3.text for a in activities] == BACK_BASELINE["psfs"]["activities"]
    assert activities[0].h3.text == first
    assert " ".join(activities[0].select_one(".progress-sentence").text.split()) == heard
    assert len(activities[0].select("li")) == 2  # the rating at each consultation


def test_worse_activity_is_told_carefully(client, course):
    _, token = course("en", later="worse")
    page = progress_page(client, token)
    walking = page.select("#progress-activities .progress-activity")[0]
    assert "Harder for you than at the start: 3.0 → 0.0 out of 10." in walking.text
    careful = page.select_one("#got-worse").text
    assert "tell your physiotherapist" in careful and "+45 11 22 33 44" in careful


@pytest.mark.parametrize("language, text", [
    ("en", "When you have sent your first answers"), ("da", "Når du har sendt dine første svar")])
def test_no_answers_yet_says_what_will_come(client, enrol, language, text):
    _, token = enrol(language=language, consent="given")
    page = progress_page(client, token)
    assert text in page.select_one("#no-answers-yet").text
    assert not page.select(".progress-block")


def test_one_answer_is_shown_without_a_chart(client, course):
    _, token = course("en")
    page = progress_page(client, token)
    assert "So far you have answered this once: 44 out of 100." in sentences(page)
    assert page.select_one("#progress-odi svg") is None


def test_nothing_is_shown_before_consent(client, enrol):
    _, token = enrol(language="en")
    response = client.get(f"/q/{token}/progress")
    assert response.status_code == 302 and response.location.endswith(f"/q/{token}")


def test_answers_not_yet_sent_are_not_shown(client, db, content, course):
    course_id, token = course("en")
    answer(db, content, course_id, "final", {**BACK_WORSE, "nprs": {"back": 9}}, send=False)
    page = progress_page(client, token)
    assert [r.select_one("td").text for r in page.select("#progress-odi tbody tr")] == ["44"]
    assert page.select_one("#got-worse") is None


def test_an_ended_course_still_shows_its_answers_read_only(client, db, course):
    course_id, token = course("en", later="improved")
    courses.end_course(db, course_id)
    page = progress_page(client, token)
    assert "Your course has ended" in page.select_one(".notice").text
    assert page.select(".progress-block") and not page.select("main form")


def test_an_open_alarm_shows_the_advice_until_the_clinic_has_dealt_with_it(client, db, content,
                                                                         course, clinic_id):
    course_id, token = course("en")
    answer(db, content, course_id, "final", {**BACK_BETTER, "nprs": {"back": 2}},
           alarm="saddle_numbness")
    page = progress_page(client, token)
    alarm = page.select_one(".alert[role=alert]")
    assert "call 112" in alarm.text and "/advice" in str(alarm)
    assert "+45 11 22 33 44" in page.select_one("main").text  # the clinic's number
    alert = next(a for a in clinic_db.list_alerts(db, course_id) if a["kind"] == "alarm")
    clinic_db.acknowledge_alert(db, clinic_id, alert["id"], None)
    assert progress_page(client, token).select_one(".alert[role=alert]") is None


def test_the_home_page_and_the_course_menu_link_to_the_page(client, course):
    _, token = course("en", later="improved")
    home = client.get(f"/q/{token}").page
    assert home.select_one(f"main a[href='/q/{token}/progress']") is not None
    page = progress_page(client, token)
    assert page.select_one("nav a[aria-current=page]")["href"] == f"/q/{token}/progress"


# --- pure: the movements --------------------------------------------------------------------

def series(instrument: str, *values, item: str = "", first: str = "baseline") -> Series:
    keys = [first] + [f"later-{n}" for n in range(len(values) - 1)]
    return Series(instrument, item, points=[Point(k, n, v, True) for n, (k, v)
                                            in enumerate(zip(keys, values, strict=True))])


@pytest.mark.parametrize("instrument, before, after, direction", [
    ("odi", 44, 22, "improved"), ("odi", 22, 44, "worse"), ("odi", 44, 42, "no-change"),
    ("ndi", 40, 10, "improved"), ("nprs", 7, 3, "improved"), ("nprs", 3, 7, "worse"),
    ("psfs", 3, 7, "improved"), ("psfs", 7, 3, "worse"),
])
def test_direction_is_the_instruments_own(instrument, before, after, direction):
    moved = summary.movement(series(instrument, before, after))
    assert moved.direction == direction and moved.from_baseline


def test_worse_since_the_previous_answer_counts_as_worse():
    moved = summary.movement(series("nprs", 9, 1, 5))
    assert moved.direction == "improved" and moved.worse_since_previous
    assert summary.got_worse([moved])


def test_without_a_baseline_the_first_answer_is_the_start():
    moved = summary.movement(series("odi", 40, 20, first="week-2"))
    assert not moved.from_baseline


def test_an_instrument_this_page_does_not_know_is_listed_with_its_numbers(app):
    """A new scored instrument needs no change here: title and numbers, no direction."""
    grouped = summary.by_instrument([series("newscale", 2, 5)])
    (moved,) = grouped["newscale"]
    assert moved.direction is None
    with app.test_request_context():
        assert wording.sentence(moved, "New scale") == "New scale: 2,0 → 5,0."
        assert wording.meaning("newscale") is None
        assert wording.heading("newscale", "New scale") == "New scale"


def test_only_sent_scores_count():
    rows = [{"submitted_at": "2026-01-01T10:00:00+00:00"}, {"submitted_at": None}]
    assert summary.submitted_rows(rows) == rows[:1]
