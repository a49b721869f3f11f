"""Clinician sign-in: password check, throttling, idle timeout and the access decorators.

The session cookie carries the clinician id and a per-login nonce that is also stored
on the account; signing out replaces the nonce, so a copied cookie dies with it.
"""

from __future__ import annotations

import secrets
import threading
from functools import cache

from flask import current_app
from sqlite_utils import Database

from .. import accounts
from ..web.security import hash_token
from . import queries as clinic_db

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


def alert_holder(db: Database, clinician_id: int, failures: int) -> None:
    """E-mail the account holder; in the background, so the answer's timing stays flat."""
    from ..notifications.backends import email_from_config
    from .alerts import sign_in_alert

    message = sign_in_alert(clinic_db.get_alert_recipient(db, clinician_id), failures)
    backend = email_from_config(current_app.config)

    def send() -> None:
        try:
            backend.send(message)
        except Exception as error:  # a mail server down must not break sign-in
            current_app.logger.warning("sign-in alert not sent: %s", type(error).__name__)

    if current_app.testing:  # deterministic in tests; the request path is the same
        send()
        return
    app = current_app._get_current_object()

    def in_background() -> None:
        with app.app_context():
            send()

    threading.Thread(target=in_background, daemon=True).start()
