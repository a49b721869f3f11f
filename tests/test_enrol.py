"""Enrolment and moving visits: contact details, validation, ``flask enrol``, ``move-visit``.

Also the patient's home page, which shows the dates that follow from the plan.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from helpers import enrol_args, submit_timepoint

from patientapp.accounts import save_clinic
from patientapp.courses import queries as courses
from patientapp.courses.contact import ContactError, normalise_email, normalise_phone
from patientapp.courses.enrolment import check_enrolment, last_day, pick_clinic

PATHWAY_IDS = ["primary-low-back-pain", "lumbar-radiculopathy", "cervical-radiculopathy"]
FIRST = date.today() + timedelta(days=20)


def counts(db) -> dict:
    return {table: next(db.query(f"SELECT count(*) AS n FROM {table}"))["n"]
            for table in ("patients", "courses", "timepoints", "invitations")}


def visit_dates(db, course_id) -> dict:
    return {tp["key"]: tp["visit_date"] for tp in courses.list_timepoints(db, course_id)}


# --- contact details ------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("", ""), (None, ""), ("   ", ""),
    ("anna@example.dk", "anna@example.dk"),
    ("  Anna.Jensen@Example.DK ", "Anna.Jensen@example.dk"),
    ("a+tag@mail.co.uk", "a+tag@mail.co.uk"),
    ("bo@fysio-øst.dk", "bo@fysio-øst.dk"),
])
def test_good_email_addresses_are_stripped_and_get_a_lower_case_domain(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize("raw", [
    "anna", "anna@", "@example.dk", "anna@example", "anna@@example.dk", "an na@example.dk",
    "anna@example..dk", "anna@-example.dk", "anna@example.d", ".anna@example.dk",
    "anna.@example.dk", "anna@example.123", "anna@exa_mple.dk", "a" * 250 + "@example.dk",
])
def test_bad_email_addresses_get_a_clear_message(raw):
    with pytest.raises(ContactError, match="correct format"):
        normalise_email(raw)


@pytest.mark.parametrize("raw, expected", [
    ("", ""), (None, ""),
    ("12345678", "+4512345678"),
    ("12 34 56 78", "+4512345678"),
    ("+45 12 34 56 78", "+4512345678"),
    ("0045 12345678", "+4512345678"),
    ("+4520304050", "+4520304050"),
    ("20-30-40-50", "+4520304050"),
    ("+46 70 123 45 67", "+46701234567"),
    ("+1 415 555 2671", "+14155552671"),
    ("+354 123 4567", "+3541234567"),
])
def test_phone_numbers_are_stored_in_e164(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", [
    "1234567", "123456789", "02345678", "+45 1234567", "+45 123456789", "0045 1234",
    "+0 12345678", "+1234567", "+1234567890123456", "12 34 56 7a", "tel:12345678",
    "(12) 34 56 78",
])
def test_bad_phone_numbers_get_a_clear_message(raw):
    with pytest.raises(ContactError, match="8 digits"):
        normalise_phone(raw)


# --- the one validation for the command line and the clinician form ------------------

def valid(**changes) -> dict:
    raw = {"name": " Anna Jensen ", "pathway": "lumbar-radiculopathy",
           "first_visit": "2026-03-02", "referral_date": "", "email": "", "phone": "",
           "language": "da"}
    return {**raw, **changes}


def test_valid_input_becomes_a_clean_enrolment():
    enrolment, problems = check_enrolment(
        valid(email=" A@B.DK ", phone="12 34 56 78", referral_date="2026-02-01",
              language="en"), PATHWAY_IDS)
    assert problems == []
    assert (enrolment.name, enrolment.email, enrolment.phone, enrolment.language) == (
        "Anna Jensen", "A@b.dk", "+4512345678", "en")
    assert (enrolment.first_visit, enrolment.referral_date) == (date(2026, 3, 2),
                                                                date(2026, 2, 1))


def test_no_contact_details_are_needed():
    enrolment, problems = check_enrolment(valid(email=None, phone=None), PATHWAY_IDS)
    assert problems == [] and enrolment.email == enrolment.phone == ""


@pytest.mark.parametrize("changes, field, words", [
    ({"name": "  "}, "name", "patient's name"),
    ({"name": "x" * 201}, "name", "200 characters"),
    ({"pathway": "back-pain"}, "pathway", "primary-low-back-pain"),
    ({"pathway": None}, "pathway", "Choose one of the courses"),
    ({"first_visit": ""}, "first_visit", "YYYY-MM-DD"),
    ({"first_visit": "2026-02-30"}, "first_visit", "YYYY-MM-DD"),
    ({"first_visit": "20260302"}, "first_visit", "YYYY-MM-DD"),
    ({"first_visit": "2026-W10-1"}, "first_visit", "YYYY-MM-DD"),
    ({"first_visit": "02-03-2026"}, "first_visit", "YYYY-MM-DD"),
    ({"referral_date": "2025-13-01"}, "referral_date", "YYYY-MM-DD"),
    ({"referral_date": "2026-03-03"}, "referral_date", "cannot be after"),
    ({"email": "anna@"}, "email", "correct format"),
    ({"phone": "1234"}, "phone", "8 digits"),
    ({"language": "de"}, "language", "Danish (da) or English (en)"),
])
def test_each_bad_field_gets_its_own_message(changes, field, words):
    enrolment, problems = check_enrolment(valid(**changes), PATHWAY_IDS)
    assert enrolment is None
    assert [p.field for p in problems] == [field]
    assert words in str(problems[0])


def test_every_problem_is_reported_at_once_in_the_order_of_the_form():
    _, problems = check_enrolment({"pathway": "x", "first_visit": "x", "email": "x",
                                   "phone": "x", "language": "x"}, PATHWAY_IDS)
    assert [p.field for p in problems] == ["name", "pathway", "first_visit", "email", "phone",
                                           "language"]


@pytest.mark.parametrize("clinics, wanted, expected_id, words", [
    ([{"id": 1, "name": "Fysio A"}], None, 1, None),
    ([{"id": 1, "name": "Fysio A"}, {"id": 2, "name": "Fysio B"}], "2", 2, None),
    ([{"id": 1, "name": "Fysio A"}, {"id": 2, "name": "Fysio B"}], " fysio b ", 2, None),
    ([{"id": 1, "name": "Fysio A"}, {"id": 2, "name": "Fysio B"}], None, None,
     "several clinics: choose one of 1 (Fysio A), 2 (Fysio B)"),
    ([{"id": 1, "name": "Fysio A"}], "Fysio C", None, "no clinic with the id or name"),
    ([], None, None, "no clinic yet"),
])
def test_the_clinic_is_the_only_one_or_the_one_named(clinics, wanted, expected_id, words):
    clinic, problem = pick_clinic(clinics, wanted)
    assert (clinic["id"] if clinic else None) == expected_id
    assert (words in str(problem)) if words else problem is None


# --- flask enrol ------------------------------------------------------------------


def test_enrol_prints_the_course_and_its_dated_timepoints(runner, db, clinic_id):
    result = runner.invoke(args=enrol_args(**{"--email": "Anna@Example.dk",
                                              "--phone": "12 34 56 78"}))
    assert result.exit_code == 0, result.output
    course = courses.get_course(db, 1)
    assert (course["email"], course["phone"], course["language"]) == (
        "Anna@example.dk", "+4512345678", "da")
    assert course["pseudonym"] in result.stdout
    for tp in courses.list_timepoints(db, 1):
        assert f"{tp['key']:<12} {tp['code']:<5} {tp['visit_date']}  {tp['send_at']}" \
            in result.stdout
    assert "Anna" not in result.stdout  # the pseudonym stands for the patient


def test_enrol_json_has_the_agreed_shape(runner, db, clinic_id):
    result = runner.invoke(args=enrol_args(**{"--json": None, "--language": "en",
                                              "--pathway": "cervical-radiculopathy"}))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"course_id", "pathway", "entry_code", "patient", "timepoints"}
    assert data["pathway"] == "cervical-radiculopathy" and data["entry_code"] == "0231"
    assert data["patient"] == {"pseudonym": courses.get_course(db, data["course_id"])["pseudonym"]}
    baseline = data["timepoints"][0]
    assert baseline == {
        "key": "baseline", "code": "0231", "visit_date": FIRST.isoformat(),
        "send_on": (FIRST - timedelta(days=3)).isoformat(),
        "remind_on": (FIRST - timedelta(days=1)).isoformat(),
        "expires_on": (FIRST + timedelta(days=2)).isoformat(),
        "questionnaires": ["nprs", "ndi", "psfs", "risk"], "warning": None}
    assert [tp["key"] for tp in data["timepoints"]] == ["baseline", "week-2", "week-4", "week-8"]


def test_enrol_json_carries_the_twelve_month_warning(runner, clinic_id):
    referral = (FIRST - timedelta(days=30)).isoformat()
    result = runner.invoke(args=enrol_args(**{"--json": None, "--referral-date": referral}))
    late = json.loads(result.stdout)["timepoints"][-1]
    assert late["warning"]["code"] == "moved-to-limit"
    assert "Warning: followup-9m" in result.stderr


@pytest.mark.parametrize("options, words", [
    ({"--pathway": "back-pain"}, "Choose one of the courses"),
    ({"--first-visit": "2026-02-30"}, "date of the first consultation as YYYY-MM-DD"),
    ({"--referral-date": (FIRST + timedelta(days=1)).isoformat()},
     "referral date cannot be after"),
    ({"--referral-date": "2099-01-01"}, "Enter a date from 2000-01-01 to"),
    ({"--email": "anna@example"}, "e-mail address in the correct format"),
    ({"--phone": "1234"}, "8 digits"),
    ({"--language": "de"}, "Danish (da) or English (en)"),
    ({"--name": " "}, "patient's name"),
    ({"--clinic": "Nowhere"}, "no clinic with the id or name 'Nowhere'"),
])
def test_bad_input_is_refused_on_stderr_and_nothing_is_written(runner, db, clinic_id, options,
                                                               words):
    before = counts(db)
    result = runner.invoke(args=enrol_args(**options))
    assert result.exit_code == 2
    assert words in result.stderr and result.stdout == ""
    assert counts(db) == before


def test_all_problems_are_listed_together(runner, clinic_id):
    result = runner.invoke(args=enrol_args(**{"--pathway": "x", "--phone": "1", "--email": "y"}))
    assert result.exit_code == 2
    assert all(words in result.stderr for words in ("courses", "8 digits", "correct format"))


def test_with_several_clinics_one_must_be_chosen(runner, db, clinic_id):
    other = save_clinic(db, "Fysio Nord")
    result = runner.invoke(args=enrol_args())
    assert result.exit_code == 2 and "several clinics" in result.stderr
    result = runner.invoke(args=enrol_args(**{"--clinic": "fysio nord"}))
    assert result.exit_code == 0
    assert courses.get_course(db, 1)["clinic_id"] == other
    result = runner.invoke(args=enrol_args(**{"--clinic": str(clinic_id)}))
    assert courses.get_course(db, 2)["clinic_id"] == clinic_id


def test_without_a_clinic_enrolment_says_how_to_make_one(runner, db):
    result = runner.invoke(args=enrol_args())
    assert result.exit_code == 2 and "create-clinician" in result.stderr


def test_a_missing_option_is_a_usage_error(runner, clinic_id):
    result = runner.invoke(args=["enrol", "--pathway", "lumbar-radiculopathy"])
    assert result.exit_code == 2 and "--first-visit" in result.stderr


def test_enrolment_writes_nothing_when_a_step_fails(db, content, clinic_id, monkeypatch):
    before = counts(db)

    def broken_insert(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(courses, "_timepoint_row", broken_insert)
    with pytest.raises(RuntimeError):
        courses.enrol(db, courses.NewPatient(clinic_id, "X"), content.pathway(PATHWAY_IDS[0]),
                      FIRST)
    assert counts(db) == before


# --- moving visits ------------------------------------------------------------------

def enrol_course(db, content, clinic_id, pathway="primary-low-back-pain", referral=None):
    return courses.enrol(db, courses.NewPatient(clinic_id, "Test", email="t@example.dk"),
                         content.pathway(pathway), FIRST, referral)


def move(runner, course_id, key, day, *extra):
    return runner.invoke(args=["move-visit", "--course", str(course_id), "--timepoint", key,
                               "--date", day if isinstance(day, str) else day.isoformat(),
                               *extra])


def test_moving_the_final_consultation_moves_the_follow_ups(runner, db, content, clinic_id):
    course_id = enrol_course(db, content, clinic_id)
    new_final = FIRST + timedelta(days=84)
    result = move(runner, course_id, "final", new_final, "--json")
    assert result.exit_code == 0, result.output
    dates = {tp["key"]: tp for tp in json.loads(result.stdout)["timepoints"]}
    assert dates["final"]["visit_date"] == new_final.isoformat()
    assert dates["final"]["send_on"] == (new_final - timedelta(days=5)).isoformat()
    assert dates["followup-3m"]["visit_date"] == (new_final + timedelta(days=91)).isoformat()
    assert dates["baseline"]["visit_date"] == (FIRST + timedelta(days=7)).isoformat()
    moved = {tp["key"]: tp["moved_at"] for tp in courses.list_timepoints(db, course_id)}
    assert moved["final"] and not moved["followup-3m"]


def test_an_earlier_move_is_kept_when_another_visit_moves(db, content, clinic_id):
    course_id = enrol_course(db, content, clinic_id, "lumbar-radiculopathy")
    pathway = content.pathway("lumbar-radiculopathy")
    courses.move_visit(db, course_id, pathway, "week-2", FIRST + timedelta(days=16))
    courses.move_visit(db, course_id, pathway, "week-4", FIRST + timedelta(days=30))
    dates = visit_dates(db, course_id)
    assert dates["week-2"] == (FIRST + timedelta(days=16)).isoformat()
    assert dates["week-4"] == (FIRST + timedelta(days=30)).isoformat()


@pytest.mark.parametrize("days, moved_link_ends", [
    (21, "as issued"),  # later: an issued link is never extended
    (10, "with the visit"),  # earlier: it ends sooner, with the moved visit
])
def test_moving_a_visit_never_extends_an_issued_link(db, content, clinic_id, days,
                                                     moved_link_ends):
    course_id = enrol_course(db, content, clinic_id, "lumbar-radiculopathy")
    tp = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == "week-2")
    courses.create_invitation(db, tp)
    issued_until = last_day(tp["expires_at"])
    new_date = FIRST + timedelta(days=days)
    courses.move_visit(db, course_id, content.pathway("lumbar-radiculopathy"), "week-2", new_date)
    invitation = next(db.query("SELECT expires_at FROM invitations"))
    moved_tp = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == "week-2")
    expected = issued_until if moved_link_ends == "as issued" else new_date + timedelta(days=2)
    assert last_day(invitation["expires_at"]) == expected
    assert last_day(moved_tp["expires_at"]) == new_date + timedelta(days=2)  # new links do


def test_moving_never_touches_answers_or_submitted_dates(runner, db, content, clinic_id):
    course_id = enrol_course(db, content, clinic_id)
    submit_timepoint(db, content, course_id, "baseline")
    answers = list(db.query("SELECT * FROM responses ORDER BY id"))
    scores = list(db.query("SELECT * FROM scores ORDER BY id"))
    before = visit_dates(db, course_id)
    result = move(runner, course_id, "final", FIRST + timedelta(days=80))
    assert result.exit_code == 0, result.output
    assert list(db.query("SELECT * FROM responses ORDER BY id")) == answers
    assert list(db.query("SELECT * FROM scores ORDER BY id")) == scores
    assert visit_dates(db, course_id)["baseline"] == before["baseline"]


def test_a_submitted_final_keeps_anchoring_the_follow_ups(db, content, clinic_id):
    course_id = enrol_course(db, content, clinic_id)
    submit_timepoint(db, content, course_id, "final")
    pathway = content.pathway("primary-low-back-pain")
    courses.move_visit(db, course_id, pathway, "followup-3m", FIRST + timedelta(days=170))
    dates = visit_dates(db, course_id)
    assert dates["final"] == (FIRST + timedelta(days=70)).isoformat()
    assert dates["followup-9m"] == (FIRST + timedelta(days=70 + 273)).isoformat()


@pytest.mark.parametrize("key, day, words", [
    ("baseline", "SUBMITTED", "already been sent"),
    ("week-9", FIRST + timedelta(days=3), "no visit called 'week-9'"),
    ("final", "2026-02-30", "YYYY-MM-DD"),
    ("final", FIRST - timedelta(days=1), "before the first consultation"),
])
def test_moves_that_cannot_be_made_are_refused_clearly(runner, db, content, clinic_id, key, day,
                                                       words):
    course_id = enrol_course(db, content, clinic_id)
    submit_timepoint(db, content, course_id, "baseline")
    if day == "SUBMITTED":
        day = FIRST + timedelta(days=9)
    before = list(db.query("SELECT * FROM timepoints ORDER BY id"))
    result = move(runner, course_id, key, day)
    assert result.exit_code == 2 and words in result.stderr, result.output
    assert list(db.query("SELECT * FROM timepoints ORDER BY id")) == before


def test_moving_in_an_unknown_or_ended_course_is_refused(runner, db, content, clinic_id):
    assert "no course with the id 99" in move(runner, 99, "final", FIRST).stderr
    course_id = enrol_course(db, content, clinic_id)
    assert courses.end_course(db, course_id)
    result = move(runner, course_id, "final", FIRST + timedelta(days=80))
    assert result.exit_code == 2 and "has ended" in result.stderr


def test_ending_a_course_is_recorded_once(db, content, clinic_id):
    course_id = enrol_course(db, content, clinic_id)
    assert courses.end_course(db, course_id) is True
    course = courses.get_course(db, course_id)
    assert course["status"] == "ended" and course["ended_at"]
    assert courses.end_course(db, course_id) is False
    assert courses.end_course(db, 999) is False


# --- the patient's home page ------------------------------------------------------

def test_home_shows_upcoming_consultations_with_questionnaires_and_send_dates(client, enrol):
    _, token = enrol(pathway="lumbar-radiculopathy", consent="given", language="en",
                     first_visit=FIRST)
    page = client.get(f"/q/{token}").page
    upcoming = [" ".join(li.text.split()) for li in page.select("#next-title ~ ul li")]
    week2 = FIRST + timedelta(days=14)
    assert len(upcoming) == 3
    assert upcoming[0].startswith(f"{week2.day} {week2:%B} {week2.year}: Status consultation")
    assert "Questionnaires: NPRS." in upcoming[0]
    send = week2 - timedelta(days=2)
    assert f"We send the link around {send.day} {send:%B} {send.year}." in upcoming[0]
    assert "Questionnaires: NPRS, ODI, PSFS, Compared with before." in upcoming[2]


def _asked(db, course_id: int) -> dict[str, list[str]]:
    return {tp["key"]: tp["questionnaires"] for tp in courses.list_timepoints(db, course_id)}


def test_a_course_keeps_the_questionnaires_it_was_enrolled_with_until_a_visit_moves(
        db, content, clinic_id):
    """A course enrolled before the pathway file changed (here: before the GPE was added
    to its final consultation and follow-ups) keeps its lists; moving a visit re-plans the
    unanswered ones from today's file, and never changes a submitted one."""
    pathway = content.pathway("primary-low-back-pain")
    course_id = enrol_course(db, content, clinic_id)
    today = {spec.key: list(spec.questionnaires) for spec in pathway.timepoints}
    assert _asked(db, course_id) == today
    before = {key: [q for q in asked if q not in ("gpe", "risk")] for key, asked in today.items()}
    for tp in courses.list_timepoints(db, course_id):
        db.execute("UPDATE timepoints SET questionnaires = ? WHERE id = ?",
                   [json.dumps(before[tp["key"]]), tp["id"]])
    submit_timepoint(db, content, course_id, "baseline")
    assert _asked(db, course_id) == before  # frozen at enrolment
    courses.move_visit(db, course_id, pathway, "final", FIRST + timedelta(days=84))
    assert _asked(db, course_id) == {**today, "baseline": before["baseline"]}
