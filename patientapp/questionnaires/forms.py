"""WTForms for each kind of screen, built from the questionnaire content.

One mapping from step kind to form builder (as ONS eq-questionnaire-runner does);
all error messages live in MESSAGES, lazily translated.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from ..content import RISK_MAX_DAYS, Questionnaire
from ..web.formfields import IndexedList, radio, single_line, strip
from . import flow

MESSAGES = {
    "choose_statement": _l("Choose the statement that fits you best today."),
    "choose_number": _l("Choose a number from 0 to 10."),
    "choose_yes_no": _l("Answer yes or no."),
    "name_activity": _l("Write at least 3 activities you find hard to do."),
    "name_three": _l("Write at least 3 activities: that is what your physiotherapist needs. "
                     "If you really cannot think of 3, tick “I can only name fewer than 3” "
                     "and go on."),
    "activity_too_long": _l("Each activity must be %(max)d characters or fewer.",
                            max=flow.PSFS_ACTIVITY_MAX_LENGTH),
    "invalid_choice": _l("Choose one of the options shown."),
    "consent": _l("Choose yes or no."),
    "choose_answer": _l("Choose the answer that fits you best."),  # the GPE
    "choose_sites": _l("Tick at least one place where you have pain."),
    "enter_days": _l("Write the number of days, from 0 to %(max)d. Write 0 if none.",
                     max=RISK_MAX_DAYS),
}

ZERO_TO_TEN = [str(n) for n in range(11)]


def radio_choice(label, choices, required_message):
    return radio(label, choices, required_message, MESSAGES["invalid_choice"])


class ConsentForm(FlaskForm):
    consent = radio_choice(_l("May we keep your answers?"),
                     [("given", _l("Yes")), ("refused", _l("No"))], MESSAGES["consent"])


def section_form(questionnaire: Questionnaire, step: flow.Step) -> type[FlaskForm]:
    section = questionnaire.section(step.number)
    choices = [(str(score), text) for score, text in enumerate(section["options"])]
    if "not_applicable" in section:
        choices.append((flow.NOT_APPLICABLE, section["not_applicable"]))
    return type("SectionForm", (FlaskForm,), {
        "answer": radio_choice(section["title"], choices, MESSAGES["choose_statement"]),
    })


def nprs_form(questionnaire: Questionnaire, step: flow.Step) -> type[FlaskForm]:
    site = questionnaire.sites[step.key]
    choices = [(n, n) for n in ZERO_TO_TEN]
    return type("NprsForm", (FlaskForm,), {
        "answer": radio_choice(site["question"], choices, MESSAGES["choose_number"]),
    })


def _enough_activities(form, field):
    """At least 3 activities (the PSFS's usual number); 1 or 2 only when the patient says
    on purpose that they cannot name more. None is never enough."""
    named = sum(1 for entry in field.entries if entry.data)
    if not named:
        raise ValidationError(MESSAGES["name_activity"])
    if named < flow.PSFS_EXPECTED_ACTIVITIES and not form.fewer.data:
        form.offer_fewer = True
        raise ValidationError(MESSAGES["name_three"])


class PsfsActivitiesForm(FlaskForm):
    activities = IndexedList(
        StringField(filters=[strip], validators=[
            single_line,
            Length(max=flow.PSFS_ACTIVITY_MAX_LENGTH, message=MESSAGES["activity_too_long"])]),
        min_entries=flow.PSFS_MAX_ACTIVITIES, max_entries=flow.PSFS_MAX_ACTIVITIES,
        validators=[_enough_activities],
    )
    # Shown only once fewer than 3 were named (or were saved that way before).
    fewer = BooleanField(_l("I can only name fewer than 3"))
    offer_fewer = False


def psfs_rate_form(activities: list[str]) -> type[FlaskForm]:
    choices = [(n, n) for n in ZERO_TO_TEN]
    fields = {f"rating_{n}": radio_choice(text, choices, MESSAGES["choose_number"])
              for n, text in enumerate(activities, start=1)}
    return type("PsfsRateForm", (FlaskForm,), fields)


def safety_form(items: list[dict]) -> type[FlaskForm]:
    choices = [("yes", _l("Yes")), ("no", _l("No"))]
    message = MESSAGES["choose_yes_no"]
    fields = {f"item_{item['id']}": radio_choice(item["question"], choices, message)
              for item in items}
    return type("SafetyForm", (FlaskForm,), fields)


# --- the risk and work questionnaire: a field per item on the screen, by its answer type ----

def _days_in_range(form, field):
    text = field.data or ""
    if not (text.isascii() and text.isdigit() and int(text) <= RISK_MAX_DAYS):
        raise ValidationError(MESSAGES["enter_days"])


def _risk_sites(item: dict):
    return SelectMultipleField(
        item["question"], choices=[SelectChoice(o["id"], o["label"]) for o in item["options"]],
        validators=[InputRequired(message=MESSAGES["choose_sites"])],
        invalid_choice_message=MESSAGES["invalid_choice"])


def _risk_choice(item: dict):
    # The item's own message names the question: a screen may ask two.
    return radio_choice(item["question"], [(o["id"], o["label"]) for o in item["options"]],
                        item["error"])


def _risk_days(item: dict):
    return StringField(item["question"], filters=[strip],
                       validators=[InputRequired(message=MESSAGES["enter_days"]),
                                   _days_in_range])


RISK_FIELDS = {"sites": _risk_sites, "choice": _risk_choice, "days": _risk_days}


def risk_items(questionnaire: Questionnaire, step: flow.Step) -> list[dict]:
    """The items a risk screen asks (named by the step's key), in the content's order."""
    wanted = step.key.split()
    return [item for item in questionnaire.items if item["id"] in wanted]


def risk_form(questionnaire: Questionnaire, step: flow.Step) -> type[FlaskForm]:
    """One field per item, named by the item's id."""
    return type("RiskForm", (FlaskForm,), {
        item["id"]: RISK_FIELDS[item["type"]](item) for item in risk_items(questionnaire, step)})


def gpe_form(questionnaire: Questionnaire) -> type[FlaskForm]:
    choices = [(str(n), text) for n, text in enumerate(questionnaire.options, start=1)]
    return type("GpeForm", (FlaskForm,), {
        "answer": radio_choice(questionnaire.question, choices, MESSAGES["choose_answer"]),
    })
