"""The state of one patient visit (a timepoint opened through a link), built per request."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, g
from flask_babel import get_locale

from ..content import Content, Pathway, Questionnaire
from ..db import get_db
from . import flow, kinds
from . import queries as answers_db


@dataclass
class Visit:
    invitation: dict
    timepoint: dict
    pathway: Pathway
    answers: dict[str, dict]
    fixed_activities: list[str]
    steps: list[flow.Step] = field(default_factory=list)
    # The questionnaire's language when it is not the page's: a clinician filling it in
    # with the patient sees the clinic's page in their own language, the questions in the
    # patient's.
    content_locale: str | None = None

    @property
    def content(self) -> Content:
        return current_app.extensions["content"]

    @property
    def locale(self) -> str:
        return self.content_locale or str(get_locale())

    @property
    def submitted(self) -> bool:
        return self.timepoint["submitted_at"] is not None

    @property
    def consent(self) -> str:
        return self.invitation["consent"]

    def questionnaire(self, instrument: str) -> Questionnaire:
        return self.content.questionnaire(instrument, self.locale)

    def safety_items(self) -> list[dict]:
        return self.questionnaire("safety").safety_items(self.pathway.id, self.timepoint["key"])

    def answers_for(self, step: flow.Step) -> dict:
        return self.answers.get(step.instrument, {})

    def activities(self) -> list[str]:
        return flow.psfs_activities(self.answers.get("psfs", {}), self.fixed_activities)

    def kind(self, step: flow.Step) -> kinds.StepKind:
        return kinds.KINDS[step.kind]

    def screen(self, step: flow.Step) -> kinds.Screen:
        """What the step's kind needs to build, fill, read and check the screen."""
        return kinds.Screen(step, self.questionnaire(step.instrument), self.answers_for(step),
                            self.activities(), self.safety_items())

    def is_answered(self, step: flow.Step) -> bool:
        return self.kind(step).is_answered(self.screen(step))

    def first_unanswered(self) -> flow.Step | None:
        return next((step for step in self.steps if not self.is_answered(step)), None)

    def answered_count(self) -> int:
        return sum(1 for step in self.steps if self.is_answered(step))


def load_visit() -> Visit:
    """The visit behind ``g.invitation`` (set by the blueprint's before_request), read in
    one statement."""
    invitation = g.invitation
    timepoint, answers, activities = answers_db.get_visit_state(get_db(),
                                                                invitation["timepoint_id"])
    return _visit(invitation, timepoint, answers, [a["text"] for a in activities])


def build_visit(invitation: dict, timepoint: dict, content_locale: str | None = None) -> Visit:
    """A visit of one timepoint. ``invitation`` needs the course's ``course_id``,
    ``clinic_id``, ``pathway`` and ``consent`` (a link's row has them; so does a course)."""
    db = get_db()
    fixed = [a["text"] for a in answers_db.list_fixed_activities(db, invitation["course_id"])]
    return _visit(invitation, timepoint, answers_db.load_answers(db, timepoint["id"]), fixed,
                  content_locale)


def _visit(invitation: dict, timepoint: dict, answers: dict[str, dict], fixed: list[str],
           content_locale: str | None = None) -> Visit:
    pathway = current_app.extensions["content"].pathway(invitation["pathway"])
    visit = Visit(invitation, timepoint, pathway, answers, fixed, content_locale=content_locale)
    visit.steps = kinds.build_steps(timepoint["questionnaires"], list(pathway.nprs_sites),
                                    psfs_names_activities=not fixed)
    return visit
