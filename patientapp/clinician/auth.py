"""Clinician sign-in: password check, throttling, and two-factor sign-in's rules.

The session itself (cookie, nonce, idle timeout) and the access check are in
``web/clinic.py``. With two-factor sign-in on, the right password only leads to the
second step: the cookie then holds ``two_factor`` (whose password was right, and when)
and no nonce, so nothing but the code page treats it as signed in.
"""

from __future__ import annotations

import secrets
import threading
from datetime import timedelta
from functools import cache

from flask import current_app, session
from sqlite_utils import Database

from .. import accounts
from ..db import write_transaction
from ..timeutil import iso, parse_moment, utcnow
from ..web.clinic import end_all_sessions
from ..web.security import hash_token
from . import queries as clinic_db
from . import twofactor

# Failed sign-ins are throttled where they come from, never by locking the account: a
# stranger who knows a clinician's e-mail must not be able to keep them out. The same
# e-mail address typed from the same client address may fail PAUSE_AFTER times in a
# quarter of an hour; after that this pair gets "wait 15 minutes" (right password or
# not), while the clinician signs in as usual from anywhere else. The pair is keyed on
# the e-mail as typed, so a known and an unknown address behave exactly alike.
PAUSE_AFTER = 5
PAUSE_WINDOW = 900
# Every wrong password for an account is counted on it (atomically); the holder is told
# by e-mail when the count since their last sign-in reaches ALERT_AFTER, and again every
# ALERT_EVERY failures after that.
ALERT_AFTER, ALERT_EVERY = 5, 20
# The second step must follow the password within this many seconds.
SECOND_STEP_SECONDS = 300


@cache
def _dummy_account() -> dict:
    """Checked when the e-mail is unknown, so every path costs one hash and times the same."""
    return {"password_hash": accounts.hash_password(secrets.token_hex(16))}


def pause_key(email: str) -> str:
    """The rate-limit key for an e-mail address as typed: a hash, never the address."""
    return hash_token(email.strip().casefold())[:24]


def attempt_sign_in(db: Database, email: str, password: str,
                    paused: bool = False) -> tuple[dict | None, str | None]:
    """(clinician, None) on success, else (None, reason): 'invalid' or 'paused'.

    Exactly one password hash is checked on every path (unknown e-mail, inactive
    account, paused, wrong, right), so the answer takes the same time whatever the
    e-mail. ``paused``: this e-mail from this client has failed too often just now.
    """
    clinician = accounts.get_clinician_by_email(db, email)
    usable = clinician is not None and clinician["active"]
    matches = accounts.password_matches(clinician if usable else _dummy_account(), password)
    if paused:
        return None, "paused"
    if not usable:
        return None, "invalid"
    if not matches:
        count_failure(db, clinician["id"])
        return None, "invalid"
    return clinician, None


def count_failure(db: Database, clinician_id: int) -> int:
    """One more failed sign-in on the account, counted in one statement (no lost updates
    between processes); returns the new count and alerts the holder when it is time."""
    failures = clinic_db.count_failed_login(db, clinician_id)
    if failures == ALERT_AFTER or (failures > ALERT_AFTER
                                   and (failures - ALERT_AFTER) % ALERT_EVERY == 0):
        alert_holder(db, clinician_id, failures)
    return failures


def alert_wrong_code(db: Database, clinician_id: int) -> None:
    """E-mail the holder once per second step: their password was right, the code wrong."""
    from .alerts import wrong_code_alert

    pending = session.get("two_factor")
    if not isinstance(pending, dict) or pending.get("told"):
        return
    session["two_factor"] = {**pending, "told": True}
    send_to_holder(wrong_code_alert(clinic_db.get_alert_recipient(db, clinician_id)))


def alert_holder(db: Database, clinician_id: int, failures: int) -> None:
    """E-mail the account holder about the failed sign-ins."""
    from .alerts import sign_in_alert

    send_to_holder(sign_in_alert(clinic_db.get_alert_recipient(db, clinician_id), failures))


def send_to_holder(message, background: bool = True) -> bool | None:
    """Send an e-mail to an account holder; in the background (the answer's timing stays
    flat) unless ``background`` is off (a command, which may end before a thread would).
    Sent in the foreground: whether the mail server took it."""
    from ..notifications.backends import email_from_config

    backend = email_from_config(current_app.config)

    def send() -> bool:
        try:
            backend.send(message)
        except Exception as error:  # a mail server down must not break sign-in
            current_app.logger.warning("e-mail to an account holder not sent: %s",
                                       type(error).__name__)
            return False
        return True

    if current_app.testing or not background:  # deterministic in tests: the same path
        return send()
    app = current_app._get_current_object()

    def in_background() -> None:
        with app.app_context():
            send()

    threading.Thread(target=in_background, daemon=True).start()
    return None


# --- the second step: a code from the authenticator app, or a recovery code ----------

def begin_second_step(clinician: dict, next_path: str | None) -> None:
    """The password was right and the account has two-factor sign-in: remember that (for
    a few minutes) in a fresh session that is not signed in."""
    lang = session.get("lang")
    session.clear()
    session["two_factor"] = {"id": clinician["id"], "at": iso(utcnow()),
                             "next": (next_path or "")[:500]}
    if lang:
        session["lang"] = lang


def second_step_clinician(db: Database) -> dict | None:
    """The clinician whose password was just right, while the second step is open."""
    pending = session.get("two_factor")
    if not isinstance(pending, dict) or not isinstance(pending.get("id"), int):
        return None
    try:
        started = parse_moment(str(pending.get("at")))
    except ValueError:
        return None
    if started + timedelta(seconds=SECOND_STEP_SECONDS) < utcnow():
        session.pop("two_factor", None)
        return None
    clinician = clinic_db.get_active_clinician(db, pending["id"])
    return clinician if clinician and clinician["totp_secret"] else None


def two_factor_on(clinician: dict) -> bool:
    return bool(clinician.get("totp_secret"))


def _secret(stored: str) -> str | None:
    try:
        return twofactor.decrypt(stored, current_app.config["SECRET_KEY"])
    except twofactor.SecretUnreadable:
        current_app.logger.warning("a two-factor secret cannot be decrypted: SECRET_KEY has "
                                   "changed since it was set up (reset it with reset-2fa)")
        return None


def check_code(db: Database, clinician_id: int, code: str) -> bool:
    """A current code from the account's app, taken once (its time step is used up)."""
    state = clinic_db.get_two_factor(db, clinician_id)
    secret = _secret(state["totp_secret"]) if state["totp_secret"] else None
    step = twofactor.matching_step(secret, code, utcnow(), state["totp_last_step"]) \
        if secret else None
    return step is not None and clinic_db.claim_time_step(db, clinician_id, step)


def check_second_factor(db: Database, clinician_id: int, code: str) -> str | None:
    """'code' or 'recovery' when what was typed lets the clinician in, else None.

    Both kinds are tried on every attempt (one cheap hash each), so a wrong code of
    either kind is answered alike.
    """
    recovery_hash = twofactor.hash_recovery_code(code)
    if check_code(db, clinician_id, code):
        return "code"
    if len(twofactor.normalise(code)) == twofactor.RECOVERY_LENGTH and \
            clinic_db.use_recovery_code(db, clinician_id, recovery_hash):
        return "recovery"
    return None


def pending_secret(db: Database, clinician_id: int) -> tuple[str, str]:
    """The secret being set up (plain, stored): the one saved before, or a new one."""
    stored = clinic_db.get_two_factor(db, clinician_id)["totp_pending_secret"]
    secret = _secret(stored) if stored else None
    if secret is None:
        secret = twofactor.new_secret()
        stored = twofactor.encrypt(secret, current_app.config["SECRET_KEY"])
        clinic_db.save_pending_secret(db, clinician_id, stored)
    return secret, stored


def reset_two_factor(db: Database, clinician_id: int) -> bool:
    """Switch the account's two-factor sign-in off and sign it out everywhere (a lost
    phone may also mean a stolen session). True if it was on."""
    with write_transaction(db):
        was_on = clinic_db.delete_two_factor(db, clinician_id)
        end_all_sessions(db, clinician_id)
    return was_on


def tell_holder_of_reset(db: Database, clinician_id: int,
                         background: bool = True) -> bool | None:
    from .alerts import two_factor_reset_notice

    return send_to_holder(two_factor_reset_notice(clinic_db.get_alert_recipient(db, clinician_id)),
                   background)
