"""Tell a person at the clinic when a patient reports an alarm symptom.

A row on the dashboard is not enough: nobody may open it before the next day. Each
timepoint with an alarm answer queues, in the same transaction as its alert, one outbox
row of kind 'alarm' for every alert address the clinic recorded (e-mail and SMS). The
message says only that a patient has reported an urgent symptom and where to look: no
name, no symptom, no course, because e-mail and SMS pass through other people's servers.

The rows go out at any hour (the clinic chose the addresses), at once from a background
thread after the answer is saved, and on every run of ``send-due`` or the worker. They
follow the patients' messages' rules: at most once (claimed before the send, marked
after; a run that dies in between leaves an 'unknown' row and a dashboard alert, never
a second message), a failed send retried after 2, 4, 8 and 16 minutes, then shown to
the clinic. The patient's page says the clinic was sent a message only once it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from sqlite_utils import Database

from ..db import connect
from ..timeutil import utcnow
from ..web import background
from . import backends, queries
from .addresses import recipients  # noqa: F401  (re-exported for the views)
from .backends import Email, Sms
from .messages import SMS_SENDER_MAX

if TYPE_CHECKING:
    from .sending import Outlets

MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=2)
# Both languages in one e-mail: it goes to whoever reads the clinic's address.
LANGUAGES = ("da", "en")


@dataclass
class AlarmReport:
    """What one run did with the clinic's alarm notifications."""

    sent: int = 0
    retrying: int = 0
    given_up: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.retrying + self.given_up


def next_attempt(now: datetime, attempts: int) -> datetime:
    """After ``attempts`` failures: 2, 4, 8, 16 minutes. An alarm cannot wait an hour."""
    return now + RETRY_AFTER * 2 ** (attempts - 1)


def gives_up(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS


def render(channel: str, to: str, clinic_name: str, dashboard: str, sms_sender: str | None):
    """The notification: the clinic's name, the fact of an alarm answer and the link."""
    parts = []
    # An SMS in Danish only: with æ, ø and å every 70 characters cost a message.
    for language in LANGUAGES[:1] if channel == "sms" else LANGUAGES:
        with force_locale(language):
            parts.append(render_template(f"notifications/alarm.{channel}.txt",
                                         clinic_name=clinic_name, dashboard=dashboard))
    if channel == "sms":
        return Sms(to=to, sender=(sms_sender or clinic_name)[:SMS_SENDER_MAX],
                   text=" ".join(parts[0].split()))
    with force_locale(LANGUAGES[0]):
        html = render_template("notifications/alarm.html", parts=parts, dashboard=dashboard)
    subject = " / ".join(part.splitlines()[0] for part in parts)
    return Email(to=to, sender_name=clinic_name, subject=subject, text="\n\n".join(parts),
                 html=html)


def send_alarm_notifications(db: Database, now: datetime, outlets: Outlets,
                             timepoint_id: int | None = None) -> AlarmReport:
    """Send every alarm notification due at ``now`` (one timepoint's when given)."""
    report = AlarmReport()
    for row in queries.list_due_alarms(db, now, timepoint_id):
        attempts = queries.claim_alarm(db, row["id"], now)
        if attempts is not None:
            _send(db, row, attempts, now, outlets, report)
    return report


def _send(db: Database, row: dict, attempts: int, now: datetime, outlets: Outlets,
          report: AlarmReport) -> None:
    message = render(row["channel"], row["recipient"], row["clinic_name"],
                     f"{outlets.base_url}/clinic/", outlets.sms_sender)
    backend = outlets.email if row["channel"] == "email" else outlets.sms
    try:
        backend.send(message)
    except Exception as error:  # one failed notification must not stop the others
        reason = str(error) if isinstance(error, backends.DeliveryError) \
            else backends.describe(error)
        # The row id and the kind of failure only: never an address.
        current_app.logger.warning("outbox %s: alarm notification attempt %s failed: %s",
                                   row["id"], attempts, reason)
        report.failures.append(reason)
        if gives_up(attempts):
            queries.give_up(db, row["id"], reason, now)
            report.given_up += 1
        else:
            queries.retry_later(db, row["id"], reason, next_attempt(now, attempts))
            report.retrying += 1
        return
    queries.mark_sent(db, row["id"], now)
    report.sent += 1


def start_sending(app: Flask, timepoint_id: int):
    """Send one timepoint's notifications now, without keeping the patient waiting."""
    return background.start(app, "alarm-notification", _send_in_background, app, timepoint_id)


def _send_in_background(app: Flask, timepoint_id: int) -> None:
    from .sending import outlets_from_config  # sending runs this module's sender too

    with app.app_context():
        db = connect(app.config["DATABASE"])
        try:
            send_alarm_notifications(db, utcnow(), outlets_from_config(app.config),
                                     timepoint_id)
        except Exception:  # a thread has nobody to report to but the log; send-due retries
            app.logger.exception("background alarm notification failed")
        finally:
            db.close()
