"""The FHIR read API's own resources: its CapabilityStatement and OperationOutcome errors.

Pure functions, no Flask. The routes are in ``api/fhir_views.py``; what they serve is
built by ``resources`` and ``bundles`` like every other FHIR output of the app.
"""

from __future__ import annotations

FHIR_VERSION = "4.0.1"

# OperationOutcome.issue.code (required binding: http://hl7.org/fhir/R4/valueset-issue-type.html)
ISSUE_TYPES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
               405: "not-supported", 406: "not-supported", 422: "processing",
               429: "throttled", 500: "exception"}

READ_TYPES = ("Patient", "Questionnaire", "QuestionnaireResponse", "Observation", "Flag")
SEARCH_PARAMETERS = {
    "Questionnaire": [("url", "uri", "The canonical URL, optionally with |version."),
                      ("version", "token", "The version (content version) of the wording.")],
    "QuestionnaireResponse": [("patient", "reference", "The patient's pseudonym."),
                              ("date", "date", "When it was submitted (ge, gt, le, lt, eq).")],
    "Observation": [("patient", "reference", "The patient's pseudonym."),
                    ("date", "date", "When it was submitted (ge, gt, le, lt, eq)."),
                    ("code", "token", "The score's code, as code or system|code.")],
}
COMMON_PARAMETERS = [("_count", "number", "Page size; 0 answers with the total only."),
                     ("_offset", "number", "How many matches to skip."),
                     ("_summary", "token", "count: the total only, no entries.")]


def operation_outcome(status: int, detail: str, expression: str | None = None,
                      issues: list[tuple[str, str]] | None = None) -> dict:
    """A FHIR error body: one issue per problem (``issues``: (element, detail) pairs)."""
    code = ISSUE_TYPES.get(status, "exception" if status >= 500 else "invalid")
    found = [(expression, detail)] if not issues else issues
    return {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": code, "diagnostics": text,
         **({"expression": [where]} if where else {})} for where, text in found]}


def _parameters(resource_type: str) -> list[dict]:
    found = SEARCH_PARAMETERS.get(resource_type, [])
    return [{"name": name, "type": kind, "documentation": text}
            for name, kind, text in [*found, *(COMMON_PARAMETERS if found else [])]]


def _resource(resource_type: str) -> dict:
    interactions = [{"code": "read"}]
    if resource_type in SEARCH_PARAMETERS:
        interactions.append({"code": "search-type"})
    found = {"type": resource_type, "interaction": interactions, "versioning": "no-version",
             "readHistory": False, "updateCreate": False}
    if parameters := _parameters(resource_type):
        found["searchParam"] = parameters
    return found


def capability_statement(address: str, software_version: str, date: str) -> dict:
    """What this server does: read (and search some) resources, JSON only, with a key."""
    appointment = {"type": "Appointment", "interaction": [{"code": "update"}],
                   "updateCreate": True, "documentation": "A booking system's appointments "
                   "drive the visits; needs a key with the write scope."}
    return {
        "resourceType": "CapabilityStatement", "id": "patientapp", "status": "active",
        "date": date, "publisher": "patientapp", "kind": "instance",
        "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">'
                 "<p>patientapp FHIR R4 API: read and search, JSON, API key.</p></div>"},
        "software": {"name": "patientapp", "version": software_version},
        "implementation": {"description": "patientapp FHIR R4 API", "url": address},
        "fhirVersion": FHIR_VERSION, "format": ["json"],
        "rest": [{"mode": "server", "documentation": "Every request except this one needs "
                  "an API key of the clinic: Authorization: Bearer <key>. A key sees only its "
                  "clinic's patients who consented to passing their answers on.",
                  "security": {"cors": False, "description": "Authorization: Bearer <API key>"},
                  "resource": [*(_resource(t) for t in READ_TYPES), appointment]}],
    }
