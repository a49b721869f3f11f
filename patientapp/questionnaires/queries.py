"""Database access for drafts, submissions, scores and alerts of the patient flow."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlite_utils import Database

from .. import scoring
from ..content import Questionnaire
from ..content import queries as content_db
from ..courses.queries import decode_timepoint
from ..db import now, write_transaction
from ..events import timepoint_submitting
from ..notifications import addresses
from ..notifications import queries as notifications
from . import flow

BASELINE = "baseline"  # the key of every pathway's first timepoint (content.py checks it)


# A visit's state in one statement: the timepoint's row, with its answers so far and the
# course's fixed PSFS activities folded in as JSON (instead of three statements a page).
VISIT_SQL = """
SELECT timepoints.*,
  (SELECT json_group_object(r.instrument, json(r.answers)) FROM responses r
    WHERE r.timepoint_id = timepoints.id) AS visit_answers,
  (SELECT json_group_array(json_object('position', a.position, 'text', a.text,
                                       'baseline', a.baseline))
    FROM (SELECT * FROM psfs_activities WHERE course_id = timepoints.course_id
          ORDER BY position) a) AS visit_activities
FROM timepoints WHERE timepoints.id = ?
"""


def get_visit_state(db: Database, timepoint_id: int) -> tuple[dict, dict[str, dict], list[dict]]:
    """(the timepoint, its answers by instrument, the course's fixed PSFS activities), as
    ``get_timepoint``, ``load_answers`` and ``list_fixed_activities`` give them."""
    row = next(db.query(VISIT_SQL, [timepoint_id]))
    answers = json.loads(row.pop("visit_answers") or "{}")
    # json_group_array keeps the subquery's order in practice; sorted, it is certain.
    activities = sorted(json.loads(row.pop("visit_activities") or "[]"),
                        key=lambda a: a["position"])
    return decode_timepoint(row), answers, activities


def load_answers(db: Database, timepoint_id: int) -> dict[str, dict]:
    """Answers so far, by instrument."""
    rows = db.query("SELECT instrument, answers FROM responses WHERE timepoint_id = ?",
                    [timepoint_id])
    return {row["instrument"]: json.loads(row["answers"]) for row in rows}


def save_answers(db: Database, timepoint: dict, instrument: str, locale: str, version: str,
                 values: dict, wording: Iterable[Questionnaire] = ()) -> bool:
    """Merge ``values`` into the draft; False when the timepoint was already submitted.

    json_patch merges in SQL, so two tabs saving different screens never overwrite
    each other's answers. ``wording`` is the instrument in every language at ``version``:
    kept as that version's snapshot the first time it is used (content/queries.py).
    """
    with write_transaction(db):
        if _is_submitted(db, timepoint["id"]):
            return False
        content_db.save_snapshots(db, wording, version)
        stamp = now()
        db.execute(
            "INSERT INTO responses (course_id, timepoint_id, instrument, locale, content_version,"
            " answers, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (timepoint_id, instrument) DO UPDATE SET"
            " answers = json_patch(answers, excluded.answers), locale = excluded.locale,"
            " content_version = excluded.content_version, updated_at = excluded.updated_at",
            [timepoint["course_id"], timepoint["id"], instrument, locale, version,
             json.dumps(values), stamp, stamp])
    return True


def _is_submitted(db: Database, timepoint_id: int) -> bool:
    row = next(db.query("SELECT submitted_at FROM timepoints WHERE id = ?", [timepoint_id]))
    return row["submitted_at"] is not None


def list_fixed_activities(db: Database, course_id: int) -> list[dict]:
    return list(db.query("SELECT position, text, baseline FROM psfs_activities"
                         " WHERE course_id = ? ORDER BY position", [course_id]))


def save_alarm_alerts(db: Database, timepoint: dict, items: list[dict]) -> int:
    """One alert per alarm answer, and the clinic's notifications queued with them.

    Asking again never duplicates either. Returns how many notifications were queued.
    """
    if not items:
        return 0
    with write_transaction(db):
        for item in items:
            db.execute(
                "INSERT INTO alerts (course_id, timepoint_id, kind, level, key, detail,"
                " created_at) VALUES (?, ?, 'alarm', ?, ?, ?, ?)"
                " ON CONFLICT (course_id, timepoint_id, kind, key) DO NOTHING",
                [timepoint["course_id"], timepoint["id"], item["level"], item["id"],
                 json.dumps({"item": item["id"]}), now()])
        clinic = get_clinic_of_course(db, timepoint["course_id"])
        return notifications.queue_alarms(db, timepoint["id"], addresses.recipients(clinic),
                                          now())


def has_open_alarm(db: Database, timepoint_id: int) -> bool:
    """An alarm answer at this timepoint that the clinic has not yet acknowledged."""
    return bool(list(db.query(
        "SELECT 1 FROM alerts WHERE timepoint_id = ? AND kind = 'alarm'"
        " AND acknowledged_at IS NULL LIMIT 1", [timepoint_id])))


def get_clinic_of_course(db: Database, course_id: int) -> dict:
    return next(db.query("SELECT clinics.* FROM clinics JOIN courses"
                         " ON courses.clinic_id = clinics.id WHERE courses.id = ?", [course_id]))


def _score_rows(instrument: str, answers: dict, sites: list[str],
                fixed: list[str] | None) -> list[tuple[str, scoring.Score]]:
    if instrument == "nprs":
        return [(site, scoring.score("nprs", flow.score_input("nprs", answers, site)))
                for site in sites]
    total = scoring.score(instrument, flow.score_input(instrument, answers,
                                                        fixed_activities=fixed))
    rows = [("", total)]
    if instrument == "psfs":
        ratings = flow.score_input("psfs", answers, fixed_activities=fixed)
        rows += [(str(n), scoring.score("psfs", [r])) for n, r in enumerate(ratings, start=1)]
    return rows


def submit(db: Database, timepoint: dict, sites: list[str], safety_items: list[dict],
           at: str | None = None, completed_by: int | None = None) -> bool:
    """Submit the timepoint: freeze answers, store scores, raise alerts. Idempotent.

    ``completed_by`` is the clinician who filled it in with the patient in the
    consultation; None when the patient sent it from their link.
    Returns False when it had already been submitted (a double tap or resent form).
    ``at`` (UTC ISO) is when it was sent: now, except for the demo's earlier answers.
    """
    with write_transaction(db):
        if _is_submitted(db, timepoint["id"]):
            return False
        stamp = at or now()
        fixed = [a["text"] for a in list_fixed_activities(db, timepoint["course_id"])]
        answers = load_answers(db, timepoint["id"])
        if "psfs" in answers and not fixed:
            # Only the baseline consultation fixes baseline activities: named later (the
            # baseline was skipped), they are kept and re-rated but never become the
            # baseline the course's change is measured from.
            _save_activities(db, timepoint["course_id"], answers["psfs"], stamp,
                             baseline=timepoint["key"] == BASELINE)
            fixed = list(answers["psfs"].get("activities") or [])
        if "psfs" in answers:
            # The activities rated are kept word for word with the response.
            _patch(db, timepoint["id"], "psfs", {"activities": fixed})
        for instrument in timepoint["questionnaires"]:
            response_id = _response_id(db, timepoint["id"], instrument)
            if instrument in flow.UNSCORED or response_id is None:
                continue  # no score (risk), or never answered: nothing to score
            for item, result in _score_rows(instrument, answers.get(instrument, {}), sites, fixed):
                _save_score(db, response_id, timepoint, instrument, item, result, stamp)
        db.execute("UPDATE responses SET status = 'submitted', submitted_at = ?"
                   " WHERE timepoint_id = ?", [stamp, timepoint["id"]])
        db.execute("UPDATE timepoints SET submitted_at = ?, completed_by = ? WHERE id = ?",
                   [stamp, completed_by, timepoint["id"]])
        alarms = [i for i in safety_items if answers.get("safety", {}).get(i["id"]) == "yes"]
        save_alarm_alerts(db, timepoint, alarms)
        _save_worse_alerts(db, timepoint, stamp)
        timepoint_submitting.send(db=db, timepoint=timepoint)
    return True


def _patch(db: Database, timepoint_id: int, instrument: str, values: dict) -> None:
    db.execute("UPDATE responses SET answers = json_patch(answers, ?)"
               " WHERE timepoint_id = ? AND instrument = ?",
               [json.dumps(values), timepoint_id, instrument])


def _save_activities(db: Database, course_id: int, psfs: dict, stamp: str,
                     baseline: bool) -> None:
    for position, text in enumerate(psfs.get("activities") or [], start=1):
        db.execute("INSERT INTO psfs_activities (course_id, position, text, baseline, created_at)"
                   " VALUES (?, ?, ?, ?, ?)", [course_id, position, text, int(baseline), stamp])


def _response_id(db: Database, timepoint_id: int, instrument: str) -> int | None:
    rows = list(db.query("SELECT id FROM responses WHERE timepoint_id = ? AND instrument = ?",
                         [timepoint_id, instrument]))
    return rows[0]["id"] if rows else None


def _save_score(db: Database, response_id: int, timepoint: dict, instrument: str, item: str,
                result: scoring.Score, stamp: str) -> None:
    # A plain INSERT: sqlite-utils' table.insert() reads the table's columns first, each
    # time, which was a fifth of a submit's CPU time (measured).
    db.execute(
        "INSERT INTO scores (response_id, course_id, timepoint_id, instrument, item, value,"
        " valid, band, answered, reason, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [response_id, timepoint["course_id"], timepoint["id"], instrument, item, result.value,
         int(result.valid), result.band, result.answered, result.reason, stamp])


def course_scores(db: Database, course_id: int) -> list[dict]:
    """Every stored score of a course, oldest timepoint first."""
    return list(db.query(
        "SELECT scores.*, timepoints.key AS timepoint, timepoints.position,"
        " timepoints.submitted_at FROM scores"
        " JOIN timepoints ON timepoints.id = scores.timepoint_id"
        " WHERE scores.course_id = ? ORDER BY timepoints.position, scores.instrument,"
        " scores.item", [course_id]))


def _comparable(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """Scores grouped by (instrument, item), excluding PSFS single activities and the GPE,
    which is itself a judgement of change (it has no change rule)."""
    series: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        if row["instrument"] == "psfs" and row["item"] or \
                row["instrument"] not in scoring.CHANGE_RULES:
            continue
        series.setdefault((row["instrument"], row["item"]), []).append(row)
    return series


def _save_worse_alerts(db: Database, timepoint: dict, stamp: str) -> None:
    """Alert when a score is meaningfully worse than at baseline or the previous timepoint."""
    rows = course_scores(db, timepoint["course_id"])
    baseline_psfs = psfs_baseline_means(db, timepoint["course_id"])
    pathway = next(db.query("SELECT pathway FROM courses WHERE id = ?",
                            [timepoint["course_id"]]))["pathway"]
    for (instrument, item), series in _comparable(rows).items():
        if len(series) < 2 or series[-1]["timepoint_id"] != timepoint["id"]:
            continue
        values = [baseline_psfs.get(r["timepoint_id"]) if instrument == "psfs" else r["value"]
                  for r in series]
        # "Since baseline" only from the baseline's own score: a skipped or invalid
        # baseline is never replaced by the first later one.
        comparisons = [("previous", values[-2])]
        if series[0]["timepoint"] == BASELINE:
            comparisons.insert(0, ("baseline", values[0]))
        for compared, before in comparisons:
            if scoring.classify_change(instrument, before, values[-1],
                                       pathway=pathway) == scoring.WORSE:
                detail = {"instrument": instrument, "item": item, "compared": compared,
                          "from": before, "to": values[-1]}
                db.execute(
                    "INSERT INTO alerts (course_id, timepoint_id, kind, level, key, detail,"
                    " created_at) VALUES (?, ?, 'worse', 'warning', ?, ?, ?)"
                    " ON CONFLICT (course_id, timepoint_id, kind, key) DO NOTHING",
                    [timepoint["course_id"], timepoint["id"], f"{instrument}:{item}",
                     json.dumps(detail), stamp])
                break


def psfs_baseline_means(db: Database, course_id: int) -> dict[int, float | None]:
    """Per timepoint, the PSFS mean over the baseline activities only (docs/scoring.md, PSFS)."""
    rows = db.query(
        "SELECT scores.timepoint_id, scores.value FROM scores"
        " JOIN psfs_activities ON psfs_activities.course_id = scores.course_id"
        " AND CAST(psfs_activities.position AS TEXT) = scores.item"
        " WHERE scores.course_id = ? AND scores.instrument = 'psfs'"
        " AND psfs_activities.baseline = 1", [course_id])
    ratings: dict[int, list[int]] = {}
    for row in rows:
        ratings.setdefault(row["timepoint_id"], [])
        if row["value"] is not None:
            ratings[row["timepoint_id"]].append(int(row["value"]))
    return {tp: scoring.score("psfs", values).value for tp, values in ratings.items()}
