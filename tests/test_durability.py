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
from bs4 import BeautifulSoup
from helpers import ACTIVITIES, fill_form

from patientapp import create_app
from patientapp.accounts import save_clinic
from patientapp.config import PROJECT_ROOT
from patientapp.courses import queries as courses
from patientapp.db import connect, migrate
from patientapp.questionnaires import flow, kinds

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

    def csrf_from(self, path: str) -> str:
        status, _, page = self.request("GET", path)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def post_step(self, path: str) -> tuple[int, str]:
        """Answer one screen as its form asks (read from the page, so every kind of question
        is answered); the submit takes the CSRF token from the home page, which always
        carries one (in its language switch), also after a submit lost to the kill."""
        if path.endswith("/submit"):
            fields = {"csrf_token": self.csrf_from(f"/q/{self.token}")}
        else:
            status, _, page = self.request("GET", path)
            form = BeautifulSoup(page, "html5lib").find("form", attrs={"action": path})
            fields = fill_form(form)
        return self.request("POST", path, urlencode(fields, doseq=True))[:2]

    def run(self, steps: list[str]) -> None:
        """Post every step, retrying through a dead server until the deadline."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        for path in steps:
            while time.monotonic() < deadline:
                try:
                    status, location = self.post_step(path)
                except (OSError, http.client.HTTPException, AttributeError):
                    self.failures += 1
                    time.sleep(0.2)
                    continue
                # A submit counts only when it is accepted (not sent back to a missing answer).
                if status == 302 and (not path.endswith("/submit")
                                      or location.endswith("/done")):
                    self.confirmed.append(path)
                    break
                time.sleep(0.2)


def steps_for(token: str, timepoint: dict, pathway) -> list[str]:
    """The paths of every screen of the timepoint, as the app builds them, then the submit."""
    screens = kinds.build_steps(timepoint["questionnaires"], list(pathway.nprs_sites),
                                psfs_names_activities=True)
    return [f"/q/{token}/step/{step.id}" for step in screens] + [f"/q/{token}/submit"]


def scores_per_submission(timepoint: dict, pathway) -> int:
    """One score per NPRS pain site, per PSFS activity named (as fill_form names them)
    plus the PSFS mean, and one per other scored instrument; unscored ones have none."""
    per_instrument = {"nprs": len(pathway.nprs_sites), "psfs": 1 + len(ACTIVITIES)}
    return sum(per_instrument.get(q, 1) for q in timepoint["questionnaires"]
               if q not in flow.UNSCORED)


@pytest.mark.skipif(sys.platform == "win32", reason="needs process groups")
def test_sigkill_mid_run_loses_and_duplicates_nothing(tmp_path):
    database = tmp_path / "durable.sqlite3"
    app = create_app({"DATABASE": str(database)})
    content = app.extensions["content"]
    db = connect(str(database))
    migrate(db)
    clinic = save_clinic(db, "Fysio Last")
    pathway = content.pathway("lumbar-radiculopathy")
    tokens = []
    for n in range(PATIENTS):
        course_id = courses.enrol(db, courses.NewPatient(clinic, f"P{n}"), pathway,
                                  date.today())
        courses.record_consent(db, course_id, "given")
        baseline = courses.list_timepoints(db, course_id)[0]
        tokens.append(courses.create_invitation(db, baseline))
    db.close()

    server = Server(database, free_port())
    server.start()
    patients = [Patient(server.port, token) for token in tokens]
    threads = [threading.Thread(target=p.run, args=(steps_for(p.token, baseline, pathway),))
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
    # Each submission scored exactly once: never fewer, never more.
    assert len(rows) == PATIENTS
    assert {count for _, count in rows} == {scores_per_submission(baseline, pathway)}
    responses = conn.execute("SELECT instrument, count(*) FROM responses"
                             " WHERE status = 'submitted' GROUP BY instrument").fetchall()
    assert dict(responses) == dict.fromkeys([*baseline["questionnaires"], "safety"], PATIENTS)
    # Every screen is answered in what was kept, as the app itself judges a screen answered.
    safety = content.questionnaire("safety", "da").safety_items(pathway.id, "baseline")
    for step in kinds.build_steps(baseline["questionnaires"], list(pathway.nprs_sites), True):
        for (text,) in conn.execute("SELECT answers FROM responses WHERE instrument = ?",
                                    [step.instrument]).fetchall():
            answers = json.loads(text)
            screen = kinds.Screen(step, content.questionnaire(step.instrument, "da"), answers,
                                  list(answers.get("activities") or []), safety)
            assert kinds.KINDS[step.kind].is_answered(screen), step.id
    odi = conn.execute("SELECT answers FROM responses WHERE instrument = 'odi'").fetchall()
    assert all(len(json.loads(a)) == 10 for (a,) in odi)
