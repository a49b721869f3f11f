"""FHIR R4 resources as plain JSON-ready dicts: Patient, Questionnaire, QuestionnaireResponse,
Observation and Flag.

Pure functions: no Flask, no database. Every resource has a stable id made from the row
it comes from (``qr-<response id>``, ``obs-<score id>``, ``flag-<alert id>``; the Patient's
id is its pseudonym), so sending or exporting it again describes the same resource.
References are relative (``Patient/pa-…``) and resolve against the bundle's full URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..content import NPRS_SITES, SECTION_IDS, Pathway, Questionnaire
from . import codes

PSFS_SLOTS = 5
SCALE = range(11)  # NPRS and PSFS: 0-10, eleven tappable options


@dataclass(frozen=True)
class FhirSettings:
    """Where the project's canonical URLs and code systems live, and whether names go out."""

    base: str
    include_names: bool = False

    @classmethod
    def from_config(cls, config: Mapping) -> FhirSettings:
        return cls(base=str(config["FHIR_BASE"]).rstrip("/"),
                   include_names=bool(config.get("FHIR_INCLUDE_NAMES")))


def reference(resource_type: str, resource_id: str) -> dict:
    return {"reference": f"{resource_type}/{resource_id}"}


def coding(system: str, code: str, display: str | None = None) -> dict:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def tags(settings: FhirSettings, pathway: str, timepoint: str) -> dict:
    """Workflow labels: which course and which consultation a resource belongs to."""
    return {"tag": [coding(codes.system(settings.base, "pathways"), pathway),
                    coding(codes.system(settings.base, "timepoints"), timepoint)]}


# --- Patient ------------------------------------------------------------------------

def patient(settings: FhirSettings, pseudonym: str, name: str | None = None) -> dict:
    """The pseudonymous patient; the name only when the clinic has turned that on."""
    resource = {"resourceType": "Patient", "id": pseudonym,
                "identifier": [{"system": f"{settings.base}/patient-pseudonym",
                                "value": pseudonym}]}
    if settings.include_names and name:
        resource["name"] = [{"text": name}]
    return resource


# --- Questionnaire ---------------------------------------------------------------------

def _scale_display(n: int, low: str, high: str) -> str:
    return {0: f"0 – {low}", 10: f"10 – {high}"}.get(n, str(n))


def _scale_coding(settings: FhirSettings, q: Questionnaire, n: int) -> dict:
    return coding(codes.system(settings.base, f"{q.id}-answers"), str(n),
                  _scale_display(n, q.low_anchor, q.high_anchor))


def _section_coding(settings: FhirSettings, q: Questionnaire, section: dict, n: int) -> dict:
    return coding(codes.system(settings.base, f"{q.id}-answers"), str(n), section["options"][n])


def _section_items(settings: FhirSettings, q: Questionnaire) -> list[dict]:
    return [{"linkId": section["id"], "text": section["title"], "type": "choice",
             "required": "not_applicable" not in section,
             "answerOption": [{"valueCoding": _section_coding(settings, q, section, n)}
                              for n in range(len(section["options"]))]}
            for section in q.sections]


def _scale_item(settings: FhirSettings, q: Questionnaire, link_id: str, text: str,
                required: bool) -> dict:
    return {"linkId": link_id, "text": text, "type": "choice", "required": required,
            "answerOption": [{"valueCoding": _scale_coding(settings, q, n)} for n in SCALE]}


def _nprs_items(settings: FhirSettings, q: Questionnaire) -> list[dict]:
    # Each course asks two of the four sites, so none of them is required as such.
    return [_scale_item(settings, q, site, q.sites[site]["question"], False)
            for site in NPRS_SITES]


def _psfs_items(settings: FhirSettings, q: Questionnaire) -> list[dict]:
    return [_scale_item(settings, q, f"activity-{n}", q.activity_label.replace("{n}", str(n)),
                        n == 1) for n in range(1, PSFS_SLOTS + 1)]


def _safety_items(settings: FhirSettings, q: Questionnaire) -> list[dict]:
    return [{"linkId": item["id"], "text": item["question"], "type": "boolean",
             "required": False} for item in q.items]


QUESTIONNAIRE_ITEMS = {"sections": _section_items, "nprs": _nprs_items, "psfs": _psfs_items,
                       "safety": _safety_items}


def questionnaire(settings: FhirSettings, q: Questionnaire) -> dict:
    """One instrument in one language. Both languages share the canonical URL and version:
    they ask the same questions with the same answer codes (content.py checks that)."""
    resource = {
        "resourceType": "Questionnaire", "id": f"{q.id}-{q.locale}", "language": q.locale,
        "url": codes.questionnaire_url(settings.base, q.id),
        "version": codes.version_token(str(q.version)), "name": q.id.upper(), "title": q.title,
        "status": "active", "subjectType": ["Patient"], "description": q.rendering_note,
        "copyright": q.copyright, "item": QUESTIONNAIRE_ITEMS[q.kind](settings, q),
    }
    if q.id in codes.LOINC_PANELS:
        resource["code"] = [coding(codes.LOINC, codes.LOINC_PANELS[q.id])]
    return resource


# --- QuestionnaireResponse ----------------------------------------------------------------

def _is_score(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _section_answers(settings: FhirSettings, q: Questionnaire, answers: dict,
                     pathway: Pathway) -> list[dict]:
    items = []
    for number, section_id in enumerate(SECTION_IDS[q.id], start=1):
        section, value = q.section(number), answers.get(section_id)
        item = {"linkId": section_id, "text": section["title"]}
        # "Not applicable" is stored as missing, never as 0: the item has no answer.
        if _is_score(value):
            item["answer"] = [{"valueCoding": _section_coding(settings, q, section, value)}]
        items.append(item)
    return items


def _scale_answer(settings: FhirSettings, q: Questionnaire, link_id: str, text: str,
                  value) -> dict:
    item = {"linkId": link_id, "text": text}
    if _is_score(value):
        item["answer"] = [{"valueCoding": _scale_coding(settings, q, value)}]
    return item


def _nprs_answers(settings: FhirSettings, q: Questionnaire, answers: dict,
                  pathway: Pathway) -> list[dict]:
    return [_scale_answer(settings, q, site, q.sites[site]["question"], answers.get(site))
            for site in pathway.nprs_sites]


def _psfs_answers(settings: FhirSettings, q: Questionnaire, answers: dict,
                  pathway: Pathway) -> list[dict]:
    # The item text is the activity in the patient's own words, rated word for word.
    ratings = answers.get("ratings") or {}
    return [_scale_answer(settings, q, f"activity-{n}", text, ratings.get(str(n)))
            for n, text in enumerate(answers.get("activities") or [], start=1)]


def _safety_answers(settings: FhirSettings, q: Questionnaire, answers: dict,
                    pathway: Pathway) -> list[dict]:
    items = []
    # Only the questions this timepoint asked (a history of cancer is asked at baseline).
    for question in (i for i in q.safety_items(pathway.id) if i["id"] in answers):
        item = {"linkId": question["id"], "text": question["question"]}
        if answers.get(question["id"]) in ("yes", "no"):
            item["answer"] = [{"valueBoolean": answers[question["id"]] == "yes"}]
        items.append(item)
    return items


RESPONSE_ITEMS = {"sections": _section_answers, "nprs": _nprs_answers, "psfs": _psfs_answers,
                  "safety": _safety_answers}


def questionnaire_response(settings: FhirSettings, response: dict, q: Questionnaire,
                           pathway: Pathway, pseudonym: str, timepoint: str,
                           author: dict | None = None) -> dict:
    """One completed questionnaire. ``response`` is a responses row with decoded answers;
    ``q`` is its instrument in the response's language. ``author``: the clinician who
    filled it in with the patient in the consultation (the patient is its source either
    way); None when the patient sent it from their link."""
    resource = {
        "resourceType": "QuestionnaireResponse", "id": f"qr-{response['id']}",
        "meta": tags(settings, pathway.id, timepoint), "language": response["locale"],
        "questionnaire": codes.canonical(settings.base, response["instrument"],
                                         response["content_version"] or str(q.version)),
        "status": "completed", "subject": reference("Patient", pseudonym),
        "authored": response["submitted_at"],
        "item": RESPONSE_ITEMS[q.kind](settings, q, response["answers"], pathway),
    }
    if author:
        resource["author"] = author
        resource["source"] = reference("Patient", pseudonym)
    return resource


# --- Observation ----------------------------------------------------------------------------

def score_code(settings: FhirSettings, instrument: str, item: str,
               activity: str | None = None) -> dict:
    """The score's code: the project's own, plus LOINC where verified."""
    own, display = codes.SCORE_CODES[(instrument, "activity" if instrument == "psfs" and item
                                      else "")]
    codings = [coding(codes.system(settings.base, "scores"), own, display)]
    if instrument in codes.LOINC_SCORES:
        codings.append(coding(codes.LOINC, codes.LOINC_SCORES[instrument]))
    return {"coding": codings, "text": activity or display}


def _quantity(instrument: str, value: float) -> dict:
    unit = codes.UNITS[instrument]
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": unit}


def _body_site(settings: FhirSettings, site: str) -> dict:
    text = codes.BODY_SITES[site]
    return {"coding": [coding(codes.system(settings.base, "body-sites"), site, text)],
            "text": text}


def observation(settings: FhirSettings, score: dict, pathway: str, timepoint: str,
                pseudonym: str, submitted_at: str, activity: str | None = None) -> dict:
    """One score. An invalid score has no value but a dataAbsentReason and the reason why."""
    instrument, item = score["instrument"], score["item"]
    resource = {
        "resourceType": "Observation", "id": f"obs-{score['id']}",
        "meta": tags(settings, pathway, timepoint), "status": "final",
        "category": [{"coding": [coding(codes.OBSERVATION_CATEGORY, "survey", "Survey")]}],
        "code": score_code(settings, instrument, item, activity),
        "subject": reference("Patient", pseudonym), "effectiveDateTime": submitted_at,
        "derivedFrom": [reference("QuestionnaireResponse", f"qr-{score['response_id']}")],
    }
    if instrument == "nprs":
        resource["bodySite"] = _body_site(settings, item)
    if score["valid"] and score["value"] is not None:
        resource["valueQuantity"] = _quantity(instrument, score["value"])
    else:
        resource["dataAbsentReason"] = {"coding": [coding(codes.DATA_ABSENT_REASON,
                                                          *codes.ABSENT)]}
        resource["note"] = [{"text": score.get("reason") or "No valid score."}]
    return resource


# --- Flag -----------------------------------------------------------------------------------

def flag(settings: FhirSettings, alert: dict, pseudonym: str, text: str) -> dict:
    """An alert raised by the submission (alarm symptom, worse score), for the clinician."""
    kind = alert["kind"]
    return {
        "resourceType": "Flag", "id": f"flag-{alert['id']}",
        "status": "inactive" if alert.get("acknowledged_at") else "active",
        "category": [{"coding": [coding(codes.FLAG_CATEGORY, "clinical", "Clinical")]},
                     {"coding": [coding(codes.system(settings.base, "alert-levels"),
                                        alert["level"])]}],
        "code": {"coding": [coding(codes.system(settings.base, "alerts"), kind,
                                   codes.ALERT_KINDS.get(kind))], "text": text},
        "subject": reference("Patient", pseudonym), "period": {"start": alert["created_at"]},
    }
