"""Sending webhook deliveries: one signed POST per completed questionnaire, in order, retried.

``deliver_due`` is what ``flask deliver`` and the thread started after a submit run. Per
clinic it takes the oldest open delivery, and only if it is due; after a failed attempt
it stops for that clinic, so newer deliveries never overtake an older one and a receiver
that is down costs one timeout per run, not one per waiting delivery. A 2xx answer means
delivered; anything else, a timeout or no connection means try again later.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import ip_address
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlite_utils import Database

from ..config import ConfigurationError
from ..content import Content
from ..fhir.resources import FhirSettings
from ..timeutil import parse_moment
from . import queries, signing
from .events import SUBMISSION
from .outbox import build_body, retry_window
from .retry import STALE_AFTER, backoff, is_success

log = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32
MAX_ERROR_LENGTH = 200
LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class WebhookSetup:
    """Where deliveries go and what they need; built from the configuration."""

    url: str
    secret: str
    timeout: float
    window: timedelta
    content: Content
    fhir: FhirSettings
    failure_message: str = "The scores could not be sent to the clinic's system."
    event_failure_message: str = "A status message could not be sent to the clinic's system."


@dataclass
class Report:
    """What one run did, for the command's output and exit code."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _is_loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return host in LOOPBACK_NAMES


def check_config(config: Mapping) -> None:
    """Refuse a webhook that would send unsigned, or health data in clear text."""
    url = config.get("WEBHOOK_URL")
    if not url:
        return
    if len(str(config.get("WEBHOOK_SECRET") or "")) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"PATIENTAPP_WEBHOOK_SECRET must be set (at least {MIN_SECRET_LENGTH} characters) "
            "when PATIENTAPP_WEBHOOK_URL is set: every delivery is signed with it.")
    parts = urlsplit(str(url))
    if parts.scheme != "https" and not (parts.scheme == "http"
                                        and _is_loopback(parts.hostname or "")):
        raise ConfigurationError("PATIENTAPP_WEBHOOK_URL must start with https:// (plain http "
                                 "only to this machine): the deliveries hold health data.")


def failure_message(app: Flask) -> str:
    """The alert text, in the clinic's default language: no user is present at sending."""
    with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        return _("The scores from this questionnaire could not be sent to the clinic's "
                 "system. An admin can send them again under Deliveries.")


def event_failure_message(app: Flask) -> str:
    """The alert text for a status message (an undelivered invitation, an ended course)."""
    with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        return _("A status message about this course (an invitation that could not be "
                 "delivered, or the course's end) could not be sent to the clinic's system. "
                 "An admin can send it again under Deliveries.")


def setup_from_app(app: Flask) -> WebhookSetup | None:
    """None when no webhook is configured (then nothing is queued or sent)."""
    config = app.config
    if not config.get("WEBHOOK_URL"):
        return None
    return WebhookSetup(url=str(config["WEBHOOK_URL"]), secret=str(config["WEBHOOK_SECRET"]),
                        timeout=float(config["WEBHOOK_TIMEOUT"]), window=retry_window(config),
                        content=app.extensions["content"],
                        fhir=FhirSettings.from_config(config),
                        failure_message=failure_message(app),
                        event_failure_message=event_failure_message(app))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a redirect with a GET and no body, and its 2xx would then count
    # as delivered. A redirect is an answer like any other non-2xx: try again later.
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(setup: WebhookSetup, body: bytes, key: str, timestamp: int) -> int:
    """POST one delivery; the receiver's HTTP status. OSError when there was no answer."""
    request = urllib.request.Request(setup.url, data=body, method="POST",
                                     headers=signing.headers(setup.secret, body, key, timestamp))
    try:
        with _OPENER.open(request, timeout=setup.timeout) as response:
            response.read(64 * 1024)
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def describe(error: BaseException, timeout: float) -> str:
    """A short reason for the admin page: never a body, never a secret."""
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, BaseException):
        error = error.reason
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(error, OSError):
        return f"not reachable: {error}"[:MAX_ERROR_LENGTH]
    return f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]


def deliver_due(db: Database, setup: WebhookSetup, now: datetime,
                clinic_id: int | None = None) -> Report:
    """Send every delivery that is due at ``now``, clinic by clinic, oldest first."""
    report = Report()
    clinics = [clinic_id] if clinic_id is not None else queries.list_clinics_with_work(db)
    for clinic in clinics:
        while (claim := queries.claim_next(db, clinic, now, STALE_AFTER)) is not None:
            if not _attempt(db, setup, claim, now, report):
                break
    return report


def _body(db: Database, setup: WebhookSetup, claim: dict) -> bytes:
    if not claim["body"]:
        body = build_body(db, setup.content, setup.fhir, claim["timepoint_id"],
                          claim["idempotency_key"])
        if body is None:
            raise ValueError("the questionnaire may no longer be passed on")
        queries.save_body(db, claim["id"], body)
        claim = queries.get_delivery(db, claim["id"])
    return claim["body"].encode("utf-8")


def _attempt(db: Database, setup: WebhookSetup, claim: dict, now: datetime,
             report: Report) -> bool:
    """One attempt; True when delivered."""
    status, error = None, ""
    try:
        status = post(setup, _body(db, setup, claim), claim["idempotency_key"],
                      int(now.timestamp()))
    except Exception as problem:  # one failed delivery must not stop the run
        error = describe(problem, setup.timeout)
    if is_success(status):
        queries.mark_delivered(db, claim, status, now)
        report.delivered += 1
        return True
    _record_failure(db, setup, claim, status, error or f"HTTP {status}", now, report)
    return False


def _record_failure(db: Database, setup: WebhookSetup, claim: dict, status: int | None,
                    error: str, now: datetime, report: Report) -> None:
    log.warning("webhook delivery %s: attempt %s failed: %s", claim["id"], claim["attempts"],
                error)
    if now >= parse_moment(claim["give_up_at"]):
        message = setup.failure_message if claim.get("event", SUBMISSION) == SUBMISSION \
            else setup.event_failure_message
        queries.give_up(db, claim, status, error, now, message)
        report.failed += 1
    else:
        queries.retry_later(db, claim, status, error, now + backoff(claim["attempts"]))
        report.retrying += 1
