"""FHIR R4: every resource validated with fhir.resources (R4B models), then checked by hand.

fhir.resources checks structure and types but not codes, statuses, invariants or whether
references point anywhere, so each test also asserts those itself.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from helpers import RISK_ANSWERS, check_bundle, submit, validate

from patientapp import create_app
from patientapp.accounts import save_clinic
from patientapp.content import INSTRUMENT_KINDS, RISK_ITEMS, SECTION_IDS
from patientapp.courses import queries as courses
from patientapp.db import connect, migrate, now
from patientapp.demo import create_demo
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
    return submission_bundle(SETTINGS, content, fhir_db.get_submission(db, timepoint_id, content),
                             key)


# --- Questionnaire ----------------------------------------------------------------------------

def walk(items: list[dict]):
    """Every item at any depth."""
    for item in items:
        yield item
        yield from walk(item.get("item", []))


def english(element: dict, key: str) -> str:
    (found,) = [next(e["valueString"] for e in t["extension"] if e["url"] == "content")
                for t in element[f"_{key}"]["extension"] if t["url"] == codes.TRANSLATION
                and {"url": "lang", "valueCode": "en"} in t["extension"]]
    return found


INSTRUMENTS = list(INSTRUMENT_KINDS)
# The instruments whose answers carry points (risk has no score; the GPE is an answer, not
# points to add up), and the safety check.
SCORED = ["odi", "ndi", "nprs", "psfs", "safety"]


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_each_instrument_is_one_valid_questionnaire_in_both_languages(content, instrument):
    wording = content.translations(instrument)
    resource = validate(questionnaire(SETTINGS, wording))
    assert resource["url"] == f"{BASE}/Questionnaire/{instrument}"
    assert resource["version"] == wording["da"].content_version
    assert CANONICAL.match(f"{resource['url']}|{resource['version']}")
    assert resource["status"] == "active" and resource["language"] == "da"
    assert resource["title"] == wording["da"].title
    assert english(resource, "title") == wording["en"].title
    items = list(walk(resource["item"]))
    assert len({item["linkId"] for item in items}) == len(items)
    for item in items:  # every text has its English translation
        assert english(item, "text").strip() and item["text"].strip()
        for option in item.get("answerOption", []):
            assert english(option["valueCoding"], "display").strip()
    assert resource["text"]["status"] == "generated"


@pytest.mark.parametrize("instrument", ["odi", "ndi"])
def test_sections_offer_scored_radio_buttons_and_an_explicit_not_applicable(content,
                                                                           instrument):
    wording = content.translations(instrument)
    resource = questionnaire(SETTINGS, wording)
    items = {i["linkId"]: i for i in resource["item"]}
    assert list(items) == [*SECTION_IDS[instrument], f"{instrument}-score"]
    for number, section_id in enumerate(SECTION_IDS[instrument], start=1):
        item, section = items[section_id], wording["da"].section(number)
        assert item["extension"] == [codes.RADIO_BUTTONS]
        scored = [o for o in item["answerOption"] if o["valueCoding"]["code"] != "na"]
        assert [o["valueCoding"]["code"] for o in scored] == [str(n) for n in range(6)]
        assert [o["extension"] for o in scored] == [
            [{"url": codes.ORDINAL_VALUE, "valueDecimal": n}] for n in range(6)]
        assert scored[3]["valueCoding"]["display"] == section["options"][3]
        assert english(scored[3]["valueCoding"], "display") == \
            wording["en"].section(number)["options"][3]
        na = [o for o in item["answerOption"] if o["valueCoding"]["code"] == "na"]
        assert bool(na) == ("not_applicable" in section)
        assert all("extension" not in o for o in na)  # no points
    total = items[f"{instrument}-score"]
    assert total["type"] == "decimal" and total["readOnly"] is True
    assert {e["url"] for e in total["extension"]} == {codes.VARIABLE,
                                                      codes.CALCULATED_EXPRESSION}


def test_every_scored_answer_option_carries_its_ordinal_value(content):
    for instrument in SCORED:
        resource = questionnaire(SETTINGS, content.translations(instrument))
        for item in walk(resource["item"]):
            for option in item.get("answerOption", []):
                if option["valueCoding"]["code"] != "na":
                    assert option["extension"] == [{"url": codes.ORDINAL_VALUE, "valueDecimal":
                                                    int(option["valueCoding"]["code"])}]
            if item["type"] == "choice":
                assert item["extension"] == [codes.RADIO_BUTTONS]


def test_only_the_odi_carries_a_loinc_panel_code(content):
    found = {i: questionnaire(SETTINGS, content.translations(i)).get("code")
             for i in SCORED}
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
    # nprs, odi, psfs, the risk questionnaire and the safety check
    assert types.count("QuestionnaireResponse") == 5
    assert types.count("Flag") == 1


def test_questionnaire_responses_carry_the_ordinal_scores_by_link_id(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented()))
    by_instrument = {r["questionnaire"].split("/")[-1].split("|")[0]: r
                     for r in of_type(bundle, "QuestionnaireResponse")}
    odi = by_instrument["odi"]
    version = content.questionnaire("odi", "da").content_version
    assert odi["questionnaire"] == f"{BASE}/Questionnaire/odi|{version}"
    assert odi["status"] == "completed" and odi["language"] == "da"
    assert odi["subject"]["reference"].startswith("Patient/pa-")
    items = {i["linkId"]: i for i in odi["item"]}
    assert list(items) == [*SECTION_IDS["odi"], "odi-score"]
    walking = items["walking"]["answer"][0]["valueCoding"]
    assert {k: walking[k] for k in ("system", "code", "display")} == {
        "system": f"{BASE}/CodeSystem/odi-answers", "code": "2",
        "display": content.questionnaire("odi", "da").section(4)["options"][2]}
    # Not applicable is an explicit coded answer, never 0 and never an empty item.
    assert items["sex_life"]["answer"][0]["valueCoding"]["code"] == "na"
    assert items["odi-score"]["answer"] == [{"valueDecimal": pytest.approx(40.0)}]


def test_every_response_item_matches_its_questionnaire(db, content, consented):
    """Same linkId, text and translations as the Questionnaire item; every coded answer is
    one of the item's answer options, exactly; each response resolves to one definition."""
    submit(db, content, consented(), alarm="saddle_numbness")
    submit(db, content, consented("cervical-radiculopathy", "en"), locale="en")
    bundle = export_bundle(SETTINGS, content, fhir_db.list_submissions(db, content=content),
                           "2026-01-01T00:00:00+00:00")
    check_bundle(bundle)
    definitions = {}
    for q in of_type(bundle, "Questionnaire"):
        key = f"{q['url']}|{q['version']}"
        assert key not in definitions  # one Questionnaire per canonical
        definitions[key] = {i["linkId"]: i for i in walk(q["item"])}
    responses = of_type(bundle, "QuestionnaireResponse")
    assert {r["language"] for r in responses} == {"da", "en"}
    for response in responses:
        defined = definitions[response["questionnaire"]]
        for item in walk(response["item"]):
            source = defined[item["linkId"]]
            assert (item.get("text"), item.get("_text")) == \
                (source.get("text"), source.get("_text"))
            for answer in item.get("answer", []):
                if "valueCoding" in answer:
                    assert {"valueCoding": answer["valueCoding"]} in \
                        [{"valueCoding": o["valueCoding"]} for o in source["answerOption"]]
                assert source["type"] != "group"


def test_psfs_activities_are_answers_in_the_patients_words(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented()))
    psfs = next(r for r in of_type(bundle, "QuestionnaireResponse")
                if "/psfs|" in r["questionnaire"])
    groups = [i for i in psfs["item"] if i["linkId"].startswith("activity-")]
    assert [(g["linkId"], g["text"]) for g in groups] == [("activity-1", "Aktivitet 1"),
                                                          ("activity-2", "Aktivitet 2")]
    assert [[(i["linkId"], i["answer"][0]) for i in g["item"]] for g in groups] == [
        [("activity-1-name", {"valueString": ACTIVITIES[0]}),
         ("activity-1-rating", {"valueCoding": groups[0]["item"][1]["answer"][0]["valueCoding"]})],
        [("activity-2-name", {"valueString": ACTIVITIES[1]}),
         ("activity-2-rating", {"valueCoding": groups[1]["item"][1]["answer"][0]["valueCoding"]})]]
    assert [g["item"][1]["answer"][0]["valueCoding"]["code"] for g in groups] == ["3", "4"]
    assert psfs["item"][-1] == {"linkId": "psfs-score", "text": psfs["item"][-1]["text"],
                                "_text": psfs["item"][-1]["_text"],
                                "answer": [{"valueDecimal": pytest.approx(3.5)}]}


def test_safety_answers_are_booleans(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented(), alarm="fever_or_unwell"))
    safety = next(r for r in of_type(bundle, "QuestionnaireResponse")
                  if "/safety|" in r["questionnaire"])
    answers = {i["linkId"]: i["answer"][0]["valueBoolean"] for i in safety["item"]}
    assert answers["fever_or_unwell"] is True
    assert sum(answers.values()) == 1


def test_risk_answers_are_codes_per_question_and_the_days_a_number(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented()))
    risk = next(r for r in of_type(bundle, "QuestionnaireResponse")
                if "/risk|" in r["questionnaire"])
    items = {i["linkId"]: i for i in risk["item"]}
    assert list(items) == list(RISK_ITEMS)
    sites = items["pain_sites"]["answer"]
    assert [a["valueCoding"]["code"] for a in sites] == RISK_ANSWERS["pain_sites"]
    assert sites[0]["valueCoding"]["system"] == f"{BASE}/CodeSystem/risk-pain-sites"
    assert items["sick_leave_days"]["answer"] == [{"valueInteger": 20}]
    assert items["worry"]["answer"][0]["valueCoding"]["code"] == "very"
    assert items["worry"]["answer"][0]["valueCoding"]["display"] == "Meget bekymret"
    # No score: the risk questionnaire has no Observation.
    assert not [o for o in of_type(bundle, "Observation")
                if o["derivedFrom"][0]["reference"] == f"QuestionnaireResponse/{risk['id']}"]


def test_the_gpe_is_a_coded_answer_and_a_coded_observation(db, content, consented):
    bundle = bundle_for(db, content, submit(db, content, consented(), key="week-8",
                                            locale="en"))
    gpe = next(r for r in of_type(bundle, "QuestionnaireResponse")
               if "/gpe|" in r["questionnaire"])
    answer = gpe["item"][0]["answer"][0]["valueCoding"]
    assert (answer["system"], answer["code"], answer["display"]) == \
        (f"{BASE}/CodeSystem/gpe-answers", "2", "Bedre")  # Danish first, English as translation
    obs = next(o for o in of_type(bundle, "Observation")
               if codings(o["code"])[f"{BASE}/CodeSystem/scores"] == "gpe")
    assert "valueQuantity" not in obs
    assert obs["valueCodeableConcept"]["coding"][0]["code"] == "2"
    assert obs["valueCodeableConcept"]["text"] == "Better"


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
        values = {"valueQuantity", "valueCodeableConcept", "dataAbsentReason"} & set(obs)
        assert len(values) == 1, obs
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
    # One Questionnaire per instrument (both languages in it): every version is today's.
    assert len(of_type(bundle, "Questionnaire")) == len(INSTRUMENT_KINDS)
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


# --- content versions ---------------------------------------------------------------------------

def test_an_edited_file_is_a_new_version_and_old_responses_keep_theirs(tmp_path):
    """Change a word after a patient answered: the export shows both versions, and the old
    response keeps the words and version it was answered on."""
    root = tmp_path / "content"
    shutil.copytree(Path(__file__).parent.parent / "content", root)
    config = {"TESTING": True, "DATABASE": str(tmp_path / "v.sqlite3"), "CONTENT_DIR": str(root),
              "FHIR_BASE": BASE, "SECRET_KEY": "test-secret-key-that-is-long-enough-123"}
    before = create_app(config)
    db = connect(config["DATABASE"])
    migrate(db)
    content = before.extensions["content"]
    clinic = save_clinic(db, "Fysio Versions", "+45 11 22 33 44", alert_emails="a@b.example")
    course_id = courses.enrol(db, courses.NewPatient(clinic, "Test Patient"),
                              content.pathway("lumbar-radiculopathy"), date.today())
    courses.record_consent(db, course_id, "given")
    submit(db, content, course_id)
    old_version = content.questionnaire("odi", "da").content_version
    odi = root / "questionnaires" / "odi.da.yaml"
    odi.write_text(odi.read_text(encoding="utf-8").replace("title: Gang", "title: At gå"),
                   encoding="utf-8")

    after = create_app(config)
    new_version = after.extensions["content"].questionnaire("odi", "da").content_version
    assert new_version != old_version
    assert new_version.split("-")[0] == old_version.split("-")[0]  # declared "2.1a" kept
    result = after.test_cli_runner().invoke(args=["export-fhir"])
    bundle = json.loads(result.output)
    check_bundle(bundle)
    odis = {q["version"]: q for q in of_type(bundle, "Questionnaire") if q["name"] == "ODI"}
    assert set(odis) == {old_version, new_version}
    walking = {v: next(i["text"] for i in q["item"] if i["linkId"] == "walking")
               for v, q in odis.items()}
    assert walking == {old_version: "Gang", new_version: "At gå"}
    response = next(r for r in of_type(bundle, "QuestionnaireResponse")
                    if "/odi|" in r["questionnaire"])
    assert response["questionnaire"] == f"{BASE}/Questionnaire/odi|{old_version}"
    assert next(i["text"] for i in response["item"] if i["linkId"] == "walking") == "Gang"
    kept = list(db.query("SELECT locale FROM content_snapshots WHERE instrument = 'odi'"
                         " AND content_version = ?", [old_version]))
    assert sorted(r["locale"] for r in kept) == ["da", "en"]
    db.close()


def test_a_response_from_before_versions_were_kept_is_kept_at_first_use(db, content,
                                                                       consented):
    timepoint_id = submit(db, content, consented())
    db.execute("UPDATE responses SET content_version = '2.1a' WHERE instrument = 'odi'")
    db.execute("DELETE FROM content_snapshots")
    bundle = bundle_for(db, content, timepoint_id)
    odi = next(r for r in of_type(bundle, "QuestionnaireResponse")
               if "/odi|" in r["questionnaire"])
    assert odi["questionnaire"] == f"{BASE}/Questionnaire/odi|2.1a"
    assert {r["locale"] for r in db.query("SELECT locale FROM content_snapshots WHERE"
                                          " content_version = '2.1a'")} == {"da", "en"}


# --- the demo, which integrators try first ----------------------------------------------------

def test_the_demo_answers_name_real_versions_in_the_patients_language_at_real_times(
        app, db, content):
    with app.app_context():
        create_demo(db, content, "http://localhost", date.today(), "demo password 123")
    rows = list(db.query(
        "SELECT responses.*, patients.language FROM responses JOIN courses ON courses.id ="
        " responses.course_id JOIN patients ON patients.id = courses.patient_id"
        " WHERE responses.status = 'submitted'"))
    assert rows
    for row in rows:
        q = content.questionnaire(row["instrument"], row["locale"])
        assert row["content_version"] == q.content_version and row["locale"] == row["language"]
    kept = {(r["instrument"], r["content_version"]) for r in db.query(
        "SELECT * FROM content_snapshots")}
    assert {(r["instrument"], r["content_version"]) for r in rows} <= kept
    sent = {r["timepoint_id"]: r["submitted_at"] for r in rows}
    assert len(set(sent.values())) == len(sent)  # each timepoint sent at its own time
    assert max(sent.values()) < now()
    visits = {r["id"]: r["visit_date"] for r in db.query("SELECT id, visit_date FROM timepoints")}
    for timepoint_id, at in sent.items():  # the evening before the visit, or earlier today
        assert at[:10] <= visits[timepoint_id]
    bundle = export_bundle(SETTINGS, content, fhir_db.list_submissions(db, content=content),
                           "2026-01-01T00:00:00+00:00")
    check_bundle(bundle)
    # every version the demo used is today's
    assert len(of_type(bundle, "Questionnaire")) == len(INSTRUMENT_KINDS)
