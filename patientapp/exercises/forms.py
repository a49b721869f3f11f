"""The patient's session log and the clinician's plan builder. Messages say what to do."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..content.library import Exercise
from ..timeutil import today as clinic_today
from ..web.formfields import multi_line, radio, single_line, strip
from .adherence import SESSION_STATUSES
from .queries import DOSAGE_COLUMNS, LogEntry, PlanItem

LOG_DAYS_BACK = 14  # a phone may keep an offline log this long
NOTE_MAX = 1000
ITEM_NOTE_MAX = 200
DOSAGE_MAX = {"sets": 10, "reps": 100, "hold_seconds": 600, "minutes": 180}
DOSAGE_LABELS = {"sets": _l("Sets"), "reps": _l("Repetitions"),
                 "hold_seconds": _l("Hold (seconds)"), "minutes": _l("Minutes")}
DOSAGE_MESSAGES = {
    "sets": _l("Enter the number of sets for %(title)s, from 1 to %(max)d."),
    "reps": _l("Enter the number of repetitions for %(title)s, from 1 to %(max)d."),
    "hold_seconds": _l("Enter the hold time in seconds for %(title)s, from 1 to %(max)d."),
    "minutes": _l("Enter the number of minutes for %(title)s, from 1 to %(max)d."),
}
MESSAGES = {
    "status": _l("Choose whether you did the exercise."),
    "pain": _l("Choose whether your pain got better, stayed the same or got worse."),
    "effort": _l("Choose how hard it was, from 0 to 10."),
    "date": _l("The date of the session must be within the last %(days)d days.",
               days=LOG_DAYS_BACK),
    "client_id": _l("This log could not be read. Please log the session again."),
    "exercises": _l("Choose at least one exercise."),
    "days": _l("Choose how many days a week, from 1 to 7."),
    "note": _l("The note must be %(max)d characters or fewer.", max=NOTE_MAX),
}
ZERO_TO_TEN = [str(n) for n in range(11)]




def optional_radio(label, choices, message) -> RadioField:
    return RadioField(label, choices=[SelectChoice(v, t) for v, t in choices],
                      validate_choice=False,
                      validators=[Optional(), AnyOf([v for v, _ in choices], message=message)])


# --- the patient's log -----------------------------------------------------------------

def recent_day(form, field) -> None:
    """An offline log carries the day it was made: accept the last two weeks only."""
    if not field.data:
        return
    try:
        day = date.fromisoformat(field.data)
    except ValueError:
        raise ValidationError(MESSAGES["date"]) from None
    today = clinic_today()
    # One day ahead allowed: a phone's clock may be in a time zone east of the clinic's.
    if not today - timedelta(days=LOG_DAYS_BACK) <= day <= today + timedelta(days=1):
        raise ValidationError(MESSAGES["date"])


class LogForm(FlaskForm):
    status = radio(_l("Did you do the exercise?"),
                   [("done", _l("Yes, all of it")), ("partly", _l("Partly")),
                    ("not-done", _l("No"))], MESSAGES["status"])
    pain = optional_radio(_l("How was your pain afterwards?"),
                          [("better", _l("Better")), ("same", _l("The same")),
                           ("worse", _l("Worse"))], MESSAGES["pain"])
    effort = optional_radio(_l("How hard was it?"), [(n, n) for n in ZERO_TO_TEN],
                            MESSAGES["effort"])
    logged_on = HiddenField(filters=[strip], validators=[recent_day])
    client_id = HiddenField(filters=[strip], validators=[
        Optional(), Regexp(r"^[A-Za-z0-9-]{8,64}$", message=MESSAGES["client_id"])])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.status.data in SESSION_STATUSES:
            # How it felt only means something when the exercise was done.
            for field, message in ((self.pain, MESSAGES["pain"]),
                                   (self.effort, MESSAGES["effort"])):
                if not field.data and not field.errors:
                    field.errors.append(message)
                    valid = False
        return valid

    def entry(self, exercise_id: str) -> LogEntry:
        done = self.status.data in SESSION_STATUSES
        return LogEntry(
            exercise_id=exercise_id, status=self.status.data,
            logged_on=date.fromisoformat(self.logged_on.data) if self.logged_on.data
            else clinic_today(),
            pain=self.pain.data if done else None,
            effort=int(self.effort.data) if done else None,
            client_id=self.client_id.data or None)


# --- the clinician's plan ----------------------------------------------------------------

def field_name(exercise_id: str, column: str) -> str:
    return f"{exercise_id}__{column}"


def known_exercises(form, field) -> None:
    chosen = field.data or []
    if not chosen:
        raise ValidationError(MESSAGES["exercises"])
    unknown = [i for i in chosen if i not in form.library_exercises]
    if unknown:
        raise ValidationError(_("There is no exercise called '%(id)s' in the library.",
                                id=unknown[0][:60]))


class PlanFormBase(FlaskForm):
    exercises = SelectMultipleField(_l("Exercises"), choices=[], validate_choice=False,
                                    validators=[known_exercises])
    days_per_week = radio(_l("Days a week"), [(str(n), str(n)) for n in range(1, 8)],
                          MESSAGES["days"])
    note = TextAreaField(_l("Personal note for the patient"), filters=[strip], validators=[
        Optional(), multi_line, Length(max=NOTE_MAX, message=MESSAGES["note"])])

    library_exercises: dict[str, Exercise] = {}

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        chosen = set(self.exercises.data or [])
        for exercise in self.library_exercises.values():
            for column in (*exercise.dosage.fields, "note"):
                field = self[field_name(exercise.id, column)]
                if exercise.id not in chosen:
                    field.errors = []  # rows not chosen are ignored, whatever they hold
                elif column != "note" and (field.errors or field.data is None):
                    field.errors = [DOSAGE_MESSAGES[column] % {
                        "title": exercise.title, "max": DOSAGE_MAX[column]}]
        return not self.errors

    def chosen_items(self) -> list[PlanItem]:
        """The plan's items in the order the exercises were listed."""
        items = []
        for exercise_id in dict.fromkeys(self.exercises.data):
            exercise = self.library_exercises[exercise_id]
            dose = {c: self[field_name(exercise_id, c)].data for c in exercise.dosage.fields}
            note = self[field_name(exercise_id, "note")].data or ""
            items.append(PlanItem(exercise_id=exercise_id, note=note, **dose))
        return items


def plan_form(exercises: list[Exercise]) -> type[PlanFormBase]:
    """A plan form with dose fields for every exercise in the library."""
    fields: dict = {"library_exercises": {e.id: e for e in exercises}}
    for exercise in exercises:
        for column in exercise.dosage.fields:
            fields[field_name(exercise.id, column)] = IntegerField(
                DOSAGE_LABELS[column],
                validators=[Optional(), NumberRange(min=1, max=DOSAGE_MAX[column])])
        fields[field_name(exercise.id, "note")] = StringField(
            _l("Note"), filters=[strip], validators=[single_line, Length(
                max=ITEM_NOTE_MAX, message=_l(
                    "Each exercise's note must be %(max)d characters or fewer.",
                    max=ITEM_NOTE_MAX))])
    return type("PlanForm", (PlanFormBase,), fields)


def plan_form_data(exercises: list[Exercise], plan: dict | None) -> dict:
    """What the form shows before anything is posted: the current plan, else the defaults."""
    data = {field_name(e.id, c): getattr(e.dosage, c) for e in exercises for c in e.dosage.fields}
    if plan is None:
        return data
    for item in plan["items"]:
        data.update({field_name(item["exercise_id"], c): item[c] for c in DOSAGE_COLUMNS
                     if item[c] is not None})
        data[field_name(item["exercise_id"], "note")] = item["note"]
    return {**data, "exercises": [i["exercise_id"] for i in plan["items"]],
            "days_per_week": str(plan["days_per_week"]), "note": plan["note"]}
