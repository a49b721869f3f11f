"""Nothing is lost when the server dies: many patients submit through gunicorn on loopback,
the server is killed with SIGKILL mid-run and restarted, and every answer that got a
success response is in the database exactly once, which passes its integrity check.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest

from patientapp import create_app
from patientapp.accounts import save_clinic
from patientapp.config import PROJECT_ROOT
from patientapp.courses import queries as courses
from patientapp.db import connect, migrate

PATIENTS = 24
THREADS = 8
DEADLINE_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn running wsgi:app against one database, started and killed on demand."""

    def __init__(self, database: Path, port: int):
        self.port, self.process = port, None
        self.env = {**os.environ, "PATIENTAPP_DATABASE": str(database),
                    "PATIENTAPP_SECRET_KEY": "durability-test-secret-0123456789abcdef",
                    "PATIENTAPP_BASE_URL": "https://skema.durability.example",
                    # every simulated phone comes from 127.0.0.1
                    "PATIENTAPP_PATIENT_RATE_LIMIT": "1000000"}

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind",
             f"127.0.0.1:{self.port}", "--graceful-timeout", "1", "wsgi:app"],
            cwd=PROJECT_ROOT, env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # master and workers, no clean-up
        self.process.wait(10)


class Patient:
    """A browser stand-in: keeps its cookie, fetches the CSRF token, posts each screen."""

    def __init__(self, port: int, token: str):
        self.port, self.token, self.cookie = port, token, ""
        self.confirmed: list[str] = []  # what the server said it saved
        self.failures = 0  # requests lost to the dead server

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        if cookie := response.getheader("Set-Cookie"):
            self.cookie = cookie.split(";", 1)[0]
        conn.close()
        return response.status, response.getheader("Location") or "", text

    def post_form(self, path: str, fields: dict) -> tuple[int, str]:
        # The home page always carries a CSRF token (in its language switch), also after
        # a submit whose response was lost to the kill.
        status, _, page = self.request("GET", f"/q/{self.token}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        status, location, _ = self.request("POST", path, urlencode({**fields,
                                                                     "csrf_token": csrf}))
        return status, location

    def run(self, steps: list[tuple[str, dict]]) -> None:
        """Post every step, retrying through a dead server until the deadline."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        for path, fields in steps:
            while time.monotonic() < deadline:
                try:
                    status, location = self.post_form(path, fields)
                except (OSError, http.client.HTTPException, AttributeError):
                    self.failures += 1
                    time.sleep(0.2)
                    continue
                if status == 302:
                    self.confirmed.append(path)
                    break
                time.sleep(0.2)


def steps_for(token: str, safety_items: list[str]) -> list[tuple[str, dict]]:
    base = f"/q/{token}"
    steps = [(f"{base}/step/nprs-back", {"answer": "5"}), (f"{base}/step/nprs-leg",
                                                          {"answer": "6"})]
    steps += [(f"{base}/step/odi-{n}", {"answer": str(n % 6)}) for n in range(1, 11)]
    steps += [(f"{base}/step/psfs-activities", {"activities-0": "Gå tur", "fewer": "y"}),
              (f"{base}/step/psfs-rate", {"rating_1": "4"}),
              (f"{base}/step/safety", {f"item_{i}": "no" for i in safety_items}),
              (f"{base}/submit", {})]
    return steps


@pytest.mark.skipif(sys.platform == "win32", reason="needs process groups")
def test_sigkill_mid_run_loses_and_duplicates_nothing(tmp_path):
    database = tmp_path / "durable.sqlite3"
    app = create_app({"DATABASE": str(database)})
    content = app.extensions["content"]
    db = connect(str(database))
    migrate(db)
    clinic = save_clinic(db, "Fysio Last")
    tokens = []
    for n in range(PATIENTS):
        course_id = courses.enrol(db, courses.NewPatient(clinic, f"P{n}"),
                                  content.pathway("lumbar-radiculopathy"), date.today())
        courses.record_consent(db, course_id, "given")
        tokens.append(courses.create_invitation(db, courses.list_timepoints(db, course_id)[0]))
    db.close()
    safety = [i["id"] for i in content.questionnaire("safety", "en")
              .safety_items("lumbar-radiculopathy")]

    server = Server(database, free_port())
    server.start()
    patients = [Patient(server.port, token) for token in tokens]
    threads = [threading.Thread(target=p.run, args=(steps_for(p.token, safety),))
               for p in patients]
    for thread in threads[:THREADS]:
        thread.start()
    while sum(len(p.confirmed) for p in patients) < 3 * THREADS:
        time.sleep(0.02)
    server.kill()  # mid-run: requests are in flight
    for thread in threads[THREADS:]:
        thread.start()
    time.sleep(0.5)
    server.start()
    for thread in threads:
        thread.join(DEADLINE_SECONDS + 10)
    server.kill()

    assert sum(p.failures for p in patients) > 0, "the kill interrupted nobody"
    conn = sqlite3.connect(database)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    submitted = [p for p in patients if p.confirmed and p.confirmed[-1].endswith("/submit")]
    assert len(submitted) == PATIENTS, "every patient finished after the restart"
    rows = conn.execute("SELECT t.id, count(s.id) FROM timepoints t JOIN scores s ON"
                        " s.timepoint_id = t.id WHERE t.key = 'baseline' AND"
                        " t.submitted_at IS NOT NULL GROUP BY t.id").fetchall()
    # Per submission: NPRS back + leg, ODI, PSFS mean + 1 activity = 5 scores, never more.
    assert len(rows) == PATIENTS and {count for _, count in rows} == {5}
    responses = conn.execute("SELECT count(*) FROM responses WHERE status = 'submitted'")
    assert responses.fetchone()[0] == PATIENTS * 4  # nprs, odi, psfs, safety
    odi = conn.execute("SELECT answers FROM responses WHERE instrument = 'odi'").fetchall()
    assert all(len(json.loads(a)) == 10 for (a,) in odi)
