"""Shared fixtures: an app on a fresh database, a checking test client, enrolled patients."""

from __future__ import annotations

import http.client
import os
import re
import socket
from collections import Counter
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from hypothesis import settings

from patientapp import create_app
from patientapp.accounts import save_clinic
from patientapp.courses import queries as courses
from patientapp.db import connect, migrate
from patientapp.i18n import compile_catalogs

# HYPOTHESIS_PROFILE=long: thousands of examples per property, for bench/ or by hand.
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# The catalogs are compiled by a command, not by each app: once here for the whole run.
compile_catalogs(Path(__file__).resolve().parent.parent / "translations")

# Where the test clinic's alarm notifications go: without one, no patient gets a link.
ALERT_EMAIL = "vagt@fysio-test.example"


class PageError(AssertionError):
    pass


def check_page(html: str, url: str) -> BeautifulSoup:
    """What every HTML page must have (GOV.UK Notify style): parsed and sanity-checked."""
    page = BeautifulSoup(html, "html5lib")
    assert page.html.get("lang") in ("da", "en"), f"{url}: <html lang> missing"
    assert page.title and page.title.string and page.title.string.strip(), f"{url}: no <title>"
    ids = Counter(tag["id"] for tag in page.find_all(id=True))
    dupes = [i for i, n in ids.items() if n > 1]
    assert not dupes, f"{url}: duplicate ids {dupes}"
    for form in page.find_all("form"):
        assert form.get("action"), f"{url}: a form without action"
        if form.get("method", "get").lower() == "post":
            assert form.find("input", attrs={"name": "csrf_token"}), \
                f"{url}: POST form without CSRF"
    for field in page.find_all(["input", "select", "textarea"]):
        if field.get("type") in ("hidden", "submit"):
            continue
        assert field.get("id") and page.find("label", attrs={"for": field["id"]}), \
            f"{url}: field {field.get('name')} has no label"
    assert len(page.find_all("h1")) == 1, f"{url}: expected exactly one <h1>"
    return page


class CheckingClient:
    """Wraps Flask's test client: HTML responses are parsed and checked on every request."""

    def __init__(self, client):
        self.raw = client

    def _checked(self, response, url):
        response.page = None
        if response.mimetype == "text/html":
            response.page = check_page(response.get_data(as_text=True), url)
        return response

    def get(self, url, **kwargs):
        return self._checked(self.raw.get(url, **kwargs), url)

    def post(self, url, **kwargs):
        return self._checked(self.raw.post(url, **kwargs), url)

    def follow(self, response):
        assert response.status_code in (302, 303), response.status_code
        return self.get(response.headers["Location"])


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    """Rate limits count per minute: a test must not straddle a minute boundary."""
    monkeypatch.setattr("patientapp.web.ratelimit.now", lambda: 1_800_000_000.0)


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "TESTING": True,
        "DATABASE": str(tmp_path / "test.sqlite3"),
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://localhost",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-123",
        "ALARM_SEND_ON_SAVE": False,  # sent by the tests themselves, so they can check it
    })
    db = connect(app.config["DATABASE"])
    migrate(db)
    db.close()
    return app


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.close()


@pytest.fixture
def client(app):
    return CheckingClient(app.test_client())


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def clinic_id(db):
    return save_clinic(db, "Fysio Test", "+45 11 22 33 44", alert_emails=ALERT_EMAIL)


@pytest.fixture
def content(app):
    return app.extensions["content"]


@pytest.fixture
def enrol(db, content, clinic_id):
    """Enrol a patient and return (course_id, token for the given timepoint)."""

    def _enrol(pathway="primary-low-back-pain", timepoint="baseline", language="da",
               consent=None, first_visit=None):
        first_visit = first_visit or date.today()
        course_id = courses.enrol(db, courses.NewPatient(clinic_id, "Test Patient",
                                                         language=language),
                                  content.pathway(pathway), first_visit)
        if consent:
            courses.record_consent(db, course_id, consent)
        tp = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == timepoint)
        return course_id, courses.create_invitation(db, tp)

    return _enrol


ACTIVITIES = ("Gå en tur", "Cykle", "Bære indkøb")  # the PSFS asks for at least 3


def _fill(form) -> dict:
    """Valid answers for any questionnaire form, read from the form itself: "no" where it is
    offered, else the first option; the first three text boxes get an activity each."""
    data, texts = {}, 0
    for field in form.find_all(["input", "textarea", "select"]):
        name, kind = field.get("name"), field.get("type", "text")
        if not name or kind == "submit":
            continue
        if kind == "hidden":
            data[name] = field.get("value", "")
        elif kind in ("radio", "checkbox"):
            if name not in data or field.get("value") == "no":
                data[name] = field.get("value")
        elif field.name == "select":
            data[name] = field.find("option").get("value")
        elif texts < len(ACTIVITIES):
            data[name], texts = ACTIVITIES[texts], texts + 1
    return data


@pytest.fixture
def answer_all():
    """Walk a patient link as a patient would: consent, every screen, review, submit.

    Each form is filled from what the page offers, so new steps need no change here.
    Returns the paths posted to, the last being the submit.
    """

    def _answer_all(client: CheckingClient, token: str) -> list[str]:
        response = client.post(f"/q/{token}/consent", data={"consent": "given"})
        response, posted = client.follow(response), []
        while True:
            form = next(f for f in response.page.find_all("form")
                        if not f["action"].endswith("/language"))
            posted.append(form["action"])
            response = client.post(form["action"], data=_fill(form))
            assert response.status_code in (302, 303), (form["action"], response.status_code)
            response = client.follow(response)
            if response.request.path.endswith("/done"):
                return posted

    return _answer_all


def step_ids(html_page) -> list[str]:
    return [m for m in re.findall(r"/step/([\w-]+)", str(html_page))]


def yesterday() -> date:
    return date.today() - timedelta(days=1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str, headers: dict | None = None) -> tuple[int, str]:
    """GET from a server of the tests' own on loopback: (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return response.status, body


class SmtpInbox:
    """What a real SMTP server on loopback received, as parsed e-mails with their recipients."""

    def __init__(self):
        self.messages, self.recipients = [], []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """(port, inbox) of an SMTP server (aiosmtpd) listening on loopback for one test."""
    inbox, port = SmtpInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()
