"""Clinic overview: activity, response rates and outcomes per pathway.

Three queries for the whole clinic (in queries.py), then pure arithmetic: it stays fast
with thousands of courses.
"""

from __future__ import annotations

from collections import defaultdict

from sqlite_utils import Database

from .. import scoring
from . import queries as clinic_db


def pathway_counts(db: Database, clinic_id: int) -> dict[str, dict]:
    return {row["pathway"]: row for row in clinic_db.list_pathway_counts(db, clinic_id)}


def response_rates(db: Database, clinic_id: int, today: str) -> dict[str, list[dict]]:
    """Per pathway and timepoint: links due so far and how many were answered."""
    rates: dict[str, list[dict]] = defaultdict(list)
    for row in clinic_db.list_response_counts(db, clinic_id, today):
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
        change = scoring.classify_change(instrument, values["baseline"], values["final"],
                                         pathway=pathway)
        entry["improved"] += change == scoring.IMPROVED
    for per_pathway in shares.values():
        for entry in per_pathway.values():
            entry["share"] = entry["improved"] / entry["courses"]
    return dict(shares)


def outcomes(db: Database, clinic_id: int) -> dict[str, dict]:
    return improvement_shares(clinic_db.list_outcome_values(db, clinic_id))


def gpe_shares(rows: list[dict]) -> dict[str, dict]:
    """Per pathway: courses whose patient judged the result at the final consultation, and
    how many said "much better" or "better"."""
    shares: dict[str, dict] = {}
    for row in rows:
        entry = shares.setdefault(row["pathway"], {"courses": 0, "improved": 0})
        entry["courses"] += 1
        entry["improved"] += row["band"] in scoring.GPE_IMPROVED
    for entry in shares.values():
        entry["share"] = entry["improved"] / entry["courses"]
    return shares


def global_effect(db: Database, clinic_id: int) -> dict[str, dict]:
    return gpe_shares(clinic_db.list_final_gpe(db, clinic_id))
