"""Webhooks: a real HTTP receiver on loopback that checks every signature, goes down,
answers 500, answers slowly, and comes back; the outbox must lose, duplicate and reorder
nothing, and the patient's submission must never wait for it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import FIRST, check_bundle, free_port, sign_in_as, submit

from patientapp.accounts import save_clinic
from patientapp.api import queries as api_db
from patientapp.config import ConfigurationError
from patientapp.courses import queries as courses
from patientapp.db import connect
from patientapp.events import timepoint_submitting
from patientapp.notifications.backends import DeliveryError
from patientapp.notifications.sending import Outlets, send_due
from patientapp.timeutil import CLINIC_TZ
from patientapp.web import background
from patientapp.webhooks import events
from patientapp.webhooks import queries as outbox
from patientapp.webhooks.hooks import wait_for_background_deliveries
from patientapp.webhooks.retry import STALE_AFTER, backoff
from patientapp.webhooks.sending import deliver_due, setup_from_app
from patientapp.webhooks.signing import sign, verify

SECRET = "test-webhook-secret-0123456789abcdef"
PASSWORD = "correct horse battery"
BASE = "https://fhir.example-fysio.dk/fhir"


class Receiver:
    """The clinic's endpoint: verifies the HMAC as docs/integration.md tells receivers to."""

    def __init__(self):
        self.port = free_port()
        self.mode = "up"  # up | error | slow | redirect
        self.slow_seconds = 2.5
        self.requests: list[str] = []  # the delivery key of every request that arrived
        self.accepted: list[tuple[str, bytes]] = []  # signed correctly and answered 200
        self.bad_signatures = 0
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.receiver = self
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def unique(self) -> dict[str, bytes]:
        """What the receiver keeps after dropping duplicates by idempotency key."""
        kept: dict[str, bytes] = {}
        for key, body in self.accepted:
            kept.setdefault(key, body)
        return kept


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers["Content-Length"]))
        key = self.headers["X-Patientapp-Delivery"]
        receiver.requests.append(key)
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, self.headers.get("X-Patientapp-Signature", "")):
            receiver.bad_signatures += 1
            return self._answer(401)
        if receiver.mode == "slow":
            time.sleep(receiver.slow_seconds)
        if receiver.mode == "error":
            return self._answer(500)
        if receiver.mode == "redirect":
            return self._answer(302, {"Location": "/elsewhere"})
        receiver.accepted.append((key, body))
        self._answer(200)

    def _answer(self, status: int, headers: dict | None = None):
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up waiting (the slow case)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    found = Receiver()
    found.start()
    yield found
    found.stop()


@pytest.fixture
def webhook_app(make_app):
    """``webhook_app(**config)``: a test app with the webhook's FHIR base, secret and timeout."""
    def _make(**config):
        return make_app(**{"FHIR_BASE": BASE, "WEBHOOK_SECRET": SECRET, "WEBHOOK_TIMEOUT": 1,
                           **config})
    return _make


@pytest.fixture
def app(webhook_app, receiver):
    app = webhook_app(WEBHOOK_URL=receiver.url)
    yield app
    wait_for_background_deliveries(app)


@pytest.fixture
def submitted(app, db, content):
    """Submit as the patient pages do: inside a request of the app, so its hooks run."""
    def _submitted(course_id: int, **answers) -> int:
        with app.test_request_context():
            return submit(db, content, course_id, **answers)
    return _submitted


@pytest.fixture
def patient(enrol, submitted):
    """A consenting patient's completed baseline; returns the timepoint id."""
    def _patient(pathway="lumbar-radiculopathy", **answers):
        return submitted(enrol(pathway=pathway, consent="given")[0], **answers)
    return _patient


def rows(db) -> list[dict]:
    return list(db.query("SELECT * FROM webhook_deliveries ORDER BY id"))


def deliver(app, db, now: datetime):
    return deliver_due(db, setup_from_app(app), now)


def later(minutes: float = 0, hours: float = 0) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes, hours=hours)


# --- pure parts -----------------------------------------------------------------------------------

def test_a_signature_covers_every_byte_and_the_secret():
    body = b'{"resourceType":"Bundle"}'
    signature = sign(SECRET, body)
    assert signature == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert verify(SECRET, body, signature)
    assert not verify(SECRET, body + b" ", signature)
    assert not verify("another-secret", body, signature)
    assert not verify(SECRET, body, None)


@pytest.mark.parametrize("attempts, minutes", [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60),
                                                (20, 60)])
def test_backoff_doubles_up_to_an_hour(attempts, minutes):
    assert backoff(attempts) == timedelta(minutes=minutes)


@pytest.mark.parametrize("config, problem", [
    ({"WEBHOOK_URL": "https://clinic.example/hook", "WEBHOOK_SECRET": None}, "SECRET"),
    ({"WEBHOOK_URL": "https://clinic.example/hook", "WEBHOOK_SECRET": "short"}, "SECRET"),
    ({"WEBHOOK_URL": "http://clinic.example/hook"}, "https://"),
])
def test_an_unsafe_webhook_configuration_refuses_to_start(webhook_app, config, problem):
    with pytest.raises(ConfigurationError, match=problem):
        webhook_app(**config)


# --- the outbox -----------------------------------------------------------------------------------

def test_a_submission_writes_its_signed_body_in_the_same_transaction(db, patient):
    timepoint_id = patient()
    (row,) = rows(db)
    assert row["status"] == "pending" and row["timepoint_id"] == timepoint_id
    bundle = json.loads(row["body"])
    check_bundle(bundle)
    assert bundle["identifier"]["value"] == row["idempotency_key"]


def test_if_the_submission_rolls_back_so_does_its_delivery(db, patient):
    def fail(sender=None, **_):
        raise RuntimeError("disk full")

    timepoint_submitting.connect(fail)
    try:
        with pytest.raises(RuntimeError):
            patient()
    finally:
        timepoint_submitting.disconnect(fail)
    assert rows(db) == []
    assert next(db.query("SELECT count(*) AS n FROM timepoints WHERE submitted_at IS NOT NULL"
                         ))["n"] == 0


def test_nothing_is_queued_without_consent_or_without_a_url(webhook_app, db, enrol, submitted):
    submitted(enrol(pathway="lumbar-radiculopathy", consent="refused")[0])
    assert rows(db) == []
    quiet = webhook_app()
    quiet_db = connect(quiet.config["DATABASE"])
    clinic = save_clinic(quiet_db, "Stille Klinik")
    course_id = courses.enrol(quiet_db, courses.NewPatient(clinic, "P"),
                              quiet.extensions["content"].pathway("lumbar-radiculopathy"),
                              datetime.now(UTC).date())
    courses.record_consent(quiet_db, course_id, "given")
    with quiet.test_request_context():
        submit(quiet_db, quiet.extensions["content"], course_id)
    assert rows(quiet_db) == []
    assert "nothing is queued" in quiet.test_cli_runner().invoke(args=["deliver"]).output


def test_a_body_that_could_not_be_built_is_built_at_sending(app, db, patient, receiver,
                                                            monkeypatch):
    import patientapp.webhooks.outbox as outbox_module

    def broken(*args, **kwargs):
        raise ValueError("bug")

    monkeypatch.setattr(outbox_module, "submission_bundle", broken)
    patient()
    assert rows(db)[0]["body"] == ""
    monkeypatch.undo()
    assert deliver(app, db, later()).delivered == 1
    check_bundle(json.loads(receiver.accepted[0][1]))
    assert rows(db)[0]["body"].encode() == receiver.accepted[0][1]


# --- sending --------------------------------------------------------------------------------------

def test_a_delivery_is_signed_and_carries_its_key_and_a_timestamp(app, db, patient, receiver):
    patient()
    report = deliver(app, db, later())
    assert report.delivered == 1
    (key, body), (row,) = receiver.accepted[0], rows(db)
    assert key == row["idempotency_key"] and body == row["body"].encode()
    assert row["status"] == "delivered" and row["last_status_code"] == 200
    assert receiver.bad_signatures == 0


def test_an_error_answer_is_retried_with_backoff_and_the_same_bytes(app, db, patient, receiver):
    patient()
    receiver.mode = "error"
    start = later()
    assert deliver(app, db, start).retrying == 1
    row = rows(db)[0]
    assert row["attempts"] == 1 and row["last_error"] == "HTTP 500"
    assert row["next_attempt_at"] == (start + timedelta(minutes=1)).isoformat(timespec="seconds")
    assert deliver(app, db, start + timedelta(seconds=30)).retrying == 0  # not due yet
    assert deliver(app, db, start + timedelta(minutes=1)).retrying == 1
    assert rows(db)[0]["next_attempt_at"] == (start + timedelta(minutes=3)).isoformat(
        timespec="seconds")
    receiver.mode = "up"
    assert deliver(app, db, start + timedelta(minutes=3)).delivered == 1
    assert len(set(receiver.requests)) == 1 and len(receiver.requests) == 3


def test_a_redirect_is_not_taken_for_a_delivery(app, db, patient, receiver):
    patient()
    receiver.mode = "redirect"
    assert deliver(app, db, later()).retrying == 1
    assert rows(db)[0]["last_error"] == "HTTP 302"


def test_a_slow_receiver_times_out_and_its_duplicate_is_dropped_by_key(app, db, patient,
                                                                       receiver):
    patient()
    receiver.mode = "slow"
    assert deliver(app, db, later()).retrying == 1
    assert rows(db)[0]["last_error"] == "no answer within 1 s"
    time.sleep(receiver.slow_seconds)  # the receiver finishes the first request after all
    receiver.mode = "up"
    assert deliver(app, db, later(minutes=2)).delivered == 1
    assert len(receiver.accepted) == 2 and len(receiver.unique()) == 1


def test_a_patients_submit_does_not_wait_for_a_slow_receiver(app, client, db, content, enrol,
                                                            receiver):
    course_id, token = enrol(pathway="lumbar-radiculopathy", consent="given")
    tp = courses.list_timepoints(db, course_id)[0]
    answer_everything_but_submit(db, content, course_id, tp)
    receiver.mode = "slow"
    response = client.post(f"/q/{token}/submit")
    assert response.status_code == 302 and response.headers["Location"].endswith("/done")
    # Answered while the delivery was still under way in its own thread: nothing waited.
    assert any(thread.is_alive() for thread in app.extensions[background.THREADS_KEY])
    wait_for_background_deliveries(app)
    assert rows(db)[0]["attempts"] == 1  # the thread tried at once, and timed out


def answer_everything_but_submit(db, content, course_id, tp):
    from helpers import answers_for

    from patientapp.questionnaires import queries as answers_db

    pathway = content.pathway(courses.get_course(db, course_id)["pathway"])
    items = content.questionnaire("safety", "da").safety_items(pathway.id)
    answers = answers_for(pathway, None, items)
    for instrument in [*tp["questionnaires"], "safety"]:
        answers_db.save_answers(db, tp, instrument, "da", "1", answers[instrument])


def test_right_after_a_submit_the_clinic_has_it(app, client, db, content, enrol, receiver):
    course_id, token = enrol(pathway="lumbar-radiculopathy", consent="given")
    answer_everything_but_submit(db, content, course_id, courses.list_timepoints(db, course_id)[0])
    client.post(f"/q/{token}/submit")
    wait_for_background_deliveries(app)
    assert len(receiver.unique()) == 1 and rows(db)[0]["status"] == "delivered"


# --- the day the receiver was down ----------------------------------------------------------------

def test_down_for_a_day_then_back_every_questionnaire_arrives_once_in_order(
        app, client, runner, db, content, enrol, receiver):
    receiver.stop()
    for pathway in ["lumbar-radiculopathy", "cervical-radiculopathy", "primary-low-back-pain",
                    "lumbar-radiculopathy", "cervical-radiculopathy"]:
        course_id, token = enrol(pathway=pathway, consent="given")
        answer_everything_but_submit(db, content, course_id,
                                     courses.list_timepoints(db, course_id)[0])
        assert client.post(f"/q/{token}/submit").status_code == 302
    wait_for_background_deliveries(app)
    start = datetime.now(UTC)
    for hour in range(1, 25):  # cron all day long, the receiver down
        result = runner.invoke(args=["deliver", "--now", (start + timedelta(hours=hour))
                                     .isoformat()])
        assert result.exit_code == 1 and "1 failed and will be retried" in result.output
    assert {r["status"] for r in rows(db)} == {"pending"}
    assert rows(db)[0]["last_error"].startswith("not reachable")
    receiver.start()
    result = runner.invoke(args=["deliver", "--now", (start + timedelta(hours=25)).isoformat()])
    assert result.exit_code == 0 and "Delivered 5" in result.output
    keys = [r["idempotency_key"] for r in rows(db)]
    assert receiver.requests == keys  # each once, oldest first
    assert list(receiver.unique()) == keys and receiver.bad_signatures == 0
    for key, body in receiver.accepted:
        bundle = json.loads(body)
        check_bundle(bundle)
        assert bundle["identifier"]["value"] == key
    assert rows(db)[0]["attempts"] == 26  # at submit, once per hourly run, and the last one
    assert {r["attempts"] for r in rows(db)[1:]} == {1}  # the rest waited their turn


def test_a_crashed_run_is_resent_with_the_same_key(app, db, patient, receiver):
    patient()
    start = later()
    claim = outbox.claim_next(db, rows(db)[0]["clinic_id"], start, STALE_AFTER)
    assert claim is not None  # ...and then the process dies before recording anything
    assert outbox.claim_next(db, claim["clinic_id"], start, STALE_AFTER) is None
    assert deliver(app, db, start + timedelta(minutes=1)).delivered == 0  # still "sending"
    assert deliver(app, db, start + STALE_AFTER + timedelta(seconds=1)).delivered == 1
    assert receiver.requests == [claim["idempotency_key"]]
    assert rows(db)[0]["attempts"] == 2


def test_a_clinic_waits_behind_its_oldest_delivery_but_not_behind_another(
        app, db, content, patient, submitted, receiver):
    first, second = patient(), patient()
    other_clinic = save_clinic(db, "Anden Klinik")
    course_id = courses.enrol(db, courses.NewPatient(other_clinic, "Other"),
                              content.pathway("lumbar-radiculopathy"), datetime.now(UTC).date())
    courses.record_consent(db, course_id, "given")
    third = submitted(course_id)
    db.execute("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE timepoint_id = ?",
               [later(hours=1).isoformat(timespec="seconds"), first])  # backing off
    assert deliver(app, db, later()).delivered == 1
    assert {r["timepoint_id"]: r["status"] for r in rows(db)} == {
        first: "pending", second: "pending", third: "delivered"}


def test_a_withdrawn_consent_cancels_what_was_not_yet_sent(app, db, enrol, submitted,
                                                          receiver):
    course_id = enrol(pathway="lumbar-radiculopathy", consent="given")[0]
    submitted(course_id)
    courses.record_consent(db, course_id, "withdrawn")
    assert deliver(app, db, later()).delivered == 0
    assert rows(db)[0]["status"] == "cancelled" and receiver.requests == []


# --- after the retry window: failed, shown, retried by an admin -----------------------------------

def test_after_the_window_the_admin_sees_the_failure_and_retries(app, client, db, patient,
                                                                 receiver, clinic_id):
    patient()
    patient()
    receiver.stop()
    deliver(app, db, later(hours=49))
    deliver(app, db, later(hours=49, minutes=5))
    assert [r["status"] for r in rows(db)] == ["failed", "failed"]
    alerts = list(db.query("SELECT * FROM alerts WHERE kind = 'delivery'"))
    assert [a["key"] for a in alerts] == [f"webhook:{r['id']}" for r in rows(db)]
    detail = json.loads(alerts[0]["detail"])
    assert detail["delivery_id"] == rows(db)[0]["id"] and detail["message"]
    sign_in_as(client, db, clinic_id)
    course = client.get(f"/clinic/courses/{alerts[0]['course_id']}").page
    assert detail["message"] in course.text  # on the patient's page, with the other alerts
    page = client.get("/clinic/admin/deliveries").page
    assert len(page.select("tbody tr")) == 2 and page.select(".tag--alarm")
    receiver.start()
    response = client.post("/clinic/admin/deliveries/retry-failed")
    assert response.status_code == 302
    wait_for_background_deliveries(app)
    assert [r["status"] for r in rows(db)] == ["delivered", "delivered"]
    assert list(receiver.unique()) == [r["idempotency_key"] for r in rows(db)]
    assert all(a["acknowledged_at"] for a in db.query("SELECT * FROM alerts"))  # settled
    assert "Nothing is waiting" in client.get("/clinic/admin/deliveries").page.text


def test_retrying_one_delivery_from_the_admin_page(app, client, db, patient, receiver,
                                                   clinic_id):
    patient()
    receiver.mode = "error"
    deliver(app, db, later())
    receiver.mode = "up"
    sign_in_as(client, db, clinic_id)
    delivery_id = rows(db)[0]["id"]
    assert client.post(f"/clinic/admin/deliveries/{delivery_id}/retry").status_code == 302
    wait_for_background_deliveries(app)
    assert rows(db)[0]["status"] == "delivered"
    assert client.post(f"/clinic/admin/deliveries/{delivery_id}/retry").status_code == 302
    assert "cannot be retried" in client.get("/clinic/admin/deliveries").page.text


def test_another_clinics_delivery_cannot_be_touched(app, client, db, patient, clinic_id):
    patient()
    other = save_clinic(db, "Anden Klinik")
    sign_in_as(client, db, other)
    assert client.post(f"/clinic/admin/deliveries/{rows(db)[0]['id']}/retry").status_code == 404
    assert client.get("/clinic/admin/deliveries").page.select("tbody tr") == []


@pytest.mark.parametrize("url, method", [("/clinic/admin/deliveries", "GET"),
                                         ("/clinic/admin/deliveries/1/retry", "POST"),
                                         ("/clinic/admin/deliveries/retry-failed", "POST")])
def test_deliveries_are_for_admins_only(client, db, clinic_id, url, method):
    assert "/clinic/login" in client.raw.open(url, method=method).headers["Location"]
    sign_in_as(client, db, clinic_id, role="clinician")
    assert client.raw.open(url, method=method).status_code == 403


# --- questionnaires from before the webhook was set up --------------------------------------------

def test_questionnaires_from_before_the_webhook_are_queued_once_and_in_order(
        webhook_app, receiver):
    quiet = webhook_app()  # no WEBHOOK_URL yet
    db, content = connect(quiet.config["DATABASE"]), quiet.extensions["content"]
    clinic = save_clinic(db, "Klinik Før")
    timepoints = []
    for consent in ("given", "refused", "given"):
        course_id = courses.enrol(db, courses.NewPatient(clinic, f"P {consent}"),
                                  content.pathway("lumbar-radiculopathy"),
                                  datetime.now(UTC).date())
        courses.record_consent(db, course_id, consent)
        with quiet.test_request_context():
            timepoints.append(submit(db, content, course_id))
    assert rows(db) == []
    runner = quiet.test_cli_runner()
    result = runner.invoke(args=["queue-webhooks"])
    assert result.exit_code == 2 and "PATIENTAPP_WEBHOOK_URL is not set" in result.output

    live = webhook_app(DATABASE=quiet.config["DATABASE"],  # the clinic sets it up later
                       WEBHOOK_URL=receiver.url)
    runner = live.test_cli_runner()
    later = (datetime.now(UTC).date() + timedelta(days=400)).isoformat()
    result = runner.invoke(args=["queue-webhooks", "--since", later])
    assert result.exit_code == 0 and "Queued 0" in result.output and rows(db) == []
    result = runner.invoke(args=["queue-webhooks"])
    assert result.exit_code == 0 and "Queued 2" in result.output
    assert [r["timepoint_id"] for r in rows(db)] == [timepoints[0], timepoints[2]]  # consented
    result = runner.invoke(args=["queue-webhooks", "--clinic", str(clinic)])
    assert "Queued 0" in result.output and "2 already queued or sent" in result.output
    assert runner.invoke(args=["deliver"]).exit_code == 0
    assert list(receiver.unique()) == [r["idempotency_key"] for r in rows(db)]
    assert receiver.bad_signatures == 0


@pytest.mark.parametrize("since", ["yesterday", "2026-02-30", ""])
def test_a_wrong_since_date_is_refused_plainly(app, runner, since):
    result = runner.invoke(args=["queue-webhooks", "--since", since])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


# --- status events: an invitation not delivered, a course ended (issue 13, item 4) ----------------
# Each goes through the outbox exactly once, signed like every delivery, to the receiver above;
# each event can be switched off; without a webhook nothing is kept.

DOCS = (Path(__file__).resolve().parents[1] / "docs" / "integration.md").read_text("utf-8")


class FailingEmail:
    """An e-mail server that never accepts a message."""

    def send(self, message):
        raise DeliveryError("e-mail not accepted: ConnectionRefusedError [Errno 111]")


class RecordingSms:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, dtime(hour), CLINIC_TZ)


def day_of(db, course_id, key, field) -> date:
    found = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == key)
    return date.fromisoformat(found[field])


@pytest.fixture
def course(db, content, clinic_id):
    def _course(ref="BK-7", consent=None):
        course_id = courses.enrol(db, courses.NewPatient(clinic_id, "Anna Jensen",
                                                         "anna@example.dk"),
                                  content.pathway("lumbar-radiculopathy"), FIRST,
                                  external_id=ref)
        if consent:
            courses.record_consent(db, course_id, consent)
        return course_id
    return _course


def deliveries(db, event: str | None = None) -> list[dict]:
    return [row for row in db.query("SELECT * FROM webhook_deliveries ORDER BY id")
            if event is None or row["event"] == event]


def fail_invitation(app, db, course_id: int) -> None:
    """Five failed attempts at the baseline invitation: the outbox gives up."""
    failing = Outlets(email=FailingEmail(), sms=RecordingSms(), base_url="http://localhost")
    now = at(day_of(db, course_id, "baseline", "send_at"))
    for _ in range(6):
        with app.app_context():
            send_due(db, now, failing)
        row = next(db.query("SELECT * FROM outbox ORDER BY id"))
        now = datetime.fromisoformat(row["next_attempt_at"]) if row["next_attempt_at"] else now
    assert row["status"] == "failed"


def delivered(app, db, receiver) -> list[dict]:
    """Send what is due; the bodies the receiver accepted, checked as a receiver would."""
    deliver_due(db, setup_from_app(app), datetime.now(UTC) + timedelta(minutes=1))
    assert receiver.bad_signatures == 0
    bodies = []
    for key, body in receiver.unique().items():  # the receiver checked each signature
        bundle = json.loads(body)
        assert bundle["identifier"]["value"] == key
        bodies.append(bundle)
    return bodies


def event_of(bundle: dict) -> str:
    return bundle["entry"][0]["resource"]["eventCoding"]["code"]


def resource(bundle: dict, kind: str) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind)


# --- an invitation that could not be delivered ----------------------------------------------

def test_an_undelivered_invitation_is_sent_once_signed_before_any_consent(app, db, course,
                                                                          receiver):
    course_id = course()  # consent unknown: the patient never got the link
    fail_invitation(app, db, course_id)
    [row] = deliveries(db)
    assert row["event"] == events.UNDELIVERABLE
    fail_invitation(app, db, course_id)  # more runs: still once
    assert len(deliveries(db)) == 1
    [bundle] = delivered(app, db, receiver)
    check_bundle(bundle)
    assert bundle["type"] == "message" and event_of(bundle) == events.UNDELIVERABLE
    message = resource(bundle, "Communication")
    assert message["status"] == "not-done" and message["medium"][0]["coding"][0]["code"] == \
        "EMAILWRIT"
    assert {"value": "BK-7", "system": f"{BASE}/course-external-id"} in \
        resource(bundle, "EpisodeOfCare")["identifier"]
    text = json.dumps(bundle)
    assert "anna" not in text.casefold() and "jensen" not in text.casefold()
    assert deliveries(db)[0]["status"] == "delivered"


# --- a course that ended ----------------------------------------------------------------------

def test_a_course_ended_in_the_browser_is_sent_once(app, client, db, clinic_id, course,
                                                    receiver):
    course_id = course()
    sign_in_as(client, db, clinic_id)
    for _ in range(2):
        client.post(f"/clinic/courses/{course_id}/end", data={"confirm": "yes"})
    [row] = deliveries(db)
    assert row["event"] == events.COURSE_ENDED
    [bundle] = delivered(app, db, receiver)
    check_bundle(bundle)
    episode = resource(bundle, "EpisodeOfCare")
    assert event_of(bundle) == events.COURSE_ENDED and episode["status"] == "finished"
    assert episode["period"]["end"] == courses.get_course(db, course_id)["ended_at"]


def test_a_course_ended_through_the_api_is_sent_once(app, db, clinic_id, course, receiver):
    course_id = course()
    key = api_db.save_api_key(db, clinic_id, "Booking", None, "write")[1]
    api = app.test_client()
    for _ in range(2):
        assert api.post(f"/api/v1/courses/{course_id}/end",
                        headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert [r["event"] for r in deliveries(db)] == [events.COURSE_ENDED]
    assert [event_of(b) for b in delivered(app, db, receiver)] == [events.COURSE_ENDED]


def test_a_course_that_ends_by_itself_is_sent_once(app, db, course, receiver):
    """AUTO_END_DAYS after its last visit purge-expired ends a course left active."""
    course_id = course()
    long_ago = (date.today() - timedelta(days=400)).isoformat()
    db.execute("UPDATE timepoints SET visit_date = ? WHERE course_id = ?", [long_ago, course_id])
    for _ in range(2):
        assert "Ended" in app.test_cli_runner().invoke(args=["purge-expired"]).output
    assert [event_of(b) for b in delivered(app, db, receiver)] == [events.COURSE_ENDED]


def test_a_refused_consent_holds_back_answers_but_not_status(app, db, course, receiver):
    course_id = course(consent="refused")
    with app.app_context():
        courses.end_course(db, course_id)
    assert [event_of(b) for b in delivered(app, db, receiver)] == [events.COURSE_ENDED]


# --- switching events off ----------------------------------------------------------------------

def test_every_event_is_on_until_switched_off(app, client, db, clinic_id):
    page = sign_in_as(client, db, clinic_id).get("/clinic/admin/webhook-events")
    boxes = page.page.select("input[name=event]")
    assert {b["value"] for b in boxes} == set(events.EVENTS)
    assert all(b.has_attr("checked") for b in boxes)


@pytest.mark.parametrize("off", [events.UNDELIVERABLE, events.COURSE_ENDED])
def test_a_switched_off_event_is_not_queued(app, client, db, clinic_id, course, off):
    admin = sign_in_as(client, db, clinic_id)
    kept = [e for e in events.EVENTS if e != off]
    assert admin.post("/clinic/admin/webhook-events", data={"event": kept}).status_code == 302
    boxes = admin.get("/clinic/admin/webhook-events").page.select("input[name=event]")
    assert {b["value"] for b in boxes if b.has_attr("checked")} == set(kept)
    course_id = course()
    fail_invitation(app, db, course_id)
    with app.app_context():
        courses.end_course(db, course_id)
    assert {r["event"] for r in deliveries(db)} == {events.UNDELIVERABLE,
                                                    events.COURSE_ENDED} - {off}
    assert "edit-webhook-events" in {r["action"] for r in db.query("SELECT action FROM audit_log")}


def test_completed_questionnaires_can_be_switched_off_too(app, db, clinic_id, content,
                                                          course):
    outbox.save_event_settings(db, clinic_id, {events.SUBMISSION: False}, datetime.now(UTC))
    course_id = course(consent="given")
    with app.test_request_context():
        submit(db, content, course_id)
    assert deliveries(db) == []


def test_without_a_webhook_no_event_is_kept(webhook_app, db, course):
    course_id = course()
    with webhook_app().app_context():  # no PATIENTAPP_WEBHOOK_URL
        courses.end_course(db, course_id)
    assert deliveries(db) == []


# --- the documentation -----------------------------------------------------------------------

@pytest.mark.parametrize("event", events.EVENTS)
def test_every_event_is_documented(event):
    assert f"`{event}`" in DOCS


def test_the_documented_example_is_what_the_code_builds():
    """The example message in docs/integration.md is built by ``message_bundle``."""
    example = re.search(r"<!-- webhook-event-example -->\n```json\n(.*?)\n```", DOCS, re.S)
    assert example, "docs/integration.md has no webhook-event-example"
    documented = json.loads(example[1])
    settings = events.FhirSettings(base="https://patientapp.dk/fhir")
    course = {"id": 42, "clinic_id": 1, "pathway": "lumbar-radiculopathy", "status": "ended",
              "first_visit": "2026-03-02", "ended_at": "2026-05-04T10:15:00+00:00",
              "external_id": "BK-1001", "pseudonym": "pa-0123456789abcdef"}
    built = events.message_bundle(settings, events.COURSE_ENDED,
                                  documented["identifier"]["value"], documented["timestamp"],
                                  "https://skema.example-fysio.dk", course)
    assert built == documented


def test_the_schema_allows_exactly_the_events(db):
    check = re.search(r"event TEXT NOT NULL[^,]*?CHECK \(event IN \(([^)]*)\)\)",
                      db["webhook_deliveries"].schema)
    assert set(re.findall(r"'([^']+)'", check[1])) == set(events.EVENTS)
