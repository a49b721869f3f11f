"""Database reads for readiness and metrics: counts and ages, never a row's contents."""

from __future__ import annotations

from sqlite_utils import Database

from ..migrations import migrations

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "unknown", "cancelled")
DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed", "cancelled")
ALERT_KINDS = ("alarm", "worse", "exercise", "delivery")


def probe_write(db: Database) -> None:
    """Take the write lock and write, then roll back: raises if the database is read-only,
    locked for longer than the busy timeout, or gone."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        db.conn.execute("CREATE TABLE _readiness_probe (x)")
    finally:
        db.conn.rollback()


def pending_migrations(db: Database) -> list[str]:
    return [m.name for m in migrations.pending(db)]


def worker_last_seen(db: Database) -> str | None:
    row = next(db.query("SELECT renewed_at FROM worker_lease WHERE name = 'worker'"), None)
    return row["renewed_at"] if row else None


def _by(db: Database, sql: str, names: tuple[str, ...]) -> dict[str, int]:
    counts = dict.fromkeys(names, 0)
    counts.update({row["name"]: row["n"] for row in db.query(sql)})
    return counts


def outbox_by_status(db: Database) -> dict[str, int]:
    return _by(db, "SELECT status AS name, count(*) AS n FROM outbox GROUP BY status",
               OUTBOX_STATUSES)


def deliveries_by_status(db: Database) -> dict[str, int]:
    return _by(db, "SELECT status AS name, count(*) AS n FROM webhook_deliveries"
                   " GROUP BY status", DELIVERY_STATUSES)


def open_alerts_by_kind(db: Database) -> dict[str, int]:
    return _by(db, "SELECT kind AS name, count(*) AS n FROM alerts"
                   " WHERE acknowledged_at IS NULL GROUP BY kind", ALERT_KINDS)


def oldest_open_delivery(db: Database) -> str | None:
    """When the oldest delivery not yet delivered (or given up) was queued."""
    return next(db.query("SELECT min(created_at) AS at FROM webhook_deliveries"
                         " WHERE status IN ('pending', 'sending')"))["at"]


def count_submissions(db: Database) -> int:
    return next(db.query("SELECT count(*) AS n FROM timepoints"
                         " WHERE submitted_at IS NOT NULL"))["n"]


def job_successes(db: Database) -> dict[str, str]:
    return {row["name"]: row["last_ok_at"] for row in db.query(
        "SELECT name, last_ok_at FROM worker_jobs WHERE last_ok_at IS NOT NULL")}
