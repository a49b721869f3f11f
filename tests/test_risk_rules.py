"""The risk profile's rules, factor by factor at their edges (patientapp/risk/rules.py)."""

from __future__ import annotations

import pytest

from patientapp.risk import rules
from patientapp.risk.rules import Baseline, profile

CALM = {"pain_sites": ["low_back"], "work_status": "working", "sick_leave_days": 0,
        "work_strain": "no", "worry": "a_little", "movement_harm": "disagree",
        "low_mood": "not_at_all", "lost_interest": "not_at_all", "sleep": "a_little",
        "expectation": "likely"}


def present(baseline: Baseline) -> set[str]:
    return {f.id for f in profile(baseline).factors}


def with_risk(**answers) -> Baseline:
    return Baseline(risk={**CALM, **answers})


def test_nothing_answered_means_nothing_known_and_no_factor():
    found = profile(Baseline())
    assert found.factors == () and found.prompts == ()
    assert set(found.unknown) == set(rules.FACTORS) and not found.answered


def test_calm_answers_have_no_factor_and_age_stays_unknown():
    found = profile(Baseline(nprs={"back": 3, "leg": 0},
                             disability=("odi", 20, "minimal"), risk=CALM))
    assert found.factors == () and found.unknown == ("high_age",) and found.answered


@pytest.mark.parametrize("rating, expected", [(6, False), (7, True), (10, True)])
def test_strong_pain_from_7_at_any_site(rating, expected):
    found = profile(Baseline(nprs={"back": 2, "leg": rating}))
    assert ("strong_pain" in {f.id for f in found.factors}) is expected
    if expected:
        factor = next(f for f in found.factors if f.id == "strong_pain")
        assert factor.evidence == (rules.Evidence("nprs", "leg", rating),)


@pytest.mark.parametrize("disability, expected", [
    (("odi", 40, "moderate"), False), (("odi", 42, "severe"), True),
    (("odi", 90, "bed-bound"), True), (("ndi", 48, "moderate"), False),
    (("ndi", 50, "severe"), True), (("ndi", 80, "complete"), True),
])
def test_much_reduced_activity_from_the_severe_band(disability, expected):
    assert ("much_reduced_activity" in present(Baseline(disability=disability))) is expected


@pytest.mark.parametrize("sites, expected", [
    (["neck", "low_back", "hips"], False), (["neck", "low_back", "hips", "feet"], True),
])
def test_many_pain_sites_from_4(sites, expected):
    assert ("many_pain_sites" in present(with_risk(pain_sites=sites))) is expected


@pytest.mark.parametrize("limb, nprs, sites, expected", [
    ("leg", {"back": 5, "leg": 0}, ["low_back"], False),
    ("leg", {"back": 5, "leg": 1}, ["low_back"], True),
    ("leg", {"back": 5, "leg": 0}, ["low_back", "legs"], True),
    ("leg", {"back": 5, "leg": 0}, ["low_back", "shoulders_arms"], False),
    ("arm", {"neck": 5, "arm": 0}, ["neck", "hands"], True),
    ("arm", {"neck": 5, "arm": 0}, ["neck", "legs"], False),
    ("arm", {"neck": 5, "arm": 2}, ["neck"], True),
])
def test_leg_or_arm_pain_by_the_course(limb, nprs, sites, expected):
    baseline = Baseline(nprs=nprs, risk={**CALM, "pain_sites": sites}, limb=limb)
    assert ("radiating_pain" in present(baseline)) is expected


@pytest.mark.parametrize("factor, item, below, at", [
    ("worry", "worry", "moderately", "very"),
    ("fear_of_movement", "movement_harm", "unsure", "agree"),
    ("depression_signs", "low_mood", "some_days", "most_days"),
    ("depression_signs", "lost_interest", "some_days", "most_days"),
    ("poor_work_situation", "work_strain", "somewhat", "much"),
])
def test_each_answer_factor_starts_at_its_edge(factor, item, below, at):
    assert factor not in present(with_risk(**{item: below}))
    found = profile(with_risk(**{item: at}))
    factor_found = next(f for f in found.factors if f.id == factor)
    assert factor_found.evidence == (rules.Evidence("risk", item, at),)


@pytest.mark.parametrize("status, days, expected", [
    ("working", 0, False), ("working", 1, True), ("sick_leave_part", 0, True),
    ("sick_leave_full", 0, True), ("unemployed", 0, False), ("retired", 0, False),
])
def test_sick_leave_from_the_status_or_a_single_day(status, days, expected):
    found = profile(with_risk(work_status=status, sick_leave_days=days))
    assert ("sick_leave" in {f.id for f in found.factors}) is expected
    assert (rules.MUNICIPAL_REHABILITATION in found.prompts) is expected


def test_several_psychosocial_factors_ask_for_the_conversation():
    one = profile(with_risk(worry="extremely"))
    two = profile(with_risk(worry="extremely", movement_harm="agree_strongly"))
    assert rules.PSYCHOSOCIAL_CONVERSATION not in one.prompts
    assert two.prompts == (rules.PSYCHOSOCIAL_CONVERSATION,)
    assert two.count(rules.PSYCHOSOCIAL) == 2 and two.count() == 2


def test_scores_alone_leave_the_answer_factors_unknown():
    found = profile(Baseline(nprs={"back": 8, "leg": 3}, disability=("odi", 50, "severe")))
    assert [f.id for f in found.factors] == ["strong_pain", "much_reduced_activity",
                                             "radiating_pain"]
    assert set(found.unknown) == {*rules.FROM_RISK, "high_age"}


def test_there_is_no_total_score():
    assert not hasattr(profile(Baseline()), "score")
    assert all(callable(rule) for rule in rules.RULES.values())
    assert list(rules.RULES) == list(rules.FACTORS)
