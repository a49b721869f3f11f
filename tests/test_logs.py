"""Logs: an access line per request with its request id, JSON on request, unexpected errors
with their traceback, and never a name, contact detail, answer or link token."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import sys
from datetime import date, timedelta

import pytest
from helpers import CheckingClient

from patientapp.config import ConfigurationError
from patientapp.db import connect
from patientapp.demo import DEMO_EMAIL, create_demo
from patientapp.timeutil import utcnow
from patientapp.worker.loop import Worker

PASSWORD = "journey-password-123"  # nosec B105
REQUEST_ID = re.compile(r"^[0-9a-f]{16}$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def stderr():
    """What the app writes to standard error."""
    return io.StringIO()


@pytest.fixture
def make_app(make_app, stderr, monkeypatch):
    """The suite's ``make_app``, logging to ``stderr``, not testing: errors are handled as in
    production (logged and answered with the error page), not raised into the test."""
    def _make(**config):
        with monkeypatch.context() as patch:  # the log handler takes sys.stderr at create_app
            patch.setattr(sys, "stderr", stderr)
            return make_app(TESTING=False, **config)
    return _make


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_each_request_gets_an_access_line_with_its_request_id(make_app, stderr):
    app = make_app()
    response = app.test_client().get("/healthz")
    request_id = response.headers["X-Request-ID"]
    assert REQUEST_ID.match(request_id)
    [line] = [line for line in stderr.getvalue().splitlines() if "patientapp.requests" in line]
    assert f"[{request_id}]" in line and line.endswith(
        "GET monitoring.show_health 200 in " + line.rsplit(" in ", 1)[1])
    assert app.test_client().get("/healthz").headers["X-Request-ID"] != request_id


def test_json_logs_are_one_object_per_line_with_the_request_fields(make_app, stderr):
    app = make_app(LOG_FORMAT="json")
    client = app.test_client()
    ids = [client.get(path).headers["X-Request-ID"] for path in ("/", "/no-such-page")]
    entries = json_lines(stderr.getvalue())
    access = [e for e in entries if e["logger"] == "patientapp.requests"]
    assert [(e["request_id"], e["method"], e["endpoint"], e["status"]) for e in access] == [
        (ids[0], "GET", "web.show_index", 200), (ids[1], "GET", "unmatched", 404)]
    assert all(isinstance(e["duration_ms"], float) and e["level"] == "INFO" for e in access)
    assert "/no-such-page" not in stderr.getvalue()


def test_plain_text_is_the_default_and_a_misspelt_format_is_refused(make_app, stderr):
    make_app().test_client().get("/")
    assert not stderr.getvalue().lstrip().startswith("{")
    with pytest.raises(ConfigurationError, match="PATIENTAPP_LOG_FORMAT"):
        make_app(LOG_FORMAT="jsn")


def boom(*args, **kwargs):
    raise RuntimeError("something broke")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_an_unexpected_error_is_logged_with_its_traceback_and_request_id(
        make_app, stderr, monkeypatch, log_format):
    app = make_app(LOG_FORMAT=log_format)
    monkeypatch.setattr("patientapp.web.pages.render_template", boom)
    response = app.test_client().get("/")
    assert response.status_code == 500 and "something broke" not in response.get_data(True)
    request_id = response.headers["X-Request-ID"]
    text = stderr.getvalue()
    if log_format == "json":
        [error] = [e for e in json_lines(text) if e["level"] == "ERROR"]
        assert error["request_id"] == request_id and error["endpoint"] == "web.show_index"
        assert error["exception"] == "RuntimeError"
        assert "Traceback (most recent call last)" in error["traceback"]
        assert 'in show_index' in error["traceback"]
    else:
        assert f"ERROR patientapp.errors [{request_id}]: unexpected error in GET " \
               "web.show_index: RuntimeError" in text
        assert "Traceback (most recent call last)" in text and "in show_index" in text


# --- a whole journey, then a search of everything logged ----------------------------------

def secrets_of(demo: dict, *extra: str) -> set[str]:
    """Every name part, contact detail and token that must never reach a log."""
    found = set(extra)
    for patient in demo["patients"]:
        found |= {patient["name"], *patient["name"].split(), patient["link"].rsplit("/", 1)[1]}
    return found | {demo["clinician"]["email"], demo["clinician"]["password"]}


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_whole_journey_logs_no_personal_data(make_app, stderr, caplog, monkeypatch,
                                               answer_all, log_format):
    dead = free_port()  # nothing listens: every send and delivery fails and is logged
    app = make_app(LOG_FORMAT=log_format, SMTP_HOST="127.0.0.1", SMTP_PORT=dead,
                   SMTP_STARTTLS=False, MAIL_FROM="skema@fysio.example",
                   SMS_URL=f"http://127.0.0.1:{dead}/sms",
                   WEBHOOK_URL=f"http://127.0.0.1:{dead}/hook", WEBHOOK_SECRET="w" * 32,
                   WEBHOOK_SEND_ON_SUBMIT=False, BACKUP_DIR=None)
    caplog.set_level(logging.DEBUG)
    db = connect(app.config["DATABASE"])
    demo = create_demo(db, app.extensions["content"], "http://localhost", date.today(),
                       PASSWORD)
    client = CheckingClient(app.test_client())

    # The clinician signs in, enrols a patient with contact details and makes a link.
    assert client.post("/clinic/login", data={"email": DEMO_EMAIL,
                                              "password": "wrong password"}).status_code == 401
    assert client.post("/clinic/login", data={"email": DEMO_EMAIL,
                                              "password": PASSWORD}).status_code == 302
    enrolled = client.post("/clinic/patients/new", data={
        "name": "Karen Blixen", "email": "Karen.Blixen@Example.DK", "phone": "12 34 56 78",
        "language": "da", "pathway": "lumbar-radiculopathy", "referral_date": "",
        "first_visit": (date.today() + timedelta(days=2)).isoformat()})
    course_id = int(enrolled.headers["Location"].rsplit("/", 1)[1])
    link = client.post(f"/clinic/courses/{course_id}/link").page.select_one("#patient-link")
    token = link["value"].rsplit("/", 1)[1]
    client.post(f"/clinic/courses/{course_id}/send-link")  # both channels fail

    # Two patients answer everything and submit; one mistypes a link; one page breaks.
    answer_all(client, token)
    answer_all(client, demo["patients"][1]["link"].rsplit("/", 1)[1])
    assert client.raw.get(f"/q/{token}x").status_code == 404
    with monkeypatch.context() as patch:
        patch.setattr("patientapp.questionnaires.views.render_template", boom)
        assert client.raw.get(f"/q/{demo['patients'][2]['link'].rsplit('/', 1)[1]}") \
            .status_code == 500

    # The clinician looks at the patient; the worker sends and delivers (and fails to).
    for path in ("/clinic/", f"/clinic/courses/{course_id}",
                 f"/clinic/courses/{course_id}/answers", "/clinic/overview"):
        assert client.get(path).status_code == 200, path
    with app.app_context():
        moment = utcnow() + timedelta(minutes=1)  # the deliveries queued at submit are due
        outcomes = Worker(app, db, lambda: moment, "journey").run_once()
    assert [o.job for o in outcomes] == ["send-due", "deliver", "purge-expired"]

    logged = stderr.getvalue() + "\n" + caplog.text
    for record in caplog.records:
        logged += "\n" + repr(record.args) + repr(record.__dict__.get("counts"))
    # The search is worth something only if the log holds what happened.
    for expected in ("questionnaires.submit", "clinician.show_course", "attempt 1 failed",
                     "webhook delivery", "Traceback", "job send-due", "RuntimeError"):
        assert expected in logged, expected
    if log_format == "json":
        assert all(isinstance(e, dict) for e in json_lines(stderr.getvalue()))
    forbidden = secrets_of(demo, "Karen", "Blixen", "Karen.Blixen", "karen.blixen",
                           "Example.DK", "example.dk", "12 34 56 78", "12345678", token,
                           "Gå en tur", "Ga en tur")
    found = {word for word in forbidden if word.lower() in logged.lower()}
    assert not found, f"personal data in the log: {found}"

