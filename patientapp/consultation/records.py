"""What the physiotherapist records in the consultation: pure rules, no Flask, no database.

- Neurological status at the status consultations of the nerve-root courses: sensation,
  strength and reflexes per side and root level, each better / same / worse than at the
  last examination. Strength that got worse is a reason to consider referring the patient
  back to the GP or hospital (a progressing nerve-root compression).
- Functional tests at the first and the final consultation: the sit-to-stand test (as a
  30-second count or as the time for five stands) and one test the clinician names.
- Which timepoint of which course asks for which record.
"""

from __future__ import annotations

from dataclasses import dataclass

BASELINE = "baseline"

# The root levels examined on each nerve-root course; a course not listed has none.
ROOTS: dict[str, tuple[str, ...]] = {
    "lumbar-radiculopathy": ("L4", "L5", "S1"),
    "cervical-radiculopathy": ("C5", "C6", "C7", "C8"),
}
MODALITIES = ("sensation", "strength", "reflexes")
SIDES = ("left", "right")
FINDINGS = ("better", "same", "worse")


@dataclass(frozen=True)
class TestKind:
    """A functional test: its key, its unit and the range a recorded value must lie in."""

    key: str
    unit: str  # "" for the clinician's own test: they give the unit
    low: float
    high: float
    whole: bool  # a count takes whole numbers only


FUNCTIONAL_TESTS: dict[str, TestKind] = {t.key: t for t in (
    TestKind("sit-to-stand-30s", "repetitions", 0, 60, True),
    TestKind("sit-to-stand-5x", "s", 1, 120, False),
    TestKind("own", "", -100_000, 100_000, False),
)}
OWN_NAME_MAX = 80
OWN_UNIT_MAX = 20
PAINKILLERS = ("none", "as-needed", "daily")
VISITS_MAX = 200


def roots_of(pathway: str) -> tuple[str, ...]:
    return ROOTS.get(pathway, ())


def asks_neuro(pathway: str, timepoint: dict) -> bool:
    """The status consultations of a nerve-root course (every one after the first)."""
    return bool(roots_of(pathway)) and timepoint["key"] != BASELINE


def asks_tests(timepoint: dict) -> bool:
    """The first and the final consultation (where the course's change is measured)."""
    return timepoint["key"] == BASELINE or bool(timepoint["is_final"])


def neuro_keys(pathway: str) -> list[tuple[str, str, str]]:
    """Every (modality, side, root) examined on the course, in the form's order."""
    return [(modality, side, root) for modality in MODALITIES for root in roots_of(pathway)
            for side in SIDES]


def field_name(modality: str, side: str, root: str) -> str:
    return f"{modality}-{side}-{root}"


def strength_worse(findings: list[dict]) -> list[dict]:
    """The findings that call for the referral prompt: strength worse, any side or root."""
    return [f for f in findings if f["modality"] == "strength" and f["finding"] == "worse"]


class ValueProblem(ValueError):
    """A test value that cannot be stored; ``str()`` is the English msgid, ``params`` its values."""

    def __init__(self, message: str, **params) -> None:
        super().__init__(message)
        self.message, self.params = message, params


def parse_value(kind: TestKind, text: str) -> float:
    """A typed test value as a number: a decimal comma is taken as a point."""
    cleaned = text.strip().replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueProblem("Enter a number, like 12 or 12.5.") from None
    if value != value or value in (float("inf"), float("-inf")):  # NaN or infinity
        raise ValueProblem("Enter a number, like 12 or 12.5.")
    if kind.whole and not value.is_integer():
        raise ValueProblem("Enter a whole number.")
    if not kind.low <= value <= kind.high:
        raise ValueProblem("Enter a number from %(low)s to %(high)s.",
                           low=_plain(kind.low), high=_plain(kind.high))
    return value


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def change(before: float | None, after: float | None) -> float | None:
    """The change of a test value from the first to the final consultation."""
    return None if before is None or after is None else after - before
