"""The read API under /api/v1: courses, scores and FHIR search, scoped to the key's clinic."""

from __future__ import annotations

import json

from flask import Response, abort, current_app, g, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..db import get_db
from ..fhir import queries as fhir_db
from ..fhir.bundles import observations, responses, searchset
from ..fhir.resources import FhirSettings
from ..web.access import public
from . import bp, openapi, queries, search
from .auth import audit
from .problems import from_http_error, problem

FHIR_JSON = "application/fhir+json"
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
    rows = queries.list_scores(get_db(), _clinic(), since=since)
    audit("api-list-scores", detail=since or "")
    return {"items": rows[offset:offset + limit], "limit": limit, "offset": offset,
            "total": len(rows)}


# --- FHIR search ------------------------------------------------------------------------

def _submissions() -> list[dict]:
    period = search.date_period("date", request.args.getlist("date"))
    patient = search.pseudonym("patient", request.args.get("patient"))
    return fhir_db.list_submissions(get_db(), fhir_db.SubmissionFilter(
        clinic_id=_clinic(), pseudonym=patient, since=period.since, before=period.before))


def _links(offset: int, count: int, total: int) -> dict[str, str]:
    args = request.args.to_dict(flat=False)
    links = {"self": request.url}
    if offset + count < total:
        links["next"] = url_for(request.endpoint, _external=True,
                                **{**args, "_offset": offset + count, "_count": count})
    return links


def _searchset(settings: FhirSettings, found: list[dict], count: int, offset: int) -> Response:
    bundle = searchset(settings, found[offset:offset + count], len(found),
                       _links(offset, count, len(found)))
    return current_app.response_class(json.dumps(bundle, ensure_ascii=False),
                                      mimetype=FHIR_JSON)


@bp.get("/fhir/QuestionnaireResponse")
def search_questionnaire_responses():
    _parameters("patient", "date", "_count", "_offset")
    count, offset = _page("_count", "_offset")
    settings = FhirSettings.from_config(current_app.config)
    content = current_app.extensions["content"]
    found = [qr for s in _submissions() for qr in responses(settings, content, s)]
    response = _searchset(settings, found, count, offset)
    audit("api-search-questionnaire-responses", detail=request.query_string.decode()[:200])
    return response


@bp.get("/fhir/Observation")
def search_observations():
    _parameters("patient", "date", "code", "_count", "_offset")
    count, offset = _page("_count", "_offset")
    code = search.token("code", request.args.get("code"))
    settings = FhirSettings.from_config(current_app.config)
    found = [obs for s in _submissions() for obs in observations(settings, s)
             if code is None or search.matches(obs["code"], code)]
    response = _searchset(settings, found, count, offset)
    audit("api-search-observations", detail=request.query_string.decode()[:200])
    return response


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
