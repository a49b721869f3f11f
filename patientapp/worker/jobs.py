"""What the worker does, and when: each job calls the same function as its own command.

``send-due`` every 5 minutes (it sends only within the sending hours itself and tidies up
after interrupted runs at any hour), ``deliver`` every minute when a webhook is set up,
``purge-expired`` and ``backup`` (when PATIENTAPP_BACKUP_DIR is set) once a day from 03:00
clinic time, or at the first chance after that if the machine was off. A daily job that
failed, or whose worker died, is tried again an hour later. ``is_due`` is pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from flask import Flask
from sqlite_utils import Database

from ..notifications.backends import BackendConfigError
from ..notifications.sending import NOTHING_CONFIGURED, can_send, outlets_from_config, send_due
from ..privacy.backup import backup_to_dir, dated_backups
from ..privacy.purge import Retention, purge_expired
from ..timeutil import clinic_tz, local_date, parse_moment
from ..webhooks.sending import deliver_due, setup_from_app

DAILY_AT = time(3, 0)  # clinic time: after the evening's answers, before the clinic opens
DAILY_RETRY_AFTER = timedelta(hours=1)

Counts = dict[str, int]


class JobFailed(RuntimeError):
    """A job that ran but did not do its work (for example a backup failing its check)."""


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Flask, Database, datetime], Counts]
    every: timedelta | None = None  # None: once a day
    enabled: Callable[[Mapping], bool] = lambda config: True


def is_due(job: Job, state: dict | None, now: datetime) -> bool:
    """Whether ``job`` should start at ``now``, given its row in worker_jobs (or None)."""
    started = parse_moment(state["last_started_at"]) if state and state["last_started_at"] \
        else None
    if job.every is not None:
        return started is None or now - started >= job.every
    if now.astimezone(clinic_tz()).time() < DAILY_AT:
        return False
    ok = state["last_ok_at"] if state else None
    if ok and local_date(parse_moment(ok)) >= local_date(now):
        return False
    return started is None or now - started >= DAILY_RETRY_AFTER


def _send_due(app: Flask, db: Database, now: datetime) -> Counts:
    outlets = outlets_from_config(app.config)
    if not can_send(outlets):  # a failed job, logged, and seen on /metrics and /readyz
        raise BackendConfigError(NOTHING_CONFIGURED)
    report = send_due(db, now, outlets)
    return {"sent": report.sent, "retrying": report.retrying, "given_up": report.given_up,
            "interrupted": report.interrupted, "cancelled": report.cancelled,
            "outside_hours": int(report.outside_hours), "alarms_sent": report.alarms.sent,
            "alarms_retrying": report.alarms.retrying,
            "alarms_given_up": report.alarms.given_up, "clinics_held_back": len(report.held_back)}


def _deliver(app: Flask, db: Database, now: datetime) -> Counts:
    setup = setup_from_app(app)
    if setup is None:  # the setting was removed while the worker ran
        return {}
    report = deliver_due(db, setup, now)
    return {"delivered": report.delivered, "retrying": report.retrying, "failed": report.failed}


def _purge_expired(app: Flask, db: Database, now: datetime) -> Counts:
    purged = purge_expired(db, Retention.from_config(app.config), now)
    return {"ended": purged.ended, "timepoints": purged.timepoints, "patients": purged.patients}


def _backup(app: Flask, db: Database, now: datetime) -> Counts:
    directory = Path(app.config["BACKUP_DIR"])
    result = backup_to_dir(app.config["DATABASE"], directory, int(app.config["BACKUP_KEEP"]),
                           now)
    if result.verdict != "ok":
        raise JobFailed(f"the backup failed its integrity check: {result.verdict}")
    return {"bytes": result.path.stat().st_size, "removed": result.removed,
            "kept": len(dated_backups(directory))}


JOBS = (
    Job("send-due", _send_due, every=timedelta(minutes=5)),
    Job("deliver", _deliver, every=timedelta(minutes=1),
        enabled=lambda config: bool(config.get("WEBHOOK_URL"))),
    Job("purge-expired", _purge_expired),
    Job("backup", _backup, enabled=lambda config: bool(config.get("BACKUP_DIR"))),
)


def enabled_jobs(config: Mapping) -> list[Job]:
    return [job for job in JOBS if job.enabled(config)]
