"""Demo data: a clinic, an admin clinician and patients on every pathway at different stages.

The answers are entered through the same functions the patient pages use, so the
scores and alerts in the demo are computed exactly as real ones would be.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from flask import has_app_context
from sqlite_utils import Database

from . import accounts
from .content import Content
from .courses import queries as courses
from .education import queries as reading_db
from .exercises import queries as exercise_db
from .exercises.sessions import check_pain_response
from .questionnaires import queries as answers_db
from .timeutil import clinic_tz, iso, utcnow

DEMO_CLINIC = "Fysioterapi Demo"
# Alarm notifications of the demo go to the console, like its other messages.
DEMO_ALERT_EMAIL = "vagt@fysioterapi-demo.example"
DEMO_EMAIL = "demo@clinic.example"

# Answers per timepoint, as stored by the patient pages.
BACK_BASELINE = {
    "odi": {"pain_intensity": 3, "personal_care": 1, "lifting": 3, "walking": 2, "sitting": 3,
            "standing": 2, "sleeping": 2, "sex_life": "na", "social_life": 2, "travelling": 2},
    "psfs": {"activities": ["Tage strømper på", "Se en hel film", "Bære en indkøbspose"],
             "ratings": {"1": 3, "2": 4, "3": 2}},
}
# The risk questionnaire at baseline: on part-time sick leave, very worried, afraid to move.
BACK_RISK = {"pain_sites": ["low_back", "hips", "legs"], "work_status": "sick_leave_part",
             "sick_leave_days": 24, "work_strain": "somewhat", "worry": "very",
             "movement_harm": "agree", "low_mood": "some_days", "lost_interest": "some_days",
             "sleep": "quite_a_lot", "expectation": "unsure"}
BACK_BASELINE["risk"] = BACK_RISK
BACK_BETTER = {
    "odi": {"pain_intensity": 1, "personal_care": 0, "lifting": 1, "walking": 1, "sitting": 1,
            "standing": 1, "sleeping": 0, "sex_life": 1, "social_life": 1, "travelling": 1},
    "psfs": {"ratings": {"1": 7, "2": 8, "3": 6}},
    "gpe": {"rating": 2},  # "better"; asked at the final consultation (and follow-ups)
}
NECK_BASELINE = {
    "ndi": {"pain_intensity": 3, "personal_care": 1, "lifting": 2, "reading": 3, "headaches": 2,
            "concentration": 2, "work": 3, "driving": "na", "sleeping": 3, "recreation": 3},
    "psfs": {"activities": ["Arbejde ved computeren", "Bære mit barn"],
             "ratings": {"1": 3, "2": 2}},
    "risk": {"pain_sites": ["neck", "shoulders_arms"], "work_status": "working",
             "sick_leave_days": 0, "work_strain": "no", "worry": "moderately",
             "movement_harm": "disagree", "low_mood": "not_at_all",
             "lost_interest": "not_at_all", "sleep": "a_little", "expectation": "likely"},
}
NO_ALARMS = "no"


@dataclass
class DemoPatient:
    name: str
    pathway: str
    done: list[tuple[str, dict]]  # (timepoint key, answers) submitted so far
    current: str  # the timepoint whose link is printed
    language: str = "da"
    alarm: str | None = None  # a safety item answered yes at the last done timepoint
    consent: str | None = "given"  # None: the patient has not answered the consent page

    @property
    def external_id(self) -> str:
        """The demo's own reference: a second run finds the course instead of a twin."""
        return "demo-" + self.name.lower().replace(" ", "-")


DEMO_PATIENTS = [
    DemoPatient("Anna Jensen", "primary-low-back-pain", [], "baseline"),  # not answered yet
    DemoPatient("Dorte Hansen", "primary-low-back-pain",
                [("baseline", {**BACK_BASELINE, "nprs": {"back": 7, "leg": 4}}),
                 ("final", {**BACK_BETTER, "nprs": {"back": 3, "leg": 1}})], "followup-3m", "en"),
    DemoPatient("Bent Nielsen", "lumbar-radiculopathy",
                [("baseline", {**BACK_BASELINE, "nprs": {"back": 5, "leg": 7}}),
                 ("week-2", {"nprs": {"back": 4, "leg": 5}})], "week-4"),
    DemoPatient("Erik Madsen", "lumbar-radiculopathy",
                [("baseline", {**BACK_BASELINE, "nprs": {"back": 4, "leg": 5}}),
                 ("week-2", {"nprs": {"back": 6, "leg": 8}})], "week-4",
                alarm="leg_weakness_worsening"),
    DemoPatient("Camilla Larsen", "cervical-radiculopathy",
                [("baseline", {**NECK_BASELINE, "nprs": {"neck": 6, "arm": 7}}),
                 ("week-2", {"nprs": {"neck": 5, "arm": 5}}),
                 ("week-4", {"nprs": {"neck": 3, "arm": 4}})], "week-8"),
    DemoPatient("Frida Holm", "cervical-radiculopathy", [], "baseline", consent=None),
]


# A home-exercise plan per pathway, doses from the library; Bent's bridge hurts twice running.
DEMO_EXERCISES = {
    "primary-low-back-pain": ["bridge", "bird-dog", "cat-camel", "squat", "walking-programme"],
    "lumbar-radiculopathy": ["sciatic-nerve-slider-lying", "prone-on-elbows", "bridge",
                             "pelvic-tilt-lying", "walking-programme"],
    "cervical-radiculopathy": ["neck-retraction", "chin-tuck-lying", "shoulder-blade-squeeze",
                               "arm-nerve-slider", "walking-programme"],
}
DEMO_SESSION_DAYS = (9, 7, 5, 3, 1)  # days ago, for patients whose course has started
WORSE_IN_DEMO = ("Bent Nielsen", "bridge")


def _demo_log(patient: DemoPatient, exercise_id: str, number: int, days_ago: int,
              today: date) -> exercise_db.LogEntry:
    if number == 2 and days_ago == 5:
        return exercise_db.LogEntry(exercise_id, today - timedelta(days=days_ago), "not-done")
    worse = (patient.name, exercise_id) == WORSE_IN_DEMO and days_ago < 5
    pain = "worse" if worse else ("better" if days_ago < 4 else "same")
    return exercise_db.LogEntry(exercise_id, today - timedelta(days=days_ago), "done", pain,
                                5 + number % 2)


def _exercise(db: Database, content: Content, course_id: int, patient: DemoPatient,
              clinician_id: int, today: date) -> None:
    """A plan, a few logged sessions and modules read, as the patient pages would store them."""
    found = content.library
    items = [exercise_db.PlanItem(e, **asdict(found.exercise(e, "da").dosage))
             for e in DEMO_EXERCISES[patient.pathway]]
    started = today - timedelta(days=max(DEMO_SESSION_DAYS) + 1)
    exercise_db.save_plan(db, course_id, clinician_id, items, 3,
                          "Lidt og tit er bedre end meget på én gang.",
                          created_at=f"{started.isoformat()}T09:00:00+00:00"
                          if patient.done else None)
    if not patient.done:
        return
    plan_id = exercise_db.get_current_plan(db, course_id)["id"]
    for days_ago in DEMO_SESSION_DAYS:
        for number, item in enumerate(items[:3]):
            exercise_db.save_log(db, course_id, plan_id,
                                 _demo_log(patient, item.exercise_id, number, days_ago, today))
    if has_app_context() and patient.name == WORSE_IN_DEMO[0]:
        # The alert's message is written through the translations, which need the app.
        check_pain_response(db, course_id, WORSE_IN_DEMO[1])
    for module in found.modules_for(patient.pathway, patient.language)[:3]:
        reading_db.save_read(db, course_id, module.slug)


def _first_visit_for(content: Content, patient: DemoPatient, today: date) -> date:
    """Choose the first visit so that the current timepoint's consultation is in 2 days."""
    pathway = content.pathway(patient.pathway)
    spec = pathway.timepoint(patient.current)
    offset = spec.offset_days
    if spec.anchor == "final":
        offset += next(t for t in pathway.timepoints if t.final).offset_days
    return today + timedelta(days=2 - offset)


def _sent_at(visit_date: str, position: int, now: datetime) -> str:
    """When a demo patient sent their answers: the evening before the consultation, at a
    different minute for each, and never later than now (integrators see real times)."""
    day = date.fromisoformat(visit_date) - timedelta(days=1)
    moment = datetime.combine(day, time(19, 5 + 7 * position), tzinfo=clinic_tz())
    return iso(min(moment, now - timedelta(hours=1)))


def _answer(db: Database, content: Content, course_id: int, key: str, answers: dict,
            alarm: str | None, language: str, position: int) -> None:
    """Answer as the patient pages do: in the patient's language, with today's wording
    (its content version kept as a snapshot), sent at a believable time."""
    pathway = content.pathway(courses.get_course(db, course_id)["pathway"])
    timepoint = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == key)
    items = content.questionnaire("safety", language).safety_items(pathway.id, key)
    safety = {item["id"]: ("yes" if item["id"] == alarm else NO_ALARMS) for item in items}
    for instrument, values in {**answers, "safety": safety}.items():
        answers_db.save_answers(db, timepoint, instrument, language,
                                content.questionnaire(instrument, language).content_version,
                                values, content.translations(instrument).values())
    answers_db.submit(db, timepoint, list(pathway.nprs_sites), items,
                      at=_sent_at(timepoint["visit_date"], position, utcnow()))


def _enrol(db: Database, content: Content, clinic_id: int, clinician_id: int,
           patient: DemoPatient, today: date, number: int) -> int:
    """The patient's course with everything they have done so far."""
    course_id = courses.enrol(
        db, courses.NewPatient(clinic_id, patient.name, language=patient.language),
        content.pathway(patient.pathway), _first_visit_for(content, patient, today),
        external_id=patient.external_id, clinician_id=clinician_id)  # the demo's own patients
    if patient.consent:
        courses.record_consent(db, course_id, patient.consent)
    for position, (key, answers) in enumerate(patient.done, start=1):
        last = position == len(patient.done)
        _answer(db, content, course_id, key, answers, patient.alarm if last else None,
                patient.language, number)
    _exercise(db, content, course_id, patient, clinician_id, today)
    return course_id


def create_demo(db: Database, content: Content, base_url: str, today: date,
                password: str | None = None) -> dict:
    """Create the demo clinic, or on a later run find it again (no patient twice: each has
    an external id), with a new password and fresh links; return them as a dict."""
    clinic = accounts.get_clinic_by_name(db, DEMO_CLINIC)
    clinic_id = clinic["id"] if clinic else accounts.save_clinic(
        db, DEMO_CLINIC, "+45 70 20 30 40", alert_emails=DEMO_ALERT_EMAIL)
    password = password or secrets.token_urlsafe(12)
    existing = accounts.get_clinician_by_email(db, DEMO_EMAIL)
    if existing:
        accounts.set_password(db, existing["id"], password)
        clinician_id = existing["id"]
    else:
        clinician_id = accounts.save_clinician(db, clinic_id, DEMO_EMAIL, "Demo Fysioterapeut",
                                               password, role="admin")
    links = []
    for patient in DEMO_PATIENTS:
        course_id = courses.find_course_by_external_id(db, clinic_id, patient.external_id) or \
            _enrol(db, content, clinic_id, clinician_id, patient, today, len(links))
        current = next(t for t in courses.list_timepoints(db, course_id)
                       if t["key"] == patient.current)
        token = courses.create_invitation(db, current)
        links.append({"name": patient.name, "pathway": patient.pathway,
                      "timepoint": patient.current, "link": f"{base_url}/q/{token}"})
    return {"clinician": {"email": DEMO_EMAIL, "password": password,
                          "login_url": f"{base_url}/clinic/login"},
            "patients": links}
