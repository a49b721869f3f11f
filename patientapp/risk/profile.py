"""The risk profile in plain words, in the clinician's language: for the course page (a
section), the patient list (a count per course) and the GP summary."""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from ..content import Pathway
from ..db import get_db
from ..questionnaires.kinds import risk_answer_text
from ..timeutil import parse_date, today
from ..web.labels import BANDS, SITES
from ..web.templating import score_text
from . import queries, rules

FACTOR_NAMES = {
    "strong_pain": _l("Strong pain"),
    "much_reduced_activity": _l("Much reduced activity"),
    "many_pain_sites": _l("Pain in many places"),
    "high_age": _l("High age"),
    "worry": _l("Worry"),
    "depression_signs": _l("Signs of depression"),
    "fear_of_movement": _l("Fear of movement"),
    "sick_leave": _l("Sick leave"),
    "poor_work_situation": _l("A strained work situation"),
}
RADIATING_NAMES = {"leg": _l("Leg pain"), "arm": _l("Arm pain")}
GROUP_NAMES = {rules.INDIVIDUAL: _l("Individual"), rules.PSYCHOSOCIAL: _l("Psychosocial"),
               rules.WORK: _l("Work")}
PROMPTS = {
    rules.MUNICIPAL_REHABILITATION: _l(
        "The patient is on sick leave. The programme counts sick leave as a social-medical "
        "risk factor: consider early contact with the municipality's rehabilitation."),
    rules.PSYCHOSOCIAL_CONVERSATION: _l(
        "Several psychosocial factors are present: plan time in the first consultation to "
        "talk about worries, mood and fear of movement."),
}
# Answered on the risk questionnaire but not risk factors of the programme: shown for context.
CONTEXT_ITEMS = ("work_status", "sleep", "expectation")


def limb(pathway: Pathway) -> str:
    """Where nerve-root pain radiates on this course: the arm on the neck course."""
    return "arm" if "arm" in pathway.nprs_sites else "leg"


def baseline_of(inputs: dict, pathway: Pathway) -> rules.Baseline:
    """The rules' input from a course's baseline rows (``queries.list_baseline_inputs``)."""
    nprs = {r["item"]: r["value"] for r in inputs["scores"] if r["instrument"] == "nprs"}
    disability = next(((r["instrument"], r["value"], r["band"]) for r in inputs["scores"]
                       if r["instrument"] in rules.SEVERE_BANDS), None)
    return rules.Baseline(nprs=nprs, disability=disability, risk=inputs["risk"],
                          limb=limb(pathway))


def _content():
    return current_app.extensions["content"]


def _risk_item(item_id: str) -> dict:
    q = _content().questionnaire("risk", str(get_locale()))
    return next(item for item in q.items if item["id"] == item_id)


def evidence_text(evidence: rules.Evidence) -> str:
    """One source answer in words: 'leg pain 8 of 10 (NPRS)', 'ODI 52 (severe disability)',
    or the risk question with the patient's answer."""
    if evidence.instrument == "nprs":
        return _("%(site)s %(value)s of 10 (NPRS)", site=SITES[evidence.item],
                 value=score_text("nprs", evidence.value))
    if evidence.instrument in rules.SEVERE_BANDS:
        title = _content().questionnaire(evidence.instrument, str(get_locale())).short_title
        return _("%(title)s %(value)s of 100 (%(band)s)", title=title,
                 value=score_text(evidence.instrument, evidence.value),
                 band=BANDS.get(evidence.band, evidence.band))
    item = _risk_item(evidence.item)
    return _("“%(question)s” %(answer)s", question=item["question"],
             answer=risk_answer_text(item, evidence.value) or "–")


def factor_name(factor_id: str, pathway: Pathway) -> str:
    if factor_id == "radiating_pain":
        return str(RADIATING_NAMES[limb(pathway)])
    return str(FACTOR_NAMES[factor_id])


def describe(profile: rules.Profile, inputs: dict, pathway: Pathway) -> dict:
    """The profile as the templates show it: factors by group, what is not known, prompts."""
    factors = [{"id": f.id, "group": f.group, "name": factor_name(f.id, pathway),
                "sources": [evidence_text(e) for e in f.evidence]} for f in profile.factors]
    risk = inputs["risk"]
    context = [] if risk is None else [
        {"question": _risk_item(i)["question"],
         "answer": risk_answer_text(_risk_item(i), risk.get(i)) or "–"} for i in CONTEXT_ITEMS]
    return {
        "count": profile.count(), "answered": profile.answered, "factors": factors,
        "groups": [(g, str(name), [f for f in factors if f["group"] == g])
                   for g, name in GROUP_NAMES.items()],
        "risk_answered": risk is not None, "scores_answered": bool(inputs["scores"]),
        "unknown": [factor_name(u, pathway) for u in profile.unknown if u != "high_age"],
        "age_recorded": False,
        "prompts": [str(PROMPTS[p]) for p in profile.prompts],
        "context": context,
    }


def course_profile(db: Database, course: dict) -> dict:
    """One course's risk profile in words."""
    pathway = _content().pathway(course["pathway"])
    inputs = queries.list_baseline_inputs(db, [course["id"]])[course["id"]]
    described = describe(rules.profile(baseline_of(inputs, pathway)), inputs, pathway)
    return {**described, "age": age_on(course.get("birth_date"), today())}


def age_on(birth_date: str | None, day) -> int | None:
    """Whole years on ``day``, from the birth date recorded at enrolment (None: none is)."""
    if not birth_date:
        return None
    born = parse_date(birth_date)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def course_risk_section(course: dict) -> dict:
    """The course page's section (registered in ``courses.sections``)."""
    return course_profile(get_db(), course)


def list_counts(db: Database, rows: list[dict]) -> dict[int, int | None]:
    """Per course of the patient list: how many factors are present (None: nothing known)."""
    inputs = queries.list_baseline_inputs(db, [r["course_id"] for r in rows])
    counts: dict[int, int | None] = {}
    for row in rows:
        found = rules.profile(baseline_of(inputs[row["course_id"]],
                                          _content().pathway(row["pathway"])))
        counts[row["course_id"]] = found.count() if found.answered else None
    return counts
