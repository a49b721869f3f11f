"""Score exports: rows for CSV, with no names or contact details."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from sqlite_utils import Database

CSV_COLUMNS = ["course_id", "pathway", "timepoint", "instrument", "item", "value", "valid",
               "submitted_at"]


def list_score_rows(db: Database, clinic_id: int | None = None,
                    since: str | None = None) -> Iterator[dict]:
    """One row per score of courses whose patient consented to passing answers on."""
    where, params = ["courses.consent = 'given'"], []
    if clinic_id is not None:
        where.append("courses.clinic_id = ?")
        params.append(clinic_id)
    if since:
        where.append("timepoints.submitted_at >= ?")
        params.append(since)
    return db.query(
        "SELECT scores.course_id, courses.pathway, timepoints.key AS timepoint,"  # nosec B608
        " scores.instrument, scores.item, scores.value, scores.valid,"
        " timepoints.submitted_at FROM scores"
        " JOIN courses ON courses.id = scores.course_id"
        " JOIN timepoints ON timepoints.id = scores.timepoint_id"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY scores.course_id, timepoints.position, scores.instrument, scores.item", params)


def write_csv(rows: Iterable[dict], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({**row, "valid": "true" if row["valid"] else "false",
                         "value": "" if row["value"] is None else repr(row["value"])})
        count += 1
    return count
