"""Database access for the outbox: which messages were claimed, sent, retried or given up.

One outbox row per message (timepoint, kind, channel), found by its idempotency key.
The row keeps the recipient, because a retry must go to the same place, but never the
text: that holds a link token, and only the token's hash may be stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from ..courses import queries as courses
from ..db import write_transaction
from ..events import invitation_failed
from ..timeutil import iso, local_date, utcnow
from ..web.security import hash_token
from . import due

TIMEPOINT_JOINS = (
    " FROM timepoints"
    " JOIN courses ON courses.id = timepoints.course_id"
    " JOIN patients ON patients.id = courses.patient_id"
    " JOIN clinics ON clinics.id = courses.clinic_id"
)
CANDIDATES = (
    "SELECT timepoints.id AS timepoint_id, timepoints.course_id, timepoints.visit_date,"
    " timepoints.send_at, timepoints.remind_at, timepoints.expires_at,"
    " timepoints.submitted_at, timepoints.stopped_at, courses.status AS course_status,"
    " patients.email,"
    " patients.phone, patients.language, clinics.name AS clinic_name,"
    " clinics.phone AS clinic_phone" + TIMEPOINT_JOINS
)


# Open timepoints whose invitation day has come, for a patient the clinic can reach.
DUE = (" WHERE courses.status = 'active' AND timepoints.submitted_at IS NULL"
       " AND timepoints.stopped_at IS NULL"
       " AND timepoints.send_at <= ? AND timepoints.expires_at > ?"
       " AND (patients.email != '' OR patients.phone != '')")
# No patient gets a link until the clinic has said where alarm notifications go: an alarm
# answer must reach a person (see alarms.py).
ALERTS_SET = " AND (clinics.alert_emails != '' OR clinics.alert_phones != '')"


@dataclass(frozen=True)
class Claim:
    """A message this run now owns: its row, attempt number, fresh link token and facts."""

    outbox_id: int
    attempts: int
    token: str
    candidate: dict


def _with_outbox(db: Database, row: dict) -> dict:
    outbox = db.query("SELECT * FROM outbox WHERE timepoint_id = ?", [row["timepoint_id"]])
    row["outbox"] = {r["idempotency_key"]: r for r in outbox}
    return row


def list_candidates(db: Database, now: datetime) -> list[dict]:
    """Open timepoints whose invitation day has come, each with its outbox rows."""
    rows = db.query(
        CANDIDATES + DUE + ALERTS_SET + " ORDER BY timepoints.send_at, timepoints.id",
        [local_date(now).isoformat(), iso(now)])
    return [_with_outbox(db, row) for row in rows]


def get_candidate(db: Database, timepoint_id: int) -> dict | None:
    rows = list(db.query(CANDIDATES + " WHERE timepoints.id = ?", [timepoint_id]))
    return _with_outbox(db, rows[0]) if rows else None


def claim(db: Database, message: due.Message, now: datetime) -> Claim | None:
    """Take ``message`` for this run and create its link, in one transaction.

    The rules are checked again under the write lock; None means the message is no
    longer due (answered, expired, course ended, or taken by another run meanwhile).
    """
    with write_transaction(db):
        candidate = get_candidate(db, message.timepoint_id)
        if candidate is None or message.key not in {
                m.key for m in due.due_messages(candidate, now)}:
            return None
        token = courses.create_invitation(db, courses.get_timepoint(db, message.timepoint_id))
        invitation = next(db.query("SELECT id FROM invitations WHERE token_hash = ?",
                                   [hash_token(token)]))
        db.execute(
            "INSERT INTO outbox (course_id, timepoint_id, invitation_id, kind, channel,"
            " recipient, idempotency_key, status, attempts, created_at, claimed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?)"
            " ON CONFLICT (idempotency_key) DO UPDATE SET status = 'sending',"
            " attempts = attempts + 1, invitation_id = excluded.invitation_id,"
            " claimed_at = excluded.claimed_at",
            [candidate["course_id"], message.timepoint_id, invitation["id"], message.kind,
             message.channel, message.recipient, message.key, iso(now), iso(now)])
        row = next(db.query("SELECT id, attempts FROM outbox WHERE idempotency_key = ?",
                            [message.key]))
    return Claim(row["id"], row["attempts"], token, candidate)


def mark_sent(db: Database, outbox_id: int, now: datetime) -> None:
    db.execute("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = ''"
               " WHERE id = ?", [iso(now), outbox_id])


def _drop_link(db: Database, outbox_id: int) -> None:
    # The message carrying this link was refused, so nobody has it; a retry makes a new one.
    row = next(db.query("SELECT invitation_id FROM outbox WHERE id = ?", [outbox_id]))
    db.execute("UPDATE outbox SET invitation_id = NULL WHERE id = ?", [outbox_id])
    if row["invitation_id"]:
        db.execute("DELETE FROM invitations WHERE id = ?", [row["invitation_id"]])


def retry_later(db: Database, outbox_id: int, error: str, when: datetime) -> None:
    """A failed attempt: back to 'pending' until ``when``."""
    with write_transaction(db):
        _drop_link(db, outbox_id)
        db.execute("UPDATE outbox SET status = 'pending', last_error = ?, next_attempt_at = ?"
                   " WHERE id = ?", [error, iso(when), outbox_id])


def _alert(db: Database, outbox_id: int, reason: str, now: datetime) -> None:
    """Show the row on the clinic's dashboard (no address, no text)."""
    row = next(db.query("SELECT * FROM outbox WHERE id = ?", [outbox_id]))
    detail = {"outbox_id": outbox_id, "kind": row["kind"], "channel": row["channel"],
              "attempts": row["attempts"], "reason": reason, "error": row["last_error"]}
    db.execute(
        "INSERT INTO alerts (course_id, timepoint_id, kind, level, key, detail, created_at)"
        " VALUES (?, ?, 'delivery', 'warning', ?, ?, ?)"
        " ON CONFLICT (course_id, timepoint_id, kind, key) DO NOTHING",
        [row["course_id"], row["timepoint_id"], f"outbox:{outbox_id}", json.dumps(detail),
         iso(now)])


def give_up(db: Database, outbox_id: int, error: str, now: datetime) -> None:
    """The last attempt failed too: mark the row 'failed' and alert the clinic."""
    with write_transaction(db):
        _drop_link(db, outbox_id)
        db.execute("UPDATE outbox SET status = 'failed', last_error = ?, next_attempt_at = NULL"
                   " WHERE id = ?", [error, outbox_id])
        _alert(db, outbox_id, "failed", now)
        if next(db.query("SELECT kind FROM outbox WHERE id = ?", [outbox_id]))["kind"] \
                in ("invitation", "reminder"):
            invitation_failed.send(db=db, outbox_id=outbox_id)


def mark_interrupted(db: Database, now: datetime) -> int:
    """Rows left 'sending' by a run that died: delivery unknown, so not sent again.

    They become 'unknown' and the clinic is alerted. Returns how many.
    """
    with write_transaction(db):
        stale = [row["id"] for row in db.query(
            "SELECT id FROM outbox WHERE status = 'sending' AND claimed_at < ?",
            [iso(now - due.STALE_AFTER)])]
        for outbox_id in stale:
            db.execute("UPDATE outbox SET status = 'unknown',"
                       " last_error = 'interrupted: delivery unknown' WHERE id = ?", [outbox_id])
            _alert(db, outbox_id, "interrupted", now)
    return len(stale)


def cancel_obsolete(db: Database, now: datetime) -> int:
    """Retries that are no longer wanted: answered, expired, or the course has ended."""
    cursor = db.execute(
        "UPDATE outbox SET status = 'cancelled', next_attempt_at = NULL"
        " WHERE status = 'pending' AND kind != 'alarm' AND timepoint_id IN ("
        "  SELECT timepoints.id FROM timepoints JOIN courses ON courses.id = timepoints.course_id"
        "  WHERE timepoints.submitted_at IS NOT NULL OR timepoints.expires_at <= ?"
        "  OR courses.status != 'active')", [iso(now)])
    return cursor.rowcount


def list_outbox(db: Database, course_id: int | None = None) -> list[dict]:
    """Outbox rows, oldest first; for one course when ``course_id`` is given."""
    if course_id is None:
        return list(db.query("SELECT * FROM outbox ORDER BY id"))
    return list(db.query("SELECT * FROM outbox WHERE course_id = ? ORDER BY id", [course_id]))


def save_manual_send(db: Database, course_id: int, timepoint_id: int, channel: str,
                     address: str, delivered: bool, error: str) -> None:
    """A link a clinician sent by hand, recorded in the outbox as already attempted."""
    stamp = iso(utcnow())
    with write_transaction(db):
        count = next(db.query("SELECT count(*) AS n FROM outbox"))["n"]
        db.execute(
            "INSERT INTO outbox (course_id, timepoint_id, kind, channel, recipient,"
            " idempotency_key, status, attempts, last_error, created_at, claimed_at, sent_at)"
            " VALUES (?, ?, 'invitation', ?, ?, ?, ?, 1, ?, ?, ?, ?)",
            [course_id, timepoint_id, channel, address,
             f"{timepoint_id}:manual-{count + 1}-{stamp}:{channel}",
             "sent" if delivered else "failed", error, stamp, stamp,
             stamp if delivered else None])


def list_held_back(db: Database, now: datetime) -> list[int]:
    """Clinics whose patients' links are held back because no alert address is set."""
    rows = db.query(
        "SELECT DISTINCT clinics.id" + TIMEPOINT_JOINS + DUE +
        " AND clinics.alert_emails = '' AND clinics.alert_phones = '' ORDER BY clinics.id",
        [local_date(now).isoformat(), iso(now)])
    return [row["id"] for row in rows]


# --- the clinic's alarm notifications (alarms.py) ---------------------------------

def queue_alarms(db: Database, timepoint_id: int, recipients: list[tuple[str, str]],
                 stamp: str) -> int:
    """One 'alarm' row per alert address for this timepoint; never a second one.

    Call it inside the transaction that stores the alarm alert, so both or neither commit.
    """
    course = next(db.query("SELECT course_id FROM timepoints WHERE id = ?", [timepoint_id]))
    queued = 0
    for channel, address in recipients:
        queued += db.execute(
            "INSERT INTO outbox (course_id, timepoint_id, kind, channel, recipient,"
            " idempotency_key, status, created_at) VALUES (?, ?, 'alarm', ?, ?, ?, 'pending', ?)"
            " ON CONFLICT (idempotency_key) DO NOTHING",
            [course["course_id"], timepoint_id, channel, address,
             f"{timepoint_id}:alarm:{channel}:{address}", stamp]).rowcount
    return queued


def list_due_alarms(db: Database, now: datetime, timepoint_id: int | None = None) -> list[dict]:
    """Alarm notifications waiting to be sent, oldest first, with the clinic's name."""
    return list(db.query(
        "SELECT outbox.*, clinics.name AS clinic_name FROM outbox"
        " JOIN courses ON courses.id = outbox.course_id"
        " JOIN clinics ON clinics.id = courses.clinic_id"
        " WHERE outbox.kind = 'alarm' AND outbox.status = 'pending'"
        " AND (outbox.next_attempt_at IS NULL OR outbox.next_attempt_at <= ?)"
        " AND (? IS NULL OR outbox.timepoint_id = ?) ORDER BY outbox.id",
        [iso(now), timepoint_id, timepoint_id]))


def claim_alarm(db: Database, outbox_id: int, now: datetime) -> int | None:
    """Take the row for this run; its attempt number, or None if another run has it."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?"
            " WHERE id = ? AND kind = 'alarm' AND status = 'pending'", [iso(now), outbox_id])
        if cursor.rowcount != 1:
            return None
        return next(db.query("SELECT attempts FROM outbox WHERE id = ?", [outbox_id]))["attempts"]


def get_alarm_notice(db: Database, timepoint_id: int) -> dict:
    """What the patient may be told: 'sent' (with when), 'sending', or 'not-sent'."""
    rows = list(db.query("SELECT status, sent_at FROM outbox"
                         " WHERE timepoint_id = ? AND kind = 'alarm'", [timepoint_id]))
    sent = sorted(row["sent_at"] for row in rows if row["status"] == "sent")
    if sent:
        return {"state": "sent", "sent_at": sent[0]}
    if any(row["status"] in ("pending", "sending") for row in rows):
        return {"state": "sending", "sent_at": None}
    return {"state": "not-sent", "sent_at": None}
