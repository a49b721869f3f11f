"""FHIR Bundles: one submission (the webhook body), a full export, and search results.

Pure functions over the plain rows ``fhir.queries`` loads. A *submission* is one
completed timepoint: its patient, its questionnaire responses, their scores and the
alerts it raised.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..content import Content
from ..scoring import display_score
from . import codes, consultation
from .resources import (
    FhirSettings,
    flag,
    observation,
    patient,
    questionnaire,
    questionnaire_response,
)


def full_url(settings: FhirSettings, resource: dict) -> str:
    """Relative references inside a bundle resolve against this (FHIR's bundle rules)."""
    return f"{settings.base}/{resource['resourceType']}/{resource['id']}"


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


def responses(settings: FhirSettings, content: Content, submission: dict) -> list[dict]:
    pathway = content.pathway(submission["pathway"])
    author = None
    if submission.get("completed_by"):  # filled in with the patient in the consultation
        author = consultation.practitioner(settings, submission["completed_by"],
                                           submission.get("completed_by_name"))
    return [questionnaire_response(settings, r, content.questionnaire(r["instrument"],
                                                                      r["locale"]),
                                   pathway, submission["pseudonym"], submission["timepoint"],
                                   author)
            for r in submission["responses"]]


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


def submission_resources(settings: FhirSettings, content: Content, submission: dict) -> list[dict]:
    """The patient, each questionnaire response, each score and each alert."""
    return [patient(settings, submission["pseudonym"], submission.get("patient_name")),
            *responses(settings, content, submission), *observations(settings, submission),
            *examinations(settings, submission), *flags(settings, content, submission)]


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
    """Every questionnaire definition, then every submission; each patient once."""
    resources = [questionnaire(settings, q) for _, q in sorted(content.questionnaires.items())]
    seen = set()
    for submission in submissions:
        for resource in submission_resources(settings, content, submission):
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
