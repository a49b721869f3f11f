"""Shared fixtures: an app on a fresh database, a checking test client, enrolled patients."""

from __future__ import annotations

import os
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from helpers import ALERT_EMAIL, CheckingClient, fill_form, free_port, sign_in_as
from hypothesis import settings

from patientapp import accounts, create_app
from patientapp.accounts import save_clinic
from patientapp.courses import queries as courses
from patientapp.db import connect, migrate
from patientapp.i18n import compile_catalogs

# HYPOTHESIS_PROFILE=long: thousands of examples per property, for bench/ or by hand.
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# A cheap password hash for the tests' many accounts; test_sign_in times the real one.
accounts.HASH_METHOD = "pbkdf2:sha256:1000"

# The catalogs are compiled by a command, not by each app: once here for the whole run.
compile_catalogs(Path(__file__).resolve().parent.parent / "translations")


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    """Rate limits count per minute: a test must not straddle a minute boundary."""
    monkeypatch.setattr("patientapp.web.ratelimit.now", lambda: 1_800_000_000.0)


# What every test app runs with; a test changes only what it is about (``make_app``).
TEST_SETTINGS = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "BASE_URL": "http://localhost",
    "SECRET_KEY": "test-secret-key-that-is-long-enough-123",
    "ALARM_SEND_ON_SAVE": False,  # sent by the tests themselves, so they can check it
}


@pytest.fixture
def make_app(tmp_path):
    """``make_app(**overrides)``: an app with the test settings on a migrated database of its
    own (or the ``DATABASE`` given), with ``overrides`` on top."""
    made = []

    def _make(**overrides):
        config = {**TEST_SETTINGS, "DATABASE": str(tmp_path / f"app{len(made)}.sqlite3"),
                  **overrides}
        app = create_app(config)
        if config["DATABASE"] != ":memory:":
            database = connect(config["DATABASE"])
            migrate(database)
            database.close()
        made.append(app)
        return app

    return _make


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(DATABASE=str(tmp_path / "test.sqlite3"))


class AuthActions:
    """flaskr's ``auth``: sign the test client in as a clinician of a role, and out."""

    def __init__(self, client, db, clinic_id):
        self.client, self.db, self.clinic_id = client, db, clinic_id

    def login(self, role: str = "admin", clinic_id: int | None = None, language: str = "en"):
        return sign_in_as(self.client, self.db, clinic_id or self.clinic_id, role, language)

    def logout(self):
        return self.client.post("/clinic/logout")


@pytest.fixture
def auth(client, db, clinic_id):
    return AuthActions(client, db, clinic_id)


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
            response = client.post(form["action"], data=fill_form(form))
            assert response.status_code in (302, 303), (form["action"], response.status_code)
            response = client.follow(response)
            if response.request.path.endswith("/done"):
                return posted

    return _answer_all


class SmtpInbox:
    """What a real SMTP server on loopback received, as parsed e-mails with their recipients."""

    def __init__(self):
        self.messages, self.recipients = [], []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class MailRecorder:
    """An e-mail backend that keeps what it is given."""

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


@pytest.fixture
def mailbox(monkeypatch):
    """Every e-mail the app sends (through the configured backend), kept in ``.sent``."""
    recorder = MailRecorder()
    monkeypatch.setattr("patientapp.notifications.backends.email_from_config",
                        lambda config: recorder)
    return recorder


@pytest.fixture
def smtp_server():
    """(port, inbox) of an SMTP server (aiosmtpd) listening on loopback for one test."""
    inbox, port = SmtpInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()
