"""The preview: every row of the file as new, update, unchanged or error, and the counts.

Pure functions, no Flask or database: the clinic's courses the file names are looked up
first (two queries for the whole file, whatever its length) and passed in. Confirming
runs the same ``preview`` again on what the database holds then, and writes exactly what
it says, so the preview is what happens.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from ..checks import N_
from ..content import Pathway
from ..courses.enrolment import Problem
from ..courses.schedule import plan
from .csvfile import Table
from .rows import ERROR, Outcome, check_row, classify


def references(table: Table) -> list[str]:
    """Every external_id the file names (to look the courses up in one query)."""
    index = next(i for i, c in enumerate(table.columns) if c.field == "external_id")
    return sorted({cells[index].strip() for _, cells in table.rows if index < len(cells)
                   and cells[index].strip()})


def _cell(table: Table, cells: list[str], name: str) -> str:
    index = next((i for i, c in enumerate(table.columns) if c.field == name), None)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _planned(pathway: Pathway, outcome: Outcome) -> list[dict]:
    enrolment = outcome.row.enrolment
    return [{"key": tp.key, "visit_date": tp.visit_date.isoformat(), "submitted_at": None}
            for tp in plan(pathway, enrolment.first_visit, enrolment.referral_date,
                           entry_code=enrolment.entry_code)]


def preview(table: Table, pathways: Mapping[str, Pathway], existing: Mapping[str, dict],
            timepoints: Mapping[int, list[dict]]) -> list[Outcome]:
    """What confirming does with each row. ``existing``: the clinic's courses by
    external_id; ``timepoints``: their timepoints by course id."""
    outcomes, seen = [], {}
    for line, cells in table.rows:
        outcome = Outcome(line, _cell(table, cells, "external_id"), _cell(table, cells, "name"))
        outcome.row, outcome.problems = check_row(table, cells, pathways)
        if outcome.external_id in seen:
            outcome.problems.append(Problem("external_id", N_(
                "Line %(line)d has the same reference: a course may appear once in a file."),
                {"line": seen[outcome.external_id]}))
        seen.setdefault(outcome.external_id, line)
        if outcome.row is not None and not outcome.problems:
            course = existing.get(outcome.external_id)
            pathway = pathways[outcome.row.enrolment.pathway]
            found = timepoints.get(course["id"], []) if course else _planned(pathway, outcome)
            classify(outcome, pathway, course, found)
        outcomes.append(outcome)
    return outcomes


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    found = Counter(outcome.kind for outcome in outcomes)
    return {kind: found.get(kind, 0) for kind in ("new", "update", "unchanged", ERROR)}
