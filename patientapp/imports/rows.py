"""Each row of an import: checked, then compared with the course it names.

Pure functions, no Flask or database. A row goes through the enrolment's own check (the
browser's, the command line's and the write API's: ``check_enrolment``), its reference
through the write API's, and its visit dates through the rules for moving a visit
(``visits.check_move``) and the Appointment mapping of service codes to timepoints
(``fhir.appointments.course_codes``). Only what a spreadsheet adds is handled here: dates
as DD-MM-YYYY or DD.MM.YYYY, pathways and languages by their names, and the column a
problem is about. ``classify`` says what confirming would do: new, update, unchanged or
error; the import writes exactly that.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from ..api.writes import check_external_id
from ..checks import N_
from ..content import Pathway
from ..courses.enrolment import Enrolment, Problem, check_enrolment, entry_codes_of
from ..courses.visits import check_move
from ..fhir.appointments import course_codes, refusal
from .csvfile import Table

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DANISH = re.compile(r"^(\d{1,2})[-.](\d{1,2})[-.](\d{4})$")
LANGUAGE_NAMES = {"da": "da", "dansk": "da", "danish": "da", "en": "en", "engelsk": "en",
                  "english": "en"}
DATE_MESSAGE = N_("Write the date as YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY, like 02.03.2026.")
CONTACT = ("name", "email", "phone", "language")
FIXED = ("pathway", "first_visit", "referral_date", "entry_code")  # set at enrolment


@dataclass(frozen=True)
class Row:
    """A row that passed every check: the enrolment, its reference and its visit dates."""

    enrolment: Enrolment
    external_id: str
    visits: dict[str, tuple[date, str]]  # timepoint key -> (the file's date, its column)
    given: frozenset[str] = frozenset()  # the fields whose cells are filled in


@dataclass
class Outcome:
    """What confirming does with one row of the file."""

    line: int
    external_id: str
    name: str
    kind: str = ERROR
    row: Row | None = None
    course_id: int | None = None
    contact: dict = field(default_factory=dict)  # field -> new value
    moves: dict[str, date] = field(default_factory=dict)  # timepoint key -> new date
    problems: list[Problem] = field(default_factory=list)


def parse_date(text: str) -> date:
    """YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY (day and month may have one digit); ValueError."""
    text = text.strip()
    if (match := ISO.match(text)) is not None:
        year, month, day = match.groups()
    elif (match := DANISH.match(text)) is not None:
        day, month, year = match.groups()
    else:
        raise ValueError(text)
    return date(int(year), int(month), int(day))


def _pathway_id(text: str, pathways: Mapping[str, Pathway]) -> str:
    """The pathway's id, also when the file names it (in Danish or English)."""
    wanted = text.strip().casefold()
    for pathway in pathways.values():
        if wanted == pathway.id or wanted in {n.casefold() for n in pathway.names.values()}:
            return pathway.id
    return text


def _raw(cells: Mapping[str, str], pathways: Mapping[str, Pathway],
         problems: list[Problem]) -> dict[str, str]:
    """The cells as check_enrolment reads them: ISO dates, pathway ids, language codes."""
    raw = dict(cells)
    raw["pathway"] = _pathway_id(raw.get("pathway", ""), pathways)
    language = raw.get("language", "").strip()
    raw["language"] = LANGUAGE_NAMES.get(language.casefold(), language) or "da"
    for name in ("first_visit", "referral_date"):
        text = raw.get(name, "").strip()
        if not text:
            continue
        try:
            raw[name] = parse_date(text).isoformat()
        except ValueError:
            problems.append(Problem(name, DATE_MESSAGE))
    return raw


def _visits(table: Table, cells: list[str], pathway: Pathway, entry_code: str | None,
            problems: list[Problem]) -> dict[str, tuple[date, str]]:
    """The visit dates by service code, as timepoint keys with the problem field of their
    column ("visit:3"). Two columns with one code (0268): the timepoints in course order."""
    codes = course_codes(pathway, entry_code)
    used: dict[str, int] = {}
    found: dict[str, tuple[date, str]] = {}
    for index, col in enumerate(table.columns):
        text = cells[index].strip() if col.field == "visit" and index < len(cells) else ""
        if not text:
            continue
        target = f"visit:{index}"
        keys = codes.keys.get(col.code, ())
        nth = used.get(col.code, 0)
        if nth >= len(keys):
            refused = refusal(pathway, codes, col.code)
            problems.append(Problem(target, refused.message, refused.params))
            continue
        used[col.code] = nth + 1
        try:
            found[keys[nth]] = (parse_date(text), target)
        except ValueError:
            problems.append(Problem(target, DATE_MESSAGE))
    return found


def check_row(table: Table, cells: list[str], pathways: Mapping[str, Pathway]
              ) -> tuple[Row | None, list[Problem]]:
    """The row's enrolment, reference and visits, or every problem (by field or column)."""
    problems: list[Problem] = []
    if len(cells) > len(table.columns):
        problems.append(Problem("row", N_("The row has more cells than the first line has "
                                          "columns: check the separators in it.")))
    by_field = {c.field: cells[i] if i < len(cells) else ""
                for i, c in enumerate(table.columns) if c.field not in (None, "visit")}
    raw = _raw(by_field, pathways, problems)
    dated = {p.field for p in problems}
    enrolment, rules = check_enrolment(
        {name: ("" if name in dated else raw.get(name)) for name in raw},
        pathways, entry_codes_of(pathways))
    problems += [p for p in rules if p.field not in dated]
    reference = by_field.get("external_id", "").strip()
    if not reference:
        problems.append(Problem("external_id", N_(
            "Enter the booking system's reference: with it, importing the file again "
            "updates the course instead of enrolling the patient twice.")))
    elif (problem := check_external_id(reference)) is not None:
        problems.append(problem)
    pathway = pathways.get(raw["pathway"])
    entry = (raw.get("entry_code") or "").strip()
    visits = _visits(table, cells, pathway, entry if entry in pathway.entry_codes else None,
                     problems) if pathway else {}
    if problems or enrolment is None:
        return None, problems
    given = frozenset(name for name, text in by_field.items() if text.strip())
    return Row(enrolment, reference, visits, given), []


def _fixed_problems(row: Row, course: Mapping) -> list[Problem]:
    """What the file says differently about what only enrolment sets."""
    enrolment, problems = row.enrolment, []
    given = {"pathway": enrolment.pathway, "first_visit": enrolment.first_visit.isoformat(),
             "referral_date": enrolment.referral_date.isoformat()
             if enrolment.referral_date else None, "entry_code": enrolment.entry_code}
    for name in FIXED:
        if name in row.given and given[name] and given[name] != course[name]:
            problems.append(Problem(name, N_(
                "The course with this reference has %(current)s here. An import does not "
                "change what enrolment set: change it in the course, or correct the file."),
                {"current": course[name] or "–"}))
    return problems


def _contact_changes(row: Row, course: Mapping) -> dict[str, str]:
    """Contact fields the file fills in differently; an empty cell never removes anything."""
    enrolment = row.enrolment
    new = {"name": enrolment.name, "email": enrolment.email, "phone": enrolment.phone,
           "language": enrolment.language}
    stored = {"name": course["patient_name"], "email": course["email"],
              "phone": course["phone"], "language": course["language"]}
    return {name: new[name] for name in CONTACT
            if name in row.given and new[name] and new[name] != stored[name]}


def _moves(row: Row, course: Mapping, timepoints: list[Mapping], keys: list[str],
           problems: list[Problem]) -> dict[str, date]:
    """The visits the file moves, each checked as a move by hand would be."""
    by_key = {tp["key"]: tp for tp in timepoints}
    moves = {}
    for key, (day, target) in row.visits.items():
        timepoint = by_key.get(key)
        if timepoint is not None and timepoint["visit_date"] == day.isoformat():
            continue
        refused = check_move(course, timepoint, key, day, keys)
        if refused is not None:
            problems.append(Problem(target, refused.message, refused.params))
        else:
            moves[key] = day
    return moves


def classify(outcome: Outcome, pathway: Pathway, course: Mapping | None,
             timepoints: list[Mapping]) -> Outcome:
    """Fill in what confirming does with a checked row: ``course`` is the clinic's course
    with the row's reference (None: there is none) and ``timepoints`` its timepoints, or
    for a new course the planned ones (as rows: key, visit_date, submitted_at)."""
    row = outcome.row
    keys = [t.key for t in pathway.timepoints]
    if course is None:
        fresh = {"status": "active", "first_visit": row.enrolment.first_visit.isoformat()}
        outcome.moves = _moves(row, fresh, timepoints, keys, outcome.problems)
    else:
        outcome.course_id = course["id"]
        outcome.problems += _fixed_problems(row, course)
        outcome.contact = _contact_changes(row, course)
        outcome.moves = _moves(row, course, timepoints, keys, outcome.problems)
    if outcome.problems:
        outcome.kind = ERROR
    elif course is None:
        outcome.kind = NEW
    else:
        outcome.kind = UPDATE if outcome.contact or outcome.moves else UNCHANGED
    return outcome
