"""The patient's way through a timepoint's questionnaires, one screen per step.

Pure logic: what a step is, finding one, and how stored answers become the input of
``patientapp.scoring.score``. Which screens there are and what each kind of screen does
is the registry in ``kinds.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..content import SECTION_IDS

NOT_APPLICABLE = "na"
PSFS_MAX_ACTIVITIES = 5
# The patient is asked for at least 3 (the usual number); fewer only on purpose.
PSFS_EXPECTED_ACTIVITIES = 3
PSFS_ACTIVITY_MAX_LENGTH = 100


@dataclass(frozen=True)
class Step:
    """One screen: ``id`` appears in the URL, ``instrument`` names the response it fills."""

    id: str
    instrument: str
    kind: str  # a key of kinds.KINDS: section | nprs | psfs-activities | psfs-rate | safety
    key: str  # section id, pain site, or ''
    number: int  # position within its instrument, from 1
    count: int  # screens in its instrument


def find_step(steps: list[Step], step_id: str) -> int | None:
    return next((i for i, step in enumerate(steps) if step.id == step_id), None)


def psfs_activities(answers: dict, fixed: list[str] | None) -> list[str]:
    """The activities to rate: fixed ones from the course, or those named in this draft."""
    return list(fixed) if fixed else list(answers.get("activities") or [])


def score_input(instrument: str, answers: dict, site: str | None = None,
                fixed_activities: list[str] | None = None) -> list | int | None:
    """Turn stored answers into the sequence ``scoring.score`` expects."""
    if instrument in SECTION_IDS:
        values = [answers.get(sid) for sid in SECTION_IDS[instrument]]
        return [None if v == NOT_APPLICABLE else v for v in values]
    if instrument == "nprs":
        return answers.get(site)
    if instrument == "gpe":
        return answers.get("rating")
    if instrument == "psfs":
        ratings = answers.get("ratings") or {}
        count = len(psfs_activities(answers, fixed_activities))
        return [ratings.get(str(n)) for n in range(1, count + 1)]
    raise ValueError(f"no score for {instrument}")


# The risk questionnaire has no score: its answers are shown as given (docs/scoring.md).
UNSCORED = ("risk", "safety")
