"""The read API under /api/v1: courses and scores, scoped to the key's clinic, and the error
handlers of the whole API. The FHIR routes are in ``fhir_views``."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..db import get_db
from ..timeutil import since_day
from ..web.access import public
from . import bp, openapi, queries, search
from .auth import audit
from .problems import FHIR_JSON, from_http_error, problem

__all__ = ["FHIR_JSON"]  # appointment_views takes it from here
DEFAULT_PAGE = 50


def _writer() -> bool:
    """A write key manages the clinic's courses, so it sees them whatever the consent."""
    return g.api_key["scope"] == "write"


@bp.errorhandler(search.SearchError)
def bad_parameter(error: search.SearchError):
    return problem(400, str(error), parameter=error.parameter)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return from_http_error(error)


@bp.errorhandler(Exception)
def unexpected_error(error: Exception):
    if current_app.testing:
        raise error
    current_app.logger.exception("API request failed")
    return problem(500, "Something went wrong on our side. Try again later.")


def _parameters(*allowed: str) -> None:
    search.only(request.args, allowed)


def _page(limit: str = "limit", offset: str = "offset") -> tuple[int, int]:
    return (search.number(limit, request.args.get(limit), DEFAULT_PAGE, 1, search.MAX_LIMIT),
            search.number(offset, request.args.get(offset), 0, 0, search.MAX_OFFSET))


def _clinic() -> int:
    return g.api_key["clinic_id"]


# --- JSON -----------------------------------------------------------------------------

@bp.get("/courses")
def list_courses():
    _parameters("limit", "offset", "external_id")
    limit, offset = _page()
    external_id = search.external_id("external_id", request.args.get("external_id"))
    rows, total = queries.list_courses(get_db(), _clinic(), limit, offset, external_id,
                                       every_consent=_writer())
    audit("api-list-courses", detail="external_id" if external_id else "")
    return {"items": rows, "limit": limit, "offset": offset, "total": total}


@bp.get("/courses/<int:course_id>/scores")
def list_course_scores(course_id: int):
    _parameters()
    real = course_id <= search.MAX_ID  # larger cannot be an id, nor be stored in the log
    course = queries.get_course(get_db(), _clinic(), course_id) if real else None
    if course is None:
        audit("api-denied-course", "course", course_id if real else None)
        abort(404, "No course with this id at the clinic, or its patient did not consent to "
                   "passing answers on.")
    audit("api-view-scores", "course", course_id)
    return {"course": course,
            "items": queries.list_scores(get_db(), _clinic(), course_id=course_id)}


@bp.get("/scores")
def list_scores():
    _parameters("since", "limit", "offset")
    since = search.day("since", request.args.get("since"))
    limit, offset = _page()
    rows = queries.list_scores(get_db(), _clinic(),
                               since=since_day(date.fromisoformat(since)) if since else None)
    audit("api-list-scores", detail=since or "")
    return {"items": rows[offset:offset + limit], "limit": limit, "offset": offset,
            "total": len(rows)}


# --- the rest -------------------------------------------------------------------------------

@bp.get("/openapi.json")
@public
def show_openapi():
    return openapi.document(list(current_app.extensions["content"].pathways))


@bp.get("/<path:unknown>")
def not_found(unknown: str):
    # Unknown addresses under /api/v1 get a problem response, not the HTML error page.
    abort(404, "There is nothing at this address. See /api/v1/openapi.json.")


CHANGES = ("POST", "PUT", "PATCH", "DELETE")


@bp.route("/<path:unknown>", methods=CHANGES)
@public  # a change to no operation: 404/405 whether a key is sent or not
def no_such_change(unknown: str):
    """A change sent to an address with no such operation: 405 if another method is
    served there (with Allow), else 404; a problem response either way, key or none."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = set()
    for method in ("GET", *CHANGES):
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint not in ("api.not_found", "api.no_such_change"):
            allowed.add(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=sorted(allowed))
    abort(404, "There is nothing at this address. See /api/v1/openapi.json.")
