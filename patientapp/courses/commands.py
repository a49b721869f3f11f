"""Command-line tools for courses: ``flask enrol`` and ``flask move-visit``.

Bad input is reported on standard error, all problems at once, with exit code 2,
and nothing is written: enrolment and re-planning are each one transaction.
"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from ..checks import SQLITE_MAX_INT, CheckError, in_window
from ..db import get_db
from . import queries as courses
from .enrolment import (
    Problem,
    check_enrolment,
    course_summary,
    entry_codes_of,
    parse_iso_date,
    pick_clinic,
)

WARNINGS = {
    "moved-to-limit": "planned for {planned}, after the follow-up limit; moved to {limit}, "
                      "12 months after the referral",
    "after-limit": "on {planned}, after the follow-up limit of {limit} (12 months after the "
                   "referral): agree a date with the patient or end the course",
}


class InputError(click.ClickException):
    """Bad input: printed as "Error: …" on standard error, exit code 2 like click's own."""

    exit_code = 2


def _fail(problems: list[Problem | str]) -> None:
    raise InputError("\n       ".join(str(p) for p in problems))


def _echo_table(summary: dict) -> None:
    click.echo(f"Course {summary['course_id']} on {summary['pathway']} for patient "
               f"{summary['patient']['pseudonym']}:")
    click.echo(f"  {'timepoint':<12} {'code':<5} {'visit':<10}  {'send':<10}  {'remind':<10}  "
               f"{'link until':<10}  questionnaires")
    for tp in summary["timepoints"]:
        click.echo(f"  {tp['key']:<12} {tp['code']:<5} {tp['visit_date']}  {tp['send_on']}  "
                   f"{tp['remind_on'] or '-':<10}  {tp['expires_on']}  "
                   f"{', '.join(tp['questionnaires'])}")


def _echo_course(course_id: int, as_json: bool) -> None:
    db = get_db()
    summary = course_summary(courses.get_course(db, course_id),
                             courses.list_timepoints(db, course_id))
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _echo_table(summary)
    # On standard error in both forms, so the clinician sees it and the JSON stays clean.
    for tp in summary["timepoints"]:
        if tp["warning"]:
            text = WARNINGS[tp["warning"]["code"]].format(**tp["warning"])
            click.echo(f"Warning: {tp['key']} {text}.", err=True)


@click.command("enrol")
@click.option("--pathway", required=True, help="The course: primary-low-back-pain, "
                                               "lumbar-radiculopathy or cervical-radiculopathy.")
@click.option("--first-visit", required=True, help="Date of the first consultation, YYYY-MM-DD.")
@click.option("--name", required=True, help="The patient's name (seen by the clinic only).")
@click.option("--referral-date", default=None, help="Date of the referral, YYYY-MM-DD; "
                                                    "follow-ups must fall within 12 months of it.")
@click.option("--email", default=None, help="Where invitations are e-mailed.")
@click.option("--phone", default=None, help="Where invitations are texted: 8 digits, or + and "
                                            "the country code.")
@click.option("--language", default="da", show_default=True, help="da or en.")
@click.option("--entry-code", default=None,
              help="Service code of the baseline consultation. Default: the course's usual "
                   "first code (0261, 0241, 0231). Also: 0262 (primary low back pain, same day "
                   "as 0110: questionnaires go out before it), 0242 / 0232 (nerve-root "
                   "courses, when switching from an ongoing course).")
@click.option("--clinic", default=None, help="Clinic id or name (default: the only clinic).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@with_appcontext
def enrol_command(pathway: str, first_visit: str, name: str, referral_date: str | None,
                  email: str | None, phone: str | None, language: str,
                  entry_code: str | None, clinic: str | None, as_json: bool) -> None:
    """Enrol a patient on a course and print its dated timepoints."""
    content = current_app.extensions["content"]
    enrolment, problems = check_enrolment(
        {"name": name, "pathway": pathway, "first_visit": first_visit,
         "referral_date": referral_date, "email": email, "phone": phone, "language": language,
         "entry_code": entry_code},
        content.pathways, entry_codes_of(content.pathways))
    found, clinic_problem = pick_clinic(courses.list_clinics(get_db()), clinic)
    if problems or clinic_problem:
        _fail(problems + ([clinic_problem] if clinic_problem else []))
    patient = courses.NewPatient(found["id"], enrolment.name, enrolment.email, enrolment.phone,
                                 enrolment.language)
    course_id = courses.enrol(get_db(), patient, content.pathway(enrolment.pathway),
                              enrolment.first_visit, enrolment.referral_date,
                              enrolment.entry_code)
    _echo_course(course_id, as_json)


@click.command("move-visit")
@click.option("--course", "course_id", type=click.IntRange(1, SQLITE_MAX_INT), required=True,
              help="The course id.")
@click.option("--timepoint", "key", required=True, help="The visit, e.g. week-2 or final.")
@click.option("--date", "day", required=True, help="The new date, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@with_appcontext
def move_visit_command(course_id: int, key: str, day: str, as_json: bool) -> None:
    """Move a visit; invitations not yet sent follow it, answers never change."""
    try:
        new_date = in_window(parse_iso_date(day))
    except CheckError as error:
        _fail([str(error)])
    except ValueError:
        _fail(["Enter the new date as YYYY-MM-DD, like 2026-03-02."])
    course = courses.get_course(get_db(), course_id)
    if course is None:
        _fail([f"There is no course with the id {course_id}."])
    pathway = current_app.extensions["content"].pathway(course["pathway"])
    try:
        courses.move_visit(get_db(), course_id, pathway, key, new_date)
    except courses.CourseError as error:
        _fail([str(error)])
    _echo_course(course_id, as_json)
