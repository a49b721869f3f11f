"""The worker's loop: hold the lease, run what is due, one log line per job, stop on SIGTERM.

Only the worker holding the unexpired lease acts; the others wait and try again every
few seconds, so a killed worker is replaced once its lease runs out. While a job runs, a
heartbeat thread keeps the lease (a slow SMTP server must not let a second worker in).
SIGTERM or SIGINT only sets a flag: the job that is running finishes, no new one starts,
the lease is released and the process exits 0.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlite_utils import Database

from ..db import connect
from ..timeutil import utcnow
from . import queries
from .jobs import Job, enabled_jobs, is_due

log = logging.getLogger("patientapp.worker")


@dataclass(frozen=True)
class Outcome:
    job: str
    ok: bool


def new_holder() -> str:
    """Names this worker in the lease: host and process (no secret, just distinct)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    """One worker process. ``clock`` gives "now" (tests and ``--now`` shift it)."""

    def __init__(self, app: Flask, db: Database, clock: Callable[[], datetime] = utcnow,
                 holder: str | None = None):
        self.app, self.db, self.clock = app, db, clock
        self.holder = holder or new_holder()
        self.ttl = timedelta(seconds=float(app.config["WORKER_LEASE_SECONDS"]))
        self.jobs = enabled_jobs(app.config)
        self.stopping = threading.Event()

    def stop(self, *_args) -> None:
        """The signal handler: finish the current job, start no other."""
        self.stopping.set()

    def run_once(self) -> list[Outcome] | None:
        """Run every job that is due now; None when another worker holds the lease."""
        if not queries.take_lease(self.db, self.holder, self.clock(), self.ttl):
            return None
        outcomes = []
        for job in self.jobs:
            if self.stopping.is_set():
                break
            if (outcome := self._run_if_due(job)) is not None:
                outcomes.append(outcome)
        return outcomes

    def serve(self) -> None:
        """Run until stopped: act while holding the lease, wait while another holds it."""
        log.info("worker %s started: %s", self.holder, ", ".join(j.name for j in self.jobs),
                 extra={"event": "worker-started"})
        waiting = False
        try:
            while not self.stopping.is_set():
                holding = self.run_once() is not None
                if holding == waiting:  # log the change, not every poll
                    waiting = not holding
                    log.info("worker %s %s", self.holder,
                             "waits: another worker holds the lease" if waiting
                             else "holds the lease", extra={"event": "worker-lease"})
                self.stopping.wait(self.poll_seconds)
        finally:
            self.release()
        log.info("worker %s stopped", self.holder, extra={"event": "worker-stopped"})

    @property
    def poll_seconds(self) -> float:
        # Often enough to renew the lease several times before it runs out.
        return min(15.0, self.ttl.total_seconds() / 4)

    def release(self) -> None:
        queries.release_lease(self.db, self.holder, self.clock())

    def _run_if_due(self, job: Job) -> Outcome | None:
        now = self.clock()
        if not queries.start_job(self.db, job.name, self.holder, now, self.ttl,
                                 lambda state: is_due(job, state, now)):
            return None
        started = time.monotonic()
        counts, error = {}, None
        with self._heartbeat():
            try:
                counts = job.run(self.app, self.db, now)
            except Exception as problem:  # one failing job must not stop the others
                error = problem
        queries.finish_job(self.db, job.name, "failed" if error else "ok", self.clock())
        _log_run(job.name, counts, error, time.monotonic() - started)
        return Outcome(job.name, error is None)

    @contextmanager
    def _heartbeat(self) -> Iterator[None]:
        """Renew the lease from a second connection while the job runs."""
        done = threading.Event()

        def beat() -> None:
            db = connect(self.app.config["DATABASE"])
            try:
                while not done.wait(self.poll_seconds):
                    if not queries.renew_lease(db, self.holder, self.clock(), self.ttl):
                        log.warning("worker %s lost its lease during a job", self.holder)
            finally:
                db.close()

        thread = threading.Thread(target=beat, name="lease-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()


def _log_run(name: str, counts: dict, error: Exception | None, seconds: float) -> None:
    """One line per job run: counts only, never who or what."""
    text = " ".join(f"{key}={value}" for key, value in counts.items())
    extra = {"event": "job", "job": name, "outcome": "failed" if error else "ok",
             "counts": counts, "duration_ms": round(seconds * 1000, 1)}
    if error is None:
        log.info("job %s ok in %.2f s %s", name, seconds, text, extra=extra)
    else:
        # The traceback says where it failed; the exception's type and text say why.
        log.error("job %s failed in %.2f s: %s", name, seconds, type(error).__name__,
                  extra=extra, exc_info=error)
