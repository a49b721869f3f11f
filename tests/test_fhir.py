"""FHIR R4: every resource validated with fhir.resources (R4B models), then checked by hand.

fhir.resources checks structure and types but not codes, statuses, invariants or whether
references point anywhere, so each test also asserts those itself.
"""

from __future__ import annotations

import json
import re

import pytest
from helpers import check_bundle, submit, validate

from patientapp.content import SECTION_IDS
from patientapp.fhir import codes
from patientapp.fhir import queries as fhir_db
from patientapp.fhir.bundles import export_bundle, submission_bundle
from patientapp.fhir.resources import FhirSettings, questionnaire

BASE = "https://fhir.example-fysio.dk/fhir"
SETTINGS = FhirSettings(BASE)
CANONICAL = re.compile(r"^\S+\|\S+$")
ACTIVITIES = ["Tage strømper på", "Bære en indkøbspose"]


def of_type(bundle: dict, resource_type: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == resource_type]


def codings(concept: dict) -> dict[str, str]:
    return {c["system"]: c["code"] for c in concept["coding"]}


@pytest.fixture
def app(app):
    app.config["FHIR_BASE"] = BASE
    return app


@pytest.fixture
def consented(enrol):
    def _consented(pathway="lumbar-radiculopathy", language="da"):
        return enrol(pathway=pathway, language=language, consent="given")[0]
    return _consented


def bundle_for(db, content, timepoint_id: int, key: str = "key-1") -> dict:
    return submission_bundle(SETTINGS, content, fhir_db.get_submission(db, timepoint_id), key)


# --- Questionnaire ----------------------------------------------------------------------------

@pytest.mark.parametrize("instrument", ["odi", "ndi", "nprs", "psfs", "safety"])
@pytest.mark.parametrize("locale", ["da", "en"])
def test_each_instrument_and_language_is_a_valid_questionnaire(content, instrument, locale):
    q = content.questionnaire(instrument, locale)
    resource = validate(questionnaire(SETTINGS, q))
    assert resource["url"] == f"{BASE}/Questionnaire/{instrument}"
    assert CANONICAL.match(f"{resource['url']}|{resource['version']}")
    assert resource["status"] == "active" and resource["language"] == locale
    assert len({item["linkId"] for item in resource["item"]}) == len(resource["item"])
    if instrument in SECTION_IDS:
        assert [i["linkId"] for i in resource["item"]] == SECTION_IDS[instrument]
        codes_offered = [o["valueCoding"]["code"] for o in resource["item"][0]["answerOption"]]
        assert codes_offered == [str(n) for n in range(6)]
        assert resource["item"][0]["answerOption"][3]["valueCoding"]["display"] == \
            q.sections[0]["options"][3]


def test_only_the_odi_carries_a_loinc_panel_code(content):
    found = {i: questionnaire(SETTINGS, content.questionnaire(i, "en")).get("code")
             for i in ("odi", "ndi", "nprs", "psfs", "safety")}
    assert found == {"odi": [{"system": codes.LOINC, "code": "97908-8"}], "ndi": None,
                     "nprs": None, "psfs": None, "safety": None}


@pytest.mark.parametrize("version, token", [
    ("2.1a", "2.1a"), ("Vernon & Mior 1991", "Vernon-Mior-1991"),
    ("0-10 numeric rating, average over the past week",
     "0-10-numeric-rating-average-over-the-past-week"),
    ("a|b", "a-b"), ("  ", "0"),
])
def test_versions_become_canonical_safe_tokens(version, token):
    assert codes.version_token(version) == token


# --- one submission ------------------------------------------------------------------------

def test_a_submission_bundle_is_valid_and_self_contained(db, content, consented):
    timepoint_id = submit(db, content, consented(), alarm="saddle_numbness")
    bundle = bundle_for(db, content, timepoint_id, "delivery-key")
    check_bundle(bundle)
    assert bundle["type"] == "collection"
    assert bundle["identifier"] == {"system": f"{BASE}/delivery", "value": "delivery-key"}
    types = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert types[0] == "Patient"
    assert types.count("QuestionnaireResponse") == 4  # nprs, odi, psfs and the safety check
    assert types.count("Flag") == 1


def test_questionnaire_responses_carry_the_ordinal_scores_by_link_id(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented()))
    by_instrument = {r["questionnaire"].split("/")[-1].split("|")[0]: r
                     for r in of_type(bundle, "QuestionnaireResponse")}
    odi = by_instrument["odi"]
    version = codes.version_token(str(content.questionnaire("odi", "da").version))
    assert odi["questionnaire"] == f"{BASE}/Questionnaire/odi|{version}"
    assert odi["status"] == "completed" and odi["language"] == "da"
    assert odi["subject"]["reference"].startswith("Patient/pa-")
    items = {i["linkId"]: i for i in odi["item"]}
    assert list(items) == SECTION_IDS["odi"]
    walking = items["walking"]["answer"][0]["valueCoding"]
    assert walking == {"system": f"{BASE}/CodeSystem/odi-answers", "code": "2",
                       "display": content.questionnaire("odi", "da").section(4)["options"][2]}
    assert "answer" not in items["sex_life"]  # not applicable: missing, never 0


def test_psfs_items_are_the_activities_in_the_patients_words(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented()))
    psfs = next(r for r in of_type(bundle, "QuestionnaireResponse")
                if "/psfs|" in r["questionnaire"])
    assert [(i["linkId"], i["text"], i["answer"][0]["valueCoding"]["code"])
            for i in psfs["item"]] == [("activity-1", ACTIVITIES[0], "3"),
                                       ("activity-2", ACTIVITIES[1], "4")]


def test_safety_answers_are_booleans(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented(), alarm="fever_or_unwell"))
    safety = next(r for r in of_type(bundle, "QuestionnaireResponse")
                  if "/safety|" in r["questionnaire"])
    answers = {i["linkId"]: i["answer"][0]["valueBoolean"] for i in safety["item"]}
    assert answers["fever_or_unwell"] is True
    assert sum(answers.values()) == 1


def test_observations_have_status_category_codes_units_and_provenance(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented()))
    responses = {f"QuestionnaireResponse/{r['id']}": r
                 for r in of_type(bundle, "QuestionnaireResponse")}
    scores = f"{BASE}/CodeSystem/scores"
    found = {}
    for obs in of_type(bundle, "Observation"):
        assert obs["status"] == "final"
        assert obs["category"][0]["coding"][0]["code"] == "survey"
        assert obs["category"][0]["coding"][0]["system"] == codes.OBSERVATION_CATEGORY
        qr = responses[obs["derivedFrom"][0]["reference"]]
        assert obs["subject"] == qr["subject"] and obs["effectiveDateTime"] == qr["authored"]
        assert ("valueQuantity" in obs) != ("dataAbsentReason" in obs)
        found.setdefault(codings(obs["code"])[scores], []).append(obs)
    odi = found["odi-score"][0]
    assert codings(odi["code"])[codes.LOINC] == "97909-6"
    assert odi["valueQuantity"] == {"value": pytest.approx(40.0), "unit": "%",
                                    "system": codes.UCUM, "code": "%"}
    sites = {o["bodySite"]["coding"][0]["code"]: o for o in found["nprs"]}
    assert set(sites) == {"back", "leg"}
    assert codings(sites["leg"]["code"])[codes.LOINC] == "72514-3"
    assert sites["leg"]["valueQuantity"]["unit"] == "{score}"
    assert found["psfs-mean"][0]["valueQuantity"]["value"] == pytest.approx(3.5)
    assert [o["code"]["text"] for o in found["psfs-activity"]] == ACTIVITIES


def test_the_ndi_has_no_unverified_loinc_code(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented("cervical-radiculopathy")))
    ndi = next(o for o in of_type(bundle, "Observation")
               if codings(o["code"])[f"{BASE}/CodeSystem/scores"] == "ndi-score")
    assert set(codings(ndi["code"])) == {f"{BASE}/CodeSystem/scores"}
    assert ndi["valueQuantity"]["value"] == pytest.approx(20.0)


def test_an_invalid_score_has_no_value_but_a_data_absent_reason_and_why(db, content,
                                                                        consented):
    too_few = {**dict.fromkeys(SECTION_IDS["odi"], 2), "sex_life": "na", "travelling": "na"}
    bundle = bundle_for(db, content, submit(db, content, consented(), odi=too_few))
    odi = next(o for o in of_type(bundle, "Observation") if "odi-score" in
               codings(o["code"]).values())
    assert "valueQuantity" not in odi
    assert odi["dataAbsentReason"]["coding"] == [{"system": codes.DATA_ABSENT_REASON,
                                                  "code": "unknown", "display": "Unknown"}]
    assert "2 sections unanswered" in odi["note"][0]["text"]
    validate(odi)


def test_alarm_answers_become_active_clinical_flags(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented(), alarm="saddle_numbness"))
    (flag,) = of_type(bundle, "Flag")
    assert flag["status"] == "active"
    assert flag["category"][0]["coding"][0] == {"system": codes.FLAG_CATEGORY,
                                                "code": "clinical", "display": "Clinical"}
    assert codings(flag["code"])[f"{BASE}/CodeSystem/alerts"] == "alarm"
    question = next(i["question"] for i in content.questionnaire("safety", "da").items
                    if i["id"] == "saddle_numbness")
    assert flag["code"]["text"] == question
    assert flag["subject"] == {"reference": f"Patient/{of_type(bundle, 'Patient')[0]['id']}"}


def test_a_worse_score_becomes_a_flag_too(db, content, consented):
    course_id = consented("primary-low-back-pain")
    submit(db, content, course_id, "baseline", nprs={"back": 2})
    bundle = bundle_for(db, content, submit(db, content, course_id, "final", nprs={"back": 8}))
    check_bundle(bundle)
    texts = [f["code"]["text"] for f in of_type(bundle, "Flag")]
    assert any(t.startswith("NPRS Low back: 2 → 8") for t in texts), texts


# --- the patient, names and consent ---------------------------------------------------------

def test_the_patient_is_a_pseudonym_without_a_name_by_default(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented()))
    (patient,) = of_type(bundle, "Patient")
    assert re.fullmatch(r"pa-[0-9a-f]{16}", patient["id"])
    assert patient["identifier"] == [{"system": f"{BASE}/patient-pseudonym",
                                      "value": patient["id"]}]
    assert "name" not in patient
    assert "Test Patient" not in json.dumps(bundle)


def test_the_clinic_can_turn_names_on(db, content, consented):
    submission = fhir_db.get_submission(db, submit(db, content, consented()))
    bundle = submission_bundle(FhirSettings(BASE, include_names=True), content, submission, "k")
    assert of_type(bundle, "Patient")[0]["name"] == [{"text": "Test Patient"}]


@pytest.mark.parametrize("decision", ["refused", "withdrawn"])
def test_nothing_is_passed_on_without_consent(db, content, enrol, decision):
    course_id = enrol(pathway="lumbar-radiculopathy", consent=decision)[0]
    timepoint_id = submit(db, content, course_id)
    assert fhir_db.get_submission(db, timepoint_id) is None
    assert fhir_db.list_submissions(db) == []


# --- flask export-fhir -------------------------------------------------------------------------

def test_export_fhir_writes_one_valid_collection_bundle(runner, db, content, consented, enrol):
    submit(db, content, consented(), alarm="saddle_numbness")
    submit(db, content, consented("cervical-radiculopathy", "en"), locale="en")
    submit(db, content, enrol(pathway="lumbar-radiculopathy", consent="refused")[0])
    result = runner.invoke(args=["export-fhir"])
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.output)
    by_url = check_bundle(bundle)
    assert bundle["type"] == "collection"
    assert len(of_type(bundle, "Questionnaire")) == 10
    assert len(of_type(bundle, "Patient")) == 2  # the refused one is left out
    assert len(by_url) == len(bundle["entry"])  # each resource once


def test_export_fhir_since_leaves_out_older_submissions(runner, db, content, consented):
    submit(db, content, consented())
    db.execute("UPDATE timepoints SET submitted_at = '2020-01-01T10:00:00+00:00'")
    db.execute("UPDATE responses SET submitted_at = '2020-01-01T10:00:00+00:00'")
    submit(db, content, consented())
    bundle = json.loads(runner.invoke(args=["export-fhir", "--since", "2021-01-01"]).output)
    assert len(of_type(bundle, "Patient")) == 1
    everything = json.loads(runner.invoke(args=["export-fhir"]).output)
    assert len(of_type(everything, "Patient")) == 2


def test_export_fhir_refuses_a_malformed_date(runner):
    result = runner.invoke(args=["export-fhir", "--since", "1/2/2026"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_an_export_with_nothing_in_it_is_still_valid(content):
    bundle = export_bundle(SETTINGS, content, [], "2026-01-01T00:00:00+00:00")
    check_bundle(bundle)
