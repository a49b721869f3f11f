"""FHIR R4 resources for what the physiotherapist records in the consultation.

Pure functions. The neurological status is one Observation per finding (modality, side and
root level: better / same / worse than at the last examination, ``obs-neuro-<id>``), a
functional test one Observation with its value (``obs-test-<id>``); both are examinations
(category ``exam``), performed by the clinician who recorded them. A questionnaire filled in
with the patient names that clinician as the QuestionnaireResponse's ``author``.
"""

from __future__ import annotations

from . import codes
from .resources import FhirSettings, coding, reference, tags

MODALITIES = {"sensation": "Sensation", "strength": "Muscle strength", "reflexes": "Reflexes"}
FINDINGS = {"better": "Better than at the last examination",
            "same": "Same as at the last examination",
            "worse": "Worse than at the last examination"}
SIDES = {"left": "Left", "right": "Right"}
TESTS = {"sit-to-stand-30s": "30-second sit-to-stand (number of stands)",
         "sit-to-stand-5x": "Five-times sit-to-stand (seconds)"}
UCUM_UNITS = {"s": "s", "repetitions": "{repetitions}"}


def practitioner(settings: FhirSettings, clinician_id: int, name: str | None) -> dict:
    """A clinician of the clinic, as a logical reference (no Practitioner resource is sent)."""
    found = {"type": "Practitioner",
             "identifier": {"system": f"{settings.base}/clinician", "value": str(clinician_id)}}
    if name:
        found["display"] = name
    return found


def _exam(settings: FhirSettings, resource_id: str, row: dict, pathway: str, timepoint: str,
          pseudonym: str, code: dict) -> dict:
    resource = {
        "resourceType": "Observation", "id": resource_id,
        "meta": tags(settings, pathway, timepoint), "status": "final",
        "category": [{"coding": [coding(codes.OBSERVATION_CATEGORY, "exam", "Exam")]}],
        "code": code, "subject": reference("Patient", pseudonym),
        "effectiveDateTime": row["recorded_at"],
    }
    if row.get("recorded_by"):
        resource["performer"] = [practitioner(settings, row["recorded_by"],
                                              row.get("recorded_by_name"))]
    return resource


def neuro_observation(settings: FhirSettings, finding: dict, pathway: str, timepoint: str,
                      pseudonym: str) -> dict:
    modality, side, root = finding["modality"], finding["side"], finding["root"]
    code = {"coding": [coding(codes.system(settings.base, "neuro-status"), modality,
                              MODALITIES[modality])],
            "text": f"{MODALITIES[modality]}, {root} {SIDES[side].lower()}"}
    resource = _exam(settings, f"obs-neuro-{finding['id']}", finding, pathway, timepoint,
                     pseudonym, code)
    site = f"{root}-{side}"
    resource["bodySite"] = {"coding": [coding(codes.system(settings.base, "root-levels"), site,
                                              f"{root} {SIDES[side].lower()}")],
                            "text": f"{root} {SIDES[side].lower()}"}
    resource["valueCodeableConcept"] = {
        "coding": [coding(codes.system(settings.base, "neuro-change"), finding["finding"],
                          FINDINGS[finding["finding"]])],
        "text": FINDINGS[finding["finding"]]}
    if modality == "strength" and finding["finding"] == "worse":
        resource["interpretation"] = [{"coding": [coding(
            "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "W",
            "Worse")]}]
    return resource


def test_observation(settings: FhirSettings, test: dict, pathway: str, timepoint: str,
                     pseudonym: str) -> dict:
    name = test["name"] if test["test"] == "own" else TESTS[test["test"]]
    code = {"coding": [coding(codes.system(settings.base, "functional-tests"), test["test"],
                              name if test["test"] != "own" else "The clinician's own test")],
            "text": name}
    resource = _exam(settings, f"obs-test-{test['id']}", test, pathway, timepoint, pseudonym,
                     code)
    quantity = {"value": test["value"]}
    if test["unit"] in UCUM_UNITS:
        quantity.update(unit=test["unit"], system=codes.UCUM, code=UCUM_UNITS[test["unit"]])
    elif test["unit"]:
        quantity["unit"] = test["unit"]
    resource["valueQuantity"] = quantity
    return resource
