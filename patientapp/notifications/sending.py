"""Send what is due: invitations, reminders and retries, as ``flask send-due`` does.

Each patient message is sent at most once. Before the network is touched, the message's
outbox row is claimed ('sending') and its link created, in one transaction; after the
hand-over it is marked 'sent'. If a run dies in between, nobody knows whether the
message left, so it is not sent again by itself: the row turns 'unknown' and the
clinic is shown it. A lost invitation is easy for the clinic to resend; the same
message twice teaches patients to ignore them. A send that failed for certain (server
down, refused) is retried with backoff and, after five attempts, shown to the clinic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlite_utils import Database

from ..courses.enrolment import last_day
from . import alarms, backends, due, queries
from .messages import Details, render_email, render_sms


@dataclass
class Report:
    """What one run did, for the command's output and exit code."""

    sent: int = 0
    retrying: int = 0
    given_up: int = 0
    interrupted: int = 0
    cancelled: int = 0
    outside_hours: bool = False
    alarms: alarms.AlarmReport = field(default_factory=alarms.AlarmReport)
    held_back: list[int] = field(default_factory=list)  # clinics without alert addresses

    @property
    def failed(self) -> int:
        return self.retrying + self.given_up + self.alarms.failed


@dataclass(frozen=True)
class Outlets:
    """Where messages go and how links are written."""

    email: backends.EmailBackend
    sms: backends.SmsBackend
    base_url: str
    sms_sender: str | None = None


NOTHING_CONFIGURED = ("Neither PATIENTAPP_SMTP_HOST nor PATIENTAPP_SMS_URL is set. With a "
                      "production secret key messages are never printed instead (they would "
                      "put addresses and live links in a log): set up e-mail or SMS first "
                      "(README, Production).")


def outlets_from_config(config: Mapping) -> Outlets:
    """Backends from PATIENTAPP_SMTP_* / PATIENTAPP_SMS_*; unset, the console in the demo and
    the tests, and in production a channel whose sends fail (nothing is printed)."""
    return Outlets(email=backends.email_from_config(config),
                   sms=backends.sms_from_config(config),
                   base_url=str(config["BASE_URL"]).rstrip("/"),
                   sms_sender=config.get("SMS_FROM"))


def can_send(outlets: Outlets) -> bool:
    """False when no channel can send: ``send-due`` and the worker refuse to run."""
    return not (isinstance(outlets.email, backends.Unconfigured)
                and isinstance(outlets.sms, backends.Unconfigured))


def send_due(db: Database, now: datetime, outlets: Outlets) -> Report:
    """Tidy up after earlier runs, then send every message due at ``now``."""
    report = Report(interrupted=queries.mark_interrupted(db, now),
                    cancelled=queries.cancel_obsolete(db, now))
    # The clinic's alarm notifications go out at any hour; patients are not woken.
    report.alarms = alarms.send_alarm_notifications(db, now, outlets)
    report.held_back = queries.list_held_back(db, now)
    if not due.within_sending_hours(now):
        report.outside_hours = True
        return report
    for candidate in queries.list_candidates(db, now):
        for message in due.due_messages(candidate, now):
            _send_one(db, message, now, outlets, report)
    return report


def _send_one(db: Database, message: due.Message, now: datetime, outlets: Outlets,
              report: Report) -> None:
    claim = queries.claim(db, message, now)
    if claim is None:
        return
    try:
        _deliver(message, claim, outlets)
    except Exception as error:  # one failed message must not stop the others
        _record_failure(db, claim, error, now, report)
        return
    queries.mark_sent(db, claim.outbox_id, now)
    report.sent += 1


def _details(claim: queries.Claim, base_url: str) -> Details:
    candidate = claim.candidate
    return Details(clinic_name=candidate["clinic_name"], clinic_phone=candidate["clinic_phone"],
                   visit_date=date.fromisoformat(candidate["visit_date"]),
                   last_day=last_day(candidate["expires_at"]),
                   link=f"{base_url}/q/{claim.token}")


def _deliver(message: due.Message, claim: queries.Claim, outlets: Outlets) -> None:
    details = _details(claim, outlets.base_url)
    language = claim.candidate["language"]
    if message.channel == "email":
        outlets.email.send(render_email(message.kind, language, message.recipient, details))
    else:
        outlets.sms.send(render_sms(message.kind, language, message.recipient,
                                    outlets.sms_sender, details))


def _record_failure(db: Database, claim: queries.Claim, error: Exception, now: datetime,
                    report: Report) -> None:
    reason = str(error) if isinstance(error, backends.DeliveryError) else backends.describe(error)
    # Only the row id and the kind of failure are logged: never an address or a text.
    current_app.logger.warning("outbox %s: attempt %s failed: %s", claim.outbox_id,
                               claim.attempts, reason)
    if due.gives_up(claim.attempts):
        queries.give_up(db, claim.outbox_id, reason, now)
        report.given_up += 1
    else:
        queries.retry_later(db, claim.outbox_id, reason, due.next_attempt(now, claim.attempts))
        report.retrying += 1
