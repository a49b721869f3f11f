"""/healthz, /readyz and /metrics: readiness failing for each reason, metrics after a journey."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time as clock
from datetime import date, datetime, time, timedelta

import pytest
from helpers import free_port
from helpers import http_get as get
from prometheus_client.parser import text_string_to_metric_families

from patientapp.config import PROJECT_ROOT
from patientapp.courses import queries as courses
from patientapp.db import get_db
from patientapp.demo import create_demo
from patientapp.notifications.sending import Outlets, send_due
from patientapp.timeutil import CLINIC_TZ, utcnow
from patientapp.worker import queries as worker

TOKEN = "metrics-token-for-the-tests-0123456789"  # nosec B105
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PASSWORD = "demo-password-123"  # nosec B105


@pytest.fixture
def worker_seen(db):
    worker.take_lease(db, "test-worker", utcnow(), timedelta(seconds=60))


def test_health_answers_while_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_when_every_check_passes(client, worker_seen):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ok", "failing": [], "checks": {
        "database": "ok", "migrations": "ok", "content": "ok", "worker": "ok"}}


def read_only(app, db):
    with app.app_context():  # the connection the next request gets (one per thread)
        get_db().execute("PRAGMA query_only = ON")


def migration_missing(app, db):
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_worker_lease'")
    db.conn.commit()


def no_content(app, db):
    app.extensions["content"] = dataclasses.replace(app.extensions["content"], pathways={})


def no_worker(app, db):
    db.execute("DELETE FROM worker_lease")
    db.conn.commit()


def worker_gone(app, db):
    worker.take_lease(db, "test-worker", utcnow() - timedelta(minutes=11),
                      timedelta(seconds=60))


@pytest.mark.parametrize("breakage, check, says", [
    (read_only, "database", "readonly"),
    (migration_missing, "migrations", "1 migration(s) not applied (m009_worker_lease)"),
    (no_content, "content", "no courses or questionnaires"),
    (no_worker, "worker", "no worker has run yet"),
    (worker_gone, "worker", "no worker seen since"),
])
def test_not_ready_names_the_failing_check(app, db, client, worker_seen, breakage, check, says):
    breakage(app, db)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.mimetype == "application/json"
    assert response.json["status"] == "failing" and response.json["failing"] == [check]
    assert says in response.json["checks"][check]
    assert all(v == "ok" for k, v in response.json["checks"].items() if k != check)


def test_a_missing_database_fails_every_check_that_needs_it(app, client, tmp_path):
    app.config["DATABASE"] = str(tmp_path / "nowhere" / "db.sqlite3")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert set(response.json["failing"]) == {"database", "migrations", "worker"}


# --- /metrics ----------------------------------------------------------------------------

def test_metrics_are_not_there_without_a_token_set(client):
    assert client.get("/metrics", headers=AUTH).status_code == 404


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": TOKEN},
                                     {"Authorization": f"Basic {TOKEN}"}])
def test_metrics_need_the_right_bearer_token(app, client, headers):
    app.config["METRICS_TOKEN"] = TOKEN
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith(
        "Bearer")
    assert "patientapp_" not in response.get_data(as_text=True)


def scrape(client) -> tuple[str, dict]:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return text, samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


class Recording:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


def test_metrics_after_a_patient_journey(app, db, client, content, answer_all, worker_seen):
    app.config.update(METRICS_TOKEN=TOKEN, WEBHOOK_URL="https://receiver.example/hook",
                      WEBHOOK_SECRET="s" * 32, WEBHOOK_SEND_ON_SUBMIT=False)
    demo = create_demo(db, content, "http://localhost", date.today(), PASSWORD)
    _, before = scrape(client)
    token = demo["patients"][0]["link"].rsplit("/", 1)[1]
    posted = answer_all(client, token)
    steps = [p for p in posted if "/step/" in p]
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/q/not-a-real-token").status_code == 404
    # A patient with an e-mail address whose invitation goes out now.
    course = courses.enrol(db, courses.NewPatient(
        demo_clinic(db), "Ny Patient", "ny@example.dk"), content.pathway("lumbar-radiculopathy"),
        date.today() + timedelta(days=2))
    with app.app_context():
        send_due(db, next_sending_moment(), Outlets(Recording(), Recording(), "http://x"))

    text, after = scrape(client)
    requests = "patientapp_http_requests_total"
    assert value(after, requests, endpoint="questionnaires.save_consent", method="POST",
                 status="302") == 1
    assert value(after, requests, endpoint="questionnaires.answer_step", method="POST",
                 status="302") == len(steps)
    assert value(after, requests, endpoint="questionnaires.submit", method="POST",
                 status="302") == 1
    assert value(after, requests, endpoint="unmatched", method="GET", status="404") == 1
    assert value(after, requests, endpoint="questionnaires.show_home", method="GET",
                 status="404") == 1
    latency = "patientapp_http_request_duration_seconds"
    assert value(after, f"{latency}_count", endpoint="questionnaires.answer_step") == \
        len(steps) + value(after, requests, endpoint="questionnaires.answer_step",
                           method="GET", status="200")
    assert value(after, f"{latency}_bucket", endpoint="questionnaires.submit", le="+Inf") == 1
    assert value(after, "patientapp_submissions") == value(before, "patientapp_submissions") + 1
    assert value(after, "patientapp_webhook_deliveries", status="pending") == 1
    assert value(after, "patientapp_webhook_deliveries", status="delivered") == 0
    assert 0 <= value(after, "patientapp_webhook_oldest_pending_age_seconds") < 60
    held = dict(db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    for status in ("pending", "sending", "sent", "failed", "unknown", "cancelled"):
        assert value(after, "patientapp_outbox_messages", status=status) == held.get(status, 0)
    assert held["sent"] >= 1  # the invitation (and the demo's alarm notification)
    for kind, count in db.execute("SELECT kind, count(*) FROM alerts WHERE"
                                  " acknowledged_at IS NULL GROUP BY kind").fetchall():
        assert value(after, "patientapp_alerts_open", kind=kind) == count
    assert 0 <= value(after, "patientapp_worker_last_seen_seconds") < 60
    # Endpoint names only: no link token, no patient name, no URL.
    assert token not in text and "/q/" not in text and "Ny Patient" not in text
    assert course


def demo_clinic(db) -> int:
    return next(db.query("SELECT id FROM clinics ORDER BY id"))["id"]


def next_sending_moment() -> datetime:
    """Noon today in the clinic: within the sending hours."""
    return datetime.combine(date.today(), time(12), CLINIC_TZ)


# --- several gunicorn processes --------------------------------------------------------

def test_request_counts_add_up_over_gunicorn_processes(app, tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR every scrape, whichever process answers it, counts
    the requests of all processes."""
    port = free_port()
    env = {**os.environ, "PATIENTAPP_DATABASE": app.config["DATABASE"],
           "PATIENTAPP_SECRET_KEY": "metrics-test-secret-0123456789abcdef",
           "PATIENTAPP_BASE_URL": "https://skema.metrics.example",
           "PATIENTAPP_METRICS_TOKEN": TOKEN}
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "wsgi:app"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                clock.sleep(0.1)
        for _ in range(40):
            assert get(port, "/healthz")[0] == 200
        counts = set()
        for _ in range(6):
            status, text = get(port, "/metrics", AUTH)
            assert status == 200
            counts.add(next(s.value for f in text_string_to_metric_families(text)
                            for s in f.samples if s.name == "patientapp_http_requests_total"
                            and s.labels["endpoint"] == "monitoring.show_health"))
    finally:
        server.terminate()
        server.wait(10)
    assert len(counts) == 1 and counts.pop() >= 41
