"""The registry of question kinds: every entry complete, every screen the content makes covered.

A new kind of question is one entry in ``questionnaires/kinds.py`` and its partial; these
tests walk KINDS and the content, so a half-added kind fails here, not on a patient's phone.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, RadioField, SelectMultipleField, StringField

from patientapp.content import INSTRUMENT_KINDS, LOCALES, RISK_MAX_DAYS
from patientapp.fhir.resources import QUESTIONNAIRE_ITEMS, RESPONSE_ITEMS
from patientapp.questionnaires import flow
from patientapp.questionnaires.kinds import KINDS, Plan, Screen, build_steps, instrument_steps

PACKAGE = Path(__file__).resolve().parent.parent / "patientapp"
HOOKS = [f.name for f in dataclasses.fields(KINDS["section"])
         if f.name not in ("name", "instrument_kind", "titled", "raises_alarms")]
ACTIVITIES = ["Put on socks", "Walk 2 km"]


def every_screen(content):
    """(pathway, timepoint key, step) for every screen any pathway shows, both PSFS variants."""
    for pathway in content.pathways.values():
        for spec in pathway.timepoints:
            for names in (True, False):
                for step in build_steps(list(spec.questionnaires), list(pathway.nprs_sites),
                                        psfs_names_activities=names):
                    yield pathway, spec.key, step


def screen_for(content, pathway, timepoint, step, locale, answers) -> Screen:
    q = content.questionnaire(step.instrument, locale)
    fixed = ACTIVITIES if step.kind == "psfs-rate" else None
    safety = content.questionnaire("safety", locale).safety_items(pathway.id, timepoint)
    return Screen(step, q, answers, flow.psfs_activities(answers, fixed), safety)


def sample_formdata(form, pick: int) -> MultiDict:
    """A valid submission derived from the form's own fields: choice ``pick`` of every
    radio group; in a list of text fields three named activities, or (pick -1) two, with
    every tick box ticked (PSFS: fewer than 3 on purpose); of a group of tick boxes the
    first, or (pick -1) all of them; a number field 0, or (pick -1) its largest value."""
    data = MultiDict()
    for field in form:
        if isinstance(field, RadioField):
            data[field.name] = list(field)[pick].data
        elif isinstance(field, SelectMultipleField):
            options = [option.data for option in field]
            for value in options if pick == -1 else options[:1]:
                data.add(field.name, value)
        elif isinstance(field, StringField) and field.type == "StringField" and \
                field.name != "csrf_token":
            data[field.name] = str(RISK_MAX_DAYS) if pick == -1 else "0"
        elif isinstance(field, FieldList):
            named = ACTIVITIES if pick == -1 else [*ACTIVITIES, "Carry a bag"]
            for entry, text in zip(field.entries, named, strict=False):
                data[entry.name] = text
        elif isinstance(field, BooleanField) and pick == -1:
            data[field.name] = "y"
    return data


@pytest.mark.parametrize("name", KINDS)
def test_every_kind_has_every_hook_and_its_partial(app, name):
    kind = KINDS[name]
    assert kind.name == name
    assert kind.instrument_kind in INSTRUMENT_KINDS.values(), name
    for hook in HOOKS:
        assert callable(getattr(kind, hook)), f"{name}: {hook} is missing"
    app.jinja_env.get_template(kind.partial)  # raises TemplateNotFound


def test_every_kind_the_content_uses_has_an_entry(content):
    used = {q.kind for q in content.questionnaires.values()}
    assert used == set(INSTRUMENT_KINDS.values())
    for instrument_kind in used:
        assert any(k.instrument_kind == instrument_kind for k in KINDS.values()), instrument_kind
        assert instrument_kind in QUESTIONNAIRE_ITEMS and instrument_kind in RESPONSE_ITEMS
    screens = list(every_screen(content))
    assert {step.kind for _, _, step in screens} == set(KINDS)


def test_every_instrument_numbers_its_screens_from_one(content):
    plan = Plan(("back", "leg"), names_activities=True)
    for instrument in INSTRUMENT_KINDS:
        steps = instrument_steps(instrument, plan)
        assert [s.number for s in steps] == list(range(1, len(steps) + 1)), instrument
        assert {s.count for s in steps} == {len(steps)}, instrument


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("pick", [0, -1])
def test_stored_to_form_to_stored_is_identity_on_every_screen(app, content, locale, pick):
    seen = set()
    for pathway, timepoint, step in every_screen(content):
        if (pathway.id, timepoint, step.id, step.count) in seen:
            continue
        seen.add((pathway.id, timepoint, step.id, step.count))
        kind = KINDS[step.kind]
        empty = screen_for(content, pathway, timepoint, step, locale, {})
        assert not kind.is_answered(empty), step.id
        with app.test_request_context("/"):
            formdata = sample_formdata(kind.form(empty)(), pick)
        with app.test_request_context("/", method="POST", data=formdata):
            posted = kind.form(empty)()
            assert posted.validate(), (step.id, posted.errors)
            stored = dict(kind.from_form(empty, posted))
        screen = screen_for(content, pathway, timepoint, step, locale, stored)
        with app.test_request_context("/"):
            again = kind.form(screen)(data=kind.to_form(screen))
            assert again.data == posted.data, step.id
            assert {**stored, **kind.from_form(screen, again)} == stored, step.id
        assert kind.is_answered(screen), step.id
        assert all(answer is not None for _, answer in kind.review(screen)), step.id


def test_clinicians_rows_show_every_stored_answer(app, content):
    pathway = content.pathway("lumbar-radiculopathy")
    plan = Plan(pathway.nprs_sites, names_activities=True)
    stored = {"activities": ACTIVITIES, "ratings": {"1": 3, "2": 7}, "back": 4, "leg": 6,
              "pain_intensity": 2, "sex_life": flow.NOT_APPLICABLE}
    with app.test_request_context("/"):
        for instrument in ("odi", "nprs", "psfs"):
            q = content.questionnaire(instrument, "en")
            rows = [row for step in instrument_steps(instrument, plan)
                    for row in KINDS[step.kind].answer_rows(
                        Screen(step, q, stored, ACTIVITIES, []))]
            points = [p for _, _, p in rows if p is not None]
            expected = {"odi": ["2"], "nprs": ["4", "6"], "psfs": ["3", "7"]}[instrument]
            assert points == expected, instrument


def test_nothing_outside_the_registry_branches_on_the_step_kind():
    """Views, the visit and the templates look the kind up; none of them tests its name."""
    branch = re.compile(r"step\.kind\s*(==|!=|in\b)")
    offenders = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*")
                 if path.suffix in (".py", ".html") and branch.search(path.read_text("utf-8"))]
    assert offenders == []
