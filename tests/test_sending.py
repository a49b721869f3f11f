"""Sending invitations and reminders: the rules, the outbox, SMTP and SMS, and 12 months of runs.

E-mail goes to a real SMTP server on loopback (aiosmtpd) and SMS to an HTTP stub on
loopback, both started by the tests. The long runs call ``send_due`` directly; one
test drives the whole thing through the command line.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import date, datetime, time, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from babel.dates import format_date
from helpers import free_port, submit_timepoint

from patientapp.courses import queries as courses
from patientapp.notifications import due
from patientapp.notifications import queries as outbox
from patientapp.notifications.backends import DeliveryError, HttpSms, SmtpEmail
from patientapp.notifications.sending import Outlets, send_due
from patientapp.timeutil import CLINIC_TZ, iso
from patientapp.web.security import hash_token

START = date.today() + timedelta(days=1)
FIRST = START + timedelta(days=10)
LINK = re.compile(r"http://localhost/q/([A-Za-z0-9_-]+)")
HEALTH_WORDS = re.compile(
    r"\b(odi|ndi|nprs|psfs|oswestry|pain|back|neck|nerve|leg|arm|smerte\w*|ryg\w*|nakke\w*|"
    r"lænd\w*|nerverod\w*|ben|questionnaires?|spørgeskema\w*|symptom\w*)\b", re.IGNORECASE)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CLINIC_TZ)


class RecordingEmail:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


class RecordingSms(RecordingEmail):
    pass


class FailingEmail:
    def __init__(self):
        self.tries = 0

    def send(self, message):
        self.tries += 1
        raise DeliveryError("e-mail not accepted: ConnectionRefusedError [Errno 111]")


@pytest.fixture
def outlets():
    return Outlets(email=RecordingEmail(), sms=RecordingSms(), base_url="http://localhost")


@pytest.fixture
def patient(db, content, clinic_id):
    def _patient(pathway="lumbar-radiculopathy", email="anna@example.dk", phone="",
                 language="da", first_visit=FIRST, referral=None):
        return courses.enrol(db, courses.NewPatient(clinic_id, "Anna Jensen", email, phone,
                                                    language),
                             content.pathway(pathway), first_visit, referral)
    return _patient


@pytest.fixture
def run(app, db):
    def _run(now, outlets):
        with app.app_context():
            return send_due(db, now, outlets)
    return _run


def rows(db, **where) -> list[dict]:
    found = outbox.list_outbox(db)
    return [r for r in found if all(r[k] == v for k, v in where.items())]


def timepoint(db, course_id, key) -> dict:
    return next(t for t in courses.list_timepoints(db, course_id) if t["key"] == key)


def day_of(db, course_id, key, field) -> date:
    return date.fromisoformat(timepoint(db, course_id, key)[field])


def token_in(text: str) -> str:
    return LINK.search(text).group(1)


def message_for(db, token) -> dict:
    """The outbox row and timepoint that a link in a message belongs to."""
    return next(db.query(
        "SELECT outbox.kind, outbox.channel, outbox.course_id, timepoints.key FROM invitations"
        " JOIN outbox ON outbox.invitation_id = invitations.id"
        " JOIN timepoints ON timepoints.id = invitations.timepoint_id"
        " WHERE invitations.token_hash = ?", [hash_token(token)]))


# --- the rules, as pure functions ---------------------------------------------------

def candidate(**changes) -> dict:
    base = {"timepoint_id": 7, "course_status": "active", "send_at": "2026-03-10",
            "remind_at": "2026-03-11", "expires_at": "2026-03-15T23:00:00+00:00",
            "submitted_at": None, "email": "a@b.dk", "phone": "", "outbox": {}}
    return {**base, **changes}


def sent_row(kind="invitation", channel="email", day="2026-03-10", status="sent", **extra):
    return {due.idempotency_key(7, kind, channel): {
        "status": status, "claimed_at": f"{day}T08:00:00+00:00", "recipient": "old@b.dk",
        "sent_at": f"{day}T08:00:00+00:00" if status == "sent" else None,
        "next_attempt_at": None, **extra}}


def kinds(messages) -> list[tuple[str, str]]:
    return [(m.kind, m.channel) for m in messages]


@pytest.mark.parametrize("changes, now, expected", [
    ({}, at(date(2026, 3, 9), 12), []),
    ({}, at(date(2026, 3, 10)), [("invitation", "email")]),
    ({"phone": "+4512345678"}, at(date(2026, 3, 10)),
     [("invitation", "email"), ("invitation", "sms")]),
    ({"email": "", "phone": "+4512345678"}, at(date(2026, 3, 10)), [("invitation", "sms")]),
    ({"email": ""}, at(date(2026, 3, 10)), []),
    ({"submitted_at": "2026-03-10T07:00:00+00:00"}, at(date(2026, 3, 10)), []),
    ({"course_status": "ended"}, at(date(2026, 3, 10)), []),
    ({}, at(date(2026, 3, 16)), []),  # expired
    ({"outbox": sent_row()}, at(date(2026, 3, 10), 15), []),
    ({"outbox": sent_row()}, at(date(2026, 3, 11)), [("reminder", "email")]),
    ({"outbox": sent_row(day="2026-03-11")}, at(date(2026, 3, 12)), []),  # invited late
    ({"outbox": sent_row(), "remind_at": None}, at(date(2026, 3, 12)), []),
    ({"outbox": {**sent_row(), **sent_row("reminder")}}, at(date(2026, 3, 12)), []),
    ({"outbox": sent_row(status="unknown")}, at(date(2026, 3, 11)), [("reminder", "email")]),
    ({"outbox": sent_row(status="failed")}, at(date(2026, 3, 11)), []),
    ({"outbox": sent_row(status="sending")}, at(date(2026, 3, 11)), []),
    ({"outbox": sent_row(status="pending", next_attempt_at="2026-03-10T09:00:00+00:00")},
     at(date(2026, 3, 10), 9, 30), []),
    ({"outbox": sent_row(status="pending", next_attempt_at="2026-03-10T09:00:00+00:00")},
     at(date(2026, 3, 10), 11), [("invitation", "email")]),
])
def test_what_is_due(changes, now, expected):
    assert kinds(due.due_messages(candidate(**changes), now)) == expected


def test_a_retry_goes_to_the_address_first_used():
    retry = sent_row(status="pending", next_attempt_at="2026-03-10T00:00:00+00:00")
    [message] = due.due_messages(candidate(outbox=retry), at(date(2026, 3, 10)))
    assert message.recipient == "old@b.dk"
    assert message.key == "7:invitation:email"


@pytest.mark.parametrize("moment, inside", [
    (at(date(2026, 3, 10), 7, 59), False), (at(date(2026, 3, 10), 8, 0), True),
    (at(date(2026, 3, 10), 19, 59), True), (at(date(2026, 3, 10), 20, 0), False),
    (datetime.fromisoformat("2026-07-01T06:30:00+00:00"), True),   # 08:30 summer time
    (datetime.fromisoformat("2026-01-15T18:30:00+00:00"), True),   # 19:30 winter time
    (datetime.fromisoformat("2026-07-01T18:30:00+00:00"), False),  # 20:30 summer time
])
def test_messages_go_out_between_eight_and_eight_clinic_time(moment, inside):
    assert due.within_sending_hours(moment) is inside


def test_retries_back_off_and_give_up_after_five_attempts():
    now = at(date(2026, 3, 10))
    waits = [due.next_attempt(now, n) - now for n in range(1, 5)]
    assert waits == [timedelta(minutes=m) for m in (15, 30, 60, 120)]
    assert [due.gives_up(n) for n in range(1, 6)] == [False] * 4 + [True]


# --- SMTP on loopback -----------------------------------------------------------------

class Inbox:
    def __init__(self, refuse=False):
        self.messages, self.refuse = [], refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def start_smtp(port: int, refuse: bool = False):
    inbox = Inbox(refuse)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp():
    controller, inbox = start_smtp(free_port())
    yield controller, inbox
    controller.stop()


def smtp_outlets(port, starttls=False):
    return Outlets(email=SmtpEmail("127.0.0.1", port, "skema@fysio.example", starttls=starttls),
                   sms=RecordingSms(), base_url="http://localhost")


def parts(message) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content())


def test_a_danish_patient_gets_a_danish_email_with_both_parts(run, db, patient, smtp, client,
                                                               content):
    controller, inbox = smtp
    patient(language="da")
    report = run(at(FIRST - timedelta(days=3)), smtp_outlets(controller.port))
    assert report.sent == 1
    [message] = inbox.messages
    visit = format_date(FIRST, "long", locale="da")
    assert message["Subject"] == f"Spørgsmål før din konsultation den {visit}"
    assert message["To"] == "anna@example.dk"
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Fysio Test", "skema@fysio.example")
    text, html = parts(message)
    for body in (text, html):
        assert "Fysio Test" in body and visit in body and "+45 11 22 33 44" in body
        assert "Hej" in body
    assert '<html lang="da">' in html and f'href="http://localhost/q/{token_in(html)}"' in html
    assert token_in(text) == token_in(html)
    assert client.get(f"/q/{token_in(text)}").status_code == 200


def test_an_english_patient_gets_english_and_a_reminder_says_so(run, db, patient, smtp):
    controller, inbox = smtp
    course_id = patient(language="en")
    outlets = smtp_outlets(controller.port)
    run(at(day_of(db, course_id, "baseline", "send_at")), outlets)
    run(at(day_of(db, course_id, "baseline", "remind_at")), outlets)
    invitation, reminder = inbox.messages
    visit = format_date(FIRST, "long", locale="en_GB")
    assert invitation["Subject"] == f"Questions before your consultation on {visit}"
    assert reminder["Subject"] == f"Reminder: questions before your consultation on {visit}"
    text, html = parts(reminder)
    assert "not yet received your answers" in text and '<html lang="en">' in html
    assert token_in(text) != token_in(parts(invitation)[0])  # a fresh link, both work


@pytest.mark.parametrize("pathway", ["primary-low-back-pain", "lumbar-radiculopathy",
                                     "cervical-radiculopathy"])
@pytest.mark.parametrize("language", ["da", "en"])
def test_messages_say_nothing_about_health(run, db, content, patient, smtp, pathway, language):
    controller, inbox = smtp
    course_id = patient(pathway=pathway, language=language, phone="+4512345678")
    outlets = smtp_outlets(controller.port)
    run(at(day_of(db, course_id, "baseline", "send_at")), outlets)
    run(at(day_of(db, course_id, "baseline", "remind_at")), outlets)
    names = [name.lower() for name in content.pathway(pathway).names.values()]
    texts = [m.as_string() for m in inbox.messages] + [s.text for s in outlets.sms.sent]
    assert len(texts) == 4
    for text in texts:
        assert not HEALTH_WORDS.search(LINK.sub("", text)), HEALTH_WORDS.search(text)
        assert not any(name in text.lower() for name in names)


def test_an_smtp_server_that_is_down_leaves_the_message_for_the_next_run(app, runner, db,
                                                                          patient):
    course_id = patient()
    port = free_port()  # nothing listens here
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="skema@fysio.example",
                      SMTP_STARTTLS=False)
    now = at(day_of(db, course_id, "baseline", "send_at"))
    before = {t: list(db.query(f"SELECT * FROM {t}")) for t in ("timepoints", "courses")}
    result = runner.invoke(args=["send-due", "--now", now.isoformat()])
    assert result.exit_code == 1
    assert "Sent 0 message(s); 1 failed and will be retried" in result.stdout
    assert "1 message(s) could not be sent" in result.stderr
    [row] = rows(db)
    assert (row["status"], row["attempts"], row["invitation_id"]) == ("pending", 1, None)
    assert row["next_attempt_at"] > iso(now)
    assert "ConnectionRefusedError" in row["last_error"] and "anna" not in row["last_error"]
    assert list(db.query("SELECT * FROM invitations")) == []  # the unsent link is gone
    assert list(db.query("SELECT * FROM alerts")) == []
    assert before == {t: list(db.query(f"SELECT * FROM {t}")) for t in before}

    again = runner.invoke(args=["send-due", "--now", (now + timedelta(minutes=5)).isoformat()])
    assert again.exit_code == 0 and rows(db)[0]["attempts"] == 1  # not yet time to retry

    controller, inbox = start_smtp(port)
    try:
        later = runner.invoke(args=["send-due", "--now",
                                    (now + timedelta(minutes=16)).isoformat()])
    finally:
        controller.stop()
    assert later.exit_code == 0 and "Sent 1 message(s)" in later.stdout
    assert (rows(db)[0]["status"], rows(db)[0]["attempts"]) == ("sent", 2)
    assert len(inbox.messages) == 1


@pytest.mark.parametrize("refuse, starttls, error", [
    (True, False, "SMTPRecipientsRefused"),
    (False, True, "SMTPNotSupportedError"),
])
def test_a_refusing_smtp_server_is_recorded_without_the_address(run, db, patient, caplog,
                                                                refuse, starttls, error):
    controller, inbox = start_smtp(free_port(), refuse=refuse)
    try:
        patient()
        report = run(at(FIRST - timedelta(days=3)), smtp_outlets(controller.port, starttls))
    finally:
        controller.stop()
    assert (report.sent, report.retrying) == (0, 1)
    [row] = rows(db)
    assert row["status"] == "pending" and error in row["last_error"]
    assert "anna@example.dk" not in row["last_error"] + caplog.text
    assert "outbox 1: attempt 1 failed" in caplog.text


def test_after_five_failures_the_clinic_is_shown_the_message(run, db, patient):
    course_id = patient()
    failing = Outlets(email=FailingEmail(), sms=RecordingSms(), base_url="http://localhost")
    now = at(day_of(db, course_id, "baseline", "send_at"))
    for _attempt in range(5):
        run(now, failing)
        row = rows(db)[0]
        now = datetime.fromisoformat(row["next_attempt_at"]) if row["next_attempt_at"] else now
    assert failing.email.tries == 5
    row = rows(db)[0]
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 5, None)
    [alert] = db.query("SELECT * FROM alerts")
    assert (alert["kind"], alert["level"], alert["key"]) == ("delivery", "warning", "outbox:1")
    assert json.loads(alert["detail"])["reason"] == "failed"
    assert "anna" not in alert["detail"]
    run(now + timedelta(days=1), failing)
    assert failing.email.tries == 5  # given up: neither retried nor followed by a reminder


# --- SMS through an HTTP gateway on loopback ------------------------------------------

class Gateway(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "body": json.loads(body),
                                     "auth": self.headers.get("Authorization"),
                                     "type": self.headers.get("Content-Type")})
        self.send_response(self.server.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    server.requests, server.status = [], 202
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def sms_outlets(sms):
    return Outlets(email=RecordingEmail(), sms=sms, base_url="http://localhost")


@pytest.mark.parametrize("credentials, auth", [
    ({"token": "s3cret"}, "Bearer s3cret"),
    ({"username": "clinic", "password": "pw"}, "Basic Y2xpbmljOnB3"),
    ({}, None),
])
def test_an_sms_is_posted_to_the_gateway(run, db, patient, gateway, client, credentials, auth):
    patient(email="", phone="+4512345678", language="en")
    url = f"http://127.0.0.1:{gateway.server_port}/send"
    report = run(at(FIRST - timedelta(days=3)), sms_outlets(HttpSms(url, **credentials)))
    assert report.sent == 1
    [request] = gateway.requests
    assert (request["path"], request["auth"], request["type"]) == ("/send", auth,
                                                                   "application/json")
    body = request["body"]
    assert set(body) == {"to", "from", "text"}
    assert (body["to"], body["from"]) == ("+4512345678", "Fysio Test")
    assert body["text"].startswith("Fysio Test: please answer a few questions before your "
                                   f"consultation on {format_date(FIRST, 'long', locale='en_GB')}")
    assert client.get(f"/q/{token_in(body['text'])}").status_code == 200
    assert rows(db)[0]["status"] == "sent"


@pytest.mark.parametrize("status", [500, 401, 302])
def test_a_gateway_error_is_retried_later(run, db, patient, gateway, status):
    gateway.status = status
    patient(email="", phone="+4512345678")
    url = f"http://127.0.0.1:{gateway.server_port}/send"
    report = run(at(FIRST - timedelta(days=3)), sms_outlets(HttpSms(url)))
    assert (report.sent, report.retrying) == (0, 1)
    [row] = rows(db)
    assert row["status"] == "pending" and row["last_error"] == f"SMS gateway answered HTTP {status}"


def test_an_unreachable_gateway_is_retried_later(run, db, patient):
    patient(email="", phone="+4512345678")
    report = run(at(FIRST - timedelta(days=3)),
                 sms_outlets(HttpSms(f"http://127.0.0.1:{free_port()}/send")))
    assert report.retrying == 1
    assert rows(db)[0]["last_error"].startswith("SMS gateway not reached: ConnectionRefused")


def test_the_console_backends_are_the_default(app, runner, db, patient):
    course_id = patient(phone="+4512345678")
    now = at(day_of(db, course_id, "baseline", "send_at"))
    result = runner.invoke(args=["send-due", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    assert "E-mail to anna@example.dk: " in result.stdout
    assert re.search(r"^SMS to \+4512345678: Fysio Test: .* http://localhost/q/\S+$",
                     result.stdout, re.MULTILINE)
    assert "Sent 2 message(s)" in result.stdout


# --- once and only once ------------------------------------------------------------------

def test_a_repeated_run_sends_nothing_twice(run, db, patient, outlets):
    course_id = patient(phone="+4512345678")
    day = day_of(db, course_id, "baseline", "send_at")
    for moment in (at(day), at(day), at(day, 10), at(day, 19, 59)):
        run(moment, outlets)
    assert len(outlets.email.sent) == len(outlets.sms.sent) == 1
    assert [r["idempotency_key"] for r in rows(db)] == [
        f"{timepoint(db, course_id, 'baseline')['id']}:invitation:{c}" for c in ("email", "sms")]


def test_a_message_claimed_by_another_run_is_not_claimed_again(db, patient):
    course_id = patient()
    now = at(day_of(db, course_id, "baseline", "send_at"))
    [candidate] = outbox.list_candidates(db, now)
    [message] = due.due_messages(candidate, now)
    assert outbox.claim(db, message, now) is not None
    assert outbox.claim(db, message, now) is None


class CrashOnSecond(RecordingEmail):
    def __init__(self, crash):
        super().__init__()
        self.crash = crash

    def send(self, message):
        if self.sent:
            raise self.crash
        super().send(message)


@pytest.mark.parametrize("crash", [KeyboardInterrupt(), SystemExit(1)])
def test_an_interrupted_run_never_sends_a_message_twice(run, db, patient, crash):
    first, second = patient(), patient(email="bo@example.dk")
    now = at(day_of(db, first, "baseline", "send_at"))
    crashing = Outlets(email=CrashOnSecond(crash), sms=RecordingSms(),
                       base_url="http://localhost")
    with pytest.raises(type(crash)):
        run(now, crashing)
    assert [r["status"] for r in rows(db)] == ["sent", "sending"]

    after = Outlets(email=RecordingEmail(), sms=RecordingSms(), base_url="http://localhost")
    run(now + timedelta(minutes=5), after)
    assert after.email.sent == [] and [r["status"] for r in rows(db)] == ["sent", "sending"]

    report = run(now + timedelta(minutes=20), after)
    assert report.interrupted == 1 and after.email.sent == []
    unknown = rows(db, status="unknown")[0]
    assert unknown["course_id"] == second
    [alert] = db.query("SELECT * FROM alerts")
    assert alert["key"] == f"outbox:{unknown['id']}"
    assert json.loads(alert["detail"])["reason"] == "interrupted"
    for day in range(1, 4):
        run(now + timedelta(days=day), after)
    reminders = [(m.to, message_for(db, token_in(m.text))["kind"]) for m in after.email.sent]
    # Each gets the usual reminder, the second the only link that surely reached them.
    assert reminders == [("anna@example.dk", "reminder"), ("bo@example.dk", "reminder")]


def test_a_crash_after_the_hand_over_does_not_send_again(run, db, patient, outlets,
                                                         monkeypatch):
    course_id = patient()
    now = at(day_of(db, course_id, "baseline", "send_at"))

    def crash(*args):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "mark_sent", crash)
        with pytest.raises(KeyboardInterrupt):
            run(now, outlets)
    assert len(outlets.email.sent) == 1
    run(now + timedelta(hours=1), outlets)
    assert len(outlets.email.sent) == 1 and rows(db)[0]["status"] == "unknown"


def test_a_crash_while_claiming_leaves_nothing_behind(run, db, patient, outlets, monkeypatch):
    course_id = patient()
    now = at(day_of(db, course_id, "baseline", "send_at"))

    def crash(*args):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(courses, "create_invitation", crash)
        with pytest.raises(KeyboardInterrupt):
            run(now, outlets)
    assert rows(db) == [] and outlets.email.sent == []
    run(now, outlets)
    assert len(outlets.email.sent) == 1 and rows(db)[0]["status"] == "sent"


# --- what the course does to sending ----------------------------------------------------

def test_nothing_is_sent_outside_sending_hours(app, runner, db, patient):
    course_id = patient()
    day = day_of(db, course_id, "baseline", "send_at")
    result = runner.invoke(args=["send-due", "--now", f"{day}T21:30"])
    assert result.exit_code == 0 and "outside sending hours (08:00-20:00)" in result.stdout
    assert rows(db) == []


def test_no_reminder_once_the_answers_are_in(run, db, content, patient, outlets):
    course_id = patient()
    run(at(day_of(db, course_id, "baseline", "send_at")), outlets)
    submit_timepoint(db, content, course_id, "baseline")
    run(at(day_of(db, course_id, "baseline", "remind_at")), outlets)
    assert len(outlets.email.sent) == 1


def test_a_late_enrolment_gets_its_invitation_at_once_and_no_reminder_the_same_day(
        run, db, patient, outlets):
    course_id = patient(first_visit=START + timedelta(days=1))
    assert day_of(db, course_id, "baseline", "remind_at") <= START
    run(at(START), outlets)
    run(at(START, 15), outlets)
    run(at(START + timedelta(days=1)), outlets)
    assert [m.subject.startswith(("Reminder", "Påmindelse")) for m in outlets.email.sent] == [
        False]


def sent_keys(db, outlets) -> list[tuple[str, str]]:
    return [(row["key"], row["kind"]) for row in
            (message_for(db, token_in(m.text)) for m in outlets.email.sent)]


def test_moving_a_visit_moves_its_invitation(run, db, content, patient, outlets):
    course_id = patient()
    old = day_of(db, course_id, "week-2", "send_at")
    courses.move_visit(db, course_id, content.pathway("lumbar-radiculopathy"), "week-2",
                       FIRST + timedelta(days=21))
    run(at(old), outlets)
    assert outlets.email.sent == []
    run(at(FIRST + timedelta(days=19)), outlets)
    assert sent_keys(db, outlets) == [("week-2", "invitation")]


def test_a_sent_invitation_is_not_sent_again_when_its_visit_moves(run, db, content, patient,
                                                                  outlets):
    course_id = patient()
    run(at(day_of(db, course_id, "week-2", "send_at")), outlets)
    courses.move_visit(db, course_id, content.pathway("lumbar-radiculopathy"), "week-2",
                       FIRST + timedelta(days=21))
    for day in range(15, 24):
        run(at(FIRST + timedelta(days=day)), outlets)
    assert sent_keys(db, outlets) == [("week-2", "invitation"), ("week-2", "reminder")]
    assert day_of(db, course_id, "week-2", "remind_at") == FIRST + timedelta(days=20)


def test_an_ended_course_gets_no_more_messages_and_its_retries_stop(run, db, patient, outlets):
    course_id = patient()
    now = at(day_of(db, course_id, "baseline", "send_at"))
    run(now, Outlets(email=FailingEmail(), sms=RecordingSms(), base_url="http://localhost"))
    assert rows(db)[0]["status"] == "pending"
    courses.end_course(db, course_id)
    report = run(now + timedelta(hours=2), outlets)
    assert report.cancelled == 1 and rows(db)[0]["status"] == "cancelled"
    for day in range(1, 100):
        run(now + timedelta(days=day), outlets)
    assert outlets.email.sent == []


@pytest.mark.parametrize("value", ["yesterday", "2026-02-30T09:00", "9:00"])
def test_a_bad_now_is_refused(runner, value):
    result = runner.invoke(args=["send-due", "--now", value])
    assert result.exit_code == 2 and "--now" in result.stderr


def test_smtp_without_a_sender_address_is_a_clear_configuration_error(app, runner):
    app.config["SMTP_HOST"] = "127.0.0.1"
    result = runner.invoke(args=["send-due"])
    assert result.exit_code == 2 and "PATIENTAPP_MAIL_FROM" in result.stderr


# --- twelve months, day by day -------------------------------------------------------------

PATHWAY_IDS = ["primary-low-back-pain", "lumbar-radiculopathy", "cervical-radiculopathy"]


def simulate(run, outlets, after_each_day=None, days=366) -> list[tuple[date, object]]:
    """Run send_due at 09:00 every day; return (day, e-mail) for every message sent."""
    log = []
    for n in range(days):
        day = START + timedelta(days=n)
        before = len(outlets.email.sent)
        run(at(day), outlets)
        for message in outlets.email.sent[before:]:
            log.append((day, message))
            if after_each_day:
                after_each_day(message)
    return log


def planned_messages(db, course_ids, with_reminders=True) -> list[tuple]:
    expected = []
    for course_id in course_ids:
        for tp in courses.list_timepoints(db, course_id):
            expected.append((course_id, tp["key"], "invitation", tp["send_at"]))
            if with_reminders and tp["remind_at"]:
                expected.append((course_id, tp["key"], "reminder", tp["remind_at"]))
    return sorted(expected)


def sent_messages(db, log) -> list[tuple]:
    found = []
    for day, message in log:
        row = message_for(db, token_in(message.text))
        found.append((row["course_id"], row["key"], row["kind"], day.isoformat()))
    return sorted(found)


def test_a_year_without_answers_brings_every_invitation_and_reminder_once(run, db, patient,
                                                                         outlets, client):
    course_ids = [patient(pathway=p, email=f"{p}@example.dk", referral=START)
                  for p in PATHWAY_IDS]
    log = simulate(run, outlets)
    assert sent_messages(db, log) == planned_messages(db, course_ids)
    assert len(log) == 3 * 4 * 2
    for _day, message in log:
        course_id = message_for(db, token_in(message.text))["course_id"]
        assert message.to == courses.get_course(db, course_id)["email"]
        assert client.get(f"/q/{token_in(message.text)}").status_code == 200
    assert {r["status"] for r in rows(db)} == {"sent"}


def test_a_year_of_answering_at_once_brings_invitations_only(run, db, content, patient,
                                                             outlets, client):
    course_ids = [patient(pathway=p, email=f"{p}@example.dk", language="en", referral=START)
                  for p in PATHWAY_IDS]

    def answer(message):
        token = token_in(message.text)
        assert client.get(f"/q/{token}").status_code == 200
        row = message_for(db, token)
        submit_timepoint(db, content, row["course_id"], row["key"])

    log = simulate(run, outlets, answer)
    assert sent_messages(db, log) == planned_messages(db, course_ids, with_reminders=False)
    assert all(tp["submitted_at"] for c in course_ids for tp in courses.list_timepoints(db, c))


def test_the_command_line_enrols_and_sends_with_a_working_link(runner, db, clinic_id, client):
    result = runner.invoke(args=["enrol", "--pathway", "cervical-radiculopathy", "--name", "Bo",
                                 "--first-visit", FIRST.isoformat(), "--email", "bo@example.dk",
                                 "--json"])
    course_id = json.loads(result.stdout)["course_id"]
    sends = [date.fromisoformat(tp["send_at"]) for tp in courses.list_timepoints(db, course_id)]
    links = []
    for n in range(80):
        moment = at(START + timedelta(days=n), 8, 5).isoformat()
        result = runner.invoke(args=["send-due", "--now", moment])
        assert result.exit_code == 0, result.output
        links += LINK.findall(result.stdout)
    assert len(links) == 2 * len(sends)
    assert all(client.get(f"/q/{token}").status_code == 200 for token in links)
