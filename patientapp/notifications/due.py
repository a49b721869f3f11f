"""What is due to be sent: the rules for invitations, reminders and retries.

Pure functions, no Flask or database. A *candidate* is one open timepoint with its
course status, the patient's contact details and the outbox rows already made for
it (by idempotency key). The same rules run twice: once to find the work, and
again under the write lock just before a message is claimed, so two runs at the
same time cannot both send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..timeutil import clinic_tz, iso, local_date, parse_moment

# Patients are not messaged at night; a run outside these hours sends nothing.
SEND_FROM, SEND_UNTIL = time(8, 0), time(20, 0)
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=15)
# Longer than any single send can take (each has a 10-second timeout), so a row still
# 'sending' after this belongs to a run that died mid-way.
STALE_AFTER = timedelta(minutes=15)
KINDS = ("invitation", "reminder")


@dataclass(frozen=True)
class Message:
    """One message to send: which timepoint, which kind, by which channel, to whom."""

    timepoint_id: int
    kind: str
    channel: str
    recipient: str

    @property
    def key(self) -> str:
        return idempotency_key(self.timepoint_id, self.kind, self.channel)


def idempotency_key(timepoint_id: int, kind: str, channel: str) -> str:
    return f"{timepoint_id}:{kind}:{channel}"


def within_sending_hours(moment: datetime) -> bool:
    return SEND_FROM <= moment.astimezone(clinic_tz()).time() < SEND_UNTIL


def channels(email: str, phone: str) -> list[tuple[str, str]]:
    """(channel, address) for every contact detail the clinic recorded."""
    return [(name, address) for name, address in (("email", email), ("sms", phone)) if address]


def is_open(candidate: dict, now: datetime) -> bool:
    """Still worth a message: course running, not answered, link not expired, and its
    appointment not cancelled in the booking system (``stopped_at``)."""
    return (candidate["course_status"] == "active" and not candidate["submitted_at"]
            and not candidate.get("stopped_at") and iso(now) < candidate["expires_at"])


def _invited_day(row: dict | None) -> date | None:
    # An 'unknown' invitation (its run died mid-send) most likely reached the patient; the
    # reminder is then the usual next message, and the only link they get if it did not.
    if row is None or row["status"] not in ("sent", "unknown"):
        return None
    return local_date(parse_moment(row["sent_at"] or row["claimed_at"]))


def _reminder_due(candidate: dict, channel: str, today: date) -> bool:
    # A reminder only follows an invitation sent before its day: an invitation that went
    # out late (late enrolment, retries) is not chased by a reminder the same day.
    remind_at = candidate["remind_at"]
    if not remind_at or today < date.fromisoformat(remind_at):
        return False
    invited = _invited_day(candidate["outbox"].get(
        idempotency_key(candidate["timepoint_id"], "invitation", channel)))
    return invited is not None and invited < date.fromisoformat(remind_at)


def _wanted(candidate: dict, kind: str, channel: str, today: date) -> bool:
    if kind == "invitation":
        return today >= date.fromisoformat(candidate["send_at"])
    return _reminder_due(candidate, channel, today)


def _ready(row: dict | None, now: datetime) -> bool:
    """No row yet, or a failed attempt whose retry time has come."""
    if row is None:
        return True
    return row["status"] == "pending" and (row["next_attempt_at"] or "") <= iso(now)


def due_messages(candidate: dict, now: datetime) -> list[Message]:
    """The messages to send for ``candidate`` at ``now``, invitations first."""
    if not is_open(candidate, now):
        return []
    today, due = local_date(now), []
    for kind in KINDS:
        for channel, address in channels(candidate["email"], candidate["phone"]):
            row = candidate["outbox"].get(idempotency_key(candidate["timepoint_id"], kind,
                                                          channel))
            if _wanted(candidate, kind, channel, today) and _ready(row, now):
                # A retry goes to the address the message was first meant for.
                recipient = row["recipient"] if row else address
                due.append(Message(candidate["timepoint_id"], kind, channel, recipient))
    return due


def next_attempt(now: datetime, attempts: int) -> datetime:
    """When to try again after ``attempts`` failures: 15, 30, 60, 120 minutes."""
    return now + RETRY_AFTER * 2 ** (attempts - 1)


def gives_up(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS
