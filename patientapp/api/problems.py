"""Error responses of the read API as RFC 7807 problem details (application/problem+json).

They are for the programmers of the clinic's system, so they are in English.
"""

from __future__ import annotations

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 429: "Too many requests", 500: "Internal server error"}


def problem(status: int, detail: str, headers: dict | None = None, **extra) -> Response:
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
