"""FHIR Bundles: one submission (the webhook body), a full export, and search results.

Pure functions over the plain rows ``fhir.queries`` loads. A *submission* is one
completed timepoint: its patient, its questionnaire responses, their scores and the
alerts it raised.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace

from ..content import Content
from ..scoring import display_score
from . import codes, consultation
from .resources import (
    FhirSettings,
    Wording,
    flag,
    observation,
    patient,
    questionnaire,
    questionnaire_response,
)


def full_url(settings: FhirSettings, resource: dict) -> str:
    """Relative references inside a bundle resolve against this (FHIR's bundle rules)."""
    return f"{settings.server or settings.base}/{resource['resourceType']}/{resource['id']}"


def entry(settings: FhirSettings, resource: dict, search_mode: str | None = None) -> dict:
    found = {"fullUrl": full_url(settings, resource), "resource": resource}
    if search_mode:
        found["search"] = {"mode": search_mode}
    return found


def _locale(submission: dict) -> str:
    return next((r["locale"] for r in submission["responses"]), "da")


def alert_text(content: Content, alert: dict, locale: str) -> str:
    """What the alert says, from the content files in the patient's language."""
    detail = alert["detail"]
    if alert["kind"] == "alarm":
        items = content.questionnaire("safety", locale).items
        return next((i["question"] for i in items if i["id"] == detail.get("item")),
                    detail.get("item", ""))
    if alert["kind"] == "worse":
        instrument = detail.get("instrument", "")
        what = " ".join(filter(None, [content.questionnaire(instrument, locale).short_title,
                                      codes.BODY_SITES.get(detail.get("item"), "")]))
        return (f"{what}: {display_score(instrument, detail.get('from'))} → "
                f"{display_score(instrument, detail.get('to'))} ({detail.get('compared', '')})")
    return codes.ALERT_KINDS.get(alert["kind"], alert["kind"])


def _activities(submission: dict) -> dict[int, list[str]]:
    """PSFS activities by response id, as rated at this timepoint."""
    return {r["id"]: list(r["answers"].get("activities") or []) for r in submission["responses"]
            if r["instrument"] == "psfs"}


def _activity(activities: dict[int, list[str]], score: dict) -> str | None:
    names = activities.get(score["response_id"], [])
    if score["instrument"] != "psfs" or not score["item"].isdigit():
        return None
    number = int(score["item"])
    return names[number - 1] if 0 < number <= len(names) else None


def observations(settings: FhirSettings, submission: dict) -> list[dict]:
    activities = _activities(submission)
    return [observation(settings, score, submission["pathway"], submission["timepoint"],
                        submission["pseudonym"], submission["submitted_at"],
                        _activity(activities, score))
            for score in submission["scores"]]


def stored_version(content: Content, response: dict) -> str:
    """The content version a response was answered on (a row from before versions were
    recorded names none: it is taken as the declared version of today's file)."""
    return response["content_version"] or str(
        content.questionnaire(response["instrument"], codes.BASE_LOCALE).version)


def wording(content: Content, submission: dict, response: dict) -> Wording:
    """The wording the response was answered on: its kept snapshot, else today's files
    under the response's version (what fhir.queries keeps as that version's snapshot)."""
    key = (response["instrument"], stored_version(content, response))
    kept = submission.get("versions", {}).get(key)
    if kept:
        return kept
    return {locale: replace(q, content_version=key[1])
            for locale, q in content.translations(key[0]).items()}


class Definitions:
    """The Questionnaire resource of each (instrument, version), built once."""

    def __init__(self, settings: FhirSettings):
        self.settings, self.built = settings, {}

    def get(self, found: Wording) -> dict:
        base = found[codes.BASE_LOCALE]
        key = (base.id, base.content_version)
        if key not in self.built:
            self.built[key] = questionnaire(self.settings, found)
        return self.built[key]


def _total(submission: dict, response: dict) -> float | None:
    return next((s["value"] for s in submission["scores"] if s["response_id"] == response["id"]
                 and not s["item"] and s["valid"]), None)


def responses(settings: FhirSettings, content: Content, submission: dict,
              definitions: Definitions | None = None) -> list[dict]:
    """Each response against the Questionnaire version it was answered on."""
    definitions = definitions or Definitions(settings)
    pathway = content.pathway(submission["pathway"])
    author = None
    if submission.get("completed_by"):  # filled in with the patient in the consultation
        author = consultation.practitioner(settings, submission["completed_by"],
                                           submission.get("completed_by_name"))
    found = []
    for r in submission["responses"]:
        words = wording(content, submission, r)
        found.append(questionnaire_response(
            settings, r, definitions.get(words), words[codes.BASE_LOCALE].kind, pathway,
            submission["pseudonym"], submission["timepoint"], _total(submission, r), author))
    return found


def referenced(content: Content, submissions: Iterable[dict]) -> dict[tuple[str, str], Wording]:
    """Every version the submissions' responses were answered on."""
    found = {}
    for submission in submissions:
        for r in submission["responses"]:
            words = wording(content, submission, r)
            found[(r["instrument"], words[codes.BASE_LOCALE].content_version)] = words
    return found


def examinations(settings: FhirSettings, submission: dict) -> list[dict]:
    """The neurological status and the functional tests recorded at this consultation."""
    where = (submission["pathway"], submission["timepoint"], submission["pseudonym"])
    return [*(consultation.neuro_observation(settings, f, *where)
              for f in submission.get("neuro", [])),
            *(consultation.test_observation(settings, t, *where)
              for t in submission.get("tests", []))]


def flags(settings: FhirSettings, content: Content, submission: dict) -> list[dict]:
    locale = _locale(submission)
    return [flag(settings, alert, submission["pseudonym"], alert_text(content, alert, locale))
            for alert in submission["alerts"]]


def submission_resources(settings: FhirSettings, content: Content, submission: dict,
                         definitions: Definitions | None = None) -> list[dict]:
    """The patient, each questionnaire response, each score and each alert."""
    return [patient(settings, submission["pseudonym"], submission.get("patient_name")),
            *responses(settings, content, submission, definitions),
            *observations(settings, submission), *examinations(settings, submission),
            *flags(settings, content, submission)]


def collection(settings: FhirSettings, resources: Iterable[dict], timestamp: str,
               identifier: str | None = None) -> dict:
    bundle = {"resourceType": "Bundle", "type": "collection", "timestamp": timestamp}
    if identifier:
        bundle["identifier"] = {"system": f"{settings.base}/delivery", "value": identifier}
    bundle["entry"] = [entry(settings, resource) for resource in resources]
    return bundle


def submission_bundle(settings: FhirSettings, content: Content, submission: dict,
                      key: str) -> dict:
    """The webhook body. The delivery key sits inside, so the signature covers it too."""
    return collection(settings, submission_resources(settings, content, submission),
                      submission["submitted_at"], identifier=key)


def export_bundle(settings: FhirSettings, content: Content, submissions: Iterable[dict],
                  timestamp: str) -> dict:
    """Today's questionnaires and every older version a response was answered on, then
    every submission; each resource once."""
    submissions = list(submissions)
    definitions = Definitions(settings)
    versions = {**content.versions(), **referenced(content, submissions)}
    resources = [definitions.get(words) for _, words in sorted(versions.items())]
    seen = set()
    for submission in submissions:
        for resource in submission_resources(settings, content, submission, definitions):
            key = (resource["resourceType"], resource["id"])
            if key not in seen:
                seen.add(key)
                resources.append(resource)
    return collection(settings, resources, timestamp)


def searchset(settings: FhirSettings, resources: list[dict], total: int,
              links: dict[str, str]) -> dict:
    return {"resourceType": "Bundle", "type": "searchset", "total": total,
            "link": [{"relation": relation, "url": url} for relation, url in links.items()],
            "entry": [entry(settings, resource, "match") for resource in resources]}


def to_json(bundle: dict) -> bytes:
    """Compact UTF-8 JSON: the exact bytes that are stored, signed and sent."""
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
