"""The clinic's request context: the signed-in clinician, role checks, the clinic's course, audit.

Every clinic blueprint (``web/blueprints.py``) runs ``check_access`` before its views: a
view is for signed-in clinicians unless marked ``@public`` (sign-in) or ``@admin_only``.
An admin of a clinic that requires two-factor sign-in, who has not set it up, is sent to
its set-up page from every other one.
The session cookie carries the clinician id and a per-login nonce that is also stored
(hashed) on a session row; signing out deletes the row, so a copied cookie dies with it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlite_utils import Database

from .. import queries
from ..audit import record
from ..db import get_db
from ..timeutil import iso, parse_moment, utcnow
from . import queries as web_db
from .access import ADMIN, PUBLIC, marked
from .security import hash_token


def check_access(default: str):
    """Load the signed-in clinician, then let the view run only for whom it is meant."""
    load_signed_in_clinician()
    view = current_app.view_functions.get(request.endpoint)
    access = marked(view) or default
    if access == PUBLIC:
        return None
    if g.clinician is None:
        return redirect(url_for("clinician.sign_in", next=request.path))
    if must_set_up_two_factor(g.clinician) and request.endpoint not in SETUP_ENDPOINTS:
        return redirect(url_for("clinician.setup_two_factor"))
    if access == ADMIN and g.clinician["role"] != "admin":
        abort(403)
    return None


# What an admin who must set up two-factor sign-in may still open (signing out is public).
SETUP_ENDPOINTS = frozenset({"clinician.setup_two_factor"})


def must_set_up_two_factor(clinician: dict) -> bool:
    """An admin of a clinic that requires two-factor sign-in, without it so far."""
    return clinician["role"] == "admin" and bool(clinician.get("require_admin_two_factor")) \
        and not clinician.get("totp_secret")


def load_signed_in_clinician() -> None:
    db = get_db()
    g.clinician = load_clinician(db)
    if g.clinician:
        g.user_locale = g.clinician["language"]
        g.clinic_name = queries.get_clinic(db, g.clinician["clinic_id"])["name"]


def audit(action: str, object_type: str = "", object_id: int | None = None,
          detail: str = "") -> None:
    """Record that the signed-in clinician did ``action`` (in the request's transaction)."""
    record(get_db(), "clinician", g.clinician["id"], g.clinician["clinic_id"], action,
           object_type, object_id, detail)


def clinic_course(course_id: int) -> dict:
    """The course if it belongs to this clinic; otherwise 404, and the attempt is logged."""
    course = web_db.get_clinic_course(get_db(), g.clinician["clinic_id"], course_id)
    if course is None:
        audit("denied-course", "course", course_id)
        abort(404)
    return course


# --- the session behind the cookie --------------------------------------------------

def start_session(db: Database, clinician: dict) -> None:
    """Rotate the session: nothing from before sign-in survives into it."""
    nonce = secrets.token_urlsafe(24)
    web_db.save_session(db, clinician["id"], hash_token(nonce))
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    session.update({"clinician_id": clinician["id"], "nonce": nonce, "seen": iso(utcnow())})
    if lang:
        session["lang"] = lang


def end_session(db: Database) -> None:
    """Sign this device out; the clinician's other devices stay signed in."""
    if session.get("nonce"):
        web_db.delete_session(db, hash_token(session["nonce"]))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def end_all_sessions(db: Database, clinician_id: int) -> None:
    """Sign a clinician out everywhere (deactivated account, new password)."""
    web_db.delete_sessions(db, clinician_id)


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
    clinician = web_db.get_session_clinician(db, hash_token(nonce), clinician_id)
    if clinician is None:
        return None
    session["seen"] = iso(utcnow())
    return clinician
