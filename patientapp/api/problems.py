"""Error responses of the API: RFC 7807 problem details (application/problem+json), and on
every FHIR route (under /api/v1/fhir/, reads and the Appointment PUT alike) a FHIR
OperationOutcome (application/fhir+json), which is what a FHIR client reads.

They are for the programmers of the clinic's system, so they are in English.
"""

from __future__ import annotations

import json

from flask import Response, current_app, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException

from ..fhir.server import operation_outcome

MEDIA_TYPE = "application/problem+json"
FHIR_JSON = "application/fhir+json"
FHIR_PREFIX = "/api/v1/fhir/"


def on_fhir_route() -> bool:
    return has_request_context() and request.path.startswith(FHIR_PREFIX)


def _outcome(status: int, detail: str, headers: dict | None, extra: dict) -> Response:
    # Problems naming fields (``errors``) become one issue each, with the element as expression.
    issues = [(error["field"], error["detail"]) for error in extra.get("errors", [])]
    body = operation_outcome(status, detail, extra.get("parameter"), issues or None)
    response = current_app.response_class(json.dumps(body, ensure_ascii=False),
                                          status=status, mimetype=FHIR_JSON)
    response.headers.update(headers or {})
    return response
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 429: "Too many requests", 500: "Internal server error"}


def problem(status: int, detail: str, headers: dict | None = None, **extra) -> Response:
    if on_fhir_route():
        return _outcome(status, detail, headers, extra)
    response = jsonify({"type": "about:blank", "title": TITLES.get(status, "Error"),
                        "status": status, "detail": detail, **extra})
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    response.headers.update(headers or {})
    return response


def from_http_error(error: HTTPException) -> Response:
    code = error.code or 500
    response = problem(code, error.description or TITLES.get(code, "Error"))
    if getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
