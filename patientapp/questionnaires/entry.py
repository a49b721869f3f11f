"""Filling in a timepoint's screens, shared by the patient's link and the clinic.

The patient's pages (``views.py``) and the clinician filling in a questionnaire with the
patient in the consultation (``patientapp/consultation``) build, save and review every
screen through these functions, so both store, score and alert exactly alike: an alarm
answer queues the clinic's notification whoever typed it.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import get_locale

from ..db import get_db
from ..notifications import alarms as alarm_notifications
from . import flow
from . import queries as answers_db
from .visit import Visit


def build_form(visit: Visit, step: flow.Step):
    """The step's form: filled from the stored answers on GET, from the request on POST."""
    kind, screen = visit.kind(step), visit.screen(step)
    cls = kind.form(screen)
    return cls(data=kind.to_form(screen)) if request.method == "GET" else cls()


def fragment_key(visit: Visit, step: flow.Step, form) -> tuple | None:
    """The key the screen's question markup is kept under (web/fragments.py), or None when
    it must be rendered afresh: a kind that is never kept, a POST, or errors to show."""
    if request.method != "GET" or form.errors:
        return None
    state = visit.kind(step).fragment(visit.screen(step))
    if state is None:
        return None
    q = visit.questionnaire(step.instrument)
    return (step.kind, q.id, q.locale, q.content_version, step.id, str(get_locale()), state)


def save_step(visit: Visit, step: flow.Step, form) -> bool:
    """Store a valid screen; an alarm answer raises its alert and queues the clinic's
    notification. False when the timepoint was already submitted."""
    kind = visit.kind(step)
    values = kind.from_form(visit.screen(step), form)
    questionnaire = visit.questionnaire(step.instrument)
    saved = answers_db.save_answers(get_db(), visit.timepoint, step.instrument, visit.locale,
                                    questionnaire.content_version, values,
                                    visit.content.translations(step.instrument).values())
    if saved:
        visit.answers.setdefault(step.instrument, {}).update(values)
    if saved and kind.raises_alarms:
        alarms = [i for i in visit.safety_items() if values.get(i["id"]) == "yes"]
        if answers_db.save_alarm_alerts(get_db(), visit.timepoint, alarms) and \
                current_app.config["ALARM_SEND_ON_SAVE"]:
            alarm_notifications.start_sending(current_app._get_current_object(),
                                              visit.timepoint["id"])
    return saved


def alarm_level(visit: Visit) -> str | None:
    """'emergency' or 'urgent' when any safety answer is yes, the more serious first."""
    answers = visit.answers.get("safety", {})
    levels = {item["level"] for item in visit.safety_items() if answers.get(item["id"]) == "yes"}
    return next((level for level in ("emergency", "urgent") if level in levels), None)


def review_rows(visit: Visit) -> list[dict]:
    """Each step's question(s) and the answer given, as the review page lists them."""
    rows = []
    for step in visit.steps:
        for question, answer in visit.kind(step).review(visit.screen(step)):
            rows.append({"step": step, "question": question, "answer": answer,
                         "title": visit.questionnaire(step.instrument).short_title})
    return rows
