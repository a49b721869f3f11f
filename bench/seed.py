"""Benchmark data: a clinic with N patients and their answered questionnaires.

Rows are written in bulk with the same schema the app uses, so the database has the
size and shape of a busy clinic's after a few years; the answers are a fixed pattern,
not real people. For benchmarks only.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta

from patientapp.accounts import save_clinic, save_clinician
from patientapp.courses import queries as courses
from patientapp.courses.queries import _timepoint_row, new_pseudonym
from patientapp.courses.schedule import plan
from patientapp.db import now, write_transaction
from patientapp.questionnaires import queries as answers_db

ANSWERS = {
    "odi": {k: 2 for k in ("pain_intensity", "personal_care", "lifting", "walking", "sitting",
                           "standing", "sleeping", "sex_life", "social_life", "travelling")},
    "nprs": {"back": 5, "leg": 4},
    "psfs": {"activities": ["Gå en tur"], "ratings": {"1": 5}},
    "risk": {"pain_sites": ["low_back", "legs"], "work_status": "sick_leave_part",
             "sick_leave_days": 20, "work_strain": "no", "worry": "very",
             "movement_harm": "agree", "low_mood": "some_days", "lost_interest": "not_at_all",
             "sleep": "a_little", "expectation": "likely"},
    "gpe": {"rating": 2},
    "safety": {},
}


# The ODI totals a seeded course's timepoints get, by patient: better, the same, worse.
ODI_PATHS = ((44, 30, 20, 12), (30, 28, 30, 26), (20, 26, 34, 40))


def seed(db, content, patients: int, extra_courses_every: int = 3) -> int:
    """Create ``patients`` patients with an active, answered course each (every
    ``extra_courses_every``-th also an ended one); return the clinic id."""
    clinic = save_clinic(db, "Bench Clinic")
    save_clinician(db, clinic, "bench@clinic.example", "Bench", "bench-password-123", "admin")
    stamp = now()
    with write_transaction(db):
        for n in range(patients):
            patient_id = db.execute(
                "INSERT INTO patients (clinic_id, pseudonym, name, language, created_at)"
                " VALUES (?, ?, ?, 'da', ?)", [clinic, new_pseudonym(), f"Patient {n:05d}",
                                               stamp]).lastrowid
            _course(db, content, clinic, patient_id, "primary-low-back-pain", stamp,
                    date.today() - timedelta(days=100 + n % 300), "active",
                    ODI_PATHS[n % len(ODI_PATHS)])
            if n % extra_courses_every == 0:
                _course(db, content, clinic, patient_id, "lumbar-radiculopathy", stamp,
                        date.today() - timedelta(days=800 + n % 300), "ended", ODI_PATHS[0])
    return clinic


def _course(db, content, clinic, patient_id, pathway_id, stamp, first_visit, status,
            odi_path) -> None:
    pathway = content.pathway(pathway_id)
    course_id = db.execute(
        "INSERT INTO courses (clinic_id, patient_id, pathway, first_visit, consent, status,"
        " created_at) VALUES (?, ?, ?, ?, 'given', ?, ?)",
        [clinic, patient_id, pathway_id, first_visit.isoformat(), status, stamp]).lastrowid
    odi = iter(odi_path)
    for tp in plan(pathway, first_visit):
        row = _timepoint_row(course_id, tp)
        row["submitted_at"] = stamp
        tp_id = db.table("timepoints").insert(row).last_pk
        for instrument in (*tp.questionnaires, "safety"):
            response_id = db.execute(
                "INSERT INTO responses (course_id, timepoint_id, instrument, locale, answers,"
                " status, started_at, updated_at, submitted_at)"
                " VALUES (?, ?, ?, 'da', ?, 'submitted', ?, ?, ?)",
                [course_id, tp_id, instrument, json.dumps(ANSWERS[instrument]), stamp, stamp,
                 stamp]).lastrowid
            if instrument == "odi":  # the score the patient list shows, and its change
                db.execute(
                    "INSERT INTO scores (response_id, course_id, timepoint_id, instrument, item,"
                    " value, valid, answered, computed_at) VALUES (?, ?, ?, 'odi', '', ?, 1,"
                    " 10, ?)", [response_id, course_id, tp_id, next(odi, 20), stamp])


def enrol_visits(db, content, clinic: int, active: int, ready: int) -> dict[str, list[str]]:
    """Enrol patients whose links a benchmark opens: ``active`` with nothing answered yet
    (tokens["open"]) and ``ready`` with every answer saved, waiting to be sent
    (tokens["ready"]). Call inside an app context."""
    pathway = content.pathway("primary-low-back-pain")
    safety = [i["id"] for i in content.questionnaire("safety", "da").safety_items(pathway.id)]
    tokens: dict[str, list[str]] = {"open": [], "ready": []}
    with write_transaction(db):
        for n in range(active + ready):
            course_id = courses.enrol(db, courses.NewPatient(clinic, f"Bench {n}"), pathway,
                                      date.today() - timedelta(days=1))
            courses.record_consent(db, course_id, "given")
            timepoint = courses.list_timepoints(db, course_id)[0]
            token = courses.create_invitation(db, timepoint)
            if n < active:
                tokens["open"].append(token)
                continue
            # Every screen of the timepoint answered (both pain sites), so a submit submits.
            answers = {**ANSWERS, "nprs": dict.fromkeys(pathway.nprs_sites, 5),
                       "safety": {i: "no" for i in safety}}
            for instrument in (*timepoint["questionnaires"], "safety"):
                answers_db.save_answers(db, timepoint, instrument, "da", "bench",
                                        answers[instrument])
            tokens["ready"].append(token)
    return tokens


def random_token() -> str:
    return secrets.token_urlsafe(32)
