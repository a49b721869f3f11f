"""Score exports: CSV of the rows ``queries.list_score_rows`` gives, no names or contact details.

A score's value is written as Python's ``repr`` of the number (exact, "44.0"); the risk
questionnaire's answers as they are stored (an answer id, a number of days, pain sites)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

# completed_in: "link" (the patient sent it) or "consultation" (filled in with the patient);
# completed_by: then the clinician's name (a member of staff, never a patient's).
CSV_COLUMNS = ["course_id", "pathway", "timepoint", "instrument", "item", "value", "valid",
               "submitted_at", "completed_in", "completed_by"]


def csv_value(value) -> str:
    """A row's value as the CSV cell shows it."""
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def write_csv(rows: Iterable[dict], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({**row, "valid": "true" if row["valid"] else "false",
                         "value": csv_value(row["value"])})
        count += 1
    return count
