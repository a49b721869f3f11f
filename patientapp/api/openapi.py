"""The OpenAPI 3.0 document of the read API, served at ``/api/v1/openapi.json``.

Written by hand and kept next to the views; the parameter patterns come from
``search.py`` so the document and the validation cannot drift apart. The tests run
schemathesis against it.
"""

from __future__ import annotations

from . import search

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
DATE = {"name": "date", "in": "query", "required": False, "style": "form", "explode": True,
        "description": "FHIR date search on the submission time, e.g. ge2026-01-01; repeat it "
                       "for a range (all must hold). Dates are in the clinic's time zone "
                       "(Europe/Copenhagen). Prefixes: eq (default), gt, lt, ge, le.",
        "schema": {"type": "array", "items": {"type": "string", "pattern": search.DATE_SEARCH}}}
CODE = {"name": "code", "in": "query", "required": False,
        "description": "The score's code, as code or system|code (LOINC or the project's own "
                       "code system, <FHIR base>/CodeSystem/scores).",
        "schema": {"type": "string", "pattern": search.CODE_SEARCH}}
SINCE = {"name": "since", "in": "query", "required": False,
         "description": "Only scores submitted on or after this date (YYYY-MM-DD, UTC).",
         "schema": {"type": "string", "pattern": search.DAY}}

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


def _json(description: str, schema: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _fhir(description: str) -> dict:
    return {"description": description,
            "content": {"application/fhir+json": {"schema": {
                "$ref": "#/components/schemas/SearchsetBundle"}}}}


NULLABLE_STRING = {"type": "string", "nullable": True}

SCHEMAS = {
    "Problem": {
        "type": "object", "required": ["type", "title", "status", "detail"],
        "description": "RFC 7807 problem details.",
        "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                       "status": {"type": "integer"}, "detail": {"type": "string"},
                       "parameter": {"type": "string"}}},
    "Timepoint": {
        "type": "object", "required": ["key", "code", "visit_date", "submitted_at"],
        "properties": {"key": {"type": "string", "example": "baseline"},
                       "code": {"type": "string", "description": "The service code."},
                       "visit_date": {"type": "string", "format": "date"},
                       "submitted_at": {**NULLABLE_STRING, "format": "date-time"}}},
    "Course": {
        "type": "object",
        "required": ["id", "pathway", "status", "patient", "first_visit", "timepoints"],
        "properties": {"id": {"type": "integer"}, "pathway": {"type": "string"},
                       "status": {"type": "string", "enum": ["active", "ended"]},
                       "patient": {"type": "string", "description": "The pseudonym."},
                       "first_visit": {"type": "string", "format": "date"},
                       "timepoints": {"type": "array",
                                      "items": {"$ref": "#/components/schemas/Timepoint"}}}},
    "Score": {
        "type": "object", "description": "One score; the columns of `flask export-csv`.",
        "required": ["course_id", "pathway", "timepoint", "instrument", "item", "value",
                     "valid", "submitted_at"],
        "properties": {"course_id": {"type": "integer"}, "pathway": {"type": "string"},
                       "timepoint": {"type": "string"},
                       "instrument": {"type": "string",
                                      "enum": ["odi", "ndi", "nprs", "psfs"]},
                       "item": {"type": "string",
                                "description": "NPRS site, PSFS activity number, or empty."},
                       "value": {"type": "number", "nullable": True},
                       "valid": {"type": "boolean"},
                       "submitted_at": {"type": "string", "format": "date-time"}}},
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
    "SearchsetBundle": {
        "type": "object", "required": ["resourceType", "type", "total", "entry"],
        "description": "A FHIR R4 Bundle of type searchset.",
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
    "Forbidden": _problem_response("The API key has been revoked."),
    "NotFound": _problem_response("No such course of this clinic, or its patient did not "
                                  "consent to passing answers on."),
    "TooManyRequests": _problem_response(
        "Too many requests (per key), or too many failed attempts (per address).",
        {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}),
}

DESCRIPTION = """\
Read access for a clinic's own systems. Every request needs one of the clinic's API
keys (an admin creates them under /clinic/admin/api-keys) as `Authorization: Bearer <key>`,
and sees only that clinic's data, and only courses whose patient consented to passing
their answers on. Errors are RFC 7807 problem details. Requests are limited per key and
failed attempts per address (429 with Retry-After)."""


def document() -> dict:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "patientapp read API", "version": "1.0.0",
                 "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/courses": _operation("listCourses", "The clinic's courses with their timepoints",
                                   _page_parameters("limit", "offset"),
                                   _json("A page of courses, oldest first.", "CourseList")),
            "/courses/{course_id}/scores": _operation(
                "listCourseScores", "Every score of one course",
                [{"name": "course_id", "in": "path", "required": True,
                  "schema": {"type": "integer", "minimum": 1, "maximum": search.MAX_ID}}],
                _json("The course and its scores.", "CourseScores"), not_found=True),
            "/scores": _operation("listScores", "Scores of all courses (the CSV's columns)",
                                  [SINCE, *_page_parameters("limit", "offset")],
                                  _json("A page of scores.", "ScoreList")),
            "/fhir/QuestionnaireResponse": _operation(
                "searchQuestionnaireResponses", "FHIR search: completed questionnaires",
                [PATIENT, DATE, *_page_parameters("_count", "_offset")],
                _fhir("A FHIR searchset Bundle of QuestionnaireResponse resources.")),
            "/fhir/Observation": _operation(
                "searchObservations", "FHIR search: scores as Observations",
                [PATIENT, DATE, CODE, *_page_parameters("_count", "_offset")],
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
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    }
