"""Sign-in reveals nothing about which accounts exist, and nobody can lock a clinician out."""

from __future__ import annotations

import statistics
import threading
import time

import pytest

from patientapp import accounts
from patientapp.accounts import save_clinician
from patientapp.clinician import auth
from patientapp.db import connect

PASSWORD = "correct horse battery"
KNOWN, UNKNOWN = "fys@clinic.example", "nobody@clinic.example"


@pytest.fixture
def account(db, clinic_id):
    return save_clinician(db, clinic_id, KNOWN, "Fys Ioterapeut", PASSWORD)


def _post(app, email, password, address="198.51.100.7"):
    return app.test_client().post("/clinic/login", data={"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def _answer(response) -> tuple[int, str]:
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.get_data(as_text=True), "html5lib")
    summary = page.select_one(".error-summary")
    return response.status_code, summary.text.strip() if summary else ""


def test_known_and_unknown_e_mails_get_the_same_answers_all_the_way(app, account):
    known = [_answer(_post(app, KNOWN, "wrong password")) for _ in range(8)]
    unknown = [_answer(_post(app, UNKNOWN, "wrong password", "198.51.100.8"))
               for _ in range(8)]
    assert known == unknown
    assert len(set(known)) == 2  # "not right" five times, then "wait 15 minutes"
    # The right password from the paused place gets the very same answer as a wrong one.
    assert _answer(_post(app, KNOWN, PASSWORD)) == known[-1]


def test_a_stranger_cannot_lock_the_clinician_out(app, db, account):
    for _ in range(30):
        _post(app, KNOWN, "guess", "203.0.113.66")
    owner = _post(app, KNOWN, PASSWORD, "198.51.100.20")
    assert owner.status_code == 302 and owner.headers["Location"] == "/clinic/"
    assert next(db.query("SELECT failed_logins FROM clinicians"))["failed_logins"] == 0


def test_the_stranger_is_slowed_down_where_they_are(app, account):
    codes = [_post(app, KNOWN, "guess", "203.0.113.66").status_code for _ in range(25)]
    assert codes[:20] == [401] * 20
    assert codes[20:] == [429] * 5  # the address's own limit (SIGN_IN_FAILURE_LIMIT)


def test_the_pause_ends_and_the_right_password_works_again(app, account, monkeypatch):
    for _ in range(6):
        _post(app, KNOWN, "typo")
    assert _post(app, KNOWN, PASSWORD).status_code == 401
    later = 1_800_000_000.0 + auth.PAUSE_WINDOW
    monkeypatch.setattr("patientapp.web.ratelimit.now", lambda: later)
    assert _post(app, KNOWN, PASSWORD).status_code == 302


def test_the_account_holder_is_told_by_e_mail(app, db, account, mailbox):
    db.execute("UPDATE clinicians SET language = 'en'")
    for n in range(4):
        _post(app, KNOWN, "guess", f"203.0.113.{n}")
    assert mailbox.sent == []
    _post(app, KNOWN, "guess", "203.0.113.9")
    [message] = mailbox.sent
    assert message.to == KNOWN and "5 times" in message.text and "not locked" in message.text
    assert "203.0.113" not in message.text + message.html
    for n in range(auth.ALERT_EVERY):
        _post(app, KNOWN, "guess", f"192.0.2.{n}")
    assert len(mailbox.sent) == 2 and "25 times" in mailbox.sent[1].text


def test_an_unknown_e_mail_sends_nothing(app, account, mailbox):
    for n in range(10):
        _post(app, UNKNOWN, "guess", f"203.0.113.{n}")
    assert mailbox.sent == []


def test_a_failing_mail_server_does_not_break_sign_in(app, account, monkeypatch):
    class Down:
        def send(self, message):
            raise ConnectionRefusedError

    monkeypatch.setattr("patientapp.notifications.backends.email_from_config", lambda c: Down())
    codes = [_post(app, KNOWN, "guess", f"203.0.113.{n}").status_code for n in range(6)]
    assert codes == [401] * 6


def test_the_failure_counter_loses_no_update_under_concurrency(app, account):
    """16 threads, each on its own connection, fail at once: every failure is counted."""
    threads, barrier, errors = 16, threading.Barrier(16), []

    def fail():
        db = connect(app.config["DATABASE"])
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(5):
                    assert auth.attempt_sign_in(db, KNOWN, "wrong") == (None, "invalid")
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            db.close()

    workers = [threading.Thread(target=fail) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    db = connect(app.config["DATABASE"])
    assert next(db.query("SELECT failed_logins FROM clinicians"))["failed_logins"] == 80


def test_every_path_checks_exactly_one_password_hash(app, db, account, monkeypatch):
    checked = []
    real = auth.accounts.password_matches
    monkeypatch.setattr(auth.accounts, "password_matches",
                        lambda c, p: checked.append(1) or real(c, p))
    inactive = save_clinician(db, next(db.query("SELECT id FROM clinics"))["id"],
                              "gone@clinic.example", "Gone", PASSWORD)
    db.execute("UPDATE clinicians SET active = 0 WHERE id = ?", [inactive])
    with app.app_context():
        for email, password, paused in [(KNOWN, PASSWORD, False), (KNOWN, "x", False),
                                        (UNKNOWN, "x", False), ("gone@clinic.example",
                                                                PASSWORD, False),
                                        (KNOWN, PASSWORD, True), (UNKNOWN, "x", True)]:
            before = len(checked)
            auth.attempt_sign_in(db, email, password, paused)
            assert len(checked) == before + 1, (email, paused)


@pytest.fixture
def real_hash(monkeypatch):
    """The production hash (scrypt) instead of the suite's cheap one, for timing."""
    monkeypatch.setattr(accounts, "HASH_METHOD", "scrypt")
    auth._dummy_account.cache_clear()
    yield
    auth._dummy_account.cache_clear()


def test_known_and_unknown_e_mails_take_the_same_time(app, real_hash, account):
    """50 attempts each, interleaved, through the whole view (real scrypt hash): the
    medians are within 20 % – after the fifth, both go on through the paused path."""
    app.config["SIGN_IN_FAILURE_LIMIT"] = 1000
    client = app.test_client()
    timings = {KNOWN: [], UNKNOWN: []}
    for _ in range(50):
        for email in (KNOWN, UNKNOWN):
            start = time.perf_counter()
            response = client.post("/clinic/login", data={"email": email, "password": "nope"})
            timings[email].append(time.perf_counter() - start)
            assert response.status_code == 401
    known, unknown = (statistics.median(timings[e]) for e in (KNOWN, UNKNOWN))
    assert abs(known - unknown) <= 0.2 * min(known, unknown), (known, unknown)
