"""Writing a completed questionnaire into the webhook outbox, inside the submission's transaction.

The body (a FHIR Bundle) is built from the rows the submission has just written, so it
is a snapshot of what the patient sent. Building it must never cost the patient their
submission: if it fails, the delivery is written without a body and the body is built
at the first attempt instead (and the failure logged).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlite_utils import Database

from ..content import Content
from ..db import write_transaction
from ..fhir import queries as fhir_db
from ..fhir.bundles import submission_bundle, to_json
from ..fhir.resources import FhirSettings
from ..timeutil import iso
from . import events, queries
from .retry import idempotency_key

log = logging.getLogger(__name__)


def retry_window(config: Mapping) -> timedelta:
    return timedelta(hours=float(config["WEBHOOK_RETRY_HOURS"]))


def build_body(db: Database, content: Content, settings: FhirSettings, timepoint_id: int,
               key: str) -> str | None:
    """The signed body for one completed timepoint; None when it may not be passed on."""
    submission = fhir_db.get_submission(db, timepoint_id, content)
    if submission is None:
        return None
    return to_json(submission_bundle(settings, content, submission, key)).decode("utf-8")


def enqueue_submission(db: Database, config: Mapping, content: Content, timepoint_id: int,
                       now: datetime) -> None:
    """Write the delivery for a just-submitted timepoint, if its patient consented."""
    submission = fhir_db.get_submission(db, timepoint_id, content)
    if submission is not None:
        _enqueue(db, config, content, submission, now)


def _enqueue(db: Database, config: Mapping, content: Content, submission: dict,
             now: datetime) -> None:
    if not queries.event_enabled(db, submission["clinic_id"], events.SUBMISSION):
        return
    timepoint_id = submission["timepoint_id"]
    settings = FhirSettings.from_config(config)
    key = idempotency_key(settings.base, timepoint_id, submission["submitted_at"])
    try:
        body = to_json(submission_bundle(settings, content, submission, key)).decode("utf-8")
    except Exception:  # never let a bug here undo the patient's submission
        log.exception("webhook body for timepoint %s could not be built; retried at sending",
                      timepoint_id)
        body = ""
    queries.enqueue(db, submission["clinic_id"], timepoint_id, key, body, now,
                    retry_window(config))


def queue_earlier_submissions(db: Database, config: Mapping, content: Content, now: datetime,
                              since: str | None = None,
                              clinic_id: int | None = None) -> tuple[int, int]:
    """Queue the completed questionnaires that never got a delivery (sent while no webhook
    was set up, say), oldest first, so the receiver gets them in order. Only consenting
    patients' count; one that has a delivery, in any state, is left alone. Returns
    (queued, already there)."""
    found = fhir_db.list_submissions(db, fhir_db.SubmissionFilter(clinic_id=clinic_id,
                                                                  since=since), content)
    with write_transaction(db):
        done = queries.list_delivered_timepoints(db)
        missing = [s for s in found if s["timepoint_id"] not in done]
        for submission in missing:  # already loaded, answers and all: no query per row
            _enqueue(db, config, content, submission, now)
    return len(missing), len(found) - len(missing)


def _enqueue_event(db: Database, config: Mapping, event: str, key: str, course: dict,
                   timepoint_id: int, now: datetime, focus: dict | None = None) -> None:
    settings = FhirSettings.from_config(config)
    body = events.message_bundle(settings, event, key, iso(now), str(config["BASE_URL"]),
                                 course, focus)
    queries.enqueue(db, course["clinic_id"], timepoint_id, key, to_json(body).decode("utf-8"),
                    now, retry_window(config), event)


def enqueue_invitation_failed(db: Database, config: Mapping, outbox_id: int,
                              now: datetime) -> None:
    """Write the event for an invitation or reminder given up on (outbox row 'failed')."""
    message = queries.get_failed_message(db, outbox_id)
    course = queries.get_event_course(db, message["course_id"]) if message else None
    if course is None or not queries.event_enabled(db, course["clinic_id"],
                                                   events.UNDELIVERABLE):
        return
    settings = FhirSettings.from_config(config)
    key = events.event_key(settings.base, events.UNDELIVERABLE, outbox_id)
    _enqueue_event(db, config, events.UNDELIVERABLE, key, course, message["timepoint_id"],
                   now, events.communication(settings, course, message))


def enqueue_course_ended(db: Database, config: Mapping, course_id: int,
                         now: datetime) -> None:
    """Write the event for a course that has just ended."""
    course = queries.get_event_course(db, course_id)
    if course is None or course["timepoint_id"] is None or not queries.event_enabled(
            db, course["clinic_id"], events.COURSE_ENDED):
        return
    key = events.event_key(FhirSettings.from_config(config).base, events.COURSE_ENDED,
                           course_id, course["ended_at"])
    _enqueue_event(db, config, events.COURSE_ENDED, key, course, course["timepoint_id"], now)
