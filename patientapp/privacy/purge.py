"""Erasing what may no longer be kept, as ``flask purge-expired`` and the worker do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from ..audit import record
from ..timeutil import iso, local_date
from . import queries


@dataclass(frozen=True)
class Purged:
    """Counts only: what one run erased."""

    timepoints: int
    patients: int


def expired_patients(db: Database, retention_days: int, now: datetime) -> list[int]:
    """Patients whose every course ended more than ``retention_days`` before ``now``."""
    return queries.expired_patients(db, iso(now - timedelta(days=retention_days)))


def would_purge(db: Database, retention_days: int, now: datetime) -> Purged:
    """What ``purge_expired`` would delete now, deleting nothing."""
    return Purged(len(queries.unconsented_timepoints(db, local_date(now))),
                  len(expired_patients(db, retention_days, now)))


def purge_expired(db: Database, retention_days: int, now: datetime) -> Purged:
    """Drop answers given without consent once their consultation is over, and erase the
    patients past the retention period; the audit log records the counts."""
    patients = expired_patients(db, retention_days, now)
    timepoints = queries.purge_unconsented(db, local_date(now))
    for patient_id in patients:
        queries.erase_patient(db, patient_id)
    record(db, "system", None, None, "purge-expired",
           detail=f"{timepoints} timepoint(s) without consent, {len(patients)} patient(s)")
    return Purged(timepoints, len(patients))
