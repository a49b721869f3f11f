"""Exercise plans: adherence arithmetic, plan versions, the plan builder, logging a session."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date, timedelta

import pytest
from helpers import CheckingClient

from patientapp.accounts import save_clinic, save_clinician
from patientapp.config import PROJECT_ROOT
from patientapp.courses import queries as courses
from patientapp.db import connect
from patientapp.exercises import adherence, queries
from patientapp.exercises.queries import LogEntry, PlanItem
from patientapp.timeutil import local_date, utcnow

PASSWORD = "correct horse battery"
MONDAY = date(2026, 3, 2)  # ISO week 10
BACK_PLAN = [PlanItem("bridge", sets=3, reps=10), PlanItem("plank", sets=3, hold_seconds=30),
             PlanItem("walking-programme", minutes=15, note="Before lunch")]


def today() -> date:
    return local_date(utcnow())


def log(day: date, status="done", pain="same", exercise="bridge", log_id=None, effort=5):
    return {"logged_on": day.isoformat(), "status": status, "exercise_id": exercise,
            "pain": pain if status != "not-done" else None, "id": log_id,
            "effort": effort if status != "not-done" else None}


def plan(day: date, days_per_week: int, version: int = 1) -> dict:
    return {"created_at": f"{day.isoformat()}T09:00:00+00:00", "days_per_week": days_per_week,
            "version": version}


# --- adherence: pure arithmetic ------------------------------------------------------------

@pytest.mark.parametrize("logs, sessions", [
    ([], set()),
    ([log(MONDAY), log(MONDAY, exercise="plank")], {MONDAY}),
    ([log(MONDAY, "partly")], {MONDAY}),
    ([log(MONDAY, "not-done")], set()),
    ([log(MONDAY, "not-done"), log(MONDAY, "partly", exercise="plank")], {MONDAY}),
    ([log(MONDAY), log(MONDAY + timedelta(days=2))], {MONDAY, MONDAY + timedelta(days=2)}),
])
def test_a_session_is_a_day_with_an_exercise_done_or_partly_done(logs, sessions):
    assert adherence.session_days(logs) == sessions


@pytest.mark.parametrize("day, start", [
    (MONDAY, MONDAY), (MONDAY + timedelta(days=6), MONDAY),
    (MONDAY + timedelta(days=7), MONDAY + timedelta(days=7)),
    (date(2027, 1, 1), date(2026, 12, 28)),
])
def test_weeks_start_on_monday(day, start):
    assert adherence.week_start(day) == start


def test_sessions_are_counted_per_iso_week_against_the_plan():
    sunday = MONDAY + timedelta(days=27)  # the end of the fourth week
    logs = [log(MONDAY + timedelta(days=n)) for n in (0, 2, 4, 7, 8, 21, 22, 23, 24)]
    logs += [log(MONDAY + timedelta(days=14), "not-done")]
    weeks = adherence.weekly(logs, [plan(MONDAY - timedelta(days=3), 3)], sunday)
    assert [w.start for w in weeks] == [MONDAY + timedelta(weeks=n) for n in range(4)]
    assert [w.number for w in weeks] == [10, 11, 12, 13]
    assert [w.sessions for w in weeks] == [3, 2, 0, 4]
    assert [w.planned for w in weeks] == [3, 3, 3, 3]
    assert [w.met for w in weeks] == [True, False, False, True]
    assert adherence.totals(weeks) == (9, 12)


def test_each_week_is_measured_against_the_plan_version_in_force_then():
    thursday = MONDAY + timedelta(days=24)
    plans = [plan(MONDAY + timedelta(days=9), 2, 1), plan(MONDAY + timedelta(days=16), 5, 2)]
    logs = [log(MONDAY), log(MONDAY + timedelta(days=10)), log(MONDAY + timedelta(days=17))]
    weeks = adherence.weekly(logs, plans, thursday)
    assert [w.planned for w in weeks] == [None, 2, 5, 5]
    assert [w.first for w in weeks] == [False, True, False, False]
    assert [w.met for w in weeks] == [None, None, False, None]
    # Weeks before the plan, and the week it began in, are left out.
    assert adherence.totals(weeks) == (1, 10)


def test_a_plan_made_on_a_monday_counts_that_whole_week():
    weeks = adherence.weekly([log(MONDAY)], [plan(MONDAY, 1)], MONDAY + timedelta(days=7),
                             weeks=2)
    assert [(w.first, w.met) for w in weeks] == [(False, True), (False, None)]
    assert adherence.totals(weeks) == (1, 2)


@pytest.mark.parametrize("sessions, planned, complete, first, met", [
    (1, 3, False, False, None),  # the week still runs
    (3, 3, False, False, True),  # already reached
    (2, 3, True, False, False), (3, 3, True, False, True), (4, 3, True, False, True),
    (2, None, True, False, None),  # no plan that week
    (0, 3, True, True, None),  # the plan began during the week
    (3, 3, True, True, True),
])
def test_a_week_is_judged_only_when_it_is_over_or_reached(sessions, planned, complete, first,
                                                         met):
    week = adherence.Week(MONDAY, sessions, planned, complete, first)
    assert week.met is met


def test_the_current_week_is_not_complete():
    wednesday = MONDAY + timedelta(days=2)
    [week] = adherence.weekly([log(MONDAY)], [plan(MONDAY, 3)], wednesday, weeks=1)
    assert (week.sessions, week.planned, week.complete, week.met) == (1, 3, False, None)


@pytest.mark.parametrize("pains, streak", [
    ([], 0),
    (["worse"], 1),
    (["worse", "worse"], 2),
    (["same", "worse", "worse", "worse"], 3),
    (["worse", "worse", "better"], 0),
    (["worse", "same", "worse"], 1),
    (["worse", None, "worse"], 2),  # a day it was not done says nothing about pain
])
def test_the_worse_streak_counts_the_last_logs_that_say_worse(pains, streak):
    logs = [log(MONDAY + timedelta(days=n), "not-done" if p is None else "done", p, log_id=n)
            for n, p in enumerate(pains)]
    assert len(adherence.worse_streak(logs)) == streak


def test_the_streak_follows_the_dates_not_the_order_logs_arrived_in():
    late_arrival = log(MONDAY, pain="worse", log_id=9)  # sent later from an offline phone
    logs = [log(MONDAY + timedelta(days=1), pain="worse", log_id=1),
            log(MONDAY + timedelta(days=2), pain="better", log_id=2), late_arrival]
    assert adherence.worse_streak(logs) == []
    same_day = [log(MONDAY, pain="better", log_id=2), log(MONDAY, pain="worse", log_id=1)]
    assert adherence.worse_streak(same_day) == []  # the later log of the day (id 2) counts


def test_pain_flags_name_each_exercise_worse_twice_in_a_row():
    logs = [log(MONDAY, pain="worse"), log(MONDAY + timedelta(days=1), pain="worse"),
            log(MONDAY, pain="worse", exercise="plank"),
            log(MONDAY + timedelta(days=1), pain="same", exercise="plank"),
            log(MONDAY + timedelta(days=2), pain="worse", exercise="plank")]
    flags = adherence.pain_flags(logs)
    assert list(flags) == ["bridge"]
    assert [entry["logged_on"] for entry in flags["bridge"]] == ["2026-03-02", "2026-03-03"]


def test_each_exercise_is_summarised_most_recent_first():
    logs = [log(MONDAY, effort=4), log(MONDAY + timedelta(days=1), "partly", "worse", effort=7),
            log(MONDAY + timedelta(days=2), "not-done"),
            log(MONDAY, exercise="plank", pain="better", effort=3)]
    bridge, plank = adherence.summaries(logs)
    assert bridge.counts == {"done": 1, "partly": 1, "not-done": 1}
    assert (bridge.last_pain, bridge.mean_effort, bridge.worse_streak) == ("worse", 5.5, 1)
    assert bridge.last_logged_on == MONDAY + timedelta(days=2)
    assert (plank.exercise_id, plank.last_pain, plank.mean_effort) == ("plank", "better", 3)


# --- plan versions -------------------------------------------------------------------------

@pytest.fixture
def course_id(enrol):
    return enrol(consent="given")[0]


def test_saving_a_plan_makes_a_new_current_version_and_keeps_the_old(db, course_id):
    assert queries.save_plan(db, course_id, None, BACK_PLAN, 3, "Start gently") == 1
    assert queries.save_plan(db, course_id, None, BACK_PLAN[:1], 5) == 2
    plans = queries.list_plans(db, course_id)
    assert [(p["version"], p["current"], p["days_per_week"]) for p in plans] == \
        [(2, 1, 5), (1, 0, 3)]
    old = plans[1]
    assert [i["exercise_id"] for i in old["items"]] == ["bridge", "plank", "walking-programme"]
    assert (old["note"], old["items"][2]["minutes"], old["items"][2]["note"]) == \
        ("Start gently", 15, "Before lunch")
    assert queries.get_current_plan(db, course_id)["version"] == 2


def test_a_plan_that_fails_half_way_changes_nothing(db, course_id):
    queries.save_plan(db, course_id, None, BACK_PLAN, 3)
    with pytest.raises(sqlite3.IntegrityError):
        queries.save_plan(db, course_id, None, [PlanItem("bridge", 3, 10), PlanItem(None)], 3)
    assert [p["version"] for p in queries.list_plans(db, course_id)] == [1]
    assert queries.get_current_plan(db, course_id)["current"] == 1


def test_the_database_allows_one_current_plan_per_course(db, course_id):
    queries.save_plan(db, course_id, None, BACK_PLAN, 3)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO exercise_plans (course_id, version, created_at, days_per_week,"
                   " current) VALUES (?, 9, '2026-01-01', 3, 1)", [course_id])


def test_plan_items_carry_the_course_so_access_and_erasure_find_them(db, course_id):
    queries.save_plan(db, course_id, None, BACK_PLAN, 3)
    assert "course_id" in db["plan_items"].columns_dict
    assert next(db.query("SELECT count(*) AS n FROM plan_items WHERE course_id = ?",
                         [course_id]))["n"] == 3


def test_a_log_with_a_client_id_is_stored_once(db, course_id):
    entry = LogEntry("bridge", today(), "done", "same", 4, client_id="abc-12345678")
    assert queries.save_log(db, course_id, None, entry) is not None
    assert queries.save_log(db, course_id, None, entry) is None
    plain = LogEntry("bridge", today(), "done", "same", 4)
    assert queries.save_log(db, course_id, None, plain) and queries.save_log(db, course_id,
                                                                             None, plain)
    assert len(queries.list_logs(db, course_id)) == 3


# --- the clinician's plan builder ----------------------------------------------------------

def sign_in(app, clinic_id, email="fysio@clinic.example", language="en") -> CheckingClient:
    db = connect(app.config["DATABASE"])
    save_clinician(db, clinic_id, email, "Fysio Fie", PASSWORD, language=language)
    db.close()
    client = CheckingClient(app.test_client())
    assert client.post("/clinic/login", data={"email": email, "password": PASSWORD}) \
        .status_code == 302
    return client


@pytest.fixture
def clinic(app, clinic_id):
    return sign_in(app, clinic_id)


def test_the_plan_page_lists_the_pathway_exercises_grouped_and_prefilled(clinic, enrol):
    course_id, _ = enrol(pathway="cervical-radiculopathy")
    page = clinic.get(f"/clinic/courses/{course_id}/plan").page
    boxes = {box["value"] for box in page.select("input[name=exercises]")}
    assert "neck-retraction" in boxes and "bridge" not in boxes
    assert page.select_one("#neck-retraction__sets")["value"] == "3"
    assert page.select_one("#neck-retraction__reps")["value"] == "10"
    assert page.select_one("#relief-hand-on-head__minutes")["value"] == "3"
    assert len(page.select("#exercises h3")) >= 3
    everything = clinic.get(f"/clinic/courses/{course_id}/plan?all=1").page
    assert everything.select_one("input[value=bridge]")


def test_a_clinician_saves_a_plan_and_a_new_version(clinic, db, enrol):
    course_id, _ = enrol()
    url = f"/clinic/courses/{course_id}/plan"
    response = clinic.post(url, data={"exercises": ["bridge", "plank"], "bridge__sets": "3",
                                      "bridge__reps": "12", "plank__sets": "2",
                                      "plank__hold_seconds": "20", "plank__note": "On knees first",
                                      "days_per_week": "4", "note": "Little and often."})
    assert response.status_code == 302
    page = clinic.follow(response).page
    assert "Version 1" in page.text
    assert page.select_one("input[value=bridge]").has_attr("checked")
    assert page.select_one("#bridge__reps")["value"] == "12"
    clinic.post(url, data={"exercises": ["bridge"], "bridge__sets": "3", "bridge__reps": "15",
                           "days_per_week": "3"})
    page = clinic.get(url).page
    assert page.select_one("details.plan-version summary").text.startswith("Version 1")
    [current, first] = queries.list_plans(db, course_id)
    assert [(i["exercise_id"], i["reps"]) for i in current["items"]] == [("bridge", 15)]
    assert [(i["exercise_id"], i["note"]) for i in first["items"]] == \
        [("bridge", ""), ("plank", "On knees first")]
    actions = [r["action"] for r in db.query("SELECT action FROM audit_log")]
    assert actions.count("save-exercise-plan") == 2 and "view-exercise-plan" in actions


@pytest.mark.parametrize("data, anchor, message", [
    ({"days_per_week": "3"}, "exercises", "Choose at least one exercise."),
    ({"exercises": ["bridge", "moonwalk"], "bridge__sets": "3", "bridge__reps": "10",
      "days_per_week": "3"}, "exercises", "There is no exercise called 'moonwalk'"),
    ({"exercises": ["bridge"], "bridge__sets": "", "bridge__reps": "10", "days_per_week": "3"},
     "bridge__sets", "Enter the number of sets for"),
    ({"exercises": ["bridge"], "bridge__sets": "3", "bridge__reps": "500",
      "days_per_week": "3"}, "bridge__reps", "from 1 to 100"),
    ({"exercises": ["plank"], "plank__sets": "2", "plank__hold_seconds": "ten",
      "days_per_week": "3"}, "plank__hold_seconds", "hold time in seconds"),
    ({"exercises": ["bridge"], "bridge__sets": "3", "bridge__reps": "10"},
     "days_per_week-0", "Choose how many days a week"),
    ({"exercises": ["bridge"], "bridge__sets": "3", "bridge__reps": "10",
      "days_per_week": "8"}, "days_per_week-0", "Choose how many days a week"),
    ({"exercises": ["bridge"], "bridge__sets": "3", "bridge__reps": "10", "days_per_week": "3",
      "note": "x" * 1001}, "note", "1000 characters or fewer"),
    ({"exercises": ["bridge"], "bridge__sets": "3", "bridge__reps": "10", "days_per_week": "3",
      "bridge__note": "x" * 201}, "bridge__note", "200 characters or fewer"),
])
def test_a_wrong_plan_is_refused_with_a_linked_message_and_kept(clinic, db, enrol, data,
                                                                anchor, message):
    course_id, _ = enrol()
    response = clinic.post(f"/clinic/courses/{course_id}/plan", data=data)
    assert response.status_code == 400
    links = {a["href"]: a.text for a in response.page.select(".error-summary a")}
    assert message in links[f"#{anchor}"]
    assert response.page.select_one(f"#{anchor}")
    for exercise in data.get("exercises", []):
        box = response.page.select_one(f"input[name=exercises][value={exercise}]")
        assert box is None or box.has_attr("checked")
    if "bridge__reps" in data:
        assert response.page.select_one("#bridge__reps")["value"] == data["bridge__reps"]
    assert queries.list_plans(db, course_id) == []


def test_dose_fields_of_exercises_not_ticked_are_ignored(clinic, db, enrol):
    course_id, _ = enrol()
    response = clinic.post(f"/clinic/courses/{course_id}/plan", data={
        "exercises": ["bridge"], "bridge__sets": "3", "bridge__reps": "10", "days_per_week": "2",
        "plank__sets": "lots", "squat__reps": "1000"})
    assert response.status_code == 302
    assert [i["exercise_id"] for i in queries.get_current_plan(db, course_id)["items"]] == \
        ["bridge"]


def test_another_clinics_patient_plan_is_a_404(app, db, content, clinic):
    other = save_clinic(db, "Anden Klinik")
    course_id = courses.enrol(db, courses.NewPatient(other, "Fremmed"),
                              content.pathway("primary-low-back-pain"), date.today())
    assert clinic.get(f"/clinic/courses/{course_id}/plan").status_code == 404
    response = clinic.post(f"/clinic/courses/{course_id}/plan",
                           data={"exercises": ["bridge"], "bridge__sets": "3",
                                 "bridge__reps": "10", "days_per_week": "3"})
    assert response.status_code == 404
    assert queries.list_plans(db, course_id) == []
    denied = list(db.query("SELECT * FROM audit_log WHERE action = 'denied-course'"))
    assert len(denied) == 2


def test_the_plan_builder_needs_a_sign_in(client, enrol):
    course_id, _ = enrol()
    response = client.raw.get(f"/clinic/courses/{course_id}/plan")
    assert response.status_code == 302 and "/clinic/login" in response.headers["Location"]
    assert client.raw.post(f"/clinic/courses/{course_id}/plan").status_code == 302


# --- the patient's side ----------------------------------------------------------------------

@pytest.fixture
def patient(client, db, enrol):
    """A consenting patient on the back pathway with a three-exercise plan."""
    course_id, token = enrol(consent="given")
    queries.save_plan(db, course_id, None, BACK_PLAN, 3, "Little and often.")
    client.course_id, client.token = course_id, token
    return client


def test_without_a_plan_the_patient_is_told_one_will_come(client, enrol):
    _, token = enrol(consent="given", language="en")
    page = client.get(f"/q/{token}/exercises").page
    assert "has not made an exercise plan" in page.text


def test_the_plan_lists_each_exercise_with_picture_dose_and_note(patient):
    page = patient.get(f"/q/{patient.token}/exercises").page
    titles = [a.text for a in page.select(".exercise-card__title a")]
    assert titles == ["Bro", "Planke", "Gåprogram"]
    assert [img["src"] for img in page.select(".exercise-card img")][0] == \
        "/exercise-images/bridge.svg"
    assert "Little and often." in page.text and "Before lunch" in page.text
    assert page.select_one("script[src='/static/js/exercise-log.js']")
    assert not page.select("script:not([src])")  # the CSP allows no inline script


def test_an_exercise_opens_full_screen_with_picture_steps_and_links(patient):
    page = patient.get(f"/q/{patient.token}/exercises/bridge").page
    assert page.h1.text.strip() == "Bro"
    image = page.select_one(".exercise__figure img")
    assert image["src"] == "/exercise-images/bridge.svg" and "ligger på ryggen" in image["alt"]
    assert len(page.select(".steps li")) == 3
    links = [a["href"] for a in page.select("article a")]
    token = patient.token
    assert f"/q/{token}/exercises/pelvic-tilt-lying" in links
    assert f"/q/{token}/exercises/bridge-single-leg" in links
    assert page.select_one(f"form[action='/q/{token}/exercises/bridge/log']")
    assert {i["value"] for i in page.select("input[name=effort]")} == {str(n) for n in range(11)}


def test_an_exercise_not_on_the_plan_can_be_read_but_not_logged(patient):
    page = patient.get(f"/q/{patient.token}/exercises/pelvic-tilt-lying").page
    assert not page.select("form.log-form")
    assert patient.post(f"/q/{patient.token}/exercises/pelvic-tilt-lying/log",
                        data={"status": "done", "pain": "same", "effort": "3"}).status_code == 404
    assert patient.get(f"/q/{patient.token}/exercises/no-such-thing").status_code == 404


def test_logging_a_session_shows_on_todays_plan(patient, db):
    response = patient.post(f"/q/{patient.token}/exercises/bridge/log",
                            data={"status": "partly", "pain": "better", "effort": "6"})
    assert response.status_code == 302
    page = patient.follow(response).page
    assert page.select_one(".notice")  # "Saved"
    assert len(page.select(".tag--done")) == 1
    [row] = queries.list_logs(db, patient.course_id)
    assert (row["status"], row["pain"], row["effort"], row["logged_on"]) == \
        ("partly", "better", 6, today().isoformat())
    assert row["plan_id"] == queries.get_current_plan(db, patient.course_id)["id"]


def test_not_done_needs_no_pain_or_effort(patient, db):
    response = patient.post(f"/q/{patient.token}/exercises/plank/log",
                            data={"status": "not-done", "pain": "worse", "effort": "9"})
    assert response.status_code == 302
    [row] = queries.list_logs(db, patient.course_id)
    assert (row["status"], row["pain"], row["effort"]) == ("not-done", None, None)


VALID_LOG = {"status": "done", "pain": "same", "effort": "4"}


@pytest.mark.parametrize("change, anchor, message", [
    ({"status": None}, "status-0", "Choose whether you did the exercise."),
    ({"status": "maybe"}, "status-0", "Choose whether you did the exercise."),
    ({"pain": None}, "pain-0", "Choose whether your pain got better"),
    ({"pain": "terrible"}, "pain-0", "Choose whether your pain got better"),
    ({"effort": None}, "effort-0", "from 0 to 10"),
    ({"effort": "11"}, "effort-0", "from 0 to 10"),
    ({"effort": "-1"}, "effort-0", "from 0 to 10"),
    ({"effort": "five"}, "effort-0", "from 0 to 10"),
    ({"logged_on": "2999-01-01"}, "logged_on", "within the last 14 days"),
    ({"logged_on": "2001-01-01"}, "logged_on", "within the last 14 days"),
    ({"logged_on": "yesterday"}, "logged_on", "within the last 14 days"),
    ({"client_id": "<script>"}, "client_id", "could not be read"),
])
def test_impossible_log_values_get_a_clear_message_and_keep_the_rest(client, db, enrol, change,
                                                                      anchor, message):
    course_id, token = enrol(consent="given", language="en")
    queries.save_plan(db, course_id, None, BACK_PLAN, 3)
    data = {k: v for k, v in {**VALID_LOG, **change}.items() if v is not None}
    response = client.post(f"/q/{token}/exercises/bridge/log", data=data)
    assert response.status_code == 400
    assert response.page.title.text.startswith("Error:")
    links = {a["href"]: a.text for a in response.page.select(".error-summary a")}
    assert message in links[f"#{anchor}"]
    for name, value in data.items():
        if name in ("status", "pain", "effort") and name not in change:
            assert response.page.select_one(f"input[name={name}][value='{value}']") \
                .has_attr("checked")
    assert queries.list_logs(db, course_id) == []


def test_the_log_answers_json_for_the_offline_script_and_ignores_a_repeat(patient, db):
    data = {**VALID_LOG, "client_id": "0f8a2c1e-7d3b-4a5e-9c6f-123456789abc",
            "logged_on": (today() - timedelta(days=2)).isoformat(), "queued": "1"}
    url = f"/q/{patient.token}/exercises/bridge/log"
    headers = {"Accept": "application/json"}
    first = patient.post(url, data=data, headers=headers)
    again = patient.post(url, data=data, headers=headers)
    assert first.json == again.json == {"saved": True, "next": f"/q/{patient.token}/exercises"}
    [row] = queries.list_logs(db, patient.course_id)
    assert row["logged_on"] == (today() - timedelta(days=2)).isoformat()
    wrong = patient.post(url, data={**data, "effort": "12"}, headers=headers)
    assert wrong.status_code == 400 and list(wrong.json["errors"]) == ["effort"]


def test_pain_worse_twice_in_a_row_raises_one_alert_per_streak(patient, db):
    url = f"/q/{patient.token}/exercises/bridge/log"

    def send(pain):
        patient.post(url, data={"status": "done", "pain": pain, "effort": "5"})

    def alerts():
        return list(db.query("SELECT * FROM alerts WHERE kind = 'exercise'"))

    send("worse")
    assert alerts() == []
    send("worse")
    [alert] = alerts()
    detail = json.loads(alert["detail"])
    assert (alert["level"], alert["key"], alert["timepoint_id"]) == \
        ("warning", "exercise:bridge", None)
    assert detail["exercise"] == "bridge" and "Bækkenvip" in detail["message"]
    send("worse")  # the same streak goes on: no second alert, even once acknowledged
    db.execute("UPDATE alerts SET acknowledged_at = '2026-01-01T00:00:00+00:00'")
    send("worse")
    assert len(alerts()) == 1
    send("better")
    send("worse")
    send("worse")  # a new streak
    assert len(alerts()) == 2


def test_the_clinician_sees_adherence_pain_response_and_logs(app, clinic_id, patient, db):
    url = f"/q/{patient.token}/exercises/bridge/log"
    for _ in range(2):
        patient.post(url, data={"status": "done", "pain": "worse", "effort": "7"})
    clinic = sign_in(app, clinic_id, language="da")
    page = clinic.get(f"/clinic/courses/{patient.course_id}").page
    section = page.select_one("#exercise-section")
    assert "Bro" in section.text and "Bækkenvip, liggende" in section.text
    assert section.select_one("table.adherence")
    this_week = section.select("table.adherence tbody tr")[-1]
    assert [td.text.strip() for td in this_week.select("td")] == ["1", "3"]
    assert page.select_one(f"a[href='/clinic/courses/{patient.course_id}/plan']")
    full = clinic.get(f"/clinic/courses/{patient.course_id}/plan").page
    assert full.select_one("tr.row--worse") and len(full.select(".log-list li")) == 2


def test_an_ended_course_shows_the_plan_but_records_nothing(patient, db):
    courses.end_course(db, patient.course_id)
    page = patient.get(f"/q/{patient.token}/exercises/bridge").page
    assert not page.select("form.log-form")
    response = patient.post(f"/q/{patient.token}/exercises/bridge/log", data=VALID_LOG)
    assert response.status_code == 302
    assert queries.list_logs(db, patient.course_id) == []
    assert patient.get(f"/q/{patient.token}/exercises").status_code == 200


def test_an_expired_link_shows_the_expired_page(patient, db):
    db.execute("UPDATE invitations SET expires_at = '2000-01-01T00:00:00+00:00'")
    assert patient.get(f"/q/{patient.token}/exercises").status_code == 410
    assert patient.post(f"/q/{patient.token}/exercises/bridge/log",
                        data=VALID_LOG).status_code == 410


def test_the_patient_home_links_to_exercises_and_reading(patient):
    page = patient.get(f"/q/{patient.token}").page
    hrefs = [a["href"] for a in page.select(".course-links a")]
    assert hrefs == [f"/q/{patient.token}/exercises", f"/q/{patient.token}/read"]


def test_csrf_protects_the_log(app, make_app, patient, db):
    protected = make_app(DATABASE=app.config["DATABASE"], WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    url = f"/q/{patient.token}/exercises/bridge/log"
    assert client.post(url, data=VALID_LOG).status_code == 400
    page = client.get(f"/q/{patient.token}/exercises/bridge").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(url, data={**VALID_LOG, "csrf_token": token}).status_code == 302
    assert len(queries.list_logs(db, patient.course_id)) == 1


# --- drawings ----------------------------------------------------------------------------------

def test_a_drawing_is_served_as_svg_under_the_csp(client):
    response = client.get("/exercise-images/bridge.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["nothing.svg", "..%2Fpathways%2Fprimary-low-back-pain.yaml",
                                  "bridge.yaml", "%2e%2e%2f%2e%2e%2fpyproject.toml"])
def test_only_the_librarys_drawings_can_be_fetched(client, name):
    assert client.raw.get(f"/exercise-images/{name}").status_code == 404


# --- an exercise missing in the patient's language ---------------------------------------------

def test_an_exercise_only_in_english_is_shown_in_english_and_flagged(tmp_path, make_app):
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    (content / "da/exercises/plank.yaml").unlink()
    app = make_app(CONTENT_DIR=str(content))
    db = connect(app.config["DATABASE"])
    clinic = save_clinic(db, "Fysio")
    course_id = courses.enrol(db, courses.NewPatient(clinic, "P", language="da"),
                              app.extensions["content"].pathway("primary-low-back-pain"),
                              date.today())
    queries.save_plan(db, course_id, None, BACK_PLAN, 3)
    token = courses.create_invitation(db, courses.list_timepoints(db, course_id)[0])
    client = CheckingClient(app.test_client())
    page = client.get(f"/q/{token}/exercises").page
    plank = page.select(".exercise-card__title")[1]
    assert plank.select_one("a")["lang"] == "en" and plank.a.text == "Plank"
    assert plank.select_one(".tag--language")
    exercise = client.get(f"/q/{token}/exercises/plank").page
    assert exercise.select_one("article")["lang"] == "en"
    assert exercise.select_one("h1 .tag--language")
    db.close()
