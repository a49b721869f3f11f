"""Database access for the worker: the lease that lets one worker act, and each job's last run.

Every write checks the lease inside its own transaction, so a worker whose lease ran out
(it was paused, or its clock jumped) cannot start a job another worker has taken over.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlite_utils import Database

from ..db import write_transaction
from ..timeutil import iso

LEASE = "worker"


def get_lease(db: Database) -> dict | None:
    return next(db.query("SELECT * FROM worker_lease WHERE name = ?", [LEASE]), None)


def _held_by(row: dict | None, holder: str, now: datetime) -> bool:
    return row is not None and row["holder"] == holder and row["expires_at"] > iso(now)


def take_lease(db: Database, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take the lease, or renew it if it is ours; False while another worker holds it."""
    with write_transaction(db):
        row = get_lease(db)
        if row is not None and row["holder"] != holder and row["expires_at"] > iso(now):
            return False
        acquired = row["acquired_at"] if row is not None and row["holder"] == holder else iso(now)
        db.execute(
            "INSERT INTO worker_lease (name, holder, acquired_at, renewed_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
            " acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at,"
            " expires_at = excluded.expires_at",
            [LEASE, holder, acquired, iso(now), iso(now + ttl)])
    return True


def renew_lease(db: Database, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Push the lease's end on while a job runs; False when another worker has taken it."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE worker_lease SET renewed_at = ?, expires_at = ? WHERE name = ? AND holder = ?",
            [iso(now), iso(now + ttl), LEASE, holder])
        return cursor.rowcount == 1


def release_lease(db: Database, holder: str, now: datetime) -> None:
    """A clean stop: the next worker may take over at once (renewed_at, for /readyz, says
    when a worker was last seen)."""
    with write_transaction(db):
        db.execute("UPDATE worker_lease SET renewed_at = ?, expires_at = ? WHERE name = ?"
                   " AND holder = ?", [iso(now), iso(now), LEASE, holder])


def get_job(db: Database, name: str) -> dict | None:
    return next(db.query("SELECT * FROM worker_jobs WHERE name = ?", [name]), None)


def list_jobs(db: Database) -> list[dict]:
    return list(db.query("SELECT * FROM worker_jobs ORDER BY name"))


def start_job(db: Database, name: str, holder: str, now: datetime, ttl: timedelta,
              is_due: Callable[[dict | None], bool]) -> bool:
    """Record that ``holder`` starts job ``name`` now, if it still holds the lease and the
    job is due (both checked under the write lock); False otherwise."""
    with write_transaction(db):
        if not _held_by(get_lease(db), holder, now) or not is_due(get_job(db, name)):
            return False
        db.execute(
            "INSERT INTO worker_jobs (name, runs, last_started_at) VALUES (?, 1, ?)"
            " ON CONFLICT (name) DO UPDATE SET runs = runs + 1,"
            " last_started_at = excluded.last_started_at", [name, iso(now)])
        db.execute("UPDATE worker_lease SET renewed_at = ?, expires_at = ? WHERE name = ?",
                   [iso(now), iso(now + ttl), LEASE])
    return True


def finish_job(db: Database, name: str, outcome: str, now: datetime) -> None:
    with write_transaction(db):
        db.execute(
            "UPDATE worker_jobs SET last_finished_at = ?, last_outcome = ?,"
            " last_ok_at = CASE WHEN ? = 'ok' THEN ? ELSE last_ok_at END WHERE name = ?",
            [iso(now), outcome, outcome, iso(now), name])
