"""The read API: keys, rate limits, problem responses, JSON and FHIR search, its OpenAPI
document (checked with schemathesis), the admin pages for keys, and the CSV download.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import schemathesis
from fhir.resources.R4B.bundle import Bundle
from helpers import is_outcome, is_problem, sign_in_as, submit, validate
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS, is_check_class, load_all_checks, positive_data_acceptance
from schemathesis.generation.modes import GenerationMode

from patientapp.accounts import save_clinic, save_clinician
from patientapp.api import openapi, search
from patientapp.api import queries as api_db
from patientapp.checks import date_window
from patientapp.content import RISK_ITEMS
from patientapp.courses import queries as courses
from patientapp.db import connect
from patientapp.exports import CSV_COLUMNS, csv_value
from patientapp.timeutil import local_date, utcnow

PASSWORD = "correct horse battery"
TODAY = local_date(utcnow())  # submissions are searched by the clinic's calendar day


@pytest.fixture
def key(db, clinic_id) -> str:
    return api_db.save_api_key(db, clinic_id, "Journal system", None)[1]


@pytest.fixture
def api(client, key):
    """GET with the clinic's key."""
    def _get(url, **kwargs):
        return client.get(url, headers={"Authorization": f"Bearer {key}"}, **kwargs)
    return _get


@pytest.fixture
def data(db, content, enrol, clinic_id):
    """Two consenting patients (one with two timepoints), one refused, one at another clinic."""
    lumbar = enrol(pathway="lumbar-radiculopathy", consent="given")[0]
    submit(db, content, lumbar, alarm="saddle_numbness")
    back = enrol(pathway="primary-low-back-pain", consent="given")[0]
    submit(db, content, back)
    submit(db, content, back, "final", nprs={"back": 2})
    submit(db, content, enrol(pathway="lumbar-radiculopathy", consent="refused")[0])
    other = save_clinic(db, "Anden Klinik")
    foreign = courses.enrol(db, courses.NewPatient(other, "Fremmed"),
                            content.pathway("lumbar-radiculopathy"), TODAY)
    courses.record_consent(db, foreign, "given")
    submit(db, content, foreign)
    return {"lumbar": lumbar, "back": back, "foreign": foreign}


def pseudonym(db, course_id) -> str:
    return next(db.query("SELECT pseudonym FROM patients JOIN courses ON courses.patient_id ="
                         " patients.id WHERE courses.id = ?", [course_id]))["pseudonym"]


# --- keys -----------------------------------------------------------------------------------------

def test_a_request_without_a_key_gets_401_and_a_challenge(client):
    response = client.get("/api/v1/courses")
    is_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer pa_not-a-key", "Basic dXNlcjpwYXNz", "Bearer ",
                                    "pa_no-scheme"])
def test_a_wrong_key_gets_401(client, key, header):
    response = client.get("/api/v1/courses", headers={"Authorization": header})
    is_problem(response, 401)
    assert "WWW-Authenticate" in response.headers


def test_a_revoked_key_gets_403(api, db, clinic_id, key):
    assert api("/api/v1/courses").status_code == 200
    key_id = api_db.find_api_key(db, key)["id"]
    assert api_db.revoke_api_key(db, clinic_id, key_id)
    assert "revoked" in is_problem(api("/api/v1/courses"), 403)["detail"]


def test_keys_are_stored_only_as_hashes(db, key):
    row = api_db.find_api_key(db, key)
    assert key.startswith("pa_") and len(key) > 40
    assert key not in str(list(db.query("SELECT * FROM api_keys")))
    assert row["prefix"] == key[:8]


def test_failed_attempts_are_limited_per_address(app, client, key):
    app.config["API_AUTH_FAILURE_LIMIT"] = 3
    for _ in range(3):
        is_problem(client.get("/api/v1/courses", headers={"Authorization": "Bearer wrong"}), 401)
    response = client.get("/api/v1/courses", headers={"Authorization": f"Bearer {key}"})
    is_problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_each_key_is_rate_limited(app, api):
    app.config["API_RATE_LIMIT"] = 2
    assert [api("/api/v1/courses").status_code for _ in range(3)] == [200, 200, 429]


def test_api_access_is_audited_and_sets_no_cookie(api, db, key):
    response = api("/api/v1/courses")
    assert "Set-Cookie" not in response.headers
    row = next(db.query("SELECT * FROM audit_log WHERE actor_type = 'api-key'"))
    assert row["action"] == "api-list-courses"
    assert row["actor_id"] == api_db.find_api_key(db, key)["id"]


# --- the pure parts: date search and the limiter --------------------------------------------------

@pytest.mark.parametrize("values, since, before", [
    ([], None, None),
    (["2026-03-02"], "2026-03-01T23:00:00+00:00", "2026-03-02T23:00:00+00:00"),
    (["2026-07-01"], "2026-06-30T22:00:00+00:00", "2026-07-01T22:00:00+00:00"),  # summer time
    (["ge2026-03-02"], "2026-03-01T23:00:00+00:00", None),
    (["gt2026-03-02"], "2026-03-02T23:00:00+00:00", None),
    (["lt2026-03"], None, "2026-02-28T23:00:00+00:00"),
    (["le2026"], None, "2026-12-31T23:00:00+00:00"),
    (["2024-02"], "2024-01-31T23:00:00+00:00", "2024-02-29T23:00:00+00:00"),
    (["ge2026-01-01", "lt2026-02-01"], "2025-12-31T23:00:00+00:00", "2026-01-31T23:00:00+00:00"),
    (["ge2026-01-01", "ge2026-01-10"], "2026-01-09T23:00:00+00:00", None),
    (["eq2026-07-01T10:00:00Z"], "2026-07-01T10:00:00+00:00", "2026-07-01T10:00:01+00:00"),
    (["lt2026-07-01T12:00+02:00"], None, "2026-07-01T10:00:00+00:00"),
])
def test_fhir_date_searches_are_ranges_in_the_clinics_time_zone(values, since, before):
    assert search.date_period("date", values) == search.Period(since, before)


@pytest.mark.parametrize("value", ["ne2026-01-01", "2026-02-29", "2026-04-31", "2026-13",
                                   "1899", "2026-01-01T10:00", "2026-1-1", "ge 2026",
                                   "２０２６"])
def test_impossible_or_unsupported_dates_are_refused(value):
    with pytest.raises(search.SearchError, match="^date: "):
        search.date_period("date", [value])


# --- JSON -----------------------------------------------------------------------------------------

def test_courses_are_the_clinics_own_and_consenting_only(api, db, data):
    body = api("/api/v1/courses").get_json()
    assert body["total"] == 2 and body["limit"] == 50 and body["offset"] == 0
    assert [c["id"] for c in body["items"]] == [data["lumbar"], data["back"]]
    back = body["items"][1]
    assert back["patient"] == pseudonym(db, data["back"])
    assert back["pathway"] == "primary-low-back-pain" and back["status"] == "active"
    assert [t["key"] for t in back["timepoints"]][:2] == ["baseline", "final"]
    assert all(t["submitted_at"] for t in back["timepoints"][:2])
    assert "Test Patient" not in str(body)


def test_courses_come_in_pages(api, data):
    page = api("/api/v1/courses?limit=1&offset=1").get_json()
    assert [c["id"] for c in page["items"]] == [data["back"]] and page["total"] == 2


def test_a_courses_scores(api, data):
    body = api(f"/api/v1/courses/{data['back']}/scores").get_json()
    assert body["course"]["id"] == data["back"]
    assert {(r["timepoint"], r["instrument"], r["item"]) for r in body["items"]} >= {
        ("baseline", "odi", ""), ("final", "nprs", "back"), ("final", "psfs", "2")}
    assert set(body["items"][0]) == set(CSV_COLUMNS)


@pytest.mark.parametrize("which", ["foreign", "refused", "missing"])
def test_other_clinics_refused_and_unknown_courses_are_not_found(api, db, data, which):
    course_id = {"foreign": data["foreign"], "missing": 9999,
                 "refused": next(db.query("SELECT id FROM courses WHERE consent = 'refused'"))
                 ["id"]}[which]
    is_problem(api(f"/api/v1/courses/{course_id}/scores"), 404)


def test_scores_have_the_csv_columns_and_values(api, runner, db, data, clinic_id):
    body = api("/api/v1/scores").get_json()
    exported = list(csv.DictReader(io.StringIO(runner.invoke(args=["export-csv"]).output)))
    ours = [r for r in exported if int(r["course_id"]) in (data["lumbar"], data["back"])]
    assert body["total"] == len(ours) == len(body["items"])
    for row, line in zip(body["items"], ours, strict=True):
        assert {k: str(v) for k, v in row.items() if k not in ("value", "valid")} == \
            {k: v for k, v in line.items() if k not in ("value", "valid")}
        assert line["value"] == csv_value(row["value"])
        assert line["valid"] == str(row["valid"]).lower()


@pytest.mark.parametrize("read", ["api", "export-csv", "export-fhir"])
def test_since_is_a_day_in_clinic_time_everywhere(api, runner, db, content, enrol, read):
    """Submitted at 00:30 Copenhagen time on 2 March (23:30 UTC on 1 March): a day's
    export or search from 2 March has it, from 3 March does not; the same for every way in."""
    course_id = enrol(pathway="primary-low-back-pain", consent="given")[0]
    submit(db, content, course_id)
    db.execute("UPDATE timepoints SET submitted_at = '2026-03-01T23:30:00+00:00'"
               " WHERE submitted_at IS NOT NULL")

    def found(day: str) -> int:
        if read == "api":
            return api(f"/api/v1/scores?since={day}").get_json()["total"]
        output = runner.invoke(args=[read, "--since", day]).output
        if read == "export-csv":
            return len(list(csv.DictReader(io.StringIO(output))))
        return len([e for e in json.loads(output)["entry"]
                    if e["resource"]["resourceType"] == "QuestionnaireResponse"])
    assert found("2026-03-02") > 0
    assert found("2026-03-03") == 0


def test_scores_carry_the_gpe_and_every_risk_answer(api, db, data):
    """The GPE as a score (1 much better … 7 much worse), the risk questionnaire (no score)
    as one row per question with the answer as stored."""
    rows = api(f"/api/v1/courses/{data['back']}/scores").get_json()["items"]
    risk = {r["item"]: r["value"] for r in rows if r["instrument"] == "risk"}
    stored = json.loads(next(db.query(
        "SELECT answers FROM responses WHERE course_id = ? AND instrument = 'risk'",
        [data["back"]]))["answers"])
    assert set(risk) == set(RISK_ITEMS) == set(stored)
    for item, value in stored.items():
        assert risk[item] == (" ".join(value) if isinstance(value, list) else value), item
    assert {r["timepoint"] for r in rows if r["instrument"] == "risk"} == {"baseline"}
    gpe = [r for r in rows if r["instrument"] == "gpe"]
    assert [(r["timepoint"], r["value"], r["valid"]) for r in gpe] == [("final", 2.0, True)]


def test_scores_since_a_date(api, data):
    assert api(f"/api/v1/scores?since={TODAY + timedelta(days=1)}").get_json()["total"] == 0
    assert api(f"/api/v1/scores?since={TODAY - timedelta(days=1)}").get_json()["total"] > 0


@pytest.mark.parametrize("query, parameter", [
    ("/courses?limit=0", "limit"), ("/courses?limit=501", "limit"), ("/courses?limit=ten", "limit"),
    ("/courses?offset=-1", "offset"), ("/courses?limit=1.5", "limit"),
    ("/scores?since=2026-13-01", "since"), ("/scores?since=20260101", "since"),
    ("/scores?since=yesterday", "since"),
    ("/fhir/QuestionnaireResponse?date=ne2026-01-01", "date"),
    ("/fhir/QuestionnaireResponse?date=2026-02-30", "date"),
    ("/fhir/QuestionnaireResponse?date=2026-01-01T10:00", "date"),
    ("/fhir/QuestionnaireResponse?patient=Anna", "patient"),
    ("/fhir/Observation?code=a%20b", "code"), ("/fhir/Observation?code=%7Cx", "code"),
    ("/fhir/Observation?_count=501", "_count"), ("/courses?dat=2026", "dat"),
    ("/fhir/QuestionnaireResponse?code=nprs", "code"),
    ("/scores?since=9999-12-31", "since"), ("/scores?since=1999-12-31", "since"),
    ("/fhir/Observation?date=ge1999-12-31", "date"), ("/fhir/Observation?date=lt2099", "date"),
    ("/courses?offset=99999999999999999999999", "offset"),
])
def test_malformed_parameters_get_400_naming_the_parameter(api, query, parameter):
    if query.startswith("/fhir/"):  # FHIR routes answer FHIR's own OperationOutcome
        (issue,) = is_outcome(api(f"/api/v1{query}"), 400)["issue"]
        assert issue["expression"] == [parameter] and issue["diagnostics"].startswith(parameter)
        return
    body = is_problem(api(f"/api/v1{query}"), 400)
    assert body["parameter"] == parameter and body["detail"].startswith(parameter)


def test_dates_in_the_api_keep_to_the_window_of_every_other_input(api):
    last = date_window()[1]
    for query in (f"/scores?since={last}", "/scores?since=2000-01-01",
                  f"/fhir/Observation?date=le{last}", "/fhir/Observation?date=ge2000"):
        assert api(f"/api/v1{query}").status_code == 200, query
    detail = is_problem(api("/api/v1/scores?since=0001-01-01"), 400)["detail"]
    assert f"from 2000-01-01 to {last}" in detail


def test_unknown_addresses_get_a_problem_too(api):
    is_problem(api("/api/v1/patients"), 404)
    is_problem(api("/api/v1/courses/abc/scores"), 404)


# --- FHIR search ----------------------------------------------------------------------------------

def searchset(response) -> dict:
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle = response.get_json()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "searchset"
    for entry in bundle["entry"]:
        validate(entry["resource"])
        assert entry["search"] == {"mode": "match"}
    return bundle


def submitted_instruments(db, course_id: int) -> list[str]:
    """What the course's submitted timepoints asked: their questionnaires and the safety check."""
    return [instrument for tp in courses.list_timepoints(db, course_id) if tp["submitted_at"]
            for instrument in [*tp["questionnaires"], "safety"]]


def test_questionnaire_responses_by_patient_and_date(api, db, data):
    everything = searchset(api("/api/v1/fhir/QuestionnaireResponse"))
    # one per questionnaire (and safety check) of each submitted timepoint
    asked = {course: submitted_instruments(db, data[course]) for course in ("lumbar", "back")}
    assert everything["total"] == sum(map(len, asked.values()))
    patient = pseudonym(db, data["back"])
    mine = searchset(api(f"/api/v1/fhir/QuestionnaireResponse?patient=Patient/{patient}"))
    assert mine["total"] == len(asked["back"])
    assert {e["resource"]["subject"]["reference"] for e in mine["entry"]} == {
        f"Patient/{patient}"}
    tomorrow = TODAY + timedelta(days=1)
    assert searchset(api(f"/api/v1/fhir/QuestionnaireResponse?date=ge{tomorrow}"))[
        "total"] == 0
    window = f"date=ge{TODAY - timedelta(days=1)}&date=lt{tomorrow}"
    for query in (window, f"date={TODAY}"):
        found = searchset(api(f"/api/v1/fhir/QuestionnaireResponse?{query}"))
        assert found["total"] == everything["total"], query


def test_observations_by_code(api, data):
    nprs = searchset(api("/api/v1/fhir/Observation?code=http://loinc.org|72514-3"))
    assert nprs["total"] == 2 * 3  # back and leg, on every course of the low back
    assert {e["resource"]["bodySite"]["coding"][0]["code"] for e in nprs["entry"]} == \
        {"back", "leg"}
    odi = searchset(api("/api/v1/fhir/Observation?code=odi-score"))
    assert odi["total"] == 3


def test_search_results_come_in_pages_with_a_next_link(api, data):
    first = searchset(api("/api/v1/fhir/Observation?_count=2"))
    assert len(first["entry"]) == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    second = searchset(api(links["next"].removeprefix("http://localhost")))
    assert second["total"] == first["total"]
    assert second["entry"][0]["fullUrl"] not in {e["fullUrl"] for e in first["entry"]}


@pytest.mark.parametrize("code, valid", [
    ("72514-3", True), ("http://loinc.org|72514-3", True), ("odi-score", True),
    ("\x1f\x90", False), ("\x1c", False), ("a b", False), ("a\u00a0b", False), ("a||b", False),
    ("|a", False), ("æ", False)])
def test_the_code_search_takes_what_its_document_promises(api, code, valid):
    """Python's \\s also matches \\x1c-\\x1f, ECMA's does not: the pattern names its characters."""
    response = api(f"/api/v1/fhir/Observation?code={quote(code)}")
    assert response.status_code == (200 if valid else 400)
    assert bool(re.match(search.CODE_SEARCH, code)) is valid and "\\s" not in search.CODE_SEARCH


# --- the OpenAPI document, and schemathesis against it --------------------------------------------

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def test_the_openapi_document_needs_no_key_and_describes_every_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.0")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    routes = {(re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")), method)
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              and rule.endpoint not in ("api.not_found", "api.no_such_change")
              for method in rule.methods & METHODS}
    assert routes == {(path, method.upper()) for path, item in document["paths"].items()
                      for method in item}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path != "/openapi.json":
                assert {"400", "401", "403", "429"} <= set(operation["responses"]), path
                assert {"200", "201"} & set(operation["responses"]), path
            if method != "get":
                assert "422" in operation["responses"] and "403" in operation["responses"]
                assert ("Idempotency-Key" in str(operation["parameters"])) == (method == "post")


@pytest.fixture
def api_schema(make_app, content):
    """The API of a clinic with data, loaded by schemathesis from its own OpenAPI document,
    and a write key (it may do everything a read key may, and more)."""
    app = make_app(API_RATE_LIMIT=100_000, API_AUTH_FAILURE_LIMIT=100_000)
    db = connect(app.config["DATABASE"])
    clinic = save_clinic(db, "Fysio Schema", alert_emails="vagt@fysio-schema.example")
    for pathway in ("lumbar-radiculopathy", "cervical-radiculopathy"):
        course_id = courses.enrol(db, courses.NewPatient(clinic, "P"),
                                  content.pathway(pathway), TODAY)
        courses.record_consent(db, course_id, "given")
        submit(db, content, course_id)
    for _ in range(3):  # courses the write operations can find and change
        courses.enrol(db, courses.NewPatient(clinic, "Q"), content.pathway("primary-low-back-pain"),
                      TODAY)
    key = api_db.save_api_key(db, clinic, "schemathesis", None, "write")[1]
    db.close()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), key


# schemathesis' own pytest integration (schema.parametrize, from_fixture) does not run
# under pytest 9, so each operation is driven through Hypothesis here instead.
OPERATIONS = sorted((path, method.upper()) for path, item in openapi.document()["paths"].items()
                    for method in item)
# Operations that take nothing (the OpenAPI document, the FHIR CapabilityStatement): no
# input can be wrong, so there is no negative case to generate.
WITHOUT_INPUT = {path for path, item in openapi.document()["paths"].items()
                 for operation in item.values()
                 if not operation.get("parameters") and "requestBody" not in operation}
load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if not is_check_class(check)]
SCHEMATHESIS = settings(max_examples=25, derandomize=True, deadline=None, database=None,
                        suppress_health_check=list(HealthCheck))


def test_every_check_schemathesis_has_is_run():
    assert {c.__name__ for c in ALL_CHECKS} >= {
        "not_a_server_error", "status_code_conformance", "content_type_conformance",
        "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
        "positive_data_acceptance", "missing_required_header", "unsupported_method",
        "use_after_free", "ensure_resource_availability", "ignored_auth"}


@pytest.mark.parametrize("path, method, mode", [
    *((path, method, GenerationMode.POSITIVE) for path, method in OPERATIONS),
    *((path, method, GenerationMode.NEGATIVE) for path, method in OPERATIONS
      if path not in WITHOUT_INPUT)])
def test_the_api_keeps_to_its_openapi_document(api_schema, path, method, mode):
    """No 5xx, and every answer (status, headers, body) as the document says: every check."""
    schema, key = api_schema
    # A body the document allows may still break a rule no schema can say (a referral after
    # the first visit, an e-mail address without a domain): 422 is the right answer then.
    excluded = [] if method == "GET" else [positive_data_acceptance]

    @given(case=schema[path][method].as_strategy(generation_mode=mode))
    @SCHEMATHESIS
    def check(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"},
                               checks=[c for c in ALL_CHECKS if c not in excluded])

    check()


def test_the_document_links_a_course_to_its_scores_and_its_patients_resources(api_schema):
    schema, _ = api_schema
    links = openapi.document()["paths"]["/courses"]["get"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "listCourseScores", "searchQuestionnaireResponses", "searchObservations"}
    transitions = " ".join(dir(schema.as_state_machine()))  # schemathesis' rule per link
    assert all(f"GET_courses___200_{name}__" in transitions for name in links)


def test_the_api_keeps_to_its_document_across_linked_calls(api_schema):
    """Stateful: a course from the list, then its scores and its patient's FHIR resources."""
    schema, key = api_schema
    headers = {"Authorization": f"Bearer {key}"}
    answered = set()

    class Api(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def after_call(self, response, case):
            answered.add((case.operation.path, response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # As above: a change the document allows may break a rule it cannot say (422).
            checks = ALL_CHECKS if case.method == "GET" else \
                [c for c in ALL_CHECKS if c is not positive_data_acceptance]
            case.validate_response(response, checks=checks, headers=headers,
                                   transport_kwargs=kwargs)

    Api.run(settings=settings(SCHEMATHESIS, max_examples=15, stateful_step_count=4))
    # The links were followed: a course from an earlier answer was found, not guessed at.
    assert any("{course_id}" in path and status == 200 for path, status in answered)


# --- admin pages: keys and the CSV download -------------------------------------------------------


def test_an_admin_creates_a_key_that_is_shown_once_and_works(client, db, clinic_id):
    sign_in_as(client, db, clinic_id)
    response = client.post("/clinic/admin/api-keys",
                           data={"name": "  Journal  ", "scope": "read"})
    assert response.status_code == 200
    key = response.page.select_one("#api-key")["value"]
    assert key.startswith("pa_")
    listing = client.get("/clinic/admin/api-keys").page
    assert key not in str(listing) and key[:8] in listing.text and "Journal" in listing.text
    assert client.raw.get("/api/v1/courses", headers={"Authorization": f"Bearer {key}"}
                          ).status_code == 200
    assert next(db.query("SELECT action FROM audit_log WHERE action = 'create-api-key'"))


def test_a_key_needs_a_name(client, db, clinic_id):
    sign_in_as(client, db, clinic_id)
    response = client.post("/clinic/admin/api-keys", data={"name": "   ", "scope": "read"})
    assert response.status_code == 400
    assert [a["href"] for a in response.page.select(".error-summary a")] == ["#name"]


def test_an_admin_revokes_a_key(client, db, clinic_id, key):
    sign_in_as(client, db, clinic_id)
    key_id = api_db.find_api_key(db, key)["id"]
    response = client.post(f"/clinic/admin/api-keys/{key_id}/revoke")
    assert response.status_code == 302
    assert "revoked" in client.follow(response).page.text
    assert client.raw.get("/api/v1/courses", headers={"Authorization": f"Bearer {key}"}
                          ).status_code == 403


def test_another_clinics_key_cannot_be_revoked(client, db, clinic_id):
    other = save_clinic(db, "Anden Klinik")
    key_id, _ = api_db.save_api_key(db, other, "Theirs", None)
    sign_in_as(client, db, clinic_id)
    assert client.post(f"/clinic/admin/api-keys/{key_id}/revoke").status_code == 404
    assert api_db.list_api_keys(db, other)[0]["revoked_at"] is None


@pytest.mark.parametrize("url, method", [("/clinic/admin/api-keys", "GET"),
                                         ("/clinic/admin/api-keys", "POST"),
                                         ("/clinic/admin/api-keys/1/revoke", "POST"),
                                         ("/clinic/admin/export.csv", "GET")])
def test_keys_and_the_csv_are_for_admins_only(client, db, clinic_id, url, method):
    assert "/clinic/login" in client.raw.open(url, method=method).headers["Location"]
    sign_in_as(client, db, clinic_id, role="clinician")
    assert client.raw.open(url, method=method).status_code == 403


def test_revoking_needs_a_csrf_token(app, make_app, db, clinic_id):
    app = make_app(DATABASE=app.config["DATABASE"], WTF_CSRF_ENABLED=True)
    client = app.test_client()
    save_clinician(db, clinic_id, "admin@clinic.example", "Admin", PASSWORD, "admin")
    page = client.get("/clinic/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    client.post("/clinic/login", data={"email": "admin@clinic.example", "password": PASSWORD,
                                       "csrf_token": token})
    key_id, _ = api_db.save_api_key(db, clinic_id, "Journal", None)
    assert client.post(f"/clinic/admin/api-keys/{key_id}/revoke").status_code == 400
    assert api_db.list_api_keys(db, clinic_id)[0]["revoked_at"] is None


def test_the_csv_download_is_the_export_of_the_clinic(client, runner, db, clinic_id, data):
    sign_in_as(client, db, clinic_id)
    response = client.get("/clinic/admin/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    lines = response.get_data(as_text=True).splitlines()
    everything = runner.invoke(args=["export-csv"]).output.splitlines()
    assert lines[0] == everything[0] == ",".join(CSV_COLUMNS)
    foreign = f"{data['foreign']},"
    assert lines[1:] == [line for line in everything[1:] if not line.startswith(foreign)]
    assert next(db.query("SELECT detail FROM audit_log WHERE action = 'export-csv'"))[
        "detail"] == str(len(lines) - 1)
    assert "export.csv" in client.get("/clinic/admin/deliveries").page.decode()


def test_create_api_key_command_prints_a_working_key(runner, client, clinic_id):
    result = runner.invoke(args=["create-api-key", "--clinic", "Fysio Test", "--name", "Sys"])
    assert result.exit_code == 0
    key = result.output.strip()
    assert client.raw.get("/api/v1/courses", headers={"Authorization": f"Bearer {key}"}
                          ).status_code == 200
    assert runner.invoke(args=["create-api-key", "--clinic", "Nope", "--name", "x"]
                         ).exit_code == 2


def test_a_wrong_method_under_the_api_is_a_problem_document(client):
    response = client.raw.delete("/api/v1/courses")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 405 and "GET" in response.headers["Allow"]
