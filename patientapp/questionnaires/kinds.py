"""One registry of question kinds: everything the app does with one kind of screen.

Each step kind (``flow.Step.kind``) has one entry in ``KINDS`` holding which screens an
instrument gets, the form that asks them, how stored answers become form data and back,
what the review page and the clinician's answers page show, whether the screen is
answered, and the template partial that draws it. Views, the visit and the templates look
the kind up here and never branch on it, so a new kind of question (a risk questionnaire's
items, a 7-point global rating) is one new entry here plus its partial under
``templates/questionnaires/steps/``; tests/test_kinds.py checks every entry is complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm

from ..content import INSTRUMENT_KINDS, RISK_SCREENS, SECTION_IDS, Questionnaire
from . import flow, forms

Review = list[tuple[str, str | None]]  # (question, answer text or None when unanswered)
AnswerRows = list[tuple[str, str, str | None]]  # (question, answer text, points)


@dataclass(frozen=True)
class Plan:
    """What decides a timepoint's screens besides its questionnaires."""

    nprs_sites: tuple[str, ...]
    names_activities: bool  # PSFS: the patient names activities (no fixed ones yet)


@dataclass(frozen=True)
class Screen:
    """What a kind's hooks see of one step: its questionnaire and the answers so far."""

    step: flow.Step
    questionnaire: Questionnaire
    answers: dict  # the stored answers of the step's instrument
    activities: list[str]  # the PSFS activities to rate
    safety_items: list[dict]  # the safety questions asked here


@dataclass(frozen=True)
class StepKind:
    """One kind of screen. Every hook takes a Screen; the template gets the entry as ``kind``."""

    name: str
    instrument_kind: str  # the Questionnaire.kind whose screens these are
    screens: Callable[[str, Plan], list[tuple[str, str]]]  # (step id, key) for an instrument
    form: Callable[[Screen], type[FlaskForm]]
    to_form: Callable[[Screen], dict]  # stored answers -> the form's data
    from_form: Callable[[Screen, FlaskForm], dict]  # a valid form -> answers to store
    review: Callable[[Screen], Review]
    is_answered: Callable[[Screen], bool]
    answer_rows: Callable[[Screen], AnswerRows]  # the clinician's answers page
    titled: bool = False  # carries the questionnaire's title on every screen (several questions)
    raises_alarms: bool = False  # a yes here shows the advice page and alerts the clinic
    intro: Callable[[flow.Step], str | None] = lambda step: "intro"  # field shown under the title
    # The answer state the screen's markup depends on, besides its content, when that
    # markup may be rendered once and reused (web/fragments.py): None for never. Only
    # kinds whose screen shows content and a choice among its options, never free text.
    fragment: Callable[[Screen], tuple | None] = lambda screen: None

    @property
    def partial(self) -> str:
        return f"questionnaires/steps/{self.name}.html"


def _as_text(value) -> str | None:
    return None if value is None else str(value)


# --- one answer per screen: ODI/NDI sections and NPRS pain sites -------------------------

def _single_to_form(screen: Screen) -> dict:
    return {"answer": _as_text(screen.answers.get(screen.step.key))}


def _single_from_form(screen: Screen, form) -> dict:
    raw = form.answer.data
    return {screen.step.key: raw if raw == flow.NOT_APPLICABLE else int(raw)}


def _single_fragment(screen: Screen) -> tuple:
    return ("answer", _as_text(screen.answers.get(screen.step.key)))


def _single_answered(screen: Screen) -> bool:
    return screen.step.key in screen.answers


def _section_screens(instrument: str, plan: Plan) -> list[tuple[str, str]]:
    return [(f"{instrument}-{n}", sid) for n, sid in enumerate(SECTION_IDS[instrument], start=1)]


def _section_text(section: dict, value) -> str | None:
    if value == flow.NOT_APPLICABLE:
        return section.get("not_applicable")
    return section["options"][value] if isinstance(value, int) else None


def _section_review(screen: Screen) -> Review:
    section = screen.questionnaire.section(screen.step.number)
    return [(section["title"], _section_text(section, screen.answers.get(screen.step.key)))]


def _section_rows(screen: Screen) -> AnswerRows:
    section = screen.questionnaire.section(screen.step.number)
    value = screen.answers.get(screen.step.key)
    if value == flow.NOT_APPLICABLE:
        return [(section["title"], section.get("not_applicable", ""), None)]
    if isinstance(value, int):
        return [(section["title"], section["options"][value], str(value))]
    return [(section["title"], "–", None)]


def _nprs_screens(instrument: str, plan: Plan) -> list[tuple[str, str]]:
    return [(f"nprs-{site}", site) for site in plan.nprs_sites]


def _nprs_review(screen: Screen) -> Review:
    site = screen.questionnaire.sites[screen.step.key]
    return [(site["label"], _as_text(screen.answers.get(screen.step.key)))]


def _nprs_rows(screen: Screen) -> AnswerRows:
    site = screen.questionnaire.sites[screen.step.key]
    return [(site["label"], "", _as_text(screen.answers.get(screen.step.key)))]


# --- PSFS: name the activities, then rate them ------------------------------------------

def _activities_to_form(screen: Screen) -> dict:
    named = screen.answers.get("activities") or []
    # Fewer than 3 could only have been saved on purpose: keep that choice visible.
    return {"activities": named, "fewer": 0 < len(named) < flow.PSFS_EXPECTED_ACTIVITIES}


def _activities_from_form(screen: Screen, form) -> dict:
    named = [entry.data for entry in form.activities.entries if entry.data]
    if named == screen.activities:
        return {"activities": named}  # unchanged names keep their ratings
    # Renaming activities resets their ratings, which belonged to the old names.
    return {"activities": named, "ratings": None}


def _ratings(screen: Screen) -> dict:
    return screen.answers.get("ratings") or {}


def _rate_answered(screen: Screen) -> bool:
    ratings = _ratings(screen)
    return bool(screen.activities) and all(
        str(n) in ratings for n in range(1, len(screen.activities) + 1))


def _rate_from_form(screen: Screen, form) -> dict:
    return {"ratings": {str(n): int(form[f"rating_{n}"].data)
                        for n in range(1, len(screen.activities) + 1)}}


def _rate_review(screen: Screen) -> Review:
    ratings = _ratings(screen)
    return [(text, _as_text(ratings.get(str(n))))
            for n, text in enumerate(screen.activities, start=1)]


def _rate_rows(screen: Screen) -> AnswerRows:
    ratings = _ratings(screen)
    return [(text, "", _as_text(ratings.get(str(n))))
            for n, text in enumerate(screen.activities, start=1)]


# --- the safety check: yes/no questions, a yes raises an alarm --------------------------

def _safety_review(screen: Screen) -> Review:
    yes_no = {"yes": _("Yes"), "no": _("No")}
    return [(item["question"], yes_no.get(screen.answers.get(item["id"])))
            for item in screen.safety_items]


def _safety_rows(screen: Screen) -> AnswerRows:
    # Only the questions that timepoint asked (a history of cancer is asked at baseline).
    return [(item["question"], screen.answers[item["id"]], None)
            for item in screen.safety_items if item["id"] in screen.answers]


# --- the risk and work questionnaire: related items share a screen; each item's type picks
# its field. The step's key names the screen's items, separated by spaces. -------------------

def _risk_screens(instrument: str, plan: Plan) -> list[tuple[str, str]]:
    return [(f"risk-{items[0].replace('_', '-')}", " ".join(items)) for items in RISK_SCREENS]


def _risk_items(screen: Screen) -> list[dict]:
    return forms.risk_items(screen.questionnaire, screen.step)


def _risk_to_form(screen: Screen) -> dict:
    values = {item["id"]: screen.answers.get(item["id"]) for item in _risk_items(screen)}
    return {item_id: list(value) if isinstance(value, list) else _as_text(value)
            for item_id, value in values.items()}


def _risk_value(item: dict, raw):
    if item["type"] == "sites":  # in the content's order, whatever order was posted
        return [o["id"] for o in item["options"] if o["id"] in raw]
    return int(raw) if item["type"] == "days" else raw


def _risk_from_form(screen: Screen, form) -> dict:
    return {item["id"]: _risk_value(item, form[item["id"]].data) for item in _risk_items(screen)}


def risk_answer_text(item: dict, value) -> str | None:
    """One stored risk answer in words: the answers' labels, or a number of days."""
    if value is None:
        return None
    if item["type"] == "days":
        return ngettext("%(num)d day", "%(num)d days", value)
    labels = {o["id"]: o["label"] for o in item["options"]}
    values = value if isinstance(value, list) else [value]
    return ", ".join(labels.get(v, str(v)) for v in values)


def _risk_answered(screen: Screen) -> bool:
    return all(item_id in screen.answers for item_id in screen.step.key.split())


def _risk_review(screen: Screen) -> Review:
    return [(item["question"], risk_answer_text(item, screen.answers.get(item["id"])))
            for item in _risk_items(screen)]


def _risk_rows(screen: Screen) -> AnswerRows:
    return [(item["question"], risk_answer_text(item, screen.answers.get(item["id"])) or "–",
             None) for item in _risk_items(screen)]


# --- the global perceived effect: one 7-point answer ------------------------------------------

def _gpe_text(screen: Screen) -> str | None:
    value = screen.answers.get("rating")
    return screen.questionnaire.options[value - 1] if isinstance(value, int) else None


KINDS: dict[str, StepKind] = {kind.name: kind for kind in (
    StepKind(
        "section", "sections", _section_screens,
        form=lambda s: forms.section_form(s.questionnaire, s.step),
        to_form=_single_to_form, from_form=_single_from_form, review=_section_review,
        is_answered=_single_answered, answer_rows=_section_rows, fragment=_single_fragment),
    StepKind(
        "nprs", "nprs", _nprs_screens,
        form=lambda s: forms.nprs_form(s.questionnaire, s.step),
        to_form=_single_to_form, from_form=_single_from_form, review=_nprs_review,
        is_answered=_single_answered, answer_rows=_nprs_rows, fragment=_single_fragment),
    StepKind(
        "psfs-activities", "psfs",
        lambda instrument, plan: [("psfs-activities", "")] if plan.names_activities else [],
        form=lambda s: forms.PsfsActivitiesForm,
        to_form=_activities_to_form,
        from_form=_activities_from_form,
        review=lambda s: [(s.questionnaire.activities_question, ", ".join(s.activities) or None)],
        is_answered=lambda s: bool(s.answers.get("activities")),
        answer_rows=lambda s: []),  # the ratings' rows name the activities
    StepKind(
        "psfs-rate", "psfs", lambda instrument, plan: [("psfs-rate", "")],
        form=lambda s: forms.psfs_rate_form(s.activities),
        to_form=lambda s: {f"rating_{n}": _as_text(v) for n, v in _ratings(s).items()},
        from_form=_rate_from_form, review=_rate_review, is_answered=_rate_answered,
        answer_rows=_rate_rows, titled=True,
        # Re-rating fixed activities (one screen) explains itself; after naming them, no intro.
        intro=lambda step: "rerate_intro" if step.count == 1 else None),
    StepKind(
        "safety", "safety", lambda instrument, plan: [("safety", "")],
        form=lambda s: forms.safety_form(s.safety_items),
        to_form=lambda s: {f"item_{i['id']}": s.answers.get(i["id"]) for i in s.safety_items},
        from_form=lambda s, form: {i["id"]: form[f"item_{i['id']}"].data
                                   for i in s.safety_items},
        review=_safety_review,
        is_answered=lambda s: all(item["id"] in s.answers for item in s.safety_items),
        answer_rows=_safety_rows, titled=True, raises_alarms=True),
    StepKind(
        "risk", "risk", _risk_screens,
        form=lambda s: forms.risk_form(s.questionnaire, s.step),
        to_form=_risk_to_form, from_form=_risk_from_form, review=_risk_review,
        is_answered=_risk_answered, answer_rows=_risk_rows, titled=True,
        intro=lambda step: "intro" if step.number == 1 else None),
    StepKind(
        "gpe", "gpe", lambda instrument, plan: [("gpe", "rating")],
        form=lambda s: forms.gpe_form(s.questionnaire),
        to_form=_single_to_form,
        from_form=lambda s, form: {"rating": int(form.answer.data)},
        review=lambda s: [(s.questionnaire.question, _gpe_text(s))],
        is_answered=_single_answered,
        answer_rows=lambda s: [(s.questionnaire.question, _gpe_text(s) or "–",
                                _as_text(s.answers.get("rating")))]),
)}


def kinds_of(instrument: str) -> list[StepKind]:
    """The step kinds of an instrument's screens, in the order they are shown."""
    return [kind for kind in KINDS.values() if kind.instrument_kind == INSTRUMENT_KINDS[instrument]]


def instrument_steps(instrument: str, plan: Plan) -> list[flow.Step]:
    """One instrument's screens, numbered within the instrument."""
    screens = [(kind.name, step_id, key) for kind in kinds_of(instrument)
               for step_id, key in kind.screens(instrument, plan)]
    return [flow.Step(step_id, instrument, name, key, number, len(screens))
            for number, (name, step_id, key) in enumerate(screens, start=1)]


def build_steps(questionnaires: list[str], nprs_sites: list[str],
                psfs_names_activities: bool) -> list[flow.Step]:
    """Every screen for a timepoint, in order, ending with the safety check."""
    plan = Plan(tuple(nprs_sites), psfs_names_activities)
    return [step for instrument in [*questionnaires, "safety"]
            for step in instrument_steps(instrument, plan)]


def answer_rows(q: Questionnaire, answers: dict, pathway) -> AnswerRows:
    """A submitted response, question by question, as the clinician's answers page shows it.

    The activities are those stored with the response, rated word for word; the safety
    questions those of the pathway that were answered.
    """
    plan = Plan(tuple(pathway.nprs_sites), names_activities=True)
    activities = list(answers.get("activities") or [])
    items = q.safety_items(pathway.id)
    return [row for step in instrument_steps(q.id, plan)
            for row in KINDS[step.kind].answer_rows(Screen(step, q, answers, activities, items))]
