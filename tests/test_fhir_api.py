"""The FHIR read API under /api/v1/fhir: what a receiver fetches to understand a response.

Every resource is validated with fhir.resources; errors are OperationOutcome; a key of one
clinic never sees another's data; and a generic FHIR client from PyPI (fhirpy), talking
to a real server on loopback, reads a response and follows its questionnaire and subject.
"""

from __future__ import annotations

import threading

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from helpers import submit, validate
from werkzeug.serving import make_server

from patientapp.accounts import save_clinic
from patientapp.api import queries as api_db
from patientapp.courses import queries as courses
from patientapp.fhir.server import READ_TYPES

FHIR = "/api/v1/fhir"
ADDRESS = f"http://localhost{FHIR}"  # the test client's own address
READS = {"QuestionnaireResponse": "responses", "Observation": "scores", "Flag": "alerts"}
PREFIXES = {"QuestionnaireResponse": "qr-", "Observation": "obs-", "Flag": "flag-"}


@pytest.fixture
def key(db, clinic_id) -> str:
    return api_db.save_api_key(db, clinic_id, "Journal system", None)[1]


@pytest.fixture
def fhir(client, key):
    def _get(path, key=key, **kwargs):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return client.get(f"{FHIR}{path}", headers=headers, **kwargs)
    return _get


def ok(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    return validate(response.get_json())


def outcome(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/fhir+json"
    body = response.get_json()
    OperationOutcome.model_validate(body)
    assert body["issue"][0]["severity"] == "error" and body["issue"][0]["diagnostics"]
    return body


def ids(db, table: str, clinic_id: int) -> list[int]:
    """Ids of a table's rows at a clinic (alerts: those a submission raised)."""
    raised = " AND kind != 'delivery'" if table == "alerts" else ""
    return [r["id"] for r in db.query(
        f"SELECT {table}.id FROM {table} JOIN courses ON courses.id = {table}.course_id"  # nosec
        f" WHERE courses.clinic_id = ?{raised} ORDER BY {table}.id", [clinic_id])]


def pseudonym_of(db, course_id: int) -> str:
    return next(db.query("SELECT pseudonym FROM patients JOIN courses ON courses.patient_id ="
                         " patients.id WHERE courses.id = ?", [course_id]))["pseudonym"]


@pytest.fixture
def clinics(db, content, enrol, clinic_id):
    """Ours: a consenting patient with an alarm, and a refusing one. Theirs: one patient."""
    ours = enrol(pathway="lumbar-radiculopathy", consent="given")[0]
    submit(db, content, ours, alarm="saddle_numbness")
    refused = enrol(pathway="lumbar-radiculopathy", consent="refused")[0]
    submit(db, content, refused)
    other = save_clinic(db, "Anden Klinik", alert_emails="vagt@anden.example")
    theirs = courses.enrol(db, courses.NewPatient(other, "Fremmed"),
                           content.pathway("lumbar-radiculopathy"), courses.date.today())
    courses.record_consent(db, theirs, "given")
    submit(db, content, theirs, alarm="saddle_numbness")
    return {"ours": ours, "refused": refused, "theirs": theirs, "other": other,
            "other_key": api_db.save_api_key(db, other, "Theirs", None)[1]}


# --- the CapabilityStatement ----------------------------------------------------------------

def test_metadata_is_a_capability_statement_anyone_may_read(fhir):
    body = ok(fhir("/metadata", key=None))
    CapabilityStatement.model_validate(body)
    assert body["fhirVersion"] == "4.0.1" and body["implementation"]["url"] == ADDRESS
    served = {r["type"]: {i["code"] for i in r["interaction"]}
              for r in body["rest"][0]["resource"]}
    assert all("read" in served[t] for t in READ_TYPES)
    assert {"search-type"} <= served["Questionnaire"] & served["Observation"]


# --- Questionnaire ------------------------------------------------------------------------------

def test_questionnaires_are_searched_read_and_counted(fhir, content):
    bundle = ok(fhir("/Questionnaire"))
    instruments = {instrument for instrument, _locale in content.questionnaires}
    assert bundle["total"] == len(instruments)  # one per instrument, both languages in it
    assert {e["resource"]["url"].rsplit("/", 1)[1] for e in bundle["entry"]} == instruments
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"{ADDRESS}/Questionnaire/{resource['id']}"
        assert ok(fhir(f"/Questionnaire/{resource['id']}")) == resource
    odi = content.questionnaire("odi", "da")
    canonical = f"{odi.content_version}"
    by_url = ok(fhir(f"/Questionnaire?url=https://patientapp.dk/fhir/Questionnaire/odi|"
                     f"{canonical}"))
    assert [e["resource"]["version"] for e in by_url["entry"]] == [odi.content_version]
    assert ok(fhir(f"/Questionnaire?version={canonical}"))["total"] == 1
    for query in ("_summary=count", "_count=0"):
        counted = ok(fhir(f"/Questionnaire?{query}"))
        assert counted["total"] == len(instruments) and "entry" not in counted


def test_a_questionnaire_served_is_kept_as_its_versions_snapshot(fhir, db, content):
    assert not list(db.query("SELECT 1 FROM content_snapshots"))
    ok(fhir("/Questionnaire"))
    # one snapshot per instrument and language
    assert len(list(db.query("SELECT 1 FROM content_snapshots"))) == len(content.questionnaires)


# --- read by id -------------------------------------------------------------------------------

def test_every_resource_of_a_response_is_read_by_id(fhir, db, clinic_id, clinics):
    for resource_type, table in READS.items():
        found = ids(db, table, clinic_id)
        assert found, resource_type
        for row_id in found:
            resource_id = f"{PREFIXES[resource_type]}{row_id}"
            response = fhir(f"/{resource_type}/{resource_id}")
            if resource_type != "Flag" or row_id in ids(db, "alerts", clinic_id):
                if _consented(db, table, row_id):
                    body = ok(response)
                    assert (body["resourceType"], body["id"]) == (resource_type, resource_id)
                else:
                    outcome(response, 404)
    patient = ok(fhir(f"/Patient/{pseudonym_of(db, clinics['ours'])}"))
    assert patient["id"] == pseudonym_of(db, clinics["ours"]) and "name" not in patient


def _consented(db, table: str, row_id: int) -> bool:
    return bool(list(db.query(f"SELECT 1 FROM {table} JOIN courses ON courses.id ="  # nosec
                              f" {table}.course_id WHERE {table}.id = ? AND consent = 'given'",
                              [row_id])))


def test_a_key_never_sees_another_clinics_data(fhir, db, clinics):
    """Each id of the other clinic is 404 for our key, and found with theirs."""
    theirs = {t: ids(db, table, clinics["other"]) for t, table in READS.items()}
    assert all(theirs.values())
    for resource_type, found in theirs.items():
        for row_id in found:
            path = f"/{resource_type}/{PREFIXES[resource_type]}{row_id}"
            outcome(fhir(path), 404)
            ok(fhir(path, key=clinics["other_key"]))
    patient = f"/Patient/{pseudonym_of(db, clinics['theirs'])}"
    outcome(fhir(patient), 404)
    ok(fhir(patient, key=clinics["other_key"]))
    subjects = {e["resource"]["subject"]["reference"]
                for e in ok(fhir("/QuestionnaireResponse"))["entry"]}
    assert subjects == {f"Patient/{pseudonym_of(db, clinics['ours'])}"}


def submitted_instruments(db, course_id: int) -> list[str]:
    """What the course's submitted timepoints asked: their questionnaires and the safety check."""
    return [instrument for tp in courses.list_timepoints(db, course_id) if tp["submitted_at"]
            for instrument in [*tp["questionnaires"], "safety"]]


def test_searches_count_and_point_at_the_api(fhir, db, clinics):
    bundle = ok(fhir("/QuestionnaireResponse"))
    Bundle.model_validate(bundle)
    assert bundle["total"] == len(submitted_instruments(db, clinics["ours"]))
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"{ADDRESS}/QuestionnaireResponse/{entry['resource']['id']}"
        assert ok(fhir(entry["fullUrl"].removeprefix(f"http://localhost{FHIR}"))) == \
            entry["resource"]
    for path in ("/QuestionnaireResponse", "/Observation"):
        total = ok(fhir(path))["total"]
        for query in ("_summary=count", "_count=0"):
            counted = ok(fhir(f"{path}?{query}"))
            assert counted["total"] == total and "entry" not in counted


# --- errors are OperationOutcome --------------------------------------------------------------

@pytest.mark.parametrize("path, status", [
    ("/QuestionnaireResponse/qr-999999", 404), ("/QuestionnaireResponse/obs-1", 404),
    ("/Observation/obs-x", 404), ("/Flag/flag-99999999999999999999999", 404),
    ("/Patient/pa-0000000000000000", 404), ("/Patient/Anna", 404),
    ("/Questionnaire/odi-0", 404), ("/NoSuchType/1", 404),
    ("/Observation?_count=-1", 400), ("/Observation?_summary=text", 400),
    ("/Questionnaire?url=a%20b", 400), ("/Questionnaire?colour=red", 400),
    ("/QuestionnaireResponse?date=2026-02-30", 400),
])
def test_errors_on_fhir_routes_are_operation_outcomes(fhir, clinics, path, status):
    body = outcome(fhir(path), status)
    if status == 400:
        assert body["issue"][0]["code"] == "invalid" and body["issue"][0]["expression"]
    else:
        assert body["issue"][0]["code"] == "not-found"


@pytest.mark.parametrize("key, status", [(None, 401), ("pa_not-a-key", 401)])
def test_a_missing_or_wrong_key_is_an_operation_outcome_too(fhir, key, status):
    body = outcome(fhir("/Questionnaire", key=key), status)
    assert body["issue"][0]["code"] == "login"


# --- a generic FHIR client against a real server --------------------------------------------

@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_fhirpy_reads_a_response_and_follows_its_questionnaire_and_subject(
        live_server, key, db, clinics):
    from fhirpy import SyncFHIRClient

    client = SyncFHIRClient(f"{live_server}{FHIR}", authorization=f"Bearer {key}")
    responses = client.resources("QuestionnaireResponse").fetch_all()
    assert len(responses) == len(submitted_instruments(db, clinics["ours"]))
    odi = next(r for r in responses if "/odi|" in r["questionnaire"])
    again = client.reference("QuestionnaireResponse", odi["id"]).to_resource()
    assert again.serialize() == odi.serialize()
    url, version = odi["questionnaire"].split("|")
    (questionnaire,) = client.resources("Questionnaire").search(url=url, version=version) \
        .fetch_all()
    assert questionnaire["version"] == version and questionnaire["url"] == url
    linked = {i["linkId"] for i in questionnaire["item"]}
    assert {i["linkId"] for i in odi["item"]} <= linked
    subject = odi["subject"].to_resource()
    assert subject["resourceType"] == "Patient"
    assert subject["id"] == pseudonym_of(db, clinics["ours"])
    scores = client.resources("Observation").search(patient=subject["id"]).fetch_all()
    assert scores and {o["subject"]["reference"] for o in scores} == {f"Patient/{subject['id']}"}
    assert {o["derivedFrom"][0].to_resource()["subject"]["reference"] for o in scores} == \
        {f"Patient/{subject['id']}"}
