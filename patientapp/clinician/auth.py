"""Clinician sign-in: password check, lockout, idle timeout and the access decorators.

The session cookie carries the clinician id and a per-login nonce that is also stored
on the account; signing out replaces the nonce, so a copied cookie dies with it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache, wraps

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlite_utils import Database
from werkzeug.security import generate_password_hash

from .. import accounts
from ..security import hash_token
from ..timeutil import iso, parse_moment, utcnow
from . import queries as clinic_db

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


@cache
def _dummy_account() -> dict:
    """Checked when the e-mail is unknown, so both paths cost one hash and time the same."""
    return {"password_hash": generate_password_hash(secrets.token_hex(16))}


def attempt_sign_in(db: Database, email: str, password: str) -> tuple[dict | None, str | None]:
    """(clinician, None) on success, else (None, reason) with reason 'invalid' or 'locked'."""
    clinician = accounts.get_clinician_by_email(db, email)
    if clinician is None or not clinician["active"]:
        accounts.password_matches(_dummy_account(), password)
        return None, "invalid"
    if clinician["locked_until"] and parse_moment(clinician["locked_until"]) > utcnow():
        return None, "locked"
    if not accounts.password_matches(clinician, password):
        _count_failure(db, clinician)
        return None, "invalid"
    return clinician, None


def _count_failure(db: Database, clinician: dict) -> None:
    failures = clinician["failed_logins"] + 1
    locked = iso(utcnow() + LOCKOUT) if failures >= MAX_FAILED_LOGINS else None
    clinic_db.save_failed_logins(db, clinician["id"], 0 if locked else failures, locked)


def start_session(db: Database, clinician: dict) -> None:
    """Rotate the session: nothing from before sign-in survives into it."""
    nonce = secrets.token_urlsafe(24)
    clinic_db.save_session(db, clinician["id"], hash_token(nonce))
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    session.update({"clinician_id": clinician["id"], "nonce": nonce, "seen": iso(utcnow())})
    if lang:
        session["lang"] = lang


def end_session(db: Database) -> None:
    """Sign this device out; the clinician's other devices stay signed in."""
    if session.get("nonce"):
        clinic_db.delete_session(db, hash_token(session["nonce"]))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def end_all_sessions(db: Database, clinician_id: int) -> None:
    """Sign a clinician out everywhere (deactivated account, new password)."""
    clinic_db.delete_sessions(db, clinician_id)


def load_clinician(db: Database) -> dict | None:
    """The signed-in clinician, or None when absent, signed out or idle too long.

    The row carries ``session_id``: this device's session row, where per-device state
    that must not sit in the cookie (the patient-list search) is kept.
    """
    session.pop("search", None)  # cookies from before the term moved to the session row
    clinician_id, nonce, seen = (session.get(k) for k in ("clinician_id", "nonce", "seen"))
    if not clinician_id or not nonce or not seen:
        return None
    idle = timedelta(minutes=current_app.config["CLINICIAN_SESSION_MINUTES"])
    if parse_moment(seen) + idle < utcnow():
        end_session(db)
        session["expired"] = True
        return None
    clinician = clinic_db.get_session_clinician(db, hash_token(nonce), clinician_id)
    if clinician is None:
        return None
    session["seen"] = iso(utcnow())
    return clinician


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("clinician") is None:
            return redirect(url_for("clinician.sign_in", next=request.path))
        return view(*args, **kwargs)
    return wrapped


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if g.clinician["role"] != "admin":
            abort(403)
        return view(*args, **kwargs)
    return wrapped
