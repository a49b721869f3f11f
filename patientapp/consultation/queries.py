"""Database access for what the physiotherapist records in the consultation."""

from __future__ import annotations

from sqlite_utils import Database

from ..db import now

# --- neurological status -------------------------------------------------------------

def list_neuro_findings(db: Database, course_id: int) -> list[dict]:
    """Every finding of a course, with its timepoint's key and position."""
    return list(db.query(
        "SELECT neuro_findings.*, timepoints.key AS timepoint, timepoints.position"
        " FROM neuro_findings JOIN timepoints ON timepoints.id = neuro_findings.timepoint_id"
        " WHERE neuro_findings.course_id = ? ORDER BY timepoints.position, neuro_findings.id",
        [course_id]))


def save_neuro_findings(db: Database, timepoint: dict, findings: dict[tuple[str, str, str], str],
                        clinician_id: int) -> None:
    """Replace the timepoint's findings with ``findings`` ((modality, side, root) -> finding;
    a level not examined is absent). The caller holds the transaction."""
    db.execute("DELETE FROM neuro_findings WHERE timepoint_id = ?", [timepoint["id"]])
    stamp = now()
    for (modality, side, root), finding in findings.items():
        db.execute("INSERT INTO neuro_findings (course_id, timepoint_id, modality, side, root,"
                   " finding, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [timepoint["course_id"], timepoint["id"], modality, side, root, finding,
                    clinician_id, stamp])


# --- functional tests ------------------------------------------------------------------

def list_functional_tests(db: Database, course_id: int) -> list[dict]:
    return list(db.query(
        "SELECT functional_tests.*, timepoints.key AS timepoint, timepoints.position"
        " FROM functional_tests JOIN timepoints ON timepoints.id = functional_tests.timepoint_id"
        " WHERE functional_tests.course_id = ? ORDER BY timepoints.position, functional_tests.id",
        [course_id]))


def save_functional_tests(db: Database, timepoint: dict, tests: dict[str, dict],
                          clinician_id: int) -> None:
    """Replace the timepoint's tests: test key -> {value, name, unit}. In the caller's
    transaction."""
    db.execute("DELETE FROM functional_tests WHERE timepoint_id = ?", [timepoint["id"]])
    stamp = now()
    for test, entry in tests.items():
        db.execute("INSERT INTO functional_tests (course_id, timepoint_id, test, name, value,"
                   " unit, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [timepoint["course_id"], timepoint["id"], test, entry.get("name", ""),
                    entry["value"], entry.get("unit", ""), clinician_id, stamp])


# --- painkillers and attendance ----------------------------------------------------------

def get_course_record(db: Database, course_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM course_records WHERE course_id = ?", [course_id]))
    return rows[0] if rows else None


def save_course_record(db: Database, course_id: int, values: dict, clinician_id: int) -> None:
    db.execute(
        "INSERT INTO course_records (course_id, painkillers, painkillers_note, attended, missed,"
        " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (course_id) DO UPDATE"
        " SET painkillers = excluded.painkillers, painkillers_note = excluded.painkillers_note,"
        " attended = excluded.attended, missed = excluded.missed,"
        " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        [course_id, values["painkillers"], values["painkillers_note"], values["attended"],
         values["missed"], clinician_id, now()])


# --- PSFS activities set with the patient ---------------------------------------------------

def replace_baseline_activities(db: Database, course_id: int, texts: list[str],
                                clinician_id: int) -> None:
    """The baseline activities, as set with the patient before the baseline is sent; any
    draft ratings belonged to the old list and are dropped. In the caller's transaction."""
    db.execute("DELETE FROM psfs_activities WHERE course_id = ?", [course_id])
    stamp = now()
    for position, text in enumerate(texts, start=1):
        db.execute("INSERT INTO psfs_activities (course_id, position, text, baseline,"
                   " created_at, created_by) VALUES (?, ?, ?, 1, ?, ?)",
                   [course_id, position, text, stamp, clinician_id])
    db.execute("UPDATE responses SET answers = json_remove(answers, '$.ratings', '$.activities')"
               " WHERE course_id = ? AND instrument = 'psfs' AND status = 'draft'", [course_id])


def add_later_activity(db: Database, course_id: int, text: str, clinician_id: int) -> int:
    """One activity added after baseline: rated from now on, never part of the change since
    baseline (``baseline = 0``). Returns its position."""
    position = next(db.query("SELECT coalesce(max(position), 0) + 1 AS p FROM psfs_activities"
                             " WHERE course_id = ?", [course_id]))["p"]
    db.execute("INSERT INTO psfs_activities (course_id, position, text, baseline, created_at,"
               " created_by) VALUES (?, ?, ?, 0, ?, ?)",
               [course_id, position, text, now(), clinician_id])
    return position


# --- the treating physiotherapist ------------------------------------------------------------

def set_treating_clinician(db: Database, course_id: int, clinician_id: int) -> None:
    db.execute("UPDATE courses SET clinician_id = ? WHERE id = ?", [clinician_id, course_id])
