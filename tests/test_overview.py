"""Clinic overview arithmetic, the course report and the SVG chart."""

from __future__ import annotations

from datetime import date

import pytest

from patientapp.clinician.overview import improvement_shares
from patientapp.clinician.report import build_series, worst_change
from patientapp.demo import create_demo


def row(course, instrument, key, value, final=False, item="", pathway="p"):
    return {"course_id": course, "instrument": instrument, "item": item, "key": key,
            "is_final": int(final), "value": value, "pathway": pathway}


def test_improvement_share_counts_only_courses_with_baseline_and_final():
    rows = [row(1, "odi", "baseline", 40), row(1, "odi", "final", 28, final=True),  # improved
            row(2, "odi", "baseline", 40), row(2, "odi", "final", 35, final=True),  # no change
            row(3, "odi", "baseline", 40)]                                          # unfinished
    shares = improvement_shares(rows)
    assert shares["p"][("odi", "")] == {"courses": 2, "improved": 1, "share": 0.5}


def test_psfs_improvement_is_a_rise():
    rows = [row(1, "psfs", "baseline", 3), row(1, "psfs", "final", 6, final=True)]
    assert improvement_shares(rows)["p"][("psfs", "")]["improved"] == 1


def test_nprs_sites_are_counted_separately():
    rows = [row(1, "nprs", "baseline", 8, item="back"), row(1, "nprs", "f", 4, True, "back"),
            row(1, "nprs", "baseline", 8, item="leg"), row(1, "nprs", "f", 8, True, "leg")]
    shares = improvement_shares(rows)["p"]
    assert shares[("nprs", "back")]["improved"] == 1 and shares[("nprs", "leg")]["improved"] == 0


def test_improvement_share_uses_the_course_threshold():
    """NDI 40 → 30 is 10 points: improved in general, not on the cervical radiculopathy
    course, whose threshold is 14 (docs/change-thresholds.md)."""
    rows = [row(1, "ndi", "baseline", 40, pathway="cervical-radiculopathy"),
            row(1, "ndi", "final", 30, final=True, pathway="cervical-radiculopathy"),
            row(2, "ndi", "baseline", 40), row(2, "ndi", "final", 30, final=True)]
    shares = improvement_shares(rows)
    assert shares["cervical-radiculopathy"][("ndi", "")]["improved"] == 0
    assert shares["p"][("ndi", "")]["improved"] == 1


def score_row(tp_id, key, position, instrument, value, item="", valid=1):
    return {"timepoint_id": tp_id, "timepoint": key, "position": position,
            "instrument": instrument, "item": item, "value": value, "valid": valid,
            "band": None, "reason": None if valid else "2 sections unanswered"}


def test_series_change_since_baseline_and_previous():
    rows = [score_row(1, "baseline", 0, "nprs", 3, "leg"),
            score_row(2, "week-2", 1, "nprs", 6, "leg"),
            score_row(3, "week-4", 2, "nprs", 5, "leg")]
    (series,) = build_series(rows, {})
    assert series.change_since_baseline()["class"] == "worse"
    assert series.change_since_previous()["class"] == "no-change"
    assert worst_change([series]) == "worse"


@pytest.mark.parametrize("pathway, expected", [("cervical-radiculopathy", "no-change"),
                                                 ("lumbar-radiculopathy", "improved")])
def test_series_classify_with_the_course_pathway(pathway, expected):
    rows = [score_row(1, "baseline", 0, "ndi", 40), score_row(2, "week-8", 1, "ndi", 30)]
    (series,) = build_series(rows, {}, pathway)
    assert series.change_since_baseline()["class"] == expected


@pytest.mark.parametrize("first", [
    score_row(1, "baseline", 0, "odi", None, valid=0),   # answered, but invalid
    None,                                                # never answered
])
def test_no_later_score_stands_in_for_a_missing_baseline(first):
    rows = ([first] if first else []) + [score_row(2, "final", 1, "odi", 40),
                                         score_row(3, "followup-3m", 2, "odi", 10)]
    (series,) = build_series(rows, {})
    assert not series.has_baseline and series.change_since_baseline() is None
    assert series.change_since_previous()["class"] == "improved"


def test_invalid_scores_are_skipped_when_comparing():
    rows = [score_row(1, "baseline", 0, "odi", 40), score_row(2, "final", 1, "odi", None, valid=0)]
    (series,) = build_series(rows, {})
    assert series.change_since_baseline() is None
    assert len(series.points) == 2


def test_psfs_total_uses_the_baseline_activities_mean():
    rows = [score_row(1, "baseline", 0, "psfs", 3), score_row(2, "final", 1, "psfs", 7)]
    psfs_total = build_series(rows, {1: 3.0, 2: 5.0})[0]
    assert [p.value for p in psfs_total.points] == [3.0, 5.0]
    assert psfs_total.change_since_baseline()["class"] == "improved"


@pytest.fixture
def signed_in(client, db, content):
    create_demo(db, content, "http://localhost", date.today(), "correct horse battery")
    client.post("/clinic/login", data={"email": "demo@clinic.example",
                                       "password": "correct horse battery"})
    return client


def test_overview_page_shows_every_pathway_with_rates_and_outcomes(signed_in, content):
    page = signed_in.get("/clinic/overview").page
    titles = [h2.text for h2 in page.select("h2")]
    assert titles == [p.names["da"] for p in content.pathways.values()]
    text = page.text
    assert "100" in text  # demo patients answered every questionnaire that was due so far
    primary = page.select_one("#pw-primary-low-back-pain").find_parent("section")
    assert "ODI" in primary.text  # Dorte Hansen reached her final consultation
