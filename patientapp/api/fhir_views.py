"""The FHIR R4 read API under /api/v1/fhir: CapabilityStatement, Questionnaire, search and
read by id of what the app sends (QuestionnaireResponse, Observation, Patient, Flag).

The same API keys and clinic scope as the rest of /api/v1, and the same consent rule as
every FHIR output; errors are OperationOutcome (problems.py). ``fullUrl``s point at this
API's own address, so a client can read each entry again; canonical URLs and code systems
stay under the configured FHIR base. The resources are built by ``fhir.resources`` and
``fhir.bundles``, exactly as in an export or a webhook body.
"""

from __future__ import annotations

import json
import re
from importlib.metadata import version as package_version

from flask import Response, abort, current_app, request, url_for

from ..content import queries as content_db
from ..db import get_db, now, write_transaction
from ..fhir import queries as fhir_db
from ..fhir.bundles import Definitions, flags, observations, responses, searchset
from ..fhir.resources import FhirSettings, patient
from ..fhir.server import capability_statement
from ..web.access import public
from . import bp, search
from .auth import audit
from .problems import FHIR_JSON
from .views import DEFAULT_PAGE, _clinic, _parameters

ROW_PREFIXES = {"QuestionnaireResponse": "qr-", "Observation": "obs-", "Flag": "flag-"}
SUMMARIES = ("count", "false")
PAGE_PARAMETERS = ("_count", "_offset", "_summary")


def _address() -> str:
    """This API's FHIR base address, as the client reached it."""
    return url_for("api.show_capabilities", _external=True).removesuffix("/metadata")


def _settings() -> FhirSettings:
    return FhirSettings.from_config(current_app.config, server=_address())


def _content():
    return current_app.extensions["content"]


def _fhir(resource: dict) -> Response:
    return current_app.response_class(json.dumps(resource, ensure_ascii=False),
                                      mimetype=FHIR_JSON)


def _not_found(resource_type: str) -> None:
    abort(404, f"No {resource_type} with this id at the clinic, or its patient did not "
               "consent to passing answers on.")


# --- paging and search results ------------------------------------------------------------

def _page() -> tuple[int, int, bool]:
    """(count, offset, count only): ``_count=0`` and ``_summary=count`` ask for the total."""
    summary = request.args.get("_summary")
    if summary is not None and summary not in SUMMARIES:
        raise search.SearchError("_summary", f"_summary {summary!r} is not supported; use "
                                             "count (or false)")
    count = search.number("_count", request.args.get("_count"), DEFAULT_PAGE, 0,
                          search.MAX_LIMIT)
    offset = search.number("_offset", request.args.get("_offset"), 0, 0, search.MAX_OFFSET)
    return count, offset, summary == "count" or count == 0


def _links(offset: int, count: int, total: int) -> dict[str, str]:
    args = request.args.to_dict(flat=False)
    links = {"self": request.url}
    if count and offset + count < total:
        links["next"] = url_for(request.endpoint, _external=True,
                                **{**args, "_offset": offset + count, "_count": count})
    return links


def _searchset(found: list[dict]) -> Response:
    count, offset, only_total = _page()
    page = [] if only_total else found[offset:offset + count]
    bundle = searchset(_settings(), page, len(found), _links(offset, count, len(found)))
    if only_total:
        del bundle["entry"]
    return _fhir(bundle)


def _submissions(**where) -> list[dict]:
    return fhir_db.list_submissions(get_db(), fhir_db.SubmissionFilter(clinic_id=_clinic(),
                                                                       **where), _content())


def _searched_submissions() -> list[dict]:
    period = search.date_period("date", request.args.getlist("date"))
    return _submissions(pseudonym=search.pseudonym("patient", request.args.get("patient")),
                        since=period.since, before=period.before)


# --- the server's own resource ----------------------------------------------------------------

@bp.get("/fhir/metadata")
@public
def show_capabilities():
    """Public, like the OpenAPI document: it says what the server does, nothing more."""
    _parameters()
    return _fhir(capability_statement(_address(), package_version("patientapp"), now()))


# --- Questionnaire -----------------------------------------------------------------------------

def _versions() -> dict:
    """Every version the app has served, and today's: (instrument, version) -> wording."""
    return {**_content().versions(), **content_db.list_snapshots(get_db())}


def _keep(versions: dict) -> None:
    """Keep the served versions not kept yet (today's, the first time it is served). Only
    once the answer is sure to be 200: a refused request writes nothing."""
    db, kept = get_db(), content_db.list_snapshots(get_db())
    if missing := [w for key, w in versions.items() if key not in kept]:
        with write_transaction(db):
            for wording in missing:
                content_db.save_snapshots(db, wording.values())


def _canonical(parameter: str) -> str | None:
    value = request.args.get(parameter)
    if value is not None and not re.fullmatch(search.CANONICAL.strip("^$"), value):
        raise search.SearchError(parameter, f"{parameter} must be 1 to 500 printable "
                                            "characters without spaces, e.g. a canonical URL")
    return value


@bp.get("/fhir/Questionnaire")
def search_questionnaires():
    _parameters("url", "version", *PAGE_PARAMETERS)
    _page()
    url, _, version = (_canonical("url") or "").partition("|")
    url, version = url or None, _canonical("version") or version or None
    versions, definitions = _versions(), Definitions(_settings())
    found = {key: definitions.get(w) for key, w in versions.items()}
    found = {key: q for key, q in found.items() if url in (None, q["url"])
             and version in (None, q["version"])}
    response = _searchset(list(found.values()))
    _keep({key: versions[key] for key in found})
    audit("api-search-questionnaires")
    return response


@bp.get("/fhir/Questionnaire/<questionnaire_id>")
def read_questionnaire(questionnaire_id: str):
    _parameters()
    definitions = Definitions(_settings())
    found = next(((key, w) for key, w in _versions().items()
                  if definitions.get(w)["id"] == questionnaire_id), None)
    if found is None:
        abort(404, "No Questionnaire with this id. GET /Questionnaire lists them all.")
    _keep(dict([found]))
    return _fhir(definitions.get(found[1]))


# --- search ----------------------------------------------------------------------------------

@bp.get("/fhir/QuestionnaireResponse")
def search_questionnaire_responses():
    _parameters("patient", "date", *PAGE_PARAMETERS)
    _page()  # a malformed page is refused before anything is loaded
    settings, content, definitions = _settings(), _content(), Definitions(_settings())
    found = [qr for s in _searched_submissions()
             for qr in responses(settings, content, s, definitions)]
    response = _searchset(found)
    audit("api-search-questionnaire-responses", detail=request.query_string.decode()[:200])
    return response


@bp.get("/fhir/Observation")
def search_observations():
    _parameters("patient", "date", "code", *PAGE_PARAMETERS)
    _page()
    code = search.token("code", request.args.get("code"))
    settings = _settings()
    found = [obs for s in _searched_submissions() for obs in observations(settings, s)
             if code is None or search.matches(obs["code"], code)]
    response = _searchset(found)
    audit("api-search-observations", detail=request.query_string.decode()[:200])
    return response


# --- read by id --------------------------------------------------------------------------------

def _row_id(resource_type: str, resource_id: str) -> int | None:
    prefix = ROW_PREFIXES[resource_type]
    number = resource_id.removeprefix(prefix)
    if not resource_id.startswith(prefix) or not (number.isascii() and number.isdigit()) \
            or int(number) > search.MAX_ID:
        return None
    return int(number)


def _read(resource_type: str, resource_id: str, build) -> Response:
    """A resource of a submission of the key's clinic, built as in the webhook body."""
    _parameters()
    row_id = _row_id(resource_type, resource_id)
    timepoint_id = fhir_db.find_timepoint(get_db(), resource_type, row_id) \
        if row_id is not None else None
    found = _submissions(timepoint_id=timepoint_id) if timepoint_id is not None else []
    resource = next((r for s in found for r in build(s) if r["id"] == resource_id), None)
    if resource is None:
        audit("api-denied-fhir-read", detail=resource_type)
        _not_found(resource_type)
    audit("api-read-fhir", detail=f"{resource_type}/{resource_id}")
    return _fhir(resource)


@bp.get("/fhir/QuestionnaireResponse/<response_id>")
def read_questionnaire_response(response_id: str):
    return _read("QuestionnaireResponse", response_id,
                 lambda s: responses(_settings(), _content(), s))


@bp.get("/fhir/Observation/<observation_id>")
def read_observation(observation_id: str):
    return _read("Observation", observation_id, lambda s: observations(_settings(), s))


@bp.get("/fhir/Flag/<flag_id>")
def read_flag(flag_id: str):
    return _read("Flag", flag_id, lambda s: flags(_settings(), _content(), s))


@bp.get("/fhir/Patient/<patient_id>")
def read_patient(patient_id: str):
    _parameters()
    found = None
    if re.fullmatch(search.PATIENT.removeprefix("^(Patient/)?"), patient_id):
        found = fhir_db.get_patient(get_db(), _clinic(), patient_id)
    if found is None:
        audit("api-denied-fhir-read", detail="Patient")
        _not_found("Patient")
    audit("api-read-fhir", detail=f"Patient/{patient_id}")
    return _fhir(patient(_settings(), found["pseudonym"], found["patient_name"]))

