"""Schedule arithmetic: every timepoint of every pathway, moved visits and the 12-month limit.

Pure unit tests of ``courses.schedule``: no app, no database. The expected dates and codes
are written out from docs/pathways.md and the files in content/pathways/, so a change
to either shows up here. Which questionnaires a visit asks is read from the pathway file
itself (an instrument added there must not break this test), and the outcome measures
written out here must be among them.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from patientapp.config import PROJECT_ROOT
from patientapp.content import load_pathways
from patientapp.courses.schedule import add_months, follow_up_limit, plan

PATHWAYS = load_pathways(PROJECT_ROOT / "content")
FIRST = date(2026, 3, 2)  # a Monday
# The outcome measures each visit asks at least; the pathway file may add more (risk, gpe).
BACK, LUMBAR, NECK = ("nprs", "odi", "psfs"), ("nprs", "odi", "psfs"), ("nprs", "ndi", "psfs")

# key, code, days after the first visit, send / remind days before, expires days after,
# outcome measures asked (at least), final
EXPECTED = {
    "primary-low-back-pain": [
        ("baseline", "0261", 7, 5, 2, 3, BACK, False),
        ("final", "0267", 70, 5, 2, 3, BACK, True),
        ("followup-3m", "0268", 70 + 91, 7, 3, 7, BACK, False),
        ("followup-9m", "0268", 70 + 273, 7, 3, 7, BACK, False),
    ],
    "lumbar-radiculopathy": [
        ("baseline", "0241", 0, 3, 1, 2, LUMBAR, False),
        ("week-2", "0243", 14, 2, 1, 2, ("nprs",), False),
        ("week-4", "0244", 28, 2, 1, 2, ("nprs",), False),
        ("week-8", "0245", 56, 3, 1, 3, LUMBAR, True),
    ],
    "cervical-radiculopathy": [
        ("baseline", "0231", 0, 3, 1, 2, NECK, False),
        ("week-2", "0233", 14, 2, 1, 2, ("nprs",), False),
        ("week-4", "0234", 28, 2, 1, 2, ("nprs",), False),
        ("week-8", "0235", 56, 3, 1, 3, NECK, True),
    ],
}
ROWS = [(pathway, *row) for pathway, rows in EXPECTED.items() for row in rows]


def file_questionnaires(pathway: str, key: str) -> tuple[str, ...]:
    """The questionnaires a timepoint names in its pathway file, read without the loader."""
    raw = yaml.safe_load((PROJECT_ROOT / "content" / "pathways" / f"{pathway}.yaml")
                         .read_text(encoding="utf-8"))
    return tuple(next(t for t in raw["timepoints"] if t["key"] == key)["questionnaires"])


def days(n: int) -> timedelta:
    return timedelta(days=n)


def by_key(planned) -> dict:
    return {tp.key: tp for tp in planned}


def test_the_three_courses_are_planned():
    assert set(PATHWAYS) == set(EXPECTED)


@pytest.mark.parametrize("pathway", EXPECTED)
def test_every_timepoint_is_planned_in_order(pathway):
    planned = plan(PATHWAYS[pathway], FIRST)
    assert [tp.key for tp in planned] == [row[0] for row in EXPECTED[pathway]]
    assert [tp.position for tp in planned] == list(range(len(planned)))


@pytest.mark.parametrize(
    "pathway, key, code, offset, send_before, remind_before, expires_after, measures, final",
    ROWS, ids=[f"{row[0]}:{row[1]}" for row in ROWS])
def test_each_timepoint_has_its_code_dates_and_questionnaires(
        pathway, key, code, offset, send_before, remind_before, expires_after, measures,
        final):
    tp = by_key(plan(PATHWAYS[pathway], FIRST))[key]
    visit = FIRST + days(offset)
    assert (tp.code, tp.visit_date, tp.questionnaires, tp.is_final) == (
        code, visit, file_questionnaires(pathway, key), final)
    assert [q for q in tp.questionnaires if q in measures] == list(measures)
    assert tp.send_on == visit - days(send_before)
    assert tp.remind_on == visit - days(remind_before)
    assert tp.expires_on == visit + days(expires_after)
    assert tp.warning is None


def test_primary_low_back_pain_dates_written_out():
    planned = plan(PATHWAYS["primary-low-back-pain"], FIRST)
    assert [(tp.key, tp.visit_date.isoformat(), tp.send_on.isoformat(),
             tp.remind_on.isoformat(), tp.expires_on.isoformat()) for tp in planned] == [
        ("baseline", "2026-03-09", "2026-03-04", "2026-03-07", "2026-03-12"),
        ("final", "2026-05-11", "2026-05-06", "2026-05-09", "2026-05-14"),
        ("followup-3m", "2026-08-10", "2026-08-03", "2026-08-07", "2026-08-17"),
        ("followup-9m", "2027-02-08", "2027-02-01", "2027-02-05", "2027-02-15"),
    ]


@pytest.mark.parametrize("pathway", EXPECTED)
def test_reminders_fall_between_invitation_and_visit(pathway):
    for tp in plan(PATHWAYS[pathway], FIRST):
        assert tp.send_on < tp.remind_on < tp.visit_date < tp.expires_on


# --- moved visits ---------------------------------------------------------------

@pytest.mark.parametrize("pathway, key", [
    ("lumbar-radiculopathy", "week-2"), ("cervical-radiculopathy", "week-4"),
    ("primary-low-back-pain", "baseline"), ("lumbar-radiculopathy", "baseline"),
])
def test_moving_one_visit_moves_only_that_one(pathway, key):
    before = by_key(plan(PATHWAYS[pathway], FIRST))
    new_date = before[key].visit_date + days(3)
    after = by_key(plan(PATHWAYS[pathway], FIRST, moved={key: new_date}))
    moved = after[key]
    spec = PATHWAYS[pathway].timepoint(key)
    assert moved.visit_date == new_date
    assert moved.send_on == new_date - days(spec.send_days_before)
    assert moved.remind_on == new_date - days(spec.remind_days_before)
    assert moved.expires_on == new_date + days(spec.expires_days_after)
    assert {k: v for k, v in after.items() if k != key} == {
        k: v for k, v in before.items() if k != key}


def test_a_moved_final_consultation_moves_the_follow_ups():
    final = FIRST + days(84)
    planned = by_key(plan(PATHWAYS["primary-low-back-pain"], FIRST, moved={"final": final}))
    assert planned["final"].visit_date == final
    assert planned["followup-3m"].visit_date == final + days(91)
    assert planned["followup-9m"].visit_date == final + days(273)
    assert planned["followup-9m"].send_on == final + days(273 - 7)
    assert planned["baseline"].visit_date == FIRST + days(7)


def test_an_earlier_final_consultation_brings_the_follow_ups_forward():
    final = FIRST + days(56)
    planned = by_key(plan(PATHWAYS["primary-low-back-pain"], FIRST, moved={"final": final}))
    assert planned["followup-3m"].visit_date == final + days(91)


def test_a_follow_up_moved_by_hand_stays_when_the_final_moves():
    hand = FIRST + days(170)
    planned = by_key(plan(PATHWAYS["primary-low-back-pain"], FIRST,
                          moved={"final": FIRST + days(84), "followup-3m": hand}))
    assert planned["followup-3m"].visit_date == hand
    assert planned["followup-9m"].visit_date == FIRST + days(84 + 273)


def test_moving_the_last_status_consultation_moves_nothing_else():
    planned = by_key(plan(PATHWAYS["lumbar-radiculopathy"], FIRST,
                          moved={"week-8": FIRST + days(63)}))
    assert planned["week-8"].visit_date == FIRST + days(63)
    assert planned["week-4"].visit_date == FIRST + days(28)


# --- the 12-month limit -------------------------------------------------------------

def test_without_a_referral_date_there_is_no_limit():
    planned = plan(PATHWAYS["primary-low-back-pain"], FIRST)
    assert follow_up_limit(PATHWAYS["primary-low-back-pain"], None) is None
    assert all(tp.warning is None for tp in planned)


@pytest.mark.parametrize("referral", [FIRST, FIRST - days(1)])
def test_follow_ups_inside_twelve_months_are_left_alone(referral):
    planned = by_key(plan(PATHWAYS["primary-low-back-pain"], FIRST, referral))
    assert planned["followup-9m"].visit_date == FIRST + days(343)
    assert all(tp.warning is None for tp in planned.values())


def test_a_follow_up_after_the_limit_is_moved_to_it_with_a_warning():
    referral = FIRST - days(30)
    limit = add_months(referral, 12)
    planned = by_key(plan(PATHWAYS["primary-low-back-pain"], FIRST, referral))
    late = planned["followup-9m"]
    assert late.visit_date == limit == date(2027, 1, 31)
    assert late.send_on == limit - days(7) and late.remind_on == limit - days(3)
    assert late.warning == {"code": "moved-to-limit", "planned": "2027-02-08",
                            "limit": "2027-01-31"}
    assert planned["followup-3m"].warning is None


def test_a_follow_up_that_cannot_fit_stays_where_planned_and_says_so():
    # The limit falls before the 3-month follow-up: that one moves to the limit, and the
    # 9-month follow-up has no room left before it, so it keeps its date with a warning.
    referral = FIRST - days(210)
    limit = add_months(referral, 12)
    planned = by_key(plan(PATHWAYS["primary-low-back-pain"], FIRST, referral))
    assert planned["followup-3m"].visit_date == limit
    assert planned["followup-3m"].warning["code"] == "moved-to-limit"
    assert planned["followup-9m"].visit_date == FIRST + days(343)
    assert planned["followup-9m"].warning == {
        "code": "after-limit", "planned": (FIRST + days(343)).isoformat(),
        "limit": limit.isoformat()}


def test_when_the_limit_is_before_the_final_consultation_both_follow_ups_warn():
    referral = FIRST - days(400)
    planned = by_key(plan(PATHWAYS["primary-low-back-pain"], FIRST, referral))
    for key, offset in (("followup-3m", 161), ("followup-9m", 343)):
        assert planned[key].visit_date == FIRST + days(offset)
        assert planned[key].warning["code"] == "after-limit"


def test_a_moved_final_can_push_a_follow_up_to_the_limit():
    referral = FIRST - days(10)
    planned = by_key(plan(PATHWAYS["primary-low-back-pain"], FIRST, referral,
                          moved={"final": FIRST + days(100)}))
    assert planned["followup-9m"].visit_date == add_months(referral, 12)
    assert planned["followup-9m"].warning["code"] == "moved-to-limit"


def test_a_follow_up_moved_by_hand_past_the_limit_keeps_its_date_with_a_warning():
    referral = FIRST
    hand = add_months(referral, 12) + days(5)
    planned = by_key(plan(PATHWAYS["primary-low-back-pain"], FIRST, referral,
                          moved={"followup-9m": hand}))
    assert planned["followup-9m"].visit_date == hand
    assert planned["followup-9m"].warning == {
        "code": "after-limit", "planned": hand.isoformat(),
        "limit": add_months(referral, 12).isoformat()}


@pytest.mark.parametrize("pathway", ["lumbar-radiculopathy", "cervical-radiculopathy"])
def test_courses_without_follow_ups_never_warn(pathway):
    planned = plan(PATHWAYS[pathway], FIRST, FIRST - days(400))
    assert all(tp.warning is None for tp in planned)


def test_a_referral_after_the_first_consultation_is_refused():
    with pytest.raises(ValueError, match="referral date cannot be after"):
        plan(PATHWAYS["primary-low-back-pain"], FIRST, FIRST + days(1))


# --- month arithmetic ---------------------------------------------------------------

@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),    # leap year
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2026, 8, 31), 1, date(2026, 9, 30)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 1, 15), 12, date(2027, 1, 15)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 1, 31), -2, date(2025, 11, 30)),
    (date(2026, 5, 17), 0, date(2026, 5, 17)),
])
def test_add_months_keeps_the_day_or_takes_the_last_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


def test_the_limit_is_twelve_months_after_the_referral():
    pathway = PATHWAYS["primary-low-back-pain"]
    assert follow_up_limit(pathway, date(2024, 2, 29)) == date(2025, 2, 28)
    assert follow_up_limit(pathway, date(2026, 3, 2)) == date(2027, 3, 2)


# --- properties over any dates ------------------------------------------------------

@given(first=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
       before=st.one_of(st.none(), st.integers(0, 500)),
       pathway=st.sampled_from(sorted(PATHWAYS)))
def test_any_plan_keeps_its_promises(first, before, pathway):
    referral = None if before is None else first - days(before)
    planned = plan(PATHWAYS[pathway], first, referral)
    limit = follow_up_limit(PATHWAYS[pathway], referral)
    for tp in planned:
        assert tp.send_on <= tp.visit_date <= tp.expires_on
        assert tp.remind_on is None or tp.send_on < tp.remind_on <= tp.visit_date
        spec = PATHWAYS[pathway].timepoint(tp.key)
        if spec.follow_up and limit:
            # inside the limit, or the clinician is told
            assert tp.visit_date <= limit or tp.warning["code"] == "after-limit"
        if not spec.follow_up:
            assert tp.warning is None
    visits = [tp.visit_date for tp in planned]
    assert visits == sorted(visits)
