"""Clinic overview: activity, response rates and outcomes per pathway.

Three queries for the whole clinic, then pure arithmetic: it stays fast with thousands
of courses.
"""

from __future__ import annotations

from collections import defaultdict

from sqlite_utils import Database

from .. import scoring

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


def pathway_counts(db: Database, clinic_id: int) -> dict[str, dict]:
    return {row["pathway"]: row for row in db.query(COUNTS_SQL, [clinic_id])}


def response_rates(db: Database, clinic_id: int, today: str) -> dict[str, list[dict]]:
    """Per pathway and timepoint: links due so far and how many were answered."""
    rates: dict[str, list[dict]] = defaultdict(list)
    for row in db.query(RESPONSE_SQL, [clinic_id, today]):
        rates[row["pathway"]].append({**row, "rate": row["answered"] / row["invited"]})
    return dict(rates)


def improvement_shares(rows: list[dict]) -> dict[str, dict[tuple[str, str], dict]]:
    """Per pathway and (instrument, item): courses with baseline and final, and how many
    improved meaningfully by the thresholds in docs/scoring.md."""
    pairs: dict[tuple, dict] = defaultdict(dict)
    for row in rows:
        slot = "final" if row["is_final"] else "baseline"
        pairs[(row["pathway"], row["instrument"], row["item"], row["course_id"])][slot] = \
            row["value"]
    shares: dict[str, dict] = defaultdict(dict)
    for (pathway, instrument, item, _course), values in pairs.items():
        if "baseline" not in values or "final" not in values:
            continue
        entry = shares[pathway].setdefault((instrument, item), {"courses": 0, "improved": 0})
        entry["courses"] += 1
        change = scoring.classify_change(instrument, values["baseline"], values["final"])
        entry["improved"] += change == scoring.IMPROVED
    for per_pathway in shares.values():
        for entry in per_pathway.values():
            entry["share"] = entry["improved"] / entry["courses"]
    return dict(shares)


def outcomes(db: Database, clinic_id: int) -> dict[str, dict]:
    return improvement_shares(list(db.query(OUTCOME_SQL, {"clinic": clinic_id})))
