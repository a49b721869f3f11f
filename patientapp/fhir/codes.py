"""Code systems and codes the FHIR resources use, in one place.

External codes are used only where they are verified (docs/integration.md): LOINC for the
ODI panel and score and for the NPRS. Everything else comes from the project's own
code systems under the configured FHIR base, so a receiver never meets a guessed code.
"""

from __future__ import annotations

from ..content import instruments

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"

# Questionnaires: one resource per content version, in Danish with the other languages in
# the FHIR translation extension; SDC (Structured Data Capture) for scoring and rendering.
BASE_LOCALE = "da"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
CALCULATED_EXPRESSION = ("http://hl7.org/fhir/uv/sdc/StructureDefinition/"
                         "sdc-questionnaire-calculatedExpression")
RADIO_BUTTONS = {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl",
                 "valueCodeableConcept": {"coding": [{
                     "system": "http://hl7.org/fhir/questionnaire-item-control",
                     "code": "radio-button", "display": "Radio Button"}]}}

# LOINC displays are left out on purpose: a display must match LOINC's own wording
# exactly, and the codes are all this project has verified.
LOINC_PANELS = {"odi": "97908-8"}
LOINC_SCORES = {"odi": "97909-6", "nprs": "72514-3"}
# NDI: LOINC 82226-2 / 82237-9 appear only in US sample data and are not verified on
# loinc.org (docs/integration.md), so the NDI carries the project's own code only.

# The project's own score codes (CodeSystem "<base>/CodeSystem/scores").
SCORE_CODES = {
    ("odi", ""): ("odi-score", "Oswestry Disability Index, percent of maximum"),
    ("ndi", ""): ("ndi-score", "Neck Disability Index, percent of maximum"),
    ("nprs", ""): ("nprs", "Numeric pain rating 0-10, average over the past week"),
    ("psfs", ""): ("psfs-mean", "Patient-Specific Functional Scale, mean of the activities"),
    ("psfs", "activity"): ("psfs-activity", "Patient-Specific Functional Scale, one activity"),
    ("gpe", ""): ("gpe", "Global perceived effect, compared with before the course"),
}
# ODI and NDI are percentages; NPRS and PSFS are points on a 0-10 scale.
UNITS = {"odi": "%", "ndi": "%", "nprs": "{score}", "psfs": "{score}"}
# Scores that are an answer on a named scale: an Observation carries them as a code of the
# project's answer code system (the same codes as the QuestionnaireResponse), with its words.
CODED_SCORES = {"gpe": ("gpe-answers", ("Much better", "Better", "A little better",
                                        "No change", "A little worse", "Worse",
                                        "Much worse"))}

# Body sites as text with the project's own codes: no SNOMED CT code is used that this
# project has not verified.
BODY_SITES = {"back": "Low back", "leg": "Leg", "neck": "Neck", "arm": "Arm"}

# An invalid score (too many sections missing) was asked for and answered, but the
# scoring rule refuses a value. None of the narrower data-absent-reason codes fits that
# (asked-unknown means the patient did not know; not-performed means nobody asked), so
# the general "unknown" is used and the reason goes in Observation.note.
ABSENT = ("unknown", "Unknown")

ALERT_KINDS = {"alarm": "Alarm symptom reported", "worse": "Meaningfully worse score",
               "exercise": "Exercise makes pain worse"}


def system(base: str, name: str) -> str:
    """One of the project's own code systems, e.g. ``<base>/CodeSystem/scores``."""
    return f"{base}/CodeSystem/{name}"


def risk_answers(item_id: str) -> str:
    """The code system of one risk question's answers, e.g. ``risk-work-status``."""
    return "risk-" + item_id.replace("_", "-")


def version_token(version: str) -> str:
    """A content file's version as it may appear in a canonical URL (no spaces, no '|')."""
    return instruments.version_token(version)


def questionnaire_url(base: str, instrument: str) -> str:
    return f"{base}/Questionnaire/{instrument}"


def canonical(base: str, instrument: str, version: str) -> str:
    """The versioned canonical URL a QuestionnaireResponse points to."""
    return f"{questionnaire_url(base, instrument)}|{version_token(version)}"
