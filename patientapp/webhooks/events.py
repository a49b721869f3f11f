"""What the webhook tells the clinic's system besides completed questionnaires: the events
and their bodies. Pure functions, no Flask or database.

Each event is a FHIR R4 message (a ``Bundle`` of type ``message``): first a
``MessageHeader`` whose ``eventCoding`` names the event, then the pseudonymous
``Patient``, the course as an ``EpisodeOfCare`` (with the clinic's own ``external_id``
as its identifier), and for an undelivered invitation a ``Communication`` with status
``not-done``. No names (unless ``FHIR_INCLUDE_NAMES``), addresses, message texts or
answers. The delivery key is the Bundle's identifier and the MessageHeader's id, so the
signature covers it; the same event always gets the same key (queued once).
"""

from __future__ import annotations

import uuid

from ..fhir import codes
from ..fhir.bundles import entry
from ..fhir.resources import FhirSettings, patient, reference, tags

SUBMISSION = "questionnaire-completed"
UNDELIVERABLE = "invitation-undeliverable"
COURSE_ENDED = "course-ended"
EVENTS = (SUBMISSION, UNDELIVERABLE, COURSE_ENDED)
# How a message went (HL7 v3 ParticipationMode).
MODES = {"email": "EMAILWRIT", "sms": "SMSWRIT"}
MODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"


def event_key(base: str, event: str, *parts: object) -> str:
    """The same event always gets the same key (a name-based UUID)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([f"{base}/event/{event}",
                                                        *map(str, parts)])))


def episode(settings: FhirSettings, course: dict) -> dict:
    """The course: its pathway, its dates, and the clinic's own reference."""
    resource = {"resourceType": "EpisodeOfCare", "id": f"course-{course['id']}",
                "status": "finished" if course["status"] == "ended" else "active",
                "type": [{"coding": [codes_coding(settings, "pathways", course["pathway"])]}],
                "patient": reference("Patient", course["pseudonym"]),
                "period": {"start": course["first_visit"],
                           **({"end": course["ended_at"]} if course.get("ended_at") else {})}}
    if course.get("external_id"):
        resource["identifier"] = [{"system": f"{settings.base}/course-external-id",
                                   "value": course["external_id"]}]
    return resource


def codes_coding(settings: FhirSettings, name: str, code: str) -> dict:
    return {"system": codes.system(settings.base, name), "code": code}


def communication(settings: FhirSettings, course: dict, message: dict) -> dict:
    """The invitation or reminder that did not reach the patient."""
    return {"resourceType": "Communication", "id": f"message-{message['id']}",
            "meta": tags(settings, course["pathway"], message["timepoint"]),
            "status": "not-done",
            "statusReason": {"coding": [codes_coding(settings, "delivery-failures", "failed")],
                             "text": message["last_error"] or "failed"},
            "category": [{"coding": [codes_coding(settings, "message-kinds",
                                                  message["kind"])]}],
            "medium": [{"coding": [{"system": MODE_SYSTEM,
                                    "code": MODES.get(message["channel"], "WRITTEN")}]}],
            "subject": reference("Patient", course["pseudonym"]),
            "about": [reference("EpisodeOfCare", f"course-{course['id']}")]}


def message_bundle(settings: FhirSettings, event: str, key: str, timestamp: str,
                   source: str, course: dict, focus: dict | None = None) -> dict:
    """The event's body: a FHIR message about ``course`` (and ``focus``, if any)."""
    course_resource = episode(settings, course)
    header = {"resourceType": "MessageHeader", "id": key,
              "eventCoding": codes_coding(settings, "webhook-events", event),
              "source": {"endpoint": source},
              "focus": [reference((focus or course_resource)["resourceType"],
                                  (focus or course_resource)["id"])]}
    resources = [header, patient(settings, course["pseudonym"], course.get("patient_name")),
                 course_resource, *([focus] if focus else [])]
    return {"resourceType": "Bundle", "type": "message", "timestamp": timestamp,
            "identifier": {"system": f"{settings.base}/delivery", "value": key},
            "entry": [entry(settings, resource) for resource in resources]}
