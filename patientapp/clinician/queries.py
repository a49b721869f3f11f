"""Database access for the clinic side. Every query is scoped to one clinic."""

from __future__ import annotations

import json

from sqlite_utils import Database

from ..db import now, write_transaction

# One query for the whole list, in two passes. The first ranks every listed course by
# need from what the sort needs (one pass over their timepoints and the open alerts, each
# grouped once: no subquery per course); the CASE puts an alarm first, then worsening,
# then other alerts, new answers, unanswered questionnaires, then the rest. Only the page
# it keeps gets the second pass: the latest score of the course's main instrument and the
# baseline's, through the scores index. :main maps each pathway to that instrument (JSON).
COURSE_LIST_SQL = """
WITH listed AS (
  SELECT courses.id AS course_id, courses.pathway, courses.status, courses.consent,
    courses.clinician_id, patients.name, patients.id AS patient_id
  FROM courses JOIN patients ON patients.id = courses.patient_id
  WHERE courses.clinic_id = :clinic AND courses.status = :status
    AND (:mine = 0 OR courses.clinician_id = :clinician)
    AND (:search = '' OR patients.name LIKE '%' || :search || '%' ESCAPE '\\')
),
visits AS (
  SELECT listed.*,
    min(CASE WHEN t.visit_date >= :today THEN t.visit_date END) AS next_visit,
    coalesce(max(t.submitted_at IS NULL AND t.send_at <= :today AND t.visit_date >= :today),
             0) AS due,
    coalesce(max(t.submitted_at IS NULL AND t.visit_date < :today), 0) AS overdue,
    max(t.submitted_at) AS last_submitted
  FROM listed LEFT JOIN timepoints t ON t.course_id = listed.course_id
  GROUP BY listed.course_id
),
open_alerts AS (
  SELECT a.course_id, sum(a.kind = 'alarm') AS alarm_alerts,
    sum(a.kind = 'worse') AS worse_alerts, sum(a.kind NOT IN ('alarm', 'worse')) AS other_alerts
  FROM alerts a JOIN courses c ON c.id = a.course_id
  WHERE a.acknowledged_at IS NULL AND c.clinic_id = :clinic AND c.status = :status
  GROUP BY a.course_id
),
ranked AS (
  SELECT visits.*,
    coalesce(visits.last_submitted > coalesce(v.viewed_at, ''), 0) AS unseen_submission,
    coalesce(open_alerts.alarm_alerts, 0) AS alarm_alerts,
    coalesce(open_alerts.worse_alerts, 0) AS worse_alerts,
    coalesce(open_alerts.other_alerts, 0) AS other_alerts
  FROM visits LEFT JOIN open_alerts ON open_alerts.course_id = visits.course_id
  LEFT JOIN course_views v ON v.course_id = visits.course_id AND v.clinician_id = :clinician
),
page AS (
  SELECT *, CASE
    WHEN alarm_alerts > 0 THEN 0
    WHEN worse_alerts > 0 THEN 1
    WHEN other_alerts > 0 THEN 2
    WHEN unseen_submission THEN 3
    WHEN overdue THEN 4
    WHEN due THEN 5
    ELSE 6
  END AS priority FROM ranked
  ORDER BY priority, coalesce(next_visit, '9999'), name, course_id
  LIMIT :limit OFFSET :offset
),
main AS (SELECT key AS pathway, value AS instrument FROM json_each(:main)),
scored AS (
  SELECT page.*, main.instrument,
    (SELECT s.value FROM scores s JOIN timepoints t ON t.id = s.timepoint_id
      WHERE s.course_id = page.course_id AND s.instrument = main.instrument AND s.item = ''
        AND s.valid = 1 AND s.value IS NOT NULL
      ORDER BY t.position DESC LIMIT 1) AS latest_score,
    (SELECT t.key FROM scores s JOIN timepoints t ON t.id = s.timepoint_id
      WHERE s.course_id = page.course_id AND s.instrument = main.instrument AND s.item = ''
        AND s.valid = 1 AND s.value IS NOT NULL
      ORDER BY t.position DESC LIMIT 1) AS latest_timepoint,
    (SELECT s.value FROM scores s JOIN timepoints t ON t.id = s.timepoint_id
      WHERE s.course_id = page.course_id AND s.instrument = main.instrument AND s.item = ''
        AND s.valid = 1 AND t.key = 'baseline') AS baseline_score
  FROM page LEFT JOIN main ON main.pathway = page.pathway
)
SELECT * FROM scored ORDER BY priority, coalesce(next_visit, '9999'), name, course_id
"""


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_courses(db: Database, clinic_id: int, clinician_id: int, today: str, search: str = "",
                 status: str = "active", limit: int = 50, offset: int = 0, *,
                 main_instruments: dict[str, str] | None = None,
                 mine: bool = False) -> list[dict]:
    """One page of the patient list in one query, what needs action first.

    ``main_instruments`` maps a pathway id to the instrument whose latest score (and
    baseline) each row carries; ``mine`` keeps the courses ``clinician_id`` treats."""
    return list(db.query(COURSE_LIST_SQL, {
        "clinic": clinic_id, "clinician": clinician_id, "today": today,
        "search": _like_escape(search.strip()), "status": status, "limit": limit,
        "offset": offset, "mine": int(mine), "main": json.dumps(main_instruments or {})}))


def count_courses(db: Database, clinic_id: int, status: str = "active") -> int:
    return next(db.query("SELECT count(*) AS n FROM courses WHERE clinic_id = ? AND status = ?",
                         [clinic_id, status]))["n"]


def list_alerts(db: Database, course_id: int) -> list[dict]:
    rows = db.query(
        "SELECT alerts.*, timepoints.key AS timepoint, clinicians.name AS acknowledged_by_name"
        " FROM alerts LEFT JOIN timepoints ON timepoints.id = alerts.timepoint_id"
        " LEFT JOIN clinicians ON clinicians.id = alerts.acknowledged_by"
        " WHERE alerts.course_id = ? ORDER BY alerts.acknowledged_at IS NOT NULL,"
        # open ones first, the most severe first (an acute alarm always on top), then newest
        " CASE alerts.level WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 WHEN 'warning' THEN 2"
        " ELSE 3 END, alerts.kind != 'alarm', alerts.created_at DESC", [course_id])
    return [{**row, "detail": json.loads(row["detail"])} for row in rows]


def acknowledge_other_alerts(db: Database, clinic_id: int, course_id: int,
                             clinician_id: int) -> list[int]:
    """Acknowledge every open alert of the course except alarms (each of those is read and
    acknowledged on its own); returns the ids acknowledged."""
    with write_transaction(db):
        ids = [row["id"] for row in db.query(
            "SELECT alerts.id FROM alerts JOIN courses ON courses.id = alerts.course_id"
            " WHERE alerts.course_id = ? AND courses.clinic_id = ? AND alerts.kind != 'alarm'"
            " AND alerts.acknowledged_at IS NULL", [course_id, clinic_id])]
        for alert_id in ids:
            db.execute("UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
                       [now(), clinician_id, alert_id])
    return ids


def acknowledge_alert(db: Database, clinic_id: int, alert_id: int,
                      clinician_id: int) -> int | None:
    """Acknowledge an alert of this clinic; returns its course id, or None if not ours."""
    with write_transaction(db):
        rows = list(db.query(
            "SELECT alerts.id, alerts.course_id FROM alerts JOIN courses ON courses.id ="
            " alerts.course_id WHERE alerts.id = ? AND courses.clinic_id = ?",
            [alert_id, clinic_id]))
        if not rows:
            return None
        db.execute("UPDATE alerts SET acknowledged_at = coalesce(acknowledged_at, ?),"
                   " acknowledged_by = coalesce(acknowledged_by, ?) WHERE id = ?",
                   [now(), clinician_id, alert_id])
    return rows[0]["course_id"]


def mark_viewed(db: Database, clinician_id: int, course_id: int) -> None:
    db.execute("INSERT INTO course_views (clinician_id, course_id, viewed_at) VALUES (?, ?, ?)"
               " ON CONFLICT (clinician_id, course_id)"
               " DO UPDATE SET viewed_at = excluded.viewed_at",
               [clinician_id, course_id, now()])


def list_responses(db: Database, course_id: int) -> list[dict]:
    rows = db.query("SELECT responses.*, timepoints.key AS timepoint FROM responses"
                    " JOIN timepoints ON timepoints.id = responses.timepoint_id"
                    " WHERE responses.course_id = ? AND responses.status = 'submitted'"
                    " ORDER BY timepoints.position", [course_id])
    return [{**row, "answers": json.loads(row["answers"])} for row in rows]


def get_gp_note(db: Database, course_id: int) -> str:
    rows = list(db.query("SELECT note FROM gp_notes WHERE course_id = ?", [course_id]))
    return rows[0]["note"] if rows else ""


def save_gp_note(db: Database, course_id: int, note: str, clinician_id: int) -> None:
    db.execute("INSERT INTO gp_notes (course_id, note, updated_at, updated_by) VALUES (?, ?, ?, ?)"
               " ON CONFLICT (course_id) DO UPDATE SET note = excluded.note,"
               " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
               [course_id, note, now(), clinician_id])


def list_audit(db: Database, clinic_id: int, limit: int = 200, offset: int = 0) -> list[dict]:
    return list(db.query(
        "SELECT audit_log.*, coalesce(clinicians.name, api_keys.name) AS actor_name"
        " FROM audit_log"
        " LEFT JOIN clinicians ON audit_log.actor_type = 'clinician'"
        " AND clinicians.id = audit_log.actor_id"
        " LEFT JOIN api_keys ON audit_log.actor_type = 'api-key'"
        " AND api_keys.id = audit_log.actor_id"
        " WHERE audit_log.clinic_id = ? ORDER BY audit_log.id DESC LIMIT ? OFFSET ?",
        [clinic_id, limit, offset]))


CLINICIAN_COLUMNS = ("SELECT id, email, name, role, active, language, last_login_at,"
                     " locked_until, totp_secret IS NOT NULL AS two_factor FROM clinicians")


def list_clinicians(db: Database, clinic_id: int) -> list[dict]:
    return list(db.query(f"{CLINICIAN_COLUMNS} WHERE clinic_id = ? ORDER BY name",
                         [clinic_id]))


def get_clinic_clinician(db: Database, clinic_id: int, clinician_id: int) -> dict | None:
    """The account, if it is one of this clinic's (an admin never reaches another clinic's)."""
    return next(db.query(f"{CLINICIAN_COLUMNS} WHERE clinic_id = ? AND id = ?",
                         [clinic_id, clinician_id]), None)


def set_clinician_active(db: Database, clinician_id: int, active: bool) -> None:
    db.execute("UPDATE clinicians SET active = ? WHERE id = ?", [int(active), clinician_id])


# --- sign-in: failed attempts and sessions -------------------------------------------

def count_failed_login(db: Database, clinician_id: int) -> int:
    """One more failed sign-in, in one statement (no update lost between processes);
    returns the new count."""
    # sqlite-utils commits a plain write itself, but not one that returns rows: the
    # write transaction commits it (and takes the write lock up front).
    with write_transaction(db):
        return db.execute("UPDATE clinicians SET failed_logins = failed_logins + 1"
                          " WHERE id = ? RETURNING failed_logins",
                          [clinician_id]).fetchall()[0][0]


def get_alert_recipient(db: Database, clinician_id: int) -> dict:
    """Who is told about failed sign-ins: the account's e-mail, name, language, clinic."""
    return next(db.query("SELECT clinicians.email, clinicians.name, clinicians.language,"
                         " clinics.name AS clinic_name FROM clinicians JOIN clinics ON"
                         " clinics.id = clinicians.clinic_id WHERE clinicians.id = ?",
                         [clinician_id]))


# --- the clinic overview -------------------------------------------------------------

RESPONSE_SQL = """
SELECT courses.pathway, timepoints.key, timepoints.position,
  count(*) AS invited, count(timepoints.submitted_at) AS answered
FROM timepoints JOIN courses ON courses.id = timepoints.course_id
WHERE courses.clinic_id = ? AND timepoints.send_at <= ?
GROUP BY courses.pathway, timepoints.key ORDER BY courses.pathway, timepoints.position
"""

COUNTS_SQL = """
SELECT pathway, sum(status = 'active') AS active, sum(status = 'ended') AS ended,
  count(*) AS total FROM courses WHERE clinic_id = ? GROUP BY pathway
"""

# Baseline and final values per course and headline series; PSFS over baseline activities.
OUTCOME_SQL = """
WITH headline AS (
  SELECT scores.course_id, scores.instrument, scores.item, timepoints.key,
    timepoints.is_final, scores.value
  FROM scores JOIN timepoints ON timepoints.id = scores.timepoint_id
  JOIN courses ON courses.id = scores.course_id
  WHERE courses.clinic_id = :clinic AND scores.valid = 1
    AND (timepoints.key = 'baseline' OR timepoints.is_final = 1)
    AND NOT (scores.instrument = 'psfs')
  UNION ALL
  SELECT scores.course_id, 'psfs', '', timepoints.key, timepoints.is_final, avg(scores.value)
  FROM scores JOIN timepoints ON timepoints.id = scores.timepoint_id
  JOIN courses ON courses.id = scores.course_id
  JOIN psfs_activities ON psfs_activities.course_id = scores.course_id
    AND CAST(psfs_activities.position AS TEXT) = scores.item AND psfs_activities.baseline = 1
  WHERE courses.clinic_id = :clinic AND scores.instrument = 'psfs' AND scores.value IS NOT NULL
    AND (timepoints.key = 'baseline' OR timepoints.is_final = 1)
  GROUP BY scores.course_id, timepoints.id
)
SELECT headline.*, courses.pathway FROM headline JOIN courses ON courses.id = headline.course_id
"""


# The patient's own judgement (GPE) at the final consultation, one row per course.
GPE_SQL = """
SELECT courses.pathway, scores.course_id, scores.band FROM scores
JOIN timepoints ON timepoints.id = scores.timepoint_id
JOIN courses ON courses.id = scores.course_id
WHERE courses.clinic_id = ? AND scores.instrument = 'gpe' AND scores.valid = 1
  AND timepoints.is_final = 1
"""


def list_final_gpe(db: Database, clinic_id: int) -> list[dict]:
    return list(db.query(GPE_SQL, [clinic_id]))


def list_pathway_counts(db: Database, clinic_id: int) -> list[dict]:
    return list(db.query(COUNTS_SQL, [clinic_id]))


def list_response_counts(db: Database, clinic_id: int, today: str) -> list[dict]:
    return list(db.query(RESPONSE_SQL, [clinic_id, today]))


def list_outcome_values(db: Database, clinic_id: int) -> list[dict]:
    return list(db.query(OUTCOME_SQL, {"clinic": clinic_id}))


def get_session_search(db: Database, session_id: int) -> str:
    """The patient-list search this device's session remembers ('' for none)."""
    rows = list(db.query("SELECT search FROM clinician_sessions WHERE id = ?", [session_id]))
    return rows[0]["search"] if rows else ""


def save_session_search(db: Database, session_id: int, term: str) -> None:
    db.execute("UPDATE clinician_sessions SET search = ? WHERE id = ?", [term, session_id])


# --- two-factor sign-in ----------------------------------------------------------------

def get_two_factor(db: Database, clinician_id: int) -> dict:
    """The account's two-factor state: the (encrypted) secrets, when it was switched on,
    the last time step accepted and how many recovery codes are left unused."""
    return next(db.query(
        "SELECT id, totp_secret, totp_pending_secret, totp_enabled_at, totp_last_step,"
        " (SELECT count(*) FROM recovery_codes r WHERE r.clinician_id = clinicians.id"
        " AND r.used_at IS NULL) AS recovery_left FROM clinicians WHERE id = ?",
        [clinician_id]))


def save_pending_secret(db: Database, clinician_id: int, encrypted: str) -> None:
    db.execute("UPDATE clinicians SET totp_pending_secret = ? WHERE id = ?",
               [encrypted, clinician_id])


def _save_recovery_codes(db: Database, clinician_id: int, code_hashes: list[str]) -> None:
    db.execute("DELETE FROM recovery_codes WHERE clinician_id = ?", [clinician_id])
    for code_hash in code_hashes:
        db.execute("INSERT INTO recovery_codes (clinician_id, code_hash, created_at)"
                   " VALUES (?, ?, ?)", [clinician_id, code_hash, now()])


def enable_two_factor(db: Database, clinician_id: int, encrypted: str, step: int,
                      code_hashes: list[str]) -> bool:
    """Switch two-factor sign-in on with the pending secret (which must still be
    ``encrypted``: a second tab that set up another one in between wins, not this one),
    the step of the code just typed, and fresh recovery codes. False if it has changed."""
    with write_transaction(db):
        changed = db.execute(
            "UPDATE clinicians SET totp_secret = totp_pending_secret, totp_pending_secret ="
            " NULL, totp_enabled_at = ?, totp_last_step = ? WHERE id = ?"
            " AND totp_pending_secret = ?", [now(), step, clinician_id, encrypted]).rowcount
        if changed:
            _save_recovery_codes(db, clinician_id, code_hashes)
    return bool(changed)


def replace_recovery_codes(db: Database, clinician_id: int, code_hashes: list[str]) -> None:
    with write_transaction(db):
        _save_recovery_codes(db, clinician_id, code_hashes)


def claim_time_step(db: Database, clinician_id: int, step: int) -> bool:
    """Take the code of this time step, once: False if it (or a later one) was taken
    already, by this request's rival too (one statement decides)."""
    with write_transaction(db):
        return db.execute(
            "UPDATE clinicians SET totp_last_step = ? WHERE id = ? AND totp_secret IS NOT NULL"
            " AND (totp_last_step IS NULL OR totp_last_step < ?)",
            [step, clinician_id, step]).rowcount == 1


def use_recovery_code(db: Database, clinician_id: int, code_hash: str) -> bool:
    """Use up one recovery code of the account; False if unknown or used already."""
    with write_transaction(db):
        return db.execute(
            "UPDATE recovery_codes SET used_at = ? WHERE clinician_id = ? AND code_hash = ?"
            " AND used_at IS NULL", [now(), clinician_id, code_hash]).rowcount == 1


def delete_two_factor(db: Database, clinician_id: int) -> bool:
    """Switch two-factor sign-in off (or reset it): secrets and recovery codes go.
    True if it was on."""
    with write_transaction(db):
        was_on = db.execute(
            "UPDATE clinicians SET totp_secret = NULL, totp_pending_secret = NULL,"
            " totp_enabled_at = NULL, totp_last_step = NULL WHERE id = ?"
            " AND totp_secret IS NOT NULL", [clinician_id]).rowcount == 1
        db.execute("UPDATE clinicians SET totp_pending_secret = NULL WHERE id = ?",
                   [clinician_id])
        db.execute("DELETE FROM recovery_codes WHERE clinician_id = ?", [clinician_id])
    return was_on


def get_active_clinician(db: Database, clinician_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM clinicians WHERE id = ? AND active = 1",
                         [clinician_id]))
    return rows[0] if rows else None
