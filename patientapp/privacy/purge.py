"""Erasing what may no longer be kept, as ``flask purge-expired`` and the worker do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from ..audit import record
from ..courses.queries import end_course
from ..timeutil import iso, local_date
from . import queries


@dataclass(frozen=True)
class Retention:
    """How long things are kept: RETENTION_DAYS after a course ended, and a course left
    active ends AUTO_END_DAYS after its last planned visit (0: never)."""

    keep_days: int
    end_after_days: int

    @classmethod
    def from_config(cls, config) -> Retention:
        return cls(int(config["RETENTION_DAYS"]), int(config["AUTO_END_DAYS"]))


@dataclass(frozen=True)
class Purged:
    """Counts only: what one run ended and erased."""

    timepoints: int
    patients: int
    ended: int = 0


def expired_patients(db: Database, retention_days: int, now: datetime) -> list[int]:
    """Patients whose every course ended more than ``retention_days`` before ``now``."""
    return queries.expired_patients(db, iso(now - timedelta(days=retention_days)))


def finished_courses(db: Database, retention: Retention, now: datetime) -> list[int]:
    """Active courses whose last planned visit is more than ``end_after_days`` ago."""
    if retention.end_after_days <= 0:
        return []
    cutoff = local_date(now) - timedelta(days=retention.end_after_days)
    return queries.active_courses_last_visit_before(db, cutoff)


def would_purge(db: Database, retention: Retention, now: datetime) -> Purged:
    """What ``purge_expired`` would do now, doing nothing."""
    return Purged(len(queries.unconsented_timepoints(db, local_date(now))),
                  len(expired_patients(db, retention.keep_days, now)),
                  len(finished_courses(db, retention, now)))


def purge_expired(db: Database, retention: Retention, now: datetime) -> Purged:
    """End the courses left active past their last visit, drop answers given without
    consent once their consultation is over, and erase the patients past the retention
    period; the audit log records each course ended and the counts."""
    ended = 0
    for course_id in finished_courses(db, retention, now):
        if end_course(db, course_id):  # its "course ended" webhook too, as by hand
            record(db, "system", None, queries.clinic_of_course(db, course_id),
                   "auto-end-course", "course", course_id,
                   f"{retention.end_after_days} days after the last visit")
            ended += 1
    patients = expired_patients(db, retention.keep_days, now)
    timepoints = queries.purge_unconsented(db, local_date(now))
    for patient_id in patients:
        queries.erase_patient(db, patient_id)
    record(db, "system", None, None, "purge-expired",
           detail=f"{ended} course(s) ended, {timepoints} timepoint(s) without consent, "
                  f"{len(patients)} patient(s)")
    return Purged(timepoints, len(patients), ended)
