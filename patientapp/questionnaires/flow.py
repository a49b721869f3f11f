"""The patient's way through a timepoint's questionnaires, one screen per step.

Pure logic: which steps there are, whether each is answered, and how stored
answers become the input of ``patientapp.scoring.score``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..content import SECTION_IDS

NOT_APPLICABLE = "na"
PSFS_MAX_ACTIVITIES = 5
PSFS_ACTIVITY_MAX_LENGTH = 100


@dataclass(frozen=True)
class Step:
    """One screen: ``id`` appears in the URL, ``instrument`` names the response it fills."""

    id: str
    instrument: str
    kind: str  # section | nprs | psfs-activities | psfs-rate | safety
    key: str  # section id, pain site, or ''
    number: int  # position within its instrument, from 1
    count: int  # screens in its instrument


def build_steps(questionnaires: list[str], nprs_sites: list[str],
                psfs_names_activities: bool) -> list[Step]:
    """Every screen for a timepoint, in order, ending with the safety check."""
    steps: list[Step] = []
    for instrument in questionnaires:
        if instrument in SECTION_IDS:
            ids = SECTION_IDS[instrument]
            steps += [Step(f"{instrument}-{n}", instrument, "section", sid, n, len(ids))
                      for n, sid in enumerate(ids, start=1)]
        elif instrument == "nprs":
            steps += [Step(f"nprs-{site}", "nprs", "nprs", site, n, len(nprs_sites))
                      for n, site in enumerate(nprs_sites, start=1)]
        elif instrument == "psfs":
            count = 2 if psfs_names_activities else 1
            if psfs_names_activities:
                steps.append(Step("psfs-activities", "psfs", "psfs-activities", "", 1, count))
            steps.append(Step("psfs-rate", "psfs", "psfs-rate", "", count, count))
    steps.append(Step("safety", "safety", "safety", "", 1, 1))
    return steps


def find_step(steps: list[Step], step_id: str) -> int | None:
    return next((i for i, step in enumerate(steps) if step.id == step_id), None)


def psfs_activities(answers: dict, fixed: list[str] | None) -> list[str]:
    """The activities to rate: fixed ones from the course, or those named in this draft."""
    return list(fixed) if fixed else list(answers.get("activities") or [])


def is_answered(step: Step, answers: dict, fixed_activities: list[str] | None = None,
                safety_items: list[str] | None = None) -> bool:
    """Whether the stored ``answers`` of the step's instrument complete this step."""
    if step.kind in ("section", "nprs"):
        return step.key in answers
    if step.kind == "psfs-activities":
        return bool(answers.get("activities"))
    if step.kind == "psfs-rate":
        activities = psfs_activities(answers, fixed_activities)
        ratings = answers.get("ratings") or {}
        return bool(activities) and all(str(n) in ratings for n in range(1, len(activities) + 1))
    if step.kind == "safety":
        return all(item in answers for item in (safety_items or []))
    raise ValueError(step.kind)


def score_input(instrument: str, answers: dict, site: str | None = None,
                fixed_activities: list[str] | None = None) -> list | int | None:
    """Turn stored answers into the sequence ``scoring.score`` expects."""
    if instrument in SECTION_IDS:
        values = [answers.get(sid) for sid in SECTION_IDS[instrument]]
        return [None if v == NOT_APPLICABLE else v for v in values]
    if instrument == "nprs":
        return answers.get(site)
    if instrument == "psfs":
        ratings = answers.get("ratings") or {}
        count = len(psfs_activities(answers, fixed_activities))
        return [ratings.get(str(n)) for n in range(1, count + 1)]
    raise ValueError(f"no score for {instrument}")
