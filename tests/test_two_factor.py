"""Two-factor sign-in: setting it up, signing in with a code or a recovery code, codes
that cannot be reused or guessed, switching it off, the clinic's rule for admins, and
resetting it (an admin in the browser, the operator on the command line)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from helpers import CheckingClient

from patientapp import timeutil
from patientapp.accounts import save_clinic, save_clinician
from patientapp.clinician import auth, twofactor

PASSWORD = "correct horse battery"
ADMIN, PLAIN, OTHER = "boss@clinic.example", "fys@clinic.example", "other@clinic.example"
START = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)  # 10 s into a 30-second step


class Clock:
    """The app's one clock, held still and moved on by hand."""

    def __init__(self, monkeypatch):
        self.moment = START
        monkeypatch.setattr(timeutil, "clock", lambda: self.moment)

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def people(db, clinic_id):
    ids = {ADMIN: save_clinician(db, clinic_id, ADMIN, "Bo Boss", PASSWORD, "admin"),
           PLAIN: save_clinician(db, clinic_id, PLAIN, "Fys Ioterapeut", PASSWORD)}
    db.execute("UPDATE clinicians SET language = 'en'")
    return ids


def english(client):
    with client.raw.session_transaction() as cookie:
        cookie["lang"] = "en"
    return client


def sign_in(client, email, password=PASSWORD):
    return client.post("/clinic/login", data={"email": email, "password": password})


def summary(response) -> str:
    found = response.page.select_one(".error-summary")
    return found.text.strip() if found else ""


def set_up(client, clock) -> tuple[str, list[str]]:
    """Switch two-factor sign-in on for the signed-in clinician: (secret, recovery codes)."""
    page = client.get("/clinic/account/two-factor")
    assert page.status_code == 200
    secret = page.page.select_one("code.secret").text.replace(" ", "")
    done = client.post("/clinic/account/two-factor", data={
        "code": pyotp.TOTP(secret).at(clock.moment), "password": PASSWORD})
    assert done.status_code == 200, summary(done)
    codes = [c.text for c in done.page.select(".recovery-codes code")]
    return secret, codes


def code(secret: str, clock) -> str:
    return pyotp.TOTP(secret).at(clock.moment)


def with_two_factor(app, clock, email=PLAIN) -> tuple[str, list[str]]:
    """An account with two-factor sign-in on (set up on a client of its own), and the clock
    moved to the next time step so that a fresh code can be typed."""
    client = english(CheckingClient(app.test_client()))
    sign_in(client, email)
    secret, codes = set_up(client, clock)
    clock.advance(30)
    return secret, codes


def audit_actions(db) -> list[str]:
    return [row["action"] for row in db.query("SELECT action FROM audit_log ORDER BY id")]


# --- the pure rules -------------------------------------------------------------------

def test_a_code_is_taken_for_the_step_before_and_after_but_never_twice():
    secret = twofactor.new_secret()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(START)
    for offset in (-1, 0, 1):
        at = START + timedelta(seconds=30 * offset)
        assert twofactor.matching_step(secret, totp.at(at), START, None) == step + offset
        assert twofactor.matching_step(secret, totp.at(at), START, step + offset) is None
    for far in (-2, 2):
        assert twofactor.matching_step(secret, totp.at(START + timedelta(seconds=30 * far)),
                                       START, None) is None
    spaced = totp.at(START)[:3] + " " + totp.at(START)[3:]
    assert twofactor.matching_step(secret, spaced, START, None) == step


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12345\x00"])
def test_what_is_not_six_digits_is_no_code(typed):
    assert twofactor.matching_step(twofactor.new_secret(), typed, START, None) is None


def test_the_secret_is_encrypted_with_a_key_from_the_secret_key():
    secret = twofactor.new_secret()
    stored = twofactor.encrypt(secret, "key-one-" * 4)
    assert secret not in stored
    assert twofactor.decrypt(stored, "key-one-" * 4) == secret
    with pytest.raises(twofactor.SecretUnreadable):
        twofactor.decrypt(stored, "key-two-" * 4)


def test_recovery_codes_are_random_readable_and_typed_loosely():
    codes = twofactor.new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"([a-z2-9]{4}-){3}[a-z2-9]{4}", c) for c in codes)
    assert twofactor.hash_recovery_code(codes[0]) == \
        twofactor.hash_recovery_code(" " + codes[0].upper().replace("-", " ") + " ")


# --- setting it up ----------------------------------------------------------------------

def test_set_up_shows_a_qr_code_and_the_key_and_needs_a_current_code(app, client, db, people,
                                                                    clock, caplog):
    caplog.set_level(logging.DEBUG)
    english(client)
    sign_in(client, PLAIN)
    page = client.get("/clinic/account/two-factor")
    svg = page.page.select_one(".qr svg")
    assert svg is not None and svg.find("path") and svg.find("title")
    secret = page.page.select_one("code.secret").text.replace(" ", "")
    assert client.get("/clinic/account/two-factor").page.select_one("code.secret").text \
        .replace(" ", "") == secret  # the same key until it is switched on
    wrong = client.post("/clinic/account/two-factor", data={"code": "000000",
                                                            "password": PASSWORD})
    if code(secret, clock) == "000000":  # one in a million
        pytest.skip("the right code happened to be 000000")
    assert wrong.status_code == 400 and "The code is not right" in summary(wrong)
    assert wrong.page.select_one("code.secret").text.replace(" ", "") == secret
    assert next(db.query("SELECT totp_secret FROM clinicians WHERE email = ?",
                         [PLAIN]))["totp_secret"] is None
    bad_password = client.post("/clinic/account/two-factor", data={
        "code": code(secret, clock), "password": "not it"})
    assert bad_password.status_code == 400 and "not your current password" in \
        summary(bad_password)
    done = client.post("/clinic/account/two-factor", data={"code": code(secret, clock),
                                                           "password": PASSWORD})
    assert done.status_code == 200
    codes = [c.text for c in done.page.select(".recovery-codes code")]
    assert len(codes) == 10
    assert "two-factor-on" in audit_actions(db)
    # Neither the key nor a recovery code is anywhere in the database as typed, nor logged.
    dump = "\n".join(db.conn.iterdump())
    for plain in [secret, *codes]:
        assert plain not in dump and plain.replace("-", "") not in dump
        assert plain not in caplog.text
    assert client.get("/clinic/account/two-factor").page.select_one("code.secret") is None
    links = [t.get("href", "") + t.get("action", "") for t in page.page.find_all(["a", "form"])]
    assert not [link for link in links if secret in link]  # never in a URL


def test_set_up_without_a_key_shown_first_writes_nothing(client, db, people):
    sign_in(client, PLAIN)
    response = client.post("/clinic/account/two-factor", data={"code": "123456",
                                                               "password": PASSWORD})
    assert response.status_code == 302
    assert next(db.query("SELECT totp_pending_secret FROM clinicians WHERE email = ?",
                         [PLAIN]))["totp_pending_secret"] is None


# --- signing in -------------------------------------------------------------------------

def test_sign_in_asks_for_the_code_after_the_password(app, client, db, people, clock):
    secret, _codes = with_two_factor(app, clock)
    english(client)
    first = sign_in(client, PLAIN)
    assert first.status_code == 302 and first.headers["Location"] == "/clinic/login/code"
    assert client.get("/clinic/").status_code == 302  # not signed in yet
    page = client.get("/clinic/login/code")
    assert page.status_code == 200 and page.page.find("input", attrs={"name": "code"})
    done = client.post("/clinic/login/code", data={"code": code(secret, clock)})
    assert done.status_code == 302 and done.headers["Location"] == "/clinic/"
    assert client.get("/clinic/").status_code == 200
    assert audit_actions(db).count("sign-in") == 2  # at set-up, and now


def test_the_page_asked_for_before_sign_in_is_opened_after_the_code(app, client, people,
                                                                   clock):
    secret, _codes = with_two_factor(app, clock)
    client.post("/clinic/login?next=/clinic/overview", data={"email": PLAIN,
                                                             "password": PASSWORD})
    done = client.post("/clinic/login/code", data={"code": code(secret, clock)})
    assert done.headers["Location"] == "/clinic/overview"


def test_a_wrong_password_is_answered_alike_with_or_without_two_factor(app, db, people, clock):
    with_two_factor(app, clock)
    answers = []
    for email in (PLAIN, ADMIN):  # PLAIN has two-factor sign-in, ADMIN not
        response = sign_in(english(CheckingClient(app.test_client())), email, "wrong")
        answers.append((response.status_code, summary(response)))
    assert answers[0] == answers[1] and answers[0][0] == 401


def test_a_wrong_code_does_not_sign_in(app, client, db, people, clock):
    secret, _codes = with_two_factor(app, clock)
    english(client)
    sign_in(client, PLAIN)
    right = code(secret, clock)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    response = client.post("/clinic/login/code", data={"code": wrong})
    assert response.status_code == 401 and "The code is not right" in summary(response)
    assert client.get("/clinic/").status_code == 302
    assert "sign-in-code-wrong" in audit_actions(db)
    empty = client.post("/clinic/login/code", data={"code": ""})
    assert empty.status_code == 400 and "Enter the 6-digit code" in summary(empty)


def test_a_right_password_with_a_wrong_code_tells_the_holder_once(app, client, db, people,
                                                                  clock, mailbox):
    """Only the second step held: the holder hears of it, once per sign-in, in their
    language, and a right code afterwards is not reported."""
    secret, _codes = with_two_factor(app, clock)
    db.execute("UPDATE clinicians SET language = 'da' WHERE email = ?", [PLAIN])
    sign_in(client, PLAIN)
    wrong = f"{(int(code(secret, clock)) + 1) % 10**6:06d}"
    for _ in range(3):
        assert client.post("/clinic/login/code", data={"code": wrong}).status_code == 401
    [message] = mailbox.sent
    assert message.to == PLAIN and "adgangskode" in message.subject
    assert "kender nogen din adgangskode" in message.text and wrong not in message.text
    sign_in(client, PLAIN)  # a new sign-in: a new message on its first wrong code
    client.post("/clinic/login/code", data={"code": wrong})
    assert len(mailbox.sent) == 2
    clock.advance(31)  # the next code step
    assert client.post("/clinic/login/code", data={"code": code(secret, clock)}).status_code \
        == 302 and len(mailbox.sent) == 2


def test_a_code_cannot_be_used_twice(app, client, people, clock):
    secret, _codes = with_two_factor(app, clock)
    used = code(secret, clock)
    sign_in(client, PLAIN)
    assert client.post("/clinic/login/code", data={"code": used}).status_code == 302
    client.post("/clinic/logout")
    sign_in(client, PLAIN)
    again = client.post("/clinic/login/code", data={"code": used})
    assert again.status_code == 401  # seen over a shoulder: no use within its window
    clock.advance(30)
    assert client.post("/clinic/login/code", data={"code": code(secret, clock)}) \
        .status_code == 302


def test_the_code_from_set_up_cannot_sign_in(app, client, people, clock):
    other = CheckingClient(app.test_client())
    sign_in(other, PLAIN)
    secret, _codes = set_up(other, clock)
    sign_in(client, PLAIN)
    assert client.post("/clinic/login/code", data={"code": code(secret, clock)}) \
        .status_code == 401


def test_a_recovery_code_signs_in_once(app, client, db, people, clock):
    _secret, codes = with_two_factor(app, clock)
    english(client)
    sign_in(client, PLAIN)
    done = client.post("/clinic/login/code", data={"code": codes[3].upper()})
    assert done.status_code == 302
    assert "Recovery codes left: 9" in client.follow(done).get_data(as_text=True)
    assert "two-factor-recovery-code-used" in audit_actions(db)
    client.post("/clinic/logout")
    sign_in(client, PLAIN)
    assert client.post("/clinic/login/code", data={"code": codes[3]}).status_code == 401
    assert client.post("/clinic/login/code", data={"code": codes[4]}).status_code == 302


def test_wrong_codes_are_paused_per_account(app, client, people, clock, monkeypatch):
    secret, _codes = with_two_factor(app, clock)
    english(client)
    sign_in(client, PLAIN)
    for n in range(5):
        assert client.post("/clinic/login/code", data={"code": f"{n:06d}x"}).status_code == 401
    paused = client.post("/clinic/login/code", data={"code": code(secret, clock)})
    assert paused.status_code == 401 and "Too many wrong codes" in summary(paused)
    later = 1_800_000_000.0 + auth.PAUSE_WINDOW
    monkeypatch.setattr("patientapp.web.ratelimit.now", lambda: later)
    assert client.post("/clinic/login/code", data={"code": code(secret, clock)}) \
        .status_code == 302


def test_the_second_step_must_follow_the_password_soon(app, client, people, clock):
    secret, _codes = with_two_factor(app, clock)
    sign_in(client, PLAIN)
    clock.advance(auth.SECOND_STEP_SECONDS + 1)
    late = client.post("/clinic/login/code", data={"code": code(secret, clock)})
    assert late.status_code == 302 and late.headers["Location"] == "/clinic/login"
    assert client.get("/clinic/login/code").status_code == 302


def test_the_code_page_without_a_password_first_goes_to_sign_in(client, people):
    response = client.post("/clinic/login/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"] == "/clinic/login"


def test_a_forged_or_odd_second_step_cookie_goes_to_sign_in(app, people):
    client = app.test_client()
    for pending in ({"id": "1", "at": "x"}, {"id": 1, "at": "not a moment"}, "junk",
                    {"id": people[ADMIN], "at": timeutil.iso(timeutil.utcnow())}):
        with client.session_transaction() as cookie:
            cookie["two_factor"] = pending
        assert client.get("/clinic/login/code").status_code == 302, pending


# --- switching it off, new recovery codes -------------------------------------------------

def test_switching_off_needs_the_password_or_a_current_code(app, client, db, people, clock):
    secret, _codes = with_two_factor(app, clock)
    english(client)
    sign_in(client, PLAIN)
    client.post("/clinic/login/code", data={"code": code(secret, clock)})
    refused = client.post("/clinic/account/two-factor/off", data={"off-confirm": "guess"})
    assert refused.status_code == 400 and "neither your password" in summary(refused)
    assert client.post("/clinic/account/two-factor/off",
                       data={"off-confirm": PASSWORD}).status_code == 302
    assert next(db.query("SELECT totp_secret FROM clinicians WHERE email = ?",
                         [PLAIN]))["totp_secret"] is None
    assert next(db.query("SELECT count(*) AS n FROM recovery_codes"))["n"] == 0
    assert "two-factor-off" in audit_actions(db)
    clock.advance(30)
    secret, _codes = set_up(client, clock)
    clock.advance(30)
    assert client.post("/clinic/account/two-factor/off",
                       data={"off-confirm": code(secret, clock)}).status_code == 302
    client.post("/clinic/logout")
    assert sign_in(client, PLAIN).headers["Location"] == "/clinic/"  # the password alone


def test_new_recovery_codes_replace_the_old_ones(app, client, db, people, clock):
    secret, old = with_two_factor(app, clock)
    sign_in(client, PLAIN)
    client.post("/clinic/login/code", data={"code": old[0]})
    page = client.post("/clinic/account/two-factor/recovery-codes",
                       data={"renew-confirm": PASSWORD})
    new = [c.text for c in page.page.select(".recovery-codes code")]
    assert page.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    assert "two-factor-recovery-codes-new" in audit_actions(db)
    client.post("/clinic/logout")
    sign_in(client, PLAIN)
    assert client.post("/clinic/login/code", data={"code": old[1]}).status_code == 401
    assert client.post("/clinic/login/code", data={"code": new[1]}).status_code == 302


# --- the clinic's rule for admins -----------------------------------------------------------

def _require_for_admins(client, on: bool = True):
    clinic = client.get("/clinic/admin/settings").page
    data = {field["name"]: field.get("value", "") for field in clinic.select("form input")
            if field.get("type") not in ("checkbox",)}
    if on:
        data["require_admin_two_factor"] = "yes"
    return client.post("/clinic/admin/settings", data=data)


def test_an_admin_without_two_factor_can_only_set_it_up_when_the_clinic_requires_it(
        app, client, db, people, clock):
    english(client)
    sign_in(client, ADMIN)
    assert _require_for_admins(client).status_code == 302
    assert "require_admin_two_factor=1" in next(db.query(
        "SELECT detail FROM audit_log WHERE action = 'edit-clinic-settings'"))["detail"]
    for rule in app.url_map.iter_rules():  # every clinic page, the next one too
        if not rule.rule.startswith("/clinic/") or \
                rule.endpoint in ("clinician.setup_two_factor", "clinician.sign_in",
                                  "clinician.sign_out", "clinician.enter_code"):
            continue
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.raw.open(path, method=method)
            assert response.status_code == 302, (rule.rule, method)
            assert response.headers["Location"] == "/clinic/account/two-factor", rule.rule
    page = client.get("/clinic/account/two-factor")
    assert "requires two-factor sign-in for admins" in page.get_data(as_text=True)
    assert [a.text for a in page.page.select(".clinic-nav a")] == ["Two-factor sign-in"]
    set_up(client, clock)
    assert client.get("/clinic/").status_code == 200
    # A plain clinician of the clinic is not held up.
    plain = CheckingClient(app.test_client())
    sign_in(plain, PLAIN)
    assert plain.get("/clinic/").status_code == 200


def test_an_admin_who_switches_it_off_must_set_it_up_again(app, client, db, people, clock):
    sign_in(client, ADMIN)
    _require_for_admins(client)
    set_up(client, clock)
    assert client.post("/clinic/account/two-factor/off",
                       data={"off-confirm": PASSWORD}).status_code == 302
    assert client.get("/clinic/").headers["Location"] == "/clinic/account/two-factor"


def test_the_setting_can_be_switched_off_again(app, client, db, people, clock):
    sign_in(client, ADMIN)
    _require_for_admins(client)
    set_up(client, clock)
    assert _require_for_admins(client, on=False).status_code == 302
    assert not next(db.query("SELECT require_admin_two_factor FROM clinics"))[
        "require_admin_two_factor"]


# --- resetting it: an admin, or the operator ---------------------------------------------------

def test_an_admin_resets_a_clinicians_two_factor_and_they_are_told(app, client, db, people,
                                                                   clock, mailbox):
    with_two_factor(app, clock)
    holder = CheckingClient(app.test_client())
    sign_in(holder, PLAIN)  # now asked for a code
    english(client)
    sign_in(client, ADMIN)
    accounts_page = client.get("/clinic/admin/clinicians")
    [form] = [f for f in accounts_page.page.find_all("form")
              if "two-factor/reset" in f["action"]]
    done = client.post(form["action"])
    assert done.status_code == 302
    assert "has been reset" in client.follow(done).get_data(as_text=True)
    assert "reset-two-factor" in audit_actions(db)
    [message] = mailbox.sent
    assert message.to == PLAIN and "reset" in message.text
    assert sign_in(holder, PLAIN).headers["Location"] == "/clinic/"
    again = client.post(form["action"])  # nothing left to reset
    assert again.status_code == 302 and len(mailbox.sent) == 1


def test_an_admin_cannot_reset_their_own_or_another_clinics(app, client, db, people, clock):
    other_clinic = save_clinic(db, "Fysio Andet", alert_emails="x@fysio.example")
    stranger = save_clinician(db, other_clinic, OTHER, "Other", PASSWORD)
    with_two_factor(app, clock, ADMIN)
    with_two_factor(app, clock, OTHER)
    client.raw.post("/clinic/login", data={"email": ADMIN, "password": PASSWORD})
    with client.raw.session_transaction() as cookie:
        assert "two_factor" in cookie
    state = next(db.query("SELECT totp_secret FROM clinicians WHERE email = ?", [ADMIN]))
    secret = twofactor.decrypt(state["totp_secret"], app.config["SECRET_KEY"])
    clock.advance(30)
    client.post("/clinic/login/code", data={"code": code(secret, clock)})
    assert client.post(f"/clinic/admin/clinicians/{stranger}/two-factor/reset") \
        .status_code == 404
    own = client.post(f"/clinic/admin/clinicians/{people[ADMIN]}/two-factor/reset")
    assert own.status_code == 302
    assert next(db.query("SELECT count(*) AS n FROM clinicians WHERE totp_secret IS NOT NULL"
                         ))["n"] == 2


def test_a_plain_clinician_cannot_reset_anyones(app, client, people, clock):
    with_two_factor(app, clock, ADMIN)
    sign_in(client, PLAIN)
    assert client.post(f"/clinic/admin/clinicians/{people[ADMIN]}/two-factor/reset") \
        .status_code == 403


def test_the_operator_resets_it_on_the_command_line(app, runner, db, people, clock, mailbox):
    with_two_factor(app, clock)
    result = runner.invoke(args=["reset-2fa", "--email", PLAIN])
    assert result.exit_code == 0, result.output
    assert "is reset" in result.output
    row = next(db.query("SELECT actor_type, object_id FROM audit_log"
                        " WHERE action = 'reset-two-factor'"))
    assert row == {"actor_type": "command", "object_id": people[PLAIN]}
    assert [m.to for m in mailbox.sent] == [PLAIN]
    assert next(db.query("SELECT count(*) AS n FROM clinician_sessions"
                         " WHERE clinician_id = ?", [people[PLAIN]]))["n"] == 0
    again = runner.invoke(args=["reset-2fa", "--email", PLAIN])
    assert again.exit_code == 0 and "nothing changed" in again.output
    unknown = runner.invoke(args=["reset-2fa", "--email", "nobody@clinic.example"])
    assert unknown.exit_code != 0 and "no account" in unknown.output
    assert "--email" in runner.invoke(args=["reset-2fa", "--help"]).output


def test_the_command_says_when_the_holder_could_not_be_told(app, runner, people, clock,
                                                            monkeypatch):
    class Down:
        def send(self, message):
            raise ConnectionRefusedError

    with_two_factor(app, clock)
    monkeypatch.setattr("patientapp.notifications.backends.email_from_config", lambda c: Down())
    result = runner.invoke(args=["reset-2fa", "--email", PLAIN])
    assert result.exit_code == 0 and "could not be sent" in result.output


def test_a_changed_secret_key_refuses_codes_but_not_recovery_codes(app, client, people, clock,
                                                                   caplog):
    secret, codes = with_two_factor(app, clock)
    app.config["SECRET_KEY"] = "another-secret-key-that-is-long-enough-456"
    sign_in(client, PLAIN)
    assert client.post("/clinic/login/code", data={"code": code(secret, clock)}) \
        .status_code == 401
    assert "reset-2fa" in caplog.text
    assert client.post("/clinic/login/code", data={"code": codes[0]}).status_code == 302
    assert client.post("/clinic/account/two-factor/off",
                       data={"off-confirm": PASSWORD}).status_code == 302


def test_every_new_form_needs_its_csrf_token(tmp_path, people, clock):
    from patientapp import create_app

    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "test.sqlite3"),
                      "SECRET_KEY": "test-secret-key-that-is-long-enough-123"})
    client = app.test_client()
    for path in ("/clinic/login/code", "/clinic/account/two-factor",
                 "/clinic/account/two-factor/off", "/clinic/account/two-factor/recovery-codes",
                 f"/clinic/admin/clinicians/{people[PLAIN]}/two-factor/reset"):
        assert client.post(path, data={"code": "123456"}).status_code == 400, path


def test_the_pending_step_holds_no_nonce(app, people, clock):
    with_two_factor(app, clock)
    client = app.test_client()
    client.post("/clinic/login", data={"email": PLAIN, "password": PASSWORD})
    with client.session_transaction() as cookie:
        assert "nonce" not in cookie and "clinician_id" not in cookie
        assert cookie["two_factor"]["id"] == people[PLAIN]


@pytest.mark.parametrize("typed", ["\x00", "1\r\n23456", "x" * 10_000, "١٢٣٤٥٦", "<b>1</b>",
                                   "abcd-efgh-jkmn-pqrs-" * 3, "%00", "\u2028"])
def test_hostile_codes_are_refused_plainly(app, client, db, people, clock, typed):
    with_two_factor(app, clock)
    english(client)
    sign_in(client, PLAIN)
    response = client.post("/clinic/login/code", data={"code": typed})
    assert response.status_code in (400, 401) and summary(response)
    assert "<b>1</b>" not in response.get_data(as_text=True)
    assert client.get("/clinic/").status_code == 302


def test_one_time_step_is_taken_once_under_concurrency(app, db, people, clock):
    """16 connections claim the same code's time step at once: exactly one gets it."""
    import threading

    from patientapp.clinician import queries as clinic_db
    from patientapp.db import connect

    with_two_factor(app, clock)
    step = next(db.query("SELECT totp_last_step FROM clinicians WHERE email = ?",
                         [PLAIN]))["totp_last_step"] + 1
    barrier, won = threading.Barrier(16), []

    def claim():
        own = connect(app.config["DATABASE"])
        try:
            barrier.wait()
            won.append(clinic_db.claim_time_step(own, people[PLAIN], step))
        finally:
            own.close()

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 15 + [True]
