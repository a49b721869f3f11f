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
from patientapp.courses.queries import _timepoint_row, new_pseudonym
from patientapp.courses.schedule import plan
from patientapp.db import now, write_transaction

ANSWERS = {
    "odi": {k: 2 for k in ("pain_intensity", "personal_care", "lifting", "walking", "sitting",
                           "standing", "sleeping", "sex_life", "social_life", "travelling")},
    "nprs": {"back": 5, "leg": 4},
    "psfs": {"activities": ["Gå en tur"], "ratings": {"1": 5}},
    "safety": {},
}


def seed(db, content, patients: int, extra_courses_every: int = 3) -> int:
    """Create ``patients`` patients with answered courses; return the clinic id."""
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
                    date.today() - timedelta(days=400 + n % 300))
            if n % extra_courses_every == 0:
                _course(db, content, clinic, patient_id, "lumbar-radiculopathy", stamp,
                        date.today() - timedelta(days=800 + n % 300))
    return clinic


def _course(db, content, clinic, patient_id, pathway_id, stamp, first_visit) -> None:
    pathway = content.pathway(pathway_id)
    course_id = db.execute(
        "INSERT INTO courses (clinic_id, patient_id, pathway, first_visit, consent, status,"
        " created_at) VALUES (?, ?, ?, ?, 'given', 'ended', ?)",
        [clinic, patient_id, pathway_id, first_visit.isoformat(), stamp]).lastrowid
    for tp in plan(pathway, first_visit):
        row = _timepoint_row(course_id, tp)
        row["submitted_at"] = stamp
        tp_id = db.table("timepoints").insert(row).last_pk
        for instrument in (*tp.questionnaires, "safety"):
            db.execute(
                "INSERT INTO responses (course_id, timepoint_id, instrument, locale, answers,"
                " status, started_at, updated_at, submitted_at)"
                " VALUES (?, ?, ?, 'da', ?, 'submitted', ?, ?, ?)",
                [course_id, tp_id, instrument, json.dumps(ANSWERS[instrument]), stamp, stamp,
                 stamp])


def random_token() -> str:
    return secrets.token_urlsafe(32)
