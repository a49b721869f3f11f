"""The worker: when each job is due, the lease between workers, --once, SIGTERM and SIGKILL.

The process tests start real ``flask worker`` processes against one database and an SMTP
server on loopback (aiosmtpd), so what a patient would receive is counted where it arrives.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from patientapp.config import PROJECT_ROOT
from patientapp.courses import queries as courses
from patientapp.notifications import queries as outbox
from patientapp.privacy.backup import dated_backups, verify
from patientapp.timeutil import CLINIC_TZ, iso
from patientapp.worker import queries
from patientapp.worker.jobs import DAILY_AT, JOBS, Job, is_due
from patientapp.worker.loop import Worker

FIRST_VISIT = date.today() + timedelta(days=10)
WAIT_SECONDS = 30


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, clock_time(hour, minute), CLINIC_TZ)


def job(name: str) -> Job:
    return next(j for j in JOBS if j.name == name)


def state(started: datetime | None = None, ok: datetime | None = None) -> dict:
    return {"last_started_at": iso(started) if started else None,
            "last_ok_at": iso(ok) if ok else None}


DAY = date(2026, 3, 10)


# --- when a job is due (pure) -----------------------------------------------------------

@pytest.mark.parametrize("name, last, now, due", [
    ("send-due", None, at(DAY), True),
    ("send-due", state(at(DAY, 9)), at(DAY, 9, 4), False),
    ("send-due", state(at(DAY, 9)), at(DAY, 9, 5), True),
    ("deliver", state(at(DAY, 9)), at(DAY, 9, 0) + timedelta(seconds=59), False),
    ("deliver", state(at(DAY, 9)), at(DAY, 9, 1), True),
    ("backup", None, at(DAY, 2, 59), False),  # before 03:00 clinic time
    ("backup", None, at(DAY, DAILY_AT.hour), True),
    ("backup", state(at(DAY, 3), ok=at(DAY, 3)), at(DAY, 23), False),  # done today
    ("backup", state(at(DAY, 3), ok=at(DAY, 3)), at(DAY + timedelta(days=1), 3), True),
    ("backup", state(at(DAY, 3)), at(DAY, 3, 30), False),  # failed or died: wait an hour
    ("backup", state(at(DAY, 3)), at(DAY, 4), True),
    ("purge-expired", state(at(DAY, 8), ok=at(DAY - timedelta(days=1), 8)), at(DAY, 9), True),
    ("purge-expired", None, at(DAY - timedelta(days=3), 10), True),  # a machine off for days
])
def test_when_each_job_is_due(name, last, now, due):
    assert is_due(job(name), last, now) is due


def test_deliver_and_backup_run_only_when_set_up():
    names = {"send-due", "purge-expired"}
    assert {j.name for j in JOBS if j.enabled({})} == names
    assert {j.name for j in JOBS if j.enabled({"WEBHOOK_URL": "https://x", "BACKUP_DIR": "/b"})} \
        == names | {"deliver", "backup"}


# --- in process: the lease and the daily backups ----------------------------------------

class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def worker_app(app, tmp_path):
    app.config.update(BACKUP_DIR=str(tmp_path / "backups"), BACKUP_KEEP=3)
    return app


def make_worker(app, clock, holder):
    from patientapp.db import connect

    return Worker(app, connect(app.config["DATABASE"]), clock, holder)


def test_only_the_holder_of_the_lease_acts_until_it_expires(worker_app):
    clock = Clock(at(DAY, 10))
    first, second = (make_worker(worker_app, clock, name) for name in ("first", "second"))
    with worker_app.app_context():
        assert [o.job for o in first.run_once()] == ["send-due", "purge-expired", "backup"]
        assert second.run_once() is None
        clock.moment += timedelta(seconds=59)
        assert first.run_once() == []  # renewed: nothing due yet
        clock.moment += timedelta(seconds=59)
        assert second.run_once() is None  # still held: the first renewed it
        clock.moment += timedelta(seconds=61)  # the first stopped renewing (killed)
        assert [o.job for o in second.run_once()] == []
        assert queries.get_lease(second.db)["holder"] == "second"
        clock.moment += timedelta(minutes=5)
        assert [o.job for o in second.run_once()] == ["send-due"]
        assert first.run_once() is None


def test_a_worker_whose_lease_was_taken_starts_no_job(worker_app):
    clock = Clock(at(DAY, 10))
    first, second = (make_worker(worker_app, clock, name) for name in ("first", "second"))
    with worker_app.app_context():
        assert first.run_once()
        clock.moment += timedelta(minutes=10)
        assert [o.job for o in second.run_once()] == ["send-due"]  # took over
        # The first, paused past its lease, cannot start a job the second now owns.
        assert not queries.start_job(first.db, "send-due", "first", clock(), first.ttl,
                                     lambda s: True)
        assert [r["runs"] for r in queries.list_jobs(first.db) if r["name"] == "send-due"] == [2]


def test_daily_backups_are_verified_and_only_the_newest_are_kept(worker_app, tmp_path):
    clock = Clock(at(DAY, 3, 30))
    worker = make_worker(worker_app, clock, "one")
    with worker_app.app_context():
        for _ in range(5):
            assert "backup" in [o.job for o in worker.run_once() if o.ok]
            clock.moment += timedelta(days=1)
    kept = dated_backups(tmp_path / "backups")
    assert [p.name for p in kept] == [
        f"patientapp-{(at(DAY, 3, 30) + timedelta(days=d)).astimezone(CLINIC_TZ).date():%Y%m%d}"
        "T023000Z.sqlite3" for d in (2, 3, 4)]
    assert all(verify(p) == "ok" for p in kept)
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [p.name for p in kept]


def test_a_failing_job_is_logged_and_does_not_stop_the_others(worker_app, caplog,
                                                              monkeypatch):
    def broken(*args):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr("patientapp.worker.jobs.purge_expired", broken)
    worker = make_worker(worker_app, Clock(at(DAY, 10)), "one")
    with worker_app.app_context():
        outcomes = worker.run_once()
    assert [(o.job, o.ok) for o in outcomes] == [("send-due", True), ("purge-expired", False),
                                                ("backup", True)]
    [failed] = [r for r in caplog.records if getattr(r, "outcome", "") == "failed"]
    assert failed.job == "purge-expired" and failed.exc_info[0] is sqlite3.OperationalError
    assert queries.get_job(worker.db, "purge-expired")["last_outcome"] == "failed"


# --- real processes ----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An SMTP server's handler: keeps each message; can hold a chosen one (never answer)."""

    def __init__(self, hold: int | None = None, delay: float = 0.0):
        self.messages, self.hold, self.delay = [], hold, delay
        self.arrivals = 0
        self.holding = threading.Event()
        self.receiving = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.arrivals += 1
        self.receiving.set()
        if self.arrivals == self.hold:
            self.holding.set()
            await asyncio.sleep(3600)  # the sender dies waiting for the answer
        await asyncio.sleep(self.delay)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        return sorted(str(m["To"]) for m in self.messages)


@pytest.fixture
def smtp(request):
    inbox = Inbox(**getattr(request, "param", {}))
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop(no_assert=True)


@pytest.fixture
def patients(db, content, clinic_id):
    """Three patients whose invitations are due; the moment they are due."""
    emails = ["anna@example.dk", "bo@example.dk", "carl@example.dk"]
    ids = [courses.enrol(db, courses.NewPatient(clinic_id, f"Patient {i}", email),
                         content.pathway("lumbar-radiculopathy"), FIRST_VISIT)
           for i, email in enumerate(emails)]
    baseline = next(t for t in courses.list_timepoints(db, ids[0]) if t["key"] == "baseline")
    return emails, at(date.fromisoformat(baseline["send_at"]), 10)


class WorkerProcess:
    def __init__(self, app, port: int, tmp_path: Path, *args: str, lease: int = 60):
        env = {**os.environ, "PATIENTAPP_DATABASE": app.config["DATABASE"],
               "PATIENTAPP_BASE_URL": "http://localhost", "PATIENTAPP_SMTP_HOST": "127.0.0.1",
               "PATIENTAPP_SMTP_PORT": str(port), "PATIENTAPP_SMTP_STARTTLS": "false",
               "PATIENTAPP_MAIL_FROM": "skema@fysio.example",
               "PATIENTAPP_BACKUP_DIR": str(tmp_path / "backups"),
               "PATIENTAPP_WORKER_LEASE_SECONDS": str(lease)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "patientapp", "worker", *args],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)

    def finish(self, timeout: float = WAIT_SECONDS) -> tuple[int, str]:
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out + err


def wait_for(event: threading.Event, what: str) -> None:
    assert event.wait(WAIT_SECONDS), f"timed out waiting for {what}"


def runs(db) -> dict[str, int]:
    return {r["name"]: r["runs"] for r in queries.list_jobs(db)}


def statuses(db) -> list[str]:
    return [r["status"] for r in outbox.list_outbox(db)]


def test_two_workers_started_at_once_run_each_job_once(app, db, smtp, patients, tmp_path):
    port, inbox = smtp
    emails, now = patients
    both = [WorkerProcess(app, port, tmp_path, "--once", "--now", now.isoformat())
            for _ in range(2)]
    results = [w.finish() for w in both]
    assert all(code == 0 for code, _ in results), results
    said = sorted("Ran 3 job(s)" in out for _, out in results)
    assert said == [False, True], results  # the other found the lease taken or nothing due
    assert inbox.recipients() == emails
    assert runs(db) == {"send-due": 1, "purge-expired": 1, "backup": 1}
    assert len(dated_backups(tmp_path / "backups")) == 1
    assert statuses(db) == ["sent"] * 3


def test_two_long_running_workers_one_acts_the_other_waits(app, db, smtp, patients, tmp_path):
    port, inbox = smtp
    emails, now = patients
    both = [WorkerProcess(app, port, tmp_path, "--now", now.isoformat(), lease=5)
            for _ in range(2)]
    deadline = time.monotonic() + WAIT_SECONDS
    while len(inbox.messages) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # both have polled several times
    for w in both:
        w.process.send_signal(signal.SIGTERM)
    logs = [w.finish()[1] for w in both]
    assert inbox.recipients() == emails
    assert runs(db) == {"send-due": 1, "purge-expired": 1, "backup": 1}
    assert sorted("waits: another worker holds the lease" in log for log in logs) == [False, True]
    job_lines = [line for log in logs for line in log.splitlines() if " job " in line]
    assert len(job_lines) == 3


def test_once_runs_what_is_due_and_exits(app, db, smtp, patients, tmp_path):
    port, inbox = smtp
    emails, now = patients
    code, out = WorkerProcess(app, port, tmp_path, "--once", "--now", now.isoformat()).finish()
    assert code == 0 and "Ran 3 job(s) that were due." in out
    lines = [line for line in out.splitlines() if "patientapp.worker [-]: job " in line]
    assert [line.split(" job ")[1].split()[0] for line in lines] == \
        ["send-due", "purge-expired", "backup"]
    assert "sent=3" in lines[0]
    for email in emails:  # counts only
        assert email not in out and email.split("@")[0] not in out.lower()
    later = (now + timedelta(minutes=1)).isoformat()
    code, out = WorkerProcess(app, port, tmp_path, "--once", "--now", later).finish()
    assert code == 0 and "Ran 0 job(s)" in out and len(inbox.messages) == 3
    lease = queries.get_lease(db)
    assert lease["expires_at"] == lease["renewed_at"]  # released for the next one


@pytest.mark.parametrize("smtp", [{"delay": 2.0}], indirect=True)
def test_sigterm_stops_the_worker_between_jobs(app, db, smtp, patients, tmp_path):
    port, inbox = smtp
    _, now = patients
    worker = WorkerProcess(app, port, tmp_path, "--now", now.isoformat())
    wait_for(inbox.receiving, "the first message to arrive")
    worker.process.send_signal(signal.SIGTERM)  # mid-job: send-due is sending
    code, out = worker.finish()
    assert code == 0, out
    assert statuses(db) == ["sent"] * 3  # the running job finished its work
    assert runs(db) == {"send-due": 1}  # and no other job started
    assert not (tmp_path / "backups").exists()
    assert "job send-due ok" in out and "stopped" in out and "Traceback" not in out
    lease = queries.get_lease(db)
    assert lease["expires_at"] == lease["renewed_at"]


def test_sigterm_while_waiting_stops_at_once(app, db, smtp, tmp_path):
    port, _ = smtp
    worker = WorkerProcess(app, port, tmp_path, "--now", at(DAY, 10).isoformat())
    deadline = time.monotonic() + WAIT_SECONDS
    while not queries.list_jobs(db) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)  # asleep between polls now
    started = time.monotonic()
    worker.process.send_signal(signal.SIGTERM)
    code, out = worker.finish()
    assert code == 0 and time.monotonic() - started < 5, out


@pytest.mark.parametrize("smtp", [{"hold": 2}], indirect=True)
def test_a_worker_killed_mid_send_sends_nothing_twice_and_loses_nothing(app, db, smtp, patients,
                                                                       tmp_path):
    port, inbox = smtp
    emails, now = patients
    killed = WorkerProcess(app, port, tmp_path, "--now", now.isoformat())
    wait_for(inbox.holding, "the second message to be on its way")
    killed.process.kill()
    killed.finish()
    assert statuses(db) == ["sent", "sending"] and len(inbox.messages) == 1

    # Until its lease runs out nobody takes over; a worker that comes later does.
    soon = (now + timedelta(seconds=30)).isoformat()
    code, out = WorkerProcess(app, port, tmp_path, "--once", "--now", soon).finish()
    assert code == 0 and "Another worker holds the lease" in out
    later = (now + timedelta(minutes=20)).isoformat()
    code, out = WorkerProcess(app, port, tmp_path, "--once", "--now", later).finish()
    assert code == 0, out

    # The message that was on its way is not sent again: the clinic is shown it instead.
    assert statuses(db) == ["sent", "unknown", "sent"]
    assert len(inbox.messages) == 2 and len(set(inbox.recipients())) == 2
    unknown = next(r for r in outbox.list_outbox(db) if r["status"] == "unknown")
    assert unknown["recipient"] not in inbox.recipients()
    [alert] = db.query("SELECT * FROM alerts WHERE key = ?", [f"outbox:{unknown['id']}"])
    assert alert["kind"] == "delivery"
    assert runs(db)["send-due"] == 2
