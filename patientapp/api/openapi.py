"""The OpenAPI 3.0 document of the read API, served at ``/api/v1/openapi.json``.

Written by hand and kept next to the views; the parameter patterns come from
``search.py`` so the document and the validation cannot drift apart. The tests run
schemathesis against it.
"""

from __future__ import annotations

from ..fhir import appointments
from ..queries import ANSWERED_INSTRUMENTS
from ..scoring import INSTRUMENTS
from . import search, writes

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problem_response(description: str, headers: dict | None = None) -> dict:
    found = {"description": description,
             "content": {"application/problem+json": {"schema": PROBLEM}}}
    if headers:
        found["headers"] = headers
    return found


def _page_parameters(limit: str, offset: str) -> list[dict]:
    return [
        {"name": limit, "in": "query", "required": False,
         "description": "How many items to return.",
         "schema": {"type": "integer", "minimum": 1, "maximum": search.MAX_LIMIT,
                    "default": 50}},
        {"name": offset, "in": "query", "required": False,
         "description": "How many items to skip.",
         "schema": {"type": "integer", "minimum": 0, "maximum": search.MAX_OFFSET,
                    "default": 0}},
    ]


PATIENT = {"name": "patient", "in": "query", "required": False,
           "description": "The patient's pseudonym, with or without 'Patient/'.",
           "schema": {"type": "string", "pattern": search.PATIENT}}
def _date() -> dict:
    return {**DATE, "schema": {"type": "array", "items": {
        "type": "string", "pattern": search.date_search_pattern()}}}


def _since() -> dict:
    return {**SINCE, "schema": {"type": "string", "pattern": search.day_pattern()}}


DATE = {"name": "date", "in": "query", "required": False, "style": "form", "explode": True,
        "description": "FHIR date search on the submission time, e.g. ge2026-01-01; repeat it "
                       "for a range (all must hold). Dates are in the clinic's time zone "
                       "(Europe/Copenhagen). Prefixes: eq (default), gt, lt, ge, le.",
        "schema": {}}
CODE = {"name": "code", "in": "query", "required": False,
        "description": "The score's code, as code or system|code (LOINC or the project's own "
                       "code system, <FHIR base>/CodeSystem/scores).",
        "schema": {"type": "string", "pattern": search.CODE_SEARCH}}
SINCE = {"name": "since", "in": "query", "required": False,
         "description": "Only scores submitted on or after this date (YYYY-MM-DD, UTC).",
         "schema": {}}

ERRORS = {"400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "429": {"$ref": "#/components/responses/TooManyRequests"}}


def _operation(operation_id: str, summary: str, parameters: list[dict], ok: dict,
               not_found: bool = False) -> dict:
    responses = {"200": ok, **ERRORS}
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {"get": {"operationId": operation_id, "summary": summary, "parameters": parameters,
                    "responses": responses}}


def _json(description: str, schema: str, links: dict | None = None) -> dict:
    reference = {"$ref": f"#/components/schemas/{schema}"}
    found = {"description": description, "content": {"application/json": {"schema": reference}}}
    if links:
        found["links"] = links
    return found


# Where a listed course leads: its scores, and its patient's FHIR resources.
COURSE_LINKS = {
    "CourseScores": {"operationId": "listCourseScores",
                     "parameters": {"course_id": "$response.body#/items/0/id"},
                     "description": "The scores of the first course on the page."},
    "PatientQuestionnaireResponses": {
        "operationId": "searchQuestionnaireResponses",
        "parameters": {"patient": "$response.body#/items/0/patient"},
        "description": "The completed questionnaires of the first course's patient."},
    "PatientObservations": {
        "operationId": "searchObservations",
        "parameters": {"patient": "$response.body#/items/0/patient"},
        "description": "The scores of the first course's patient, as Observations."},
}


def _fhir(description: str, schema: str = "SearchsetBundle") -> dict:
    return {"description": description,
            "content": {"application/fhir+json": {"schema": {
                "$ref": f"#/components/schemas/{schema}"}}}}


# --- the FHIR read API: FHIR's own error body (OperationOutcome) and paging -------------------

def _outcome_response(description: str, headers: dict | None = None) -> dict:
    found = _fhir(description, "OperationOutcome")
    if headers:
        found["headers"] = headers
    return found


FHIR_ERRORS = {"400": {"$ref": "#/components/responses/FhirBadRequest"},
               "401": {"$ref": "#/components/responses/FhirUnauthorized"},
               "403": {"$ref": "#/components/responses/FhirForbidden"},
               "429": {"$ref": "#/components/responses/FhirTooManyRequests"}}
FHIR_PAGE = [
    {"name": "_count", "in": "query", "required": False,
     "description": "How many entries to return; 0 answers with the total only.",
     "schema": {"type": "integer", "minimum": 0, "maximum": search.MAX_LIMIT, "default": 50}},
    {"name": "_offset", "in": "query", "required": False, "description": "How many to skip.",
     "schema": {"type": "integer", "minimum": 0, "maximum": search.MAX_OFFSET, "default": 0}},
    {"name": "_summary", "in": "query", "required": False,
     "description": "count: the total only, no entries.",
     "schema": {"type": "string", "enum": ["count", "false"]}},
]


def _fhir_operation(operation_id: str, summary: str, parameters: list[dict], ok: dict,
                    not_found: str | None = None) -> dict:
    responses = {"200": ok, **FHIR_ERRORS}
    if not_found:
        responses["404"] = _outcome_response(not_found)
    return {"get": {"operationId": operation_id, "summary": summary, "parameters": parameters,
                    "responses": responses}}


def _fhir_id(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "pattern": search.FHIR_ID}}


def fhir_paths() -> dict:
    """GET /fhir/...: the CapabilityStatement, Questionnaires, and each resource by id."""
    gone = ("No such resource at the clinic, or its patient did not consent to passing "
            "answers on.")
    reads = {
        "QuestionnaireResponse": ("readQuestionnaireResponse", "response_id", "qr-<number>"),
        "Observation": ("readObservation", "observation_id", "obs-<number>"),
        "Flag": ("readFlag", "flag_id", "flag-<number>"),
        "Patient": ("readPatient", "patient_id", "The pseudonym, pa-<16 hex digits>"),
    }
    paths = {
        "/fhir/metadata": {"get": {
            "operationId": "getCapabilityStatement", "security": [],
            "summary": "FHIR CapabilityStatement: what this server does",
            "parameters": [], "responses": {
                "200": _fhir("The CapabilityStatement.", "FhirResource"),
                **{code: ref for code, ref in FHIR_ERRORS.items() if code in ("400", "429")},
                "401": {"$ref": "#/components/responses/FhirUnauthorized"},
                "403": {"$ref": "#/components/responses/FhirForbidden"}}}},
        "/fhir/Questionnaire": _fhir_operation(
            "searchQuestionnaires", "FHIR search: every questionnaire version in use",
            [QUESTIONNAIRE_URL, QUESTIONNAIRE_VERSION, *FHIR_PAGE],
            _fhir("A FHIR searchset Bundle of Questionnaire resources.")),
        "/fhir/Questionnaire/{questionnaire_id}": _fhir_operation(
            "readQuestionnaire", "FHIR read: one questionnaire version",
            [_fhir_id("questionnaire_id", "<instrument>-<version>")],
            _fhir("The Questionnaire.", "FhirResource"), "No Questionnaire with this id."),
    }
    for resource_type, (operation_id, name, form) in reads.items():
        paths[f"/fhir/{resource_type}/{{{name}}}"] = _fhir_operation(
            operation_id, f"FHIR read: one {resource_type}", [_fhir_id(name, form)],
            _fhir(f"The {resource_type}.", "FhirResource"), gone)
    return paths


QUESTIONNAIRE_URL = {"name": "url", "in": "query", "required": False,
                     "description": "The canonical URL, optionally followed by |version.",
                     "schema": {"type": "string", "pattern": search.CANONICAL}}
QUESTIONNAIRE_VERSION = {"name": "version", "in": "query", "required": False,
                         "description": "The version (the content version of the wording).",
                         "schema": {"type": "string", "pattern": search.CANONICAL}}


NULLABLE_STRING = {"type": "string", "nullable": True}

SCHEMAS = {
    "Problem": {
        "type": "object", "required": ["type", "title", "status", "detail"],
        "description": "RFC 7807 problem details.",
        "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                       "status": {"type": "integer"}, "detail": {"type": "string"},
                       "parameter": {"type": "string"},
                       "errors": {"type": "array", "description": "Every wrong field (422).",
                                  "items": {"$ref": "#/components/schemas/FieldError"}}}},
    "FieldError": {
        "type": "object", "required": ["field", "detail"],
        "properties": {"field": {"type": "string", "description": "The field, or 'body'."},
                       "detail": {"type": "string"}}},
    "Timepoint": {
        "type": "object", "required": ["key", "code", "visit_date", "submitted_at"],
        "properties": {"key": {"type": "string", "example": "baseline"},
                       "code": {"type": "string", "description": "The service code."},
                       "visit_date": {"type": "string", "format": "date"},
                       "submitted_at": {**NULLABLE_STRING, "format": "date-time"}}},
    "Course": {
        "type": "object",
        "required": ["id", "pathway", "status", "patient", "first_visit", "timepoints",
                     "external_id", "consent"],
        "properties": {"id": {"type": "integer"}, "pathway": {"type": "string"},
                       "status": {"type": "string", "enum": ["active", "ended"]},
                       "external_id": {**NULLABLE_STRING,
                                       "description": "The clinic's own reference."},
                       "consent": {"type": "string",
                                   "enum": ["unknown", "given", "refused", "withdrawn"]},
                       "patient": {"type": "string", "description": "The pseudonym."},
                       "first_visit": {"type": "string", "format": "date"},
                       "timepoints": {"type": "array",
                                      "items": {"$ref": "#/components/schemas/Timepoint"}}}},
    "Score": {
        "type": "object", "description": "One score, or one answer of the risk questionnaire"
                                         " (which has no score); the columns of"
                                         " `flask export-csv`.",
        "required": ["course_id", "pathway", "timepoint", "instrument", "item", "value",
                     "valid", "submitted_at", "completed_in", "completed_by"],
        "properties": {"course_id": {"type": "integer"}, "pathway": {"type": "string"},
                       "timepoint": {"type": "string"},
                       "instrument": {"type": "string",
                                      "enum": [*INSTRUMENTS, *ANSWERED_INSTRUMENTS]},
                       "item": {"type": "string",
                                "description": "NPRS site, PSFS activity number, the risk "
                                "question's id, or empty."},
                       "value": {"anyOf": [
                           {"type": "number", "nullable": True},
                           {"type": "string", "description": "A risk answer as stored: the "
                            "answer's id, or the ticked pain sites' ids separated by spaces."}]},
                       "valid": {"type": "boolean"},
                       "submitted_at": {"type": "string", "format": "date-time"},
                       "completed_in": {"type": "string", "enum": ["link", "consultation"],
                                        "description": "Sent by the patient from their link, "
                                        "or filled in with the patient in the consultation."},
                       "completed_by": {"type": "string", "description": "The clinician "
                                        "who filled it in with the patient; empty otherwise."}}},
    "CourseList": {
        "type": "object", "required": ["items", "limit", "offset", "total"],
        "properties": {"items": {"type": "array",
                                 "items": {"$ref": "#/components/schemas/Course"}},
                       "limit": {"type": "integer"}, "offset": {"type": "integer"},
                       "total": {"type": "integer"}}},
    "ScoreList": {
        "type": "object", "required": ["items", "limit", "offset", "total"],
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Score"}},
                       "limit": {"type": "integer"}, "offset": {"type": "integer"},
                       "total": {"type": "integer"}}},
    "CourseScores": {
        "type": "object", "required": ["course", "items"],
        "properties": {"course": {"$ref": "#/components/schemas/Course"},
                       "items": {"type": "array",
                                 "items": {"$ref": "#/components/schemas/Score"}}}},
    "OperationOutcome": {
        "type": "object", "required": ["resourceType", "issue"],
        "description": "A FHIR R4 OperationOutcome: the error body of the FHIR routes.",
        "properties": {
            "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
            "issue": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["severity", "code"],
                "properties": {"severity": {"type": "string"}, "code": {"type": "string"},
                               "diagnostics": {"type": "string"},
                               "expression": {"type": "array",
                                              "items": {"type": "string"}}}}}}},
    "FhirResource": {
        "type": "object", "required": ["resourceType"],
        "description": "A FHIR R4 resource (validated with fhir.resources in the tests).",
        "properties": {"resourceType": {"type": "string"}, "id": {"type": "string"}}},
    "SearchsetBundle": {
        "type": "object", "required": ["resourceType", "type", "total"],
        "description": "A FHIR R4 Bundle of type searchset (no entry with _summary=count).",
        "properties": {
            "resourceType": {"type": "string", "enum": ["Bundle"]},
            "type": {"type": "string", "enum": ["searchset"]},
            "total": {"type": "integer"},
            "link": {"type": "array", "items": {
                "type": "object", "required": ["relation", "url"],
                "properties": {"relation": {"type": "string"}, "url": {"type": "string"}}}},
            "entry": {"type": "array", "items": {
                "type": "object", "required": ["fullUrl", "resource"],
                "properties": {"fullUrl": {"type": "string"},
                               "resource": {"type": "object", "required": ["resourceType", "id"]},
                               "search": {"type": "object"}}}}}},
}

RESPONSES = {
    "BadRequest": _problem_response("A query parameter is malformed; `detail` says which."),
    "Unauthorized": _problem_response(
        "No API key, or one that is not valid.",
        {"WWW-Authenticate": {"schema": {"type": "string"},
                              "description": "Bearer realm=\"patientapp\""}}),
    "Forbidden": _problem_response("The API key has been revoked, or (for a change) it is "
                                   "a read key."),
    "NotFound": _problem_response("No such course of this clinic, or its patient did not "
                                  "consent to passing answers on."),
    "Unprocessable": _problem_response("The body is not right: `errors` names every wrong "
                                       "field. Nothing was written."),
    "TooManyRequests": _problem_response(
        "Too many requests (per key), or too many failed attempts (per address).",
        {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}),
    "FhirBadRequest": _outcome_response("A query parameter is malformed; the issue's "
                                        "expression names it."),
    "FhirUnauthorized": _outcome_response(
        "No API key, or one that is not valid.",
        {"WWW-Authenticate": {"schema": {"type": "string"},
                              "description": "Bearer realm=\"patientapp\""}}),
    "FhirForbidden": _outcome_response("The API key has been revoked, or (for the "
                                       "Appointment) it is a read key."),
    "FhirTooManyRequests": _outcome_response(
        "Too many requests (per key), or too many failed attempts (per address).",
        {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}),
}

DESCRIPTION = """\
Read access for a clinic's own systems. Every request needs one of the clinic's API
keys (an admin creates them under /clinic/admin/api-keys) as `Authorization: Bearer <key>`,
and sees only that clinic's data, and only courses whose patient consented to passing
their answers on. Errors are RFC 7807 problem details, except on the FHIR routes
(/fhir/...), which answer a FHIR OperationOutcome. GET /fhir/metadata (the FHIR
CapabilityStatement) needs no key. Requests are limited per key and failed attempts per
address (429 with Retry-After)."""


EXTERNAL_ID = {"name": "external_id", "in": "query", "required": False,
               "description": "Only the course with this reference of the clinic's own.",
               "schema": {"type": "string", "pattern": search.EXTERNAL_ID}}
WRITE_DESCRIPTION = """

**Changes** (enrol, move a visit, end, consent, contact details) need a key with the
`write` scope; a read key gets 403. A write key sees every course of its clinic (without
answers), whatever the consent; scores and FHIR resources stay for consenting patients.
Wrong input is 422 with `errors` naming every wrong field, and nothing is written.
Every POST takes an `Idempotency-Key` header (e.g. a UUID): the same key with the same
request replays the first answer (header `Idempotent-Replayed: true`) and changes nothing;
with another request it is 422. Answers are kept for 24 hours, without any patient link."""


def _write(operation_id: str, summary: str, ok_status: str, ok: dict,
           body: str | None = None, *, idempotent: bool = False, not_found: bool = True,
           parameters: list[dict] | None = None, conflict: str | None = None,
           description: str = "") -> dict:
    responses = {ok_status: ok, **ERRORS,
                 "422": {"$ref": "#/components/responses/Unprocessable"}}
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    if idempotent:
        conflict = " ".join(filter(None, [conflict, "A request with this Idempotency-Key is "
                                                    "still being handled."]))
    if conflict:
        responses["409"] = _problem_response(conflict)
    operation = {"operationId": operation_id, "summary": summary,
                 "parameters": [*(parameters or []), *([IDEMPOTENCY_KEY] if idempotent else [])],
                 "responses": responses}
    if description:
        operation["description"] = description
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}}
    return operation


IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": False,
                   "description": "Makes a retry safe: see the API's description.",
                   "schema": {"type": "string", "pattern": r"^[!-~]{1,255}$"}}
COURSE_ID = {"name": "course_id", "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": search.MAX_ID}}
TIMEPOINT_KEY = {"name": "timepoint", "in": "path", "required": True,
                 "description": "The timepoint's key, e.g. baseline, week-2, final.",
                 "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$"}}
TEXT = {"type": "string", "maxLength": writes.MAX_TEXT}
# The window of the year the process started in (the document is rebuilt at each start).
DAY_STRING = {"type": "string", "pattern": search.day_pattern(), "example": "2026-03-02"}
LANGUAGE = {"type": "string", "enum": ["da", "en"]}


def write_schemas(pathways: list[str] | None) -> dict:
    """The request bodies of the write API (and the answer to an enrolment)."""
    pathway = {**TEXT, "description": "The pathway's id."}
    if pathways:
        pathway["enum"] = sorted(pathways)
    nullable = {**TEXT, "nullable": True}
    return {
        "NewCourse": {
            "type": "object", "additionalProperties": False,
            "required": list(writes.ENROL_REQUIRED),
            "properties": {
                "pathway": pathway,
                "name": {**TEXT, "description": "The patient's name (1-200 characters); only "
                                                "the clinic sees it."},
                "first_visit": {**DAY_STRING, "description": "The first consultation."},
                "referral_date": {**DAY_STRING, "nullable": True,
                                  "description": "Not after the first visit; follow-ups must "
                                                 "fall within 12 months of it."},
                "email": {**nullable, "description": "Where invitations are e-mailed."},
                "phone": {**nullable, "description": "8 digits, or + and the country code."},
                "language": {**LANGUAGE, "default": "da"},
                "external_id": {"type": "string", "nullable": True,
                                "pattern": search.EXTERNAL_ID,
                                "description": "The clinic's own reference, unique in the "
                                               "clinic; never a CPR number."},
                "entry_code": {"type": "string", "nullable": True, "pattern": r"^[0-9]{4}$",
                               "description": "The service code of the course's first "
                                              "questionnaire consultation, as the browser's "
                                              "enrol form offers it: null for the usual one "
                                              "(0261, 0241, 0231); 0262 (the same day as "
                                              "0110), 0242 or 0232 (switching from an "
                                              "ongoing course) for that pathway."},
                "issue_link": {"type": "boolean", "default": False,
                               "description": "Answer with the patient's link, shown once."}}},
        "CreatedCourse": {
            "allOf": [{"$ref": "#/components/schemas/Course"}, {
                "type": "object", "required": ["link", "warnings"],
                "properties": {
                    "link": {**NULLABLE_STRING,
                             "description": "The patient's link, when asked for and allowed."},
                    "warnings": {"type": "array", "items": {
                        "$ref": "#/components/schemas/Warning"}}}}]},
        "Warning": {
            "type": "object", "required": ["code", "detail"],
            "properties": {"code": {"type": "string", "enum": [
                "links-held-back", "no-open-questionnaire", "link-shown-once"]},
                "detail": {"type": "string"}}},
        "VisitDate": {"type": "object", "additionalProperties": False, "required": ["date"],
                      "properties": {"date": DAY_STRING}},
        "Consent": {"type": "object", "additionalProperties": False, "required": ["status"],
                    "properties": {"status": {"type": "string",
                                              "enum": list(writes.CONSENTS)}}},
        "ContactChange": {
            "type": "object", "additionalProperties": False, "minProperties": 1,
            "properties": {"email": {**nullable, "description": "null or \"\" removes it."},
                           "phone": {**nullable, "description": "null or \"\" removes it."},
                           "language": LANGUAGE}},
        "Nothing": {"type": "object", "additionalProperties": False, "maxProperties": 0},
    }


def write_paths() -> dict:
    course = _json("The course as it is now.", "Course")
    return {
        "/courses": {"post": _write(
            "createCourse", "Enrol a patient on a course", "201",
            _json("The course, with the link when asked for.", "CreatedCourse"), "NewCourse",
            idempotent=True, not_found=False,
            description="The rules and messages are the browser's. With `issue_link` and "
                        "no alarm alert address at the clinic, the patient is enrolled "
                        "without a link and `warnings` says why.")},
        "/courses/{course_id}/visits/{timepoint}": {"put": _write(
            "moveVisit", "Move a visit", "200", course, "VisitDate",
            parameters=[COURSE_ID, TIMEPOINT_KEY],
            conflict="The course has ended, or the visit's answers are in.",
            description="Invitations not yet sent follow the new date; a moved final "
                        "consultation moves the follow-ups anchored on it.")},
        "/courses/{course_id}/end": {"post": _write(
            "endCourse", "End a course: no further invitations", "200", course,
            idempotent=True, parameters=[COURSE_ID])},
        "/courses/{course_id}/consent": {"put": _write(
            "recordConsent", "Record the patient's decision on passing answers on", "200",
            course, "Consent", parameters=[COURSE_ID])},
        "/courses/{course_id}": {"patch": _write(
            "changeContact", "Change the patient's contact details or language", "200",
            course, "ContactChange", parameters=[COURSE_ID])},
    }


APPOINTMENT_ID = {"name": "appointment_id", "in": "path", "required": True,
                  "description": "The booking system's id of the appointment (a FHIR id).",
                  "schema": {"type": "string", "pattern": r"^[A-Za-z0-9\-.]{1,64}$"}}


def appointment_paths() -> dict:
    resource = {"description": "The Appointment as received.",
                "content": {"application/fhir+json": {"schema": {
                    "$ref": "#/components/schemas/Appointment"}}}}
    operation = _write(
        "putAppointment", "An appointment from the booking system: create or move its visit",
        "200", resource, "Appointment", parameters=[APPOINTMENT_ID],
        not_found=False, conflict="The course has ended, or the visit's answers are in.",
        description="serviceType's service code picks the timepoint (README: the mapping "
                    "per pathway), a participant's actor.identifier.value the course (its "
                    "external_id), start the day. booked, arrived, checked-in, fulfilled: "
                    "the visit is on that day; cancelled, noshow, entered-in-error: its "
                    "invitation stops until it is booked again; proposed, pending, waitlist: "
                    "nothing changes yet. Sent again unchanged, nothing changes. 422 says why "
                    "an Appointment cannot be mapped.")
    operation["responses"]["201"] = {**resource, "description": "The first time this id "
                                                               "was sent."}
    # A FHIR route: every error is an OperationOutcome, as on the read routes.
    operation["responses"].update({
        **FHIR_ERRORS,
        "409": _outcome_response("The course has ended, or the visit's answers are in."),
        "422": _outcome_response("The Appointment is not right or cannot be mapped: one issue "
                                 "per problem, its expression naming the element. Nothing "
                                 "was written.")})
    return {"/fhir/Appointment/{appointment_id}": {"put": operation}}


APPOINTMENT = {
    "type": "object", "description": "A FHIR R4 Appointment (checked in full by the server).",
    "required": ["resourceType", "status", "participant"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["Appointment"]},
        "id": {"type": "string", "pattern": r"^[A-Za-z0-9\-.]{1,64}$"},
        "status": {"type": "string", "enum": list(appointments.STATUSES)},
        "start": {"type": "string", "format": "date-time"},
        "serviceType": {"type": "array", "items": {"type": "object", "properties": {
            "coding": {"type": "array", "items": {"type": "object", "properties": {
                "system": {"type": "string"}, "code": {"type": "string"}}}}}}},
        "participant": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["status"], "properties": {
                "status": {"type": "string"},
                "actor": {"type": "object", "properties": {
                    "type": {"type": "string"},
                    "identifier": {"type": "object", "properties": {
                        "system": {"type": "string"}, "value": {"type": "string"}}}}}}}}}}


def _merge(paths: dict, more: dict) -> dict:
    merged = {path: dict(item) for path, item in paths.items()}
    for path, item in more.items():
        merged.setdefault(path, {}).update(item)
    return merged


def document(pathways: list[str] | None = None) -> dict:
    """The whole OpenAPI document; ``pathways`` names the pathway ids the app knows."""
    found = _read_document()
    found["paths"] = _merge(found["paths"], {**write_paths(), **appointment_paths(),
                                             **fhir_paths()})
    found["components"]["schemas"] = {**SCHEMAS, **write_schemas(pathways),
                                      "Appointment": APPOINTMENT}
    return found


def _read_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "patientapp API", "version": "1.1.0",
                 "description": DESCRIPTION + WRITE_DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/courses": _operation("listCourses", "The clinic's courses with their timepoints",
                                   [EXTERNAL_ID, *_page_parameters("limit", "offset")],
                                   _json("A page of courses, oldest first.", "CourseList",
                                         COURSE_LINKS)),
            "/courses/{course_id}/scores": _operation(
                "listCourseScores", "Every score of one course",
                [{"name": "course_id", "in": "path", "required": True,
                  "schema": {"type": "integer", "minimum": 1, "maximum": search.MAX_ID}}],
                _json("The course and its scores.", "CourseScores"), not_found=True),
            "/scores": _operation("listScores", "Scores of all courses (the CSV's columns)",
                                  [_since(), *_page_parameters("limit", "offset")],
                                  _json("A page of scores.", "ScoreList")),
            "/fhir/QuestionnaireResponse": _fhir_operation(
                "searchQuestionnaireResponses", "FHIR search: completed questionnaires",
                [PATIENT, _date(), *FHIR_PAGE],
                _fhir("A FHIR searchset Bundle of QuestionnaireResponse resources.")),
            "/fhir/Observation": _fhir_operation(
                "searchObservations", "FHIR search: scores as Observations",
                [PATIENT, _date(), CODE, *FHIR_PAGE],
                _fhir("A FHIR searchset Bundle of Observation resources.")),
            "/openapi.json": {"get": {
                "operationId": "getOpenApi", "summary": "This document", "security": [],
                "responses": {"200": {"description": "The OpenAPI document.",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}}},
        },
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "An API key of the form pa_…, shown once when created."}},
            "schemas": dict(SCHEMAS),
            "responses": RESPONSES,
        },
    }
