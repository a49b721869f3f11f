"""The patient's request context: the token in the URL resolved to a visit.

Every patient blueprint (``web/blueprints.py``) takes ``<token>`` out of the URL values
(``pull_token``), puts it back into every URL it builds (``add_token``) and resolves the
link before any view runs (``load_invitation``), so no view can forget to.
"""

from __future__ import annotations

from flask import g, render_template

from ..courses import queries as courses
from ..db import get_db
from .errors import too_many_requests
from .ratelimit import too_many


def pull_token(endpoint, values):
    g.token = (values or {}).pop("token", None)


def add_token(endpoint, values):
    if "token" not in values and g.get("token"):
        values["token"] = g.token


def load_invitation():
    """Resolve the link; unknown, expired and revoked links get their own clear page.

    Every address gets a generous number of requests a minute, and only a few unknown
    links: more is someone guessing tokens.
    """
    wait = too_many("patient", "PATIENT_RATE_LIMIT") or \
        too_many("bad-link", "BAD_LINK_LIMIT", count=False)
    if wait:
        return too_many_requests(wait)
    invitation = courses.find_invitation(get_db(), g.token)
    if invitation is None:
        too_many("bad-link", "BAD_LINK_LIMIT")
        return render_template("questionnaires/link_unknown.html"), 404
    if courses.invitation_is_revoked(invitation):
        # Perhaps sent to the wrong person: nothing from the database, not even the
        # clinic's name or the patient's language, is on this page.
        g.token = None
        return render_template("questionnaires/link_revoked.html"), 410
    g.patient_locale = invitation["language"]
    g.clinic_name = invitation["clinic_name"]
    if not courses.invitation_is_usable(invitation):
        g.token = None  # no further links built from a dead token
        return render_template("questionnaires/link_expired.html", invitation=invitation), 410
    g.invitation = invitation
    return None
