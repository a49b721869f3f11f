"""The webhook's hooks into the patient flow and the courses (events.py), and the
background sender.

Inside the submission's transaction, the delivery is written to the outbox. After the
commit, a background thread tries to send it at once, with a short timeout: the
patient's page never waits for the clinic's endpoint. Whatever the thread does not
manage, ``flask deliver`` picks up later.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, has_app_context
from sqlite_utils import Database

from ..db import connect
from ..timeutil import utcnow
from ..web import background
from . import queries
from .outbox import enqueue_course_ended, enqueue_invitation_failed, enqueue_submission
from .sending import deliver_due, setup_from_app


def on_submitting(sender=None, *, db: Database, timepoint: dict, **_) -> None:
    if not has_app_context() or not current_app.config.get("WEBHOOK_URL"):
        return
    enqueue_submission(db, current_app.config, current_app.extensions["content"],
                       timepoint["id"], utcnow())


def on_invitation_failed(sender=None, *, db: Database, outbox_id: int, **_) -> None:
    """An invitation or reminder could not be delivered: tell the clinic's system."""
    if not has_app_context() or not current_app.config.get("WEBHOOK_URL"):
        return
    enqueue_invitation_failed(db, current_app.config, outbox_id, utcnow())


def on_course_ended(sender=None, *, db: Database, course_id: int, **_) -> None:
    if not has_app_context() or not current_app.config.get("WEBHOOK_URL"):
        return
    enqueue_course_ended(db, current_app.config, course_id, utcnow())


def on_submitted(app: Flask, *, timepoint_id: int, **_) -> None:
    if app.config.get("WEBHOOK_URL") and app.config.get("WEBHOOK_SEND_ON_SUBMIT"):
        start_background_delivery(app, timepoint_id=timepoint_id)


def start_background_delivery(app: Flask, clinic_id: int | None = None,
                              timepoint_id: int | None = None) -> threading.Thread:
    """Send what is due now, in a thread of its own with its own database connection."""
    return background.start(app, "webhook-delivery", _deliver_in_background, app, clinic_id,
                            timepoint_id)


def _deliver_in_background(app: Flask, clinic_id: int | None, timepoint_id: int | None) -> None:
    with app.app_context():
        db = connect(app.config["DATABASE"])
        try:
            if timepoint_id is not None:
                clinic_id = queries.clinic_of_timepoint(db, timepoint_id)
                if clinic_id is None:
                    return
            setup = setup_from_app(app)
            if setup is not None:
                deliver_due(db, setup, utcnow(), clinic_id)
        except Exception:  # a thread has nobody to report to but the log
            app.logger.exception("background webhook delivery failed")
        finally:
            db.close()


def wait_for_background_deliveries(app: Flask, timeout: float = 30) -> None:
    background.wait(app, timeout)
