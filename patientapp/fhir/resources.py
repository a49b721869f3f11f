"""FHIR R4 resources as plain JSON-ready dicts: Patient, Questionnaire, QuestionnaireResponse,
Observation and Flag.

Pure functions: no Flask, no database. Every resource has a stable id made from the row
it comes from (``qr-<response id>``, ``obs-<score id>``, ``flag-<alert id>``; the Patient's
id is its pseudonym), so sending or exporting it again describes the same resource.
References are relative (``Patient/pa-…``) and resolve against the bundle's full URLs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape

from .. import scoring
from ..content import NPRS_SITES, SECTION_IDS, Pathway, Questionnaire
from ..scoring import display_score
from . import codes

PSFS_SLOTS = scoring.PSFS_MAX_ACTIVITIES
NOT_APPLICABLE = "na"  # the stored answer, and its code: an explicit answer with no points
SCALE = range(11)  # NPRS and PSFS: 0-10, eleven tappable options


@dataclass(frozen=True)
class FhirSettings:
    """Where the project's canonical URLs and code systems live, and whether names go out."""

    base: str
    include_names: bool = False
    # Where the resources can be read (the API's own FHIR address): the base of fullUrl.
    # None: the canonical base, as in an export or a webhook body.
    server: str | None = None

    @classmethod
    def from_config(cls, config: Mapping, server: str | None = None) -> FhirSettings:
        return cls(base=str(config["FHIR_BASE"]).rstrip("/"),
                   include_names=bool(config.get("FHIR_INCLUDE_NAMES")),
                   server=server.rstrip("/") if server else None)


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
                "text": narrative(f"Patient {pseudonym} (a pseudonym)."),
                "identifier": [{"system": f"{settings.base}/patient-pseudonym",
                                "value": pseudonym}]}
    if settings.include_names and name:
        resource["name"] = [{"text": name}]
    return resource


# --- texts in both languages ------------------------------------------------------------

Wording = Mapping[str, Questionnaire]  # one content version of an instrument, by locale
Text = Callable[[Questionnaire], str]


def translation(locale: str, text: str) -> dict:
    return {"url": codes.TRANSLATION, "extension": [{"url": "lang", "valueCode": locale},
                                                    {"url": "content", "valueString": text}]}


def translated(key: str, wording: Wording, text: Text) -> dict:
    """``key`` in the base language, with the FHIR translation extension for the others."""
    found = {key: text(wording[codes.BASE_LOCALE])}
    others = [translation(locale, text(q)) for locale, q in sorted(wording.items())
              if locale != codes.BASE_LOCALE]
    if others:
        found[f"_{key}"] = {"extension": others}
    return found


def narrative(*lines: str) -> dict:
    """A short human-readable summary (Resource.text), escaped."""
    body = "".join(f"<p>{escape(line)}</p>" for line in lines if line)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


# --- Questionnaire ---------------------------------------------------------------------

def _answer_coding(settings: FhirSettings, wording: Wording, code: str, display: Text) -> dict:
    instrument = wording[codes.BASE_LOCALE].id
    return {"system": codes.system(settings.base, f"{instrument}-answers"), "code": code,
            **translated("display", wording, display)}


def _option(settings: FhirSettings, wording: Wording, code: str, display: Text,
            ordinal: int | None) -> dict:
    """An answer option; a scored one carries its points as SDC ordinalValue."""
    option = {"valueCoding": _answer_coding(settings, wording, code, display)}
    if ordinal is not None:
        option["extension"] = [{"url": codes.ORDINAL_VALUE, "valueDecimal": ordinal}]
    return option


def _choice(link_id: str, wording: Wording, text: Text, options: list[dict],
            required: bool) -> dict:
    return {"linkId": link_id, **translated("text", wording, text), "type": "choice",
            "required": required, "extension": [codes.RADIO_BUTTONS], "answerOption": options}


def _total(link_id: str, wording: Wording, variable: str, expression: str) -> dict:
    """The instrument's score, computed by an SDC renderer as the app computes it."""
    return {"linkId": link_id, **translated("text", wording, lambda q: q.score_label),
            "type": "decimal", "required": False, "readOnly": True, "extension": [
                {"url": codes.VARIABLE, "valueExpression": {
                    "name": "ordinals", "language": "text/fhirpath", "expression": variable}},
                {"url": codes.CALCULATED_EXPRESSION, "valueExpression": {
                    "language": "text/fhirpath", "expression": expression}}]}


def total_link_id(instrument: str) -> str:
    return f"{instrument}-score"


def _section_total(instrument: str, wording: Wording) -> dict:
    link_id = total_link_id(instrument)
    least = scoring.SECTION_COUNT - scoring.MAX_MISSING_SECTIONS
    # "Not applicable" has no ordinalValue: it is left out of both the sum and the count
    # (before ordinal(), which would otherwise look for it in a terminology server).
    return _total(link_id, wording,
                  f"%resource.item.where(linkId != '{link_id}').answer.value"
                  f".where(code != '{NOT_APPLICABLE}').ordinal()",
                  f"iif(%ordinals.count() >= {least}, %ordinals.sum() * 100 / "
                  f"({scoring.SECTION_MAX} * %ordinals.count()), {{}})")


def _section_items(settings: FhirSettings, wording: Wording) -> list[dict]:
    base, items = wording[codes.BASE_LOCALE], []
    for number, section in enumerate(base.sections, start=1):
        def option(n: int, number: int = number) -> dict:
            return _option(settings, wording, str(n),
                           lambda q: q.section(number)["options"][n], n)
        options = [option(n) for n in range(len(section["options"]))]
        if "not_applicable" in section:
            options.append(_option(settings, wording, NOT_APPLICABLE,
                                   lambda q, number=number: q.section(number)["not_applicable"],
                                   None))
        items.append(_choice(section["id"], wording,
                             lambda q, number=number: q.section(number)["title"], options,
                             "not_applicable" not in section))
    return [*items, _section_total(base.id, wording)]


def _scale_display(n: int, low: str, high: str) -> str:
    return {0: f"0 – {low}", 10: f"10 – {high}"}.get(n, str(n))


def _scale_options(settings: FhirSettings, wording: Wording) -> list[dict]:
    return [_option(settings, wording, str(n),
                    lambda q, n=n: _scale_display(n, q.low_anchor, q.high_anchor), n)
            for n in SCALE]


def _nprs_items(settings: FhirSettings, wording: Wording) -> list[dict]:
    # Each course asks two of the four sites, so none of them is required as such.
    return [_choice(site, wording, lambda q, site=site: q.sites[site]["question"],
                    _scale_options(settings, wording), False) for site in NPRS_SITES]


def _activity_label(q: Questionnaire, n: int) -> str:
    return q.activity_label.replace("{n}", str(n))


def _psfs_items(settings: FhirSettings, wording: Wording) -> list[dict]:
    """A group per activity: the activity in the patient's words (string) and its rating."""
    groups = [{"linkId": f"activity-{n}",
               **translated("text", wording, lambda q, n=n: _activity_label(q, n)),
               "type": "group", "required": n == 1, "item": [
                   {"linkId": f"activity-{n}-name", "type": "string", "required": n == 1,
                    **translated("text", wording, lambda q: q.activity_name_label)},
                   _choice(f"activity-{n}-rating", wording, lambda q: q.rating_question,
                           _scale_options(settings, wording), n == 1)]}
              for n in range(1, PSFS_SLOTS + 1)]
    ratings = ("%resource.item.where(linkId.startsWith('activity-')).item"
               ".where(linkId.endsWith('-rating')).answer.value.ordinal()")
    return [*groups, _total(total_link_id("psfs"), wording, ratings,
                            "iif(%ordinals.count() > 0, %ordinals.sum() / %ordinals.count(), {})")]


def _safety_items(settings: FhirSettings, wording: Wording) -> list[dict]:
    return [{"linkId": item["id"], "type": "boolean", "required": False,
             **translated("text", wording, lambda q, i=i: q.items[i]["question"])}
            for i, item in enumerate(wording[codes.BASE_LOCALE].items)]


def _risk_option(settings: FhirSettings, wording: Wording, i: int, j: int) -> dict:
    """One answer of risk question ``i``: its own code system per question, because the
    same answer id (``not_at_all``) means something else in each."""
    item = wording[codes.BASE_LOCALE].items[i]
    return {"valueCoding": {
        "system": codes.system(settings.base, codes.risk_answers(item["id"])),
        "code": item["options"][j]["id"],
        **translated("display", wording, lambda q: q.items[i]["options"][j]["label"])}}


def _risk_items(settings: FhirSettings, wording: Wording) -> list[dict]:
    """One item per question: pain sites may have several answers, days are a number."""
    items = []
    for i, item in enumerate(wording[codes.BASE_LOCALE].items):
        found = {"linkId": item["id"],
                 **translated("text", wording, lambda q, i=i: q.items[i]["question"]),
                 "required": True}
        if item["type"] == "days":
            found["type"] = "integer"
        else:
            found.update(type="choice", repeats=item["type"] == "sites", answerOption=[
                _risk_option(settings, wording, i, j) for j in range(len(item["options"]))])
        items.append(found)
    return items


def _gpe_items(settings: FhirSettings, wording: Wording) -> list[dict]:
    options = [_option(settings, wording, str(n), lambda q, n=n: q.options[n - 1], None)
               for n in range(1, len(wording[codes.BASE_LOCALE].options) + 1)]
    return [_choice("rating", wording, lambda q: q.question, options, True)]


QUESTIONNAIRE_ITEMS = {"sections": _section_items, "nprs": _nprs_items, "psfs": _psfs_items,
                       "risk": _risk_items, "gpe": _gpe_items, "safety": _safety_items}


def questionnaire_id(instrument: str, version: str) -> str:
    """The resource id of one version: ``odi-2.1a-<fingerprint>`` (at most 64 characters)."""
    found = f"{instrument}-{codes.version_token(version)}"
    return found if len(found) <= 64 else f"{instrument}-{found[-(63 - len(instrument)):]}"


def questionnaire(settings: FhirSettings, wording: Wording) -> dict:
    """One content version of an instrument: Danish, with the FHIR translation extension
    giving the English of every text, so a response resolves to exactly this resource."""
    base = wording[codes.BASE_LOCALE]
    version = base.content_version or str(base.version)
    resource = {
        "resourceType": "Questionnaire", "id": questionnaire_id(base.id, version),
        "text": narrative(f"{base.title}, version {codes.version_token(version)}."),
        "language": codes.BASE_LOCALE,
        "url": codes.questionnaire_url(settings.base, base.id),
        "version": codes.version_token(version), "name": base.id.upper(),
        **translated("title", wording, lambda q: q.title),
        "status": "active", "subjectType": ["Patient"],
        **translated("description", wording, lambda q: q.rendering_note),
        **translated("copyright", wording, lambda q: q.copyright),
        "item": QUESTIONNAIRE_ITEMS[base.kind](settings, wording),
    }
    if base.id in codes.LOINC_PANELS:
        resource["code"] = [coding(codes.LOINC, codes.LOINC_PANELS[base.id])]
    return resource


# --- QuestionnaireResponse ----------------------------------------------------------------

def _is_score(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _by_link_id(items: list[dict]) -> dict[str, dict]:
    found = {}
    for item in items:
        found[item["linkId"]] = item
        found.update(_by_link_id(item.get("item", [])))
    return found


def _copy(item: dict, answer: list[dict] | None = None, children: list[dict] | None = None
          ) -> dict:
    """A response item with the Questionnaire item's linkId and text (translations too)."""
    found = {key: item[key] for key in ("linkId", "text", "_text") if key in item}
    if answer:
        found["answer"] = answer
    if children:
        found["item"] = children
    return found


def _coded(item: dict, value) -> list[dict] | None:
    """The answer option with this value's code, exactly as the Questionnaire offers it."""
    code = str(value) if _is_score(value) else value
    option = next((o for o in item.get("answerOption", []) if o["valueCoding"]["code"] == code),
                  None)
    return [{"valueCoding": option["valueCoding"]}] if option else None


def _answered(item: dict, value) -> dict | None:
    answer = _coded(item, value)
    return _copy(item, answer) if answer else None


def _total_answer(items: dict[str, dict], instrument: str, total: float | None) -> list[dict]:
    item = items.get(total_link_id(instrument))
    if item is None or total is None:
        return []
    return [_copy(item, [{"valueDecimal": total}])]


def _section_answers(items: dict[str, dict], answers: dict, pathway: Pathway,
                     instrument: str, total: float | None) -> list[dict]:
    found = [_answered(items[section_id], answers.get(section_id))
             for section_id in SECTION_IDS[instrument]]
    return [*filter(None, found), *_total_answer(items, instrument, total)]


def _nprs_answers(items: dict[str, dict], answers: dict, pathway: Pathway,
                  instrument: str, total: float | None) -> list[dict]:
    return list(filter(None, (_answered(items[site], answers.get(site))
                              for site in pathway.nprs_sites)))


def _psfs_answers(items: dict[str, dict], answers: dict, pathway: Pathway,
                  instrument: str, total: float | None) -> list[dict]:
    # The activity in the patient's own words is an answer, never the item's text.
    ratings, groups = answers.get("ratings") or {}, []
    for n, activity in enumerate((answers.get("activities") or [])[:PSFS_SLOTS], start=1):
        name = _copy(items[f"activity-{n}-name"], [{"valueString": activity}])
        rating = _answered(items[f"activity-{n}-rating"], ratings.get(str(n)))
        groups.append(_copy(items[f"activity-{n}"], children=[name, *filter(None, [rating])]))
    return [*groups, *_total_answer(items, instrument, total)]


def _safety_answers(items: dict[str, dict], answers: dict, pathway: Pathway,
                    instrument: str, total: float | None) -> list[dict]:
    # Only the questions this timepoint asked and the patient answered.
    return [_copy(item, [{"valueBoolean": answers[link_id] == "yes"}])
            for link_id, item in items.items() if answers.get(link_id) in ("yes", "no")]


def _risk_answers(items: dict[str, dict], answers: dict, pathway: Pathway,
                  instrument: str, total: float | None) -> list[dict]:
    found = []
    for link_id, item in items.items():
        value = answers.get(link_id)
        if item["type"] == "integer" and _is_score(value):
            found.append(_copy(item, [{"valueInteger": value}]))
        elif item["type"] == "choice" and value:
            coded = [a for v in (value if isinstance(value, list) else [value])
                     for a in _coded(item, v) or []]
            found.append(_copy(item, coded) if coded else None)
    return list(filter(None, found))


def _gpe_answers(items: dict[str, dict], answers: dict, pathway: Pathway,
                 instrument: str, total: float | None) -> list[dict]:
    return list(filter(None, [_answered(items["rating"], answers.get("rating"))]))


RESPONSE_ITEMS = {"sections": _section_answers, "nprs": _nprs_answers, "psfs": _psfs_answers,
                  "risk": _risk_answers, "gpe": _gpe_answers, "safety": _safety_answers}


def questionnaire_response(settings: FhirSettings, response: dict, definition: dict,
                           kind: str, pathway: Pathway, pseudonym: str, timepoint: str,
                           total: float | None = None, author: dict | None = None) -> dict:
    """One completed questionnaire. ``response`` is a responses row with decoded answers;
    ``definition`` the Questionnaire resource of the version it was answered on, whose
    item texts and answer codings each item repeats; ``total`` the app's valid score.
    ``author``: the clinician who filled it in with the patient in the consultation (the
    patient is its source either way); None when the patient sent it from their link."""
    items = _by_link_id(definition["item"])
    resource = {
        "resourceType": "QuestionnaireResponse", "id": f"qr-{response['id']}",
        "meta": tags(settings, pathway.id, timepoint),
        "text": narrative(f"{definition['title']}: answered {response['submitted_at']}."),
        "language": response["locale"],
        "questionnaire": f"{definition['url']}|{definition['version']}",
        "status": "completed", "subject": reference("Patient", pseudonym),
        "authored": response["submitted_at"],
        "item": RESPONSE_ITEMS[kind](items, response["answers"], pathway,
                                     response["instrument"], total),
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
    if score["valid"] and score["value"] is not None and instrument in codes.CODED_SCORES:
        # The GPE is an answer on a named scale, not a quantity: its code and words.
        system, displays = codes.CODED_SCORES[instrument]
        n = int(score["value"])
        resource["valueCodeableConcept"] = {
            "coding": [coding(codes.system(settings.base, system), str(n), displays[n - 1])],
            "text": displays[n - 1]}
    elif score["valid"] and score["value"] is not None:
        resource["valueQuantity"] = _quantity(instrument, score["value"])
        resource["text"] = narrative(f"{resource['code']['text']}: "
                                     f"{display_score(instrument, score['value'])} "
                                     f"({submitted_at}).")
    else:
        resource["text"] = narrative(f"{resource['code']['text']}: no valid score.")
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
        "text": narrative(f"{codes.ALERT_KINDS.get(kind, kind)}: {text}"),
        "status": "inactive" if alert.get("acknowledged_at") else "active",
        "category": [{"coding": [coding(codes.FLAG_CATEGORY, "clinical", "Clinical")]},
                     {"coding": [coding(codes.system(settings.base, "alert-levels"),
                                        alert["level"])]}],
        "code": {"coding": [coding(codes.system(settings.base, "alerts"), kind,
                                   codes.ALERT_KINDS.get(kind))], "text": text},
        "subject": reference("Patient", pseudonym), "period": {"start": alert["created_at"]},
    }
