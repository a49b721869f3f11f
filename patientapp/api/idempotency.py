"""``Idempotency-Key`` on every POST of the write API: a retry never does the work twice.

A system that sent a POST and lost the answer (a timeout, a dropped connection) sends it
again with the same key. The first answer is kept per API key with a hash of the request
(method, path and body, the JSON read and written back in one canonical form), and:

- same key, same request: the first answer is replayed (``Idempotent-Replayed: true``)
  and nothing changes;
- same key, another request: 422, nothing changes;
- same key while the first is still being handled: 409, try again in a moment.

Answers are kept for ``API_IDEMPOTENCY_HOURS`` (24 by default). A patient link in the
first answer is not kept (only its hash is ever stored): a replay says so in ``warnings``.
Server errors (5xx) and rate limits (429) are not kept, so a retry does the work.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from flask import Response, current_app, g, make_response, request

from ..db import get_db
from . import queries
from .problems import MEDIA_TYPE, problem

HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # printable ASCII, no spaces, e.g. a UUID
LINK_SHOWN_ONCE = {"code": "link-shown-once",
                   "detail": "This is a replay of the first answer. The patient link it held is "
                             "shown only once and is not repeated."}


def request_hash() -> str:
    raw = request.get_data()
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode() \
            if raw.strip() else b""
    except ValueError:  # not JSON: compare the bytes as sent
        body = raw
    return hashlib.sha256(f"{request.method} {request.path}\n".encode() + body).hexdigest()


def _kept_body(response: Response) -> str:
    """The answer as it is stored: a patient link is dropped, and the replay says why."""
    body = response.get_json(silent=True)
    if isinstance(body, dict) and body.get("link"):
        body = {**body, "link": None, "warnings": [*body.get("warnings", []), LINK_SHOWN_ONCE]}
        return json.dumps(body, ensure_ascii=False)
    return response.get_data(as_text=True)


def _replay(status: int, body: str) -> Response:
    response = current_app.response_class(
        body, status=status, mimetype=MEDIA_TYPE if status >= 400 else "application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view: Callable) -> Callable:
    """Decorate a POST view: honour the Idempotency-Key header when one is sent."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not re.match(KEY_PATTERN, key):
            return problem(400, "The Idempotency-Key must be 1 to 255 printable characters "
                                "without spaces, for example a UUID.", parameter=HEADER)
        db = get_db()
        keep = timedelta(hours=float(current_app.config["API_IDEMPOTENCY_HOURS"]))
        found = queries.remember_request(db, g.api_key["id"], key, request_hash(), keep)
        if found.outcome == "mismatch":
            return problem(422, "This Idempotency-Key was already used for another request. "
                                "Use a new key for each new request.", parameter=HEADER)
        if found.outcome == "busy":
            return problem(409, "A request with this Idempotency-Key is still being handled. "
                                "Wait a moment and send it again.", parameter=HEADER)
        if found.outcome == "replay":
            return _replay(found.status, found.body)
        try:
            response = make_response(view(*args, **kwargs))
        except Exception:
            queries.forget_request(db, found.row_id)
            raise
        if response.status_code >= 500 or response.status_code == 429:
            queries.forget_request(db, found.row_id)
        else:
            queries.save_answer(db, found.row_id, response.status_code, _kept_body(response))
        return response

    return wrapper
