"""API keys on every request: ``Authorization: Bearer <key>``, rate limits, and the audit trail.

A missing or unknown key gets 401 with a ``WWW-Authenticate`` challenge. A revoked key
gets 403: the key was real, so its owner learns it has been withdrawn rather than
mistyped (nobody else can know a revoked key). Failed attempts are counted per client
address and, past the limit, answered with 429; so are requests over a key's limit.
"""

from __future__ import annotations

from flask import Response, current_app, g, request

from ..audit import record
from ..db import get_db
from ..web import ratelimit
from ..web.access import PUBLIC, marked
from ..web.ratelimit import limiter
from . import queries
from .problems import problem

CHALLENGE = 'Bearer realm="patientapp"'


def _too_many(retry_after: int) -> Response:
    return problem(429, "Too many requests. Wait and try again.",
                   {"Retry-After": str(retry_after)})


def _bearer() -> str | None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


def _refuse(status: int, detail: str, challenge: str | None = None) -> Response:
    limiter().hit(f"ip:{request.remote_addr}", current_app.config["API_AUTH_FAILURE_LIMIT"],
                  ratelimit.now())
    record(get_db(), "anonymous", None, None, "api-denied", detail=str(status))
    return problem(status, detail, {"WWW-Authenticate": challenge} if challenge else None)


def authenticate() -> Response | None:
    """Set ``g.api_key``, or answer the request with a problem."""
    now = ratelimit.now()
    config = current_app.config
    wait = limiter().retry_after(f"ip:{request.remote_addr}", config["API_AUTH_FAILURE_LIMIT"],
                                 now)
    if wait:
        return _too_many(wait)
    key = _bearer()
    if key is None:
        return _refuse(401, "Send an API key: Authorization: Bearer <key>.", CHALLENGE)
    found = queries.find_api_key(get_db(), key)
    if found is None:
        return _refuse(401, "The API key is not valid.", f'{CHALLENGE}, error="invalid_token"')
    if found["revoked_at"]:
        return _refuse(403, "The API key has been revoked. Ask the clinic's admin for a new one.")
    if wait := limiter(shared=False).hit(f"key:{found['id']}", config["API_RATE_LIMIT"], now):
        return _too_many(wait)
    g.api_key = found
    queries.touch_api_key(get_db(), found["id"])
    return None


def audit(action: str, object_type: str = "", object_id: int | None = None,
          detail: str = "") -> None:
    record(get_db(), "api-key", g.api_key["id"], g.api_key["clinic_id"], action, object_type,
           object_id, detail)


READING = ("GET", "HEAD", "OPTIONS")


def require_api_key():
    if marked(current_app.view_functions.get(request.endpoint)) == PUBLIC:
        return None
    if refused := authenticate():
        return refused
    if request.method not in READING and g.api_key["scope"] != "write":
        audit("api-denied-write", detail=request.method)
        return problem(403, "This API key may only read. Ask the clinic's admin for a key "
                            "with the write scope.")
    return None
