"""Database access for the webhook outbox: write, claim, record the outcome, retry, list.

A delivery is claimed ('sending') in a write transaction before the network is touched,
so two runs (cron and the thread started after a submit) never send it at the same time.
The outcome is recorded only if the claim is still ours. A run that dies mid-send leaves
the row 'sending'; after ``retry.STALE_AFTER`` it is sent again with the same key: at
least once, and the receiver drops the duplicate.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlite_utils import Database

from ..db import write_transaction
from ..timeutil import iso
from .events import SUBMISSION

OPEN = ("pending", "sending")
LISTED = ("pending", "sending", "failed")


def enqueue(db: Database, clinic_id: int, timepoint_id: int, key: str, body: str,
            now: datetime, window: timedelta, event: str = SUBMISSION) -> None:
    """Write the delivery (in the caller's transaction); the same key is written once."""
    db.execute(
        "INSERT INTO webhook_deliveries (clinic_id, timepoint_id, idempotency_key, body,"
        " next_attempt_at, give_up_at, created_at, event) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (idempotency_key) DO NOTHING",
        [clinic_id, timepoint_id, key, body, iso(now), iso(now + window), iso(now), event])


# --- which events each clinic's system gets -------------------------------------------------

def list_event_settings(db: Database, clinic_id: int) -> dict[str, bool]:
    """The clinic's switches; an event with no row is on."""
    return {row["event"]: bool(row["enabled"]) for row in db.query(
        "SELECT event, enabled FROM webhook_event_settings WHERE clinic_id = ?", [clinic_id])}


def event_enabled(db: Database, clinic_id: int, event: str) -> bool:
    return list_event_settings(db, clinic_id).get(event, True)


def save_event_settings(db: Database, clinic_id: int, enabled: dict[str, bool],
                        now: datetime) -> None:
    with write_transaction(db):
        for event, on in enabled.items():
            db.execute("INSERT INTO webhook_event_settings (clinic_id, event, enabled,"
                       " updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (clinic_id, event)"
                       " DO UPDATE SET enabled = excluded.enabled,"
                       " updated_at = excluded.updated_at", [clinic_id, event, int(on), iso(now)])


def get_event_course(db: Database, course_id: int) -> dict | None:
    """What an event about a course says: the course, its pseudonym, its first timepoint."""
    rows = list(db.query(
        "SELECT courses.id, courses.clinic_id, courses.pathway, courses.status,"
        " courses.first_visit, courses.ended_at, courses.external_id, patients.pseudonym,"
        " patients.name AS patient_name,"
        " (SELECT id FROM timepoints WHERE course_id = courses.id ORDER BY position LIMIT 1)"
        " AS timepoint_id FROM courses JOIN patients ON patients.id = courses.patient_id"
        " WHERE courses.id = ?", [course_id]))
    return rows[0] if rows else None


def get_failed_message(db: Database, outbox_id: int) -> dict | None:
    """The invitation or reminder that could not be delivered (never its address)."""
    rows = list(db.query(
        "SELECT outbox.id, outbox.course_id, outbox.timepoint_id, outbox.kind, outbox.channel,"
        " outbox.attempts, outbox.last_error, timepoints.key AS timepoint, timepoints.code"
        " FROM outbox JOIN timepoints ON timepoints.id = outbox.timepoint_id"
        " WHERE outbox.id = ?", [outbox_id]))
    return rows[0] if rows else None


def list_clinics_with_work(db: Database) -> list[int]:
    return [row["clinic_id"] for row in db.query(
        "SELECT DISTINCT clinic_id FROM webhook_deliveries WHERE status IN (?, ?)"
        " ORDER BY clinic_id", list(OPEN))]


def list_delivered_timepoints(db: Database) -> set[int]:
    """Timepoints whose questionnaire has a delivery in any state."""
    return {row["timepoint_id"] for row in db.query(
        "SELECT DISTINCT timepoint_id FROM webhook_deliveries WHERE event = ?", [SUBMISSION])}


def clinic_of_timepoint(db: Database, timepoint_id: int) -> int | None:
    rows = list(db.query("SELECT clinic_id FROM webhook_deliveries WHERE timepoint_id = ?",
                         [timepoint_id]))
    return rows[0]["clinic_id"] if rows else None


def _head(db: Database, clinic_id: int) -> dict | None:
    """The clinic's oldest delivery not yet done: the only one that may go out next."""
    rows = list(db.query(
        "SELECT webhook_deliveries.*, courses.consent FROM webhook_deliveries"
        " JOIN timepoints ON timepoints.id = webhook_deliveries.timepoint_id"
        " JOIN courses ON courses.id = timepoints.course_id"
        " WHERE webhook_deliveries.clinic_id = ? AND webhook_deliveries.status IN (?, ?)"
        " ORDER BY webhook_deliveries.id LIMIT 1", [clinic_id, *OPEN]))
    return rows[0] if rows else None


def _is_due(head: dict, now: datetime, stale_after: timedelta) -> bool:
    if head["status"] == "sending":
        return head["claimed_at"] < iso(now - stale_after)
    return head["next_attempt_at"] <= iso(now)


def claim_next(db: Database, clinic_id: int, now: datetime,
               stale_after: timedelta) -> dict | None:
    """Take the clinic's next delivery if it is due; None when it is not (or none is left).

    A questionnaire whose patient has since withdrawn consent is cancelled, never sent.
    """
    with write_transaction(db):
        # Only answers wait for consent: the other events carry none (docs/integration.md).
        while (head := _head(db, clinic_id)) is not None and head["consent"] != "given" \
                and head["event"] == SUBMISSION:
            db.execute("UPDATE webhook_deliveries SET status = 'cancelled', claimed_at = NULL,"
                       " last_error = 'consent withdrawn' WHERE id = ?", [head["id"]])
        if head is None or not _is_due(head, now, stale_after):
            return None
        db.execute("UPDATE webhook_deliveries SET status = 'sending', claimed_at = ?,"
                   " attempts = attempts + 1 WHERE id = ?", [iso(now), head["id"]])
    return {**head, "status": "sending", "claimed_at": iso(now), "attempts": head["attempts"] + 1}


def save_body(db: Database, delivery_id: int, body: str) -> None:
    """Store a body built late (see outbox.py); a body once stored never changes."""
    db.execute("UPDATE webhook_deliveries SET body = ? WHERE id = ? AND body = ''",
               [body, delivery_id])


def _finish(db: Database, claim: dict, assignments: str, params: list) -> bool:
    """Apply an outcome only if this run still holds the claim."""
    cursor = db.execute(
        f"UPDATE webhook_deliveries SET {assignments}, claimed_at = NULL"  # nosec B608
        " WHERE id = ? AND status = 'sending' AND claimed_at = ?",
        [*params, claim["id"], claim["claimed_at"]])
    return cursor.rowcount == 1


def mark_delivered(db: Database, claim: dict, status_code: int, now: datetime) -> None:
    """Delivered; an alert raised when it had failed is settled, as there is nothing to do."""
    with write_transaction(db):
        if _finish(db, claim, "status = 'delivered', delivered_at = ?, last_status_code = ?,"
                              " last_error = ''", [iso(now), status_code]):
            db.execute("UPDATE alerts SET acknowledged_at = ? WHERE kind = 'delivery'"
                       " AND key = ? AND acknowledged_at IS NULL",
                       [iso(now), f"webhook:{claim['id']}"])


def retry_later(db: Database, claim: dict, status_code: int | None, error: str,
                when: datetime) -> None:
    with write_transaction(db):
        _finish(db, claim, "status = 'pending', next_attempt_at = ?, last_status_code = ?,"
                           " last_error = ?", [iso(when), status_code, error])


def give_up(db: Database, claim: dict, status_code: int | None, error: str, now: datetime,
            message: str) -> None:
    """The retry window is over: mark the delivery failed and alert the clinic."""
    with write_transaction(db):
        if _finish(db, claim, "status = 'failed', last_status_code = ?, last_error = ?",
                   [status_code, error]):
            _alert(db, claim, message, now)


def _alert(db: Database, claim: dict, message: str, now: datetime) -> None:
    course = next(db.query("SELECT course_id FROM timepoints WHERE id = ?",
                           [claim["timepoint_id"]]))
    detail = {"message": message, "delivery_id": claim["id"]}
    db.execute(
        "INSERT INTO alerts (course_id, timepoint_id, kind, level, key, detail, created_at)"
        " VALUES (?, ?, 'delivery', 'warning', ?, ?, ?)"
        " ON CONFLICT (course_id, timepoint_id, kind, key) DO NOTHING",
        [course["course_id"], claim["timepoint_id"], f"webhook:{claim['id']}",
         json.dumps(detail), iso(now)])


def retry(db: Database, clinic_id: int, delivery_id: int | None, now: datetime,
          window: timedelta) -> int:
    """An admin's retry: back to pending now, with a fresh window. ``None``: every failed one.

    Returns how many deliveries were reset (0 when the id is not this clinic's).
    """
    where = "id = ? AND status IN ('pending', 'failed')" if delivery_id is not None \
        else "status = 'failed'"
    params = [delivery_id] if delivery_id is not None else []
    cursor = db.execute(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?,"  # nosec B608
        f" give_up_at = ? WHERE clinic_id = ? AND {where}",
        [iso(now), iso(now + window), clinic_id, *params])
    return cursor.rowcount


def list_deliveries(db: Database, clinic_id: int) -> list[dict]:
    """Deliveries not yet done (pending, sending, failed), oldest first, without bodies."""
    return list(db.query(
        "SELECT webhook_deliveries.id, webhook_deliveries.status, webhook_deliveries.attempts,"
        " webhook_deliveries.next_attempt_at, webhook_deliveries.give_up_at,"
        " webhook_deliveries.last_status_code, webhook_deliveries.last_error,"
        " webhook_deliveries.created_at, webhook_deliveries.idempotency_key,"
        " webhook_deliveries.event, timepoints.key AS timepoint, courses.id AS course_id,"
        " courses.pathway,"
        " patients.name AS patient_name FROM webhook_deliveries"
        " JOIN timepoints ON timepoints.id = webhook_deliveries.timepoint_id"
        " JOIN courses ON courses.id = timepoints.course_id"
        " JOIN patients ON patients.id = courses.patient_id"
        " WHERE webhook_deliveries.clinic_id = ? AND webhook_deliveries.status IN (?, ?, ?)"
        " ORDER BY webhook_deliveries.id", [clinic_id, *LISTED]))


def count_by_status(db: Database, clinic_id: int) -> dict[str, int]:
    return {row["status"]: row["n"] for row in db.query(
        "SELECT status, count(*) AS n FROM webhook_deliveries WHERE clinic_id = ?"
        " GROUP BY status", [clinic_id])}


def get_delivery(db: Database, delivery_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM webhook_deliveries WHERE id = ?", [delivery_id]))
    return rows[0] if rows else None
