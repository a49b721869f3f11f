"""The JSON bodies of the write API, checked field by field before anything is written.

Pure functions, no Flask or database. Each check returns every problem at once, as
``Problem`` objects naming their field, so a request with three wrong fields hears about
all three. The rules of the fields themselves are the enrolment's (courses/enrolment.py),
the same as in the browser and on the command line; here is only what JSON adds: the
body must be an object, fields must have the right JSON type, unknown fields are refused
(a misspelt "referal_date" must not be silently dropped).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from ..courses.contact import N_
from ..courses.enrolment import (
    LANGUAGES,
    Enrolment,
    Problem,
    check_contact_change,
    check_enrolment,
    parse_iso_date,
)
from . import search

EXTERNAL_ID_MAX = 100
# The clinic's own reference travels in URLs (?external_id=), so it is kept to characters
# that need no escaping, and a CPR number is refused: it is personal data.
EXTERNAL_ID = search.EXTERNAL_ID
CPR = re.compile(r"^\d{6}-?\d{4}$")
CONSENTS = ("given", "refused", "withdrawn")

STRING, OPTIONAL_STRING, BOOLEAN = "string", "optional string", "boolean"
ENROL_FIELDS = {"pathway": STRING, "name": STRING, "first_visit": STRING,
                "referral_date": OPTIONAL_STRING, "email": OPTIONAL_STRING,
                "phone": OPTIONAL_STRING, "language": STRING,
                "external_id": OPTIONAL_STRING, "entry_code": OPTIONAL_STRING,
                "issue_link": BOOLEAN}
ENROL_REQUIRED = ("pathway", "name", "first_visit")
CONTACT_FIELDS = {"email": OPTIONAL_STRING, "phone": OPTIONAL_STRING, "language": STRING}
MAX_TEXT = 500  # longer than any field may be; keeps messages and work small


def _types(body: object, fields: Mapping[str, str],
           required: tuple[str, ...] = ()) -> tuple[dict, list[Problem]]:
    """The body's fields of the right JSON type, and a problem for every one that is not."""
    if not isinstance(body, dict):
        return {}, [Problem("body", N_("Send a JSON object."))]
    problems = [Problem(name, N_("Not a field here. The fields are: %(fields)s."),
                        {"fields": ", ".join(fields)}) for name in body if name not in fields]
    problems += [Problem(name, N_("This field is required."))
                 for name in required if body.get(name) is None]
    found = {}
    for name, kind in fields.items():
        value = body.get(name)
        if name not in body or (value is None and kind != BOOLEAN and name not in required):
            continue
        if kind == BOOLEAN and not isinstance(value, bool):
            problems.append(Problem(name, N_("Send true or false.")))
        elif kind != BOOLEAN and value is not None and not isinstance(value, str):
            problems.append(Problem(name, N_("Send a string.")))
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            problems.append(Problem(name, N_("Send at most %(max)d characters."),
                                    {"max": MAX_TEXT}))
        elif value is not None:
            found[name] = value
    return found, problems


def check_external_id(value: str | None, field: str = "external_id") -> Problem | None:
    if value is None:
        return None
    if CPR.match(value.strip()):
        return Problem(field, N_("Do not use a CPR number as the reference: it is personal "
                                 "data. Use the booking system's own patient or course number."))
    if not re.match(EXTERNAL_ID, value):
        return Problem(field, N_("Use 1 to %(max)d letters, digits and . _ : / - (starting with "
                                 "a letter or digit)."), {"max": EXTERNAL_ID_MAX})
    return None


def _exact(found: dict, problems: list[Problem]) -> None:
    """What the OpenAPI document promises, to the letter: dates as YYYY-MM-DD within
    1900-2099 and the language code as it is. (The browser forgives spaces around them; a
    program sends what the document says, and the document is checked by schemathesis.)"""
    messages = {"first_visit": N_("Enter the date of the first consultation as YYYY-MM-DD, "
                                  "like 2026-03-02."),
                "referral_date": N_("Enter the referral date as YYYY-MM-DD, like 2026-02-20.")}
    for name, message in messages.items():
        if name in found and not re.match(search.day_pattern(), found[name]):
            problems.append(Problem(name, message))
    if "language" in found and found["language"] not in LANGUAGES:
        problems.append(Problem("language", N_("Choose Danish (da) or English (en).")))


def check_new_course(body: object, pathway_ids: list[str],
                     entry_codes: Mapping[str, tuple[str, ...]] | None = None,
                     ) -> tuple[Enrolment | None, dict, list[Problem]]:
    """The enrolment and the API's own fields (external_id, issue_link), or every problem.

    ``entry_codes`` (enrolment.entry_codes_of) are the service codes each pathway's first
    consultation may have, as the browser's enrol form offers them; without it, none is
    accepted."""
    found, problems = _types(body, ENROL_FIELDS, ENROL_REQUIRED)
    if not isinstance(body, dict):
        return None, {"external_id": None, "issue_link": False}, problems
    _exact(found, problems)
    enrolment, rules = check_enrolment({name: found.get(name) for name in ENROL_FIELDS},
                                       pathway_ids, entry_codes)
    # A field of the wrong type, or missing, is reported once: as that.
    bad = {p.field for p in problems}
    problems += [p for p in rules if p.field not in bad]
    if (problem := check_external_id(found.get("external_id"))) is not None:
        problems.append(problem)
    extra = {"external_id": found.get("external_id"),
             "issue_link": found.get("issue_link", False)}
    return (None if problems else enrolment), extra, problems


def check_contact_patch(body: object) -> tuple[dict, list[Problem]]:
    """The contact changes (null or "" clears an e-mail or phone), or every problem."""
    found, problems = _types(body, CONTACT_FIELDS)
    if not isinstance(body, dict):
        return {}, problems
    if not body:
        problems.append(Problem("body", N_("Send at least one of: %(fields)s."),
                                {"fields": ", ".join(CONTACT_FIELDS)}))
    _exact(found, problems)
    bad = {p.field for p in problems}
    clean, rules = check_contact_change({name: found.get(name) or "" for name in body
                                         if name in CONTACT_FIELDS and name not in bad})
    problems += rules
    return ({} if problems else clean), problems


def check_visit_date(body: object) -> tuple[date | None, list[Problem]]:
    found, problems = _types(body, {"date": STRING}, ("date",))
    if problems:
        return None, problems
    if re.match(search.day_pattern(), found["date"]):
        return parse_iso_date(found["date"]), []
    return None, [Problem("date", N_("Enter the new date as YYYY-MM-DD, like 2026-03-02."))]


def check_consent(body: object) -> tuple[str | None, list[Problem]]:
    found, problems = _types(body, {"status": STRING}, ("status",))
    if not problems and found["status"] not in CONSENTS:
        problems.append(Problem("status", N_("Choose one of: %(choices)s."),
                                {"choices": ", ".join(CONSENTS)}))
    return (None if problems else found["status"]), problems


def check_empty(body: object) -> list[Problem]:
    """A POST that takes no fields: no body, or an empty object."""
    return [] if body is None else _types(body, {})[1]
