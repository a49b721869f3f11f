"""The admin page for deliveries to the clinic's system: what is waiting or failed, and retry."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..db import get_db, write_transaction
from ..timeutil import utcnow
from ..web.clinic import audit
from . import bp, events, queries
from .hooks import start_background_delivery
from .outbox import retry_window


def _send_soon() -> None:
    """After a retry, try at once rather than at the next ``flask deliver``."""
    if current_app.config.get("WEBHOOK_URL"):
        start_background_delivery(current_app._get_current_object(),
                                  clinic_id=g.clinician["clinic_id"])


@bp.get("/deliveries")
def list_deliveries():
    db = get_db()
    clinic_id = g.clinician["clinic_id"]
    audit("view-deliveries")
    return render_template("webhooks/deliveries.html",
                           deliveries=queries.list_deliveries(db, clinic_id),
                           counts=queries.count_by_status(db, clinic_id),
                           configured=bool(current_app.config.get("WEBHOOK_URL")),
                           retry_hours=int(current_app.config["WEBHOOK_RETRY_HOURS"]))


@bp.post("/deliveries/<int:delivery_id>/retry")
def retry_delivery(delivery_id: int):
    delivery = queries.get_delivery(get_db(), delivery_id)
    if delivery is None or delivery["clinic_id"] != g.clinician["clinic_id"]:
        audit("denied-delivery", "delivery", delivery_id)
        abort(404)
    with write_transaction(get_db()):  # the retry and its audit entry together
        reset = queries.retry(get_db(), g.clinician["clinic_id"], delivery_id, utcnow(),
                              retry_window(current_app.config))
        if reset:
            audit("retry-delivery", "delivery", delivery_id)
    if reset:
        flash(_("The delivery will be sent again."))
        _send_soon()
    else:
        flash(_("That delivery cannot be retried: it has been sent or is being sent."), "error")
    return redirect(url_for(".list_deliveries"))


@bp.post("/deliveries/retry-failed")
def retry_failed_deliveries():
    with write_transaction(get_db()):
        reset = queries.retry(get_db(), g.clinician["clinic_id"], None, utcnow(),
                              retry_window(current_app.config))
        audit("retry-failed-deliveries", detail=str(reset))
    flash(ngettext("%(num)d delivery will be sent again.",
                   "%(num)d deliveries will be sent again.", reset))
    if reset:
        _send_soon()
    return redirect(url_for(".list_deliveries"))


EVENT_LABELS = {
    events.SUBMISSION: _l("A patient has sent a questionnaire (the answers and scores)"),
    events.UNDELIVERABLE: _l("An invitation or reminder could not be delivered to the patient"),
    events.COURSE_ENDED: _l("A course has ended"),
}


@bp.route("/webhook-events", methods=["GET", "POST"])
def edit_webhook_events():
    """Which events go to the clinic's system; every one is on until switched off."""
    db = get_db()
    clinic_id = g.clinician["clinic_id"]
    if request.method == "POST":
        chosen = set(request.form.getlist("event"))
        enabled = {event: event in chosen for event in events.EVENTS}
        queries.save_event_settings(db, clinic_id, enabled, utcnow())
        audit("edit-webhook-events", detail=", ".join(e for e, on in enabled.items() if on))
        flash(_("The choice of what is sent to the clinic's system has been saved."))
        return redirect(url_for(".edit_webhook_events"))
    saved = queries.list_event_settings(db, clinic_id)
    return render_template("webhooks/settings.html", labels=EVENT_LABELS,
                           enabled={e: saved.get(e, True) for e in events.EVENTS},
                           configured=bool(current_app.config.get("WEBHOOK_URL")))
