"""Words for the consultation records, in the reader's language (template globals)."""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale

from . import forms

UNIT_LABELS = {"repetitions": forms._l("stands"), "s": forms._l("s")}


def timepoint_name(course: dict, timepoint: dict) -> str:
    """The consultation's name, as the course page calls it (0262 / 0242 … for the first)."""
    pathway = current_app.extensions["content"].pathway(course["pathway"])
    names = {tp.key: tp.names[str(get_locale())]
             for tp in pathway.timepoints_for(course.get("entry_code"))}
    return names.get(timepoint["key"], timepoint["key"])


def modality_label(modality: str) -> str:
    return str(forms.MODALITY_LABELS[modality])


def finding_label(finding: str) -> str:
    return str(forms.FINDING_LABELS[finding])


def side_label(side: str) -> str:
    return str(forms.SIDE_LABELS[side])


def test_label(row: dict) -> str:
    """A test's name: the clinician's own words for their own test."""
    return row["name"] if row["test"] == "own" else str(forms.TEST_LABELS[row["test"]])


def test_value(value: float, unit: str) -> str:
    number = str(int(value)) if float(value).is_integer() else f"{value:g}"
    unit_text = str(UNIT_LABELS.get(unit, unit))
    return f"{number} {unit_text}".strip()


def painkiller_label(value: str) -> str:
    return str(forms.PAINKILLER_LABELS.get(value, value))


GLOBALS = {f.__name__: f for f in (timepoint_name, modality_label, finding_label, side_label,
                                   test_label, test_value, painkiller_label)}
