"""Forms the physiotherapist fills in during the consultation.

Numbers are typed into text fields and checked here (``records.parse_value``), so a wrong
entry comes back exactly as it was typed, with a message next to it.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, Optional, ValidationError

from ..questionnaires import flow
from ..web.formfields import IndexedList, single_line, strip
from . import records

MESSAGES = {
    "invalid_choice": _l("Choose one of the options shown."),
    "name_activity": _l("Write at least one activity."),
    "name_three": _l("Write at least 3 activities, or tick that the patient names fewer on "
                     "purpose."),
    "activity_too_long": _l("Each activity must be %(max)d characters or fewer.",
                            max=flow.PSFS_ACTIVITY_MAX_LENGTH),
    "own_name": _l("Name the test, or leave its value empty."),
    "own_value": _l("Enter the test's value, or leave its name empty."),
    "own_name_long": _l("The test's name must be %(max)d characters or fewer.",
                        max=records.OWN_NAME_MAX),
    "own_unit_long": _l("The unit must be %(max)d characters or fewer.",
                        max=records.OWN_UNIT_MAX),
    "note_long": _l("The note must be 200 characters or fewer."),
}

FINDING_LABELS = {"": _l("Not examined"), "better": _l("Better"), "same": _l("Same"),
                  "worse": _l("Worse")}
MODALITY_LABELS = {"sensation": _l("Sensation"), "strength": _l("Strength"),
                   "reflexes": _l("Reflexes")}
SIDE_LABELS = {"left": _l("left"), "right": _l("right")}
TEST_LABELS = {"sit-to-stand-30s": _l("Sit-to-stand, 30 seconds (number of stands)"),
               "sit-to-stand-5x": _l("Sit-to-stand, five times (seconds)")}
PAINKILLER_LABELS = {"": _l("Not asked"), "none": _l("No painkillers"),
                     "as-needed": _l("Painkillers when needed"),
                     "daily": _l("Painkillers every day")}


def _optional_radio(label, labels: dict) -> RadioField:
    """A radio group whose first option ("" = not examined / not asked) is the default."""
    return RadioField(label, choices=[SelectChoice(v, t) for v, t in labels.items()],
                      default="", validate_choice=False,
                      validators=[Optional(), AnyOf(list(labels),
                                                    message=MESSAGES["invalid_choice"])])


# --- neurological status ----------------------------------------------------------------

def neuro_form(pathway: str) -> type[FlaskForm]:
    """One radio group per modality, side and root level of the course."""
    fields = {records.field_name(*key): _optional_radio(
        _l("%(modality)s %(root)s %(side)s", modality=MODALITY_LABELS[key[0]], root=key[2],
           side=SIDE_LABELS[key[1]]), FINDING_LABELS)
        for key in records.neuro_keys(pathway)}
    return type("NeuroForm", (FlaskForm,), fields)


def neuro_findings(form, pathway: str) -> dict[tuple[str, str, str], str]:
    """The examined levels of a valid form."""
    return {key: form[records.field_name(*key)].data for key in records.neuro_keys(pathway)
            if form[records.field_name(*key)].data}


# --- functional tests ----------------------------------------------------------------------

def _value_of(test: str):
    def check(form, field):
        if field.data:
            try:
                field.parsed = records.parse_value(records.FUNCTIONAL_TESTS[test], field.data)
            except records.ValueProblem as problem:
                raise ValidationError(_(problem.message, **problem.params)) from None
    return check


class FunctionalTestsForm(FlaskForm):
    sit_to_stand_30s = StringField(TEST_LABELS["sit-to-stand-30s"], filters=[strip],
                                   validators=[single_line, Length(max=20),
                                               _value_of("sit-to-stand-30s")])
    sit_to_stand_5x = StringField(TEST_LABELS["sit-to-stand-5x"], filters=[strip],
                                  validators=[single_line, Length(max=20),
                                              _value_of("sit-to-stand-5x")])
    own_name = StringField(_l("Your own test: its name"), filters=[strip], validators=[
        single_line, Length(max=records.OWN_NAME_MAX, message=MESSAGES["own_name_long"])])
    own_value = StringField(_l("Its value"), filters=[strip],
                            validators=[single_line, Length(max=20), _value_of("own")])
    own_unit = StringField(_l("Its unit (for example s, cm, repetitions)"), filters=[strip],
                           validators=[single_line, Length(max=records.OWN_UNIT_MAX,
                                                           message=MESSAGES["own_unit_long"])])

    def validate_own_name(self, field):
        if self.own_value.data and not field.data:
            raise ValidationError(MESSAGES["own_name"])

    def validate_own_value(self, field):
        if not field.data and self.own_name.data:
            raise ValidationError(MESSAGES["own_value"])

    def tests(self) -> dict[str, dict]:
        """The tests of a valid form with a value: test key -> {value, name, unit}."""
        found = {}
        for test, field in (("sit-to-stand-30s", self.sit_to_stand_30s),
                            ("sit-to-stand-5x", self.sit_to_stand_5x)):
            if field.data:
                found[test] = {"value": field.parsed,
                               "unit": records.FUNCTIONAL_TESTS[test].unit}
        if self.own_value.data:
            found["own"] = {"value": self.own_value.parsed, "name": self.own_name.data,
                            "unit": self.own_unit.data}
        return found

    def fill(self, tests: list[dict]) -> None:
        """Show the stored tests of the timepoint."""
        for entry in tests:
            text = records._plain(entry["value"])
            if entry["test"] == "sit-to-stand-30s":
                self.sit_to_stand_30s.data = text
            elif entry["test"] == "sit-to-stand-5x":
                self.sit_to_stand_5x.data = text
            elif entry["test"] == "own":
                self.own_name.data, self.own_value.data = entry["name"], text
                self.own_unit.data = entry["unit"]


# --- painkillers and attendance --------------------------------------------------------------

def _visits(form, field):
    if field.data:
        if not field.data.isdigit() or not int(field.data) <= records.VISITS_MAX:
            raise ValidationError(_("Enter a whole number from 0 to %(max)d.",
                                    max=records.VISITS_MAX))


class CourseRecordForm(FlaskForm):
    painkillers = _optional_radio(_l("Painkillers"), PAINKILLER_LABELS)
    painkillers_note = StringField(_l("Which painkillers, how often (optional)"),
                                   filters=[strip], validators=[
                                       single_line,
                                       Length(max=200, message=MESSAGES["note_long"])])
    attended = StringField(_l("Visits attended"), filters=[strip],
                           validators=[single_line, Length(max=5), _visits])
    missed = StringField(_l("Visits missed"), filters=[strip],
                         validators=[single_line, Length(max=5), _visits])

    def values(self) -> dict:
        def number(field):
            return int(field.data) if field.data else None
        return {"painkillers": self.painkillers.data or "",
                "painkillers_note": self.painkillers_note.data or "",
                "attended": number(self.attended), "missed": number(self.missed)}


# --- PSFS activities set with the patient ---------------------------------------------------

def _enough_activities(form, field):
    named = sum(1 for entry in field.entries if entry.data)
    if not named:
        raise ValidationError(MESSAGES["name_activity"])
    if named < flow.PSFS_EXPECTED_ACTIVITIES and not form.fewer.data:
        raise ValidationError(MESSAGES["name_three"])


def _activity_field() -> StringField:
    return StringField(filters=[strip], validators=[
        single_line,
        Length(max=flow.PSFS_ACTIVITY_MAX_LENGTH, message=MESSAGES["activity_too_long"])])


class PsfsGoalsForm(FlaskForm):
    activities = IndexedList(_activity_field(), min_entries=flow.PSFS_MAX_ACTIVITIES,
                             max_entries=flow.PSFS_MAX_ACTIVITIES,
                             validators=[_enough_activities])
    fewer = BooleanField(_l("The patient names fewer than 3 activities on purpose"))

    def texts(self) -> list[str]:
        return [entry.data for entry in self.activities.entries if entry.data]

    def move_up(self, index: int) -> None:
        """Swap activity ``index`` (from 1) with the one above it, keeping what was typed."""
        entries = self.activities.entries
        if 1 < index <= len(entries):
            above, here = entries[index - 2], entries[index - 1]
            above.data, here.data = here.data, above.data
            above.raw_data, here.raw_data = [above.data or ""], [here.data or ""]


class LaterActivityForm(FlaskForm):
    activity = StringField(_l("An activity added later"), filters=[strip], validators=[
        single_line,
        Length(max=flow.PSFS_ACTIVITY_MAX_LENGTH, message=MESSAGES["activity_too_long"])])

    def validate_activity(self, field):
        if not field.data:
            raise ValidationError(MESSAGES["name_activity"])
