"""Enrol and manage a course from the browser: contact details, visit dates, ending it,
and sending the patient their link. Validation is shared with the command line."""

from __future__ import annotations

import sqlite3

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import accounts, queries
from ..checks import CheckError, in_window, single_line
from ..courses import queries as courses
from ..courses.contact import ContactError, normalise_email, normalise_phone
from ..courses.enrolment import Problem, check_enrolment, entry_codes_of, parse_iso_date
from ..courses.schedule import current_timepoint
from ..db import get_db, write_transaction
from ..notifications import addresses
from ..notifications.manual import send_link_now
from ..notifications.sending import outlets_from_config
from ..timeutil import iso, today, utcnow
from ..web.access import admin_only
from ..web.clinic import audit, clinic_course
from . import bp
from .texts import links_held_back_message

CLINIC_FIELDS = ("name", "phone", "email", "alert_emails", "alert_phones")
ENROL_FIELDS = ("name", "email", "phone", "language", "pathway", "entry_code", "first_visit",
                "referral_date")


def _translated(problems: list[Problem]) -> dict[str, list[str]]:
    """Problems (English msgids) as translated messages by field."""
    by_field: dict[str, list[str]] = {}
    for problem in problems:
        by_field.setdefault(problem.field, []).append(_(problem.message, **(problem.params or {})))
    return by_field


def _form_values(fields: tuple[str, ...]) -> dict[str, str]:
    return {name: request.form.get(name, "")[:500] for name in fields}


@bp.route("/patients/new", methods=["GET", "POST"])
def enrol_patient():
    pathways = current_app.extensions["content"].pathways
    values = {"language": "da", "entry_code": "", "first_visit": today().isoformat()}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _form_values(ENROL_FIELDS)
        enrolment, problems = check_enrolment(values, pathways, entry_codes_of(pathways))
        if enrolment:
            patient = courses.NewPatient(g.clinician["clinic_id"], enrolment.name,
                                         enrolment.email, enrolment.phone, enrolment.language)
            with write_transaction(get_db()):
                course_id = courses.enrol(get_db(), patient, pathways[enrolment.pathway],
                                          enrolment.first_visit, enrolment.referral_date,
                                          enrolment.entry_code)
                audit("enrol-patient", "course", course_id)
            flash(_("The patient is enrolled. Invitations go out before each consultation."))
            return redirect(url_for(".show_course", course_id=course_id))
        errors = _translated(problems)
    options = [(p.id, p.names[str(get_locale())]) for p in pathways.values()]
    return render_template("clinician/enrol.html", values=values, errors=errors,
                           pathway_options=options, entry_options=_entry_options(pathways)), \
        400 if errors else 200


def _entry_options(pathways) -> list[tuple[str, str]]:
    """The usual first service code, then every other code a course may start with."""
    locale = str(get_locale())
    usual = ", ".join(p.usual_entry_code for p in pathways.values())
    options = [("", _("The course's usual code (%(codes)s)", codes=usual))]
    for pathway in pathways.values():
        for entry in pathway.timepoints[0].entry_codes:
            options.append((entry.code, f"{entry.code} – {pathway.names[locale]}: "
                                        f"{entry.names[locale]}"))
    return options


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
def edit_course(course_id: int):
    course = clinic_course(course_id)
    values = {"name": course["patient_name"], "email": course["email"],
              "phone": course["phone"], "language": course["language"]}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _form_values(("name", "email", "phone", "language"))
        errors, clean = _check_contact(values)
        if not errors:
            with write_transaction(get_db()):
                courses.save_contact_details(get_db(), course["patient_id"], clean["name"],
                                             clean["email"], clean["phone"], clean["language"])
                audit("edit-contact", "course", course_id)
            flash(_("The contact details have been saved."))
            return redirect(url_for(".edit_course", course_id=course_id))
    return _render_edit(course, values, errors, {}, {})


def _check_contact(values: dict) -> tuple[dict[str, list[str]], dict]:
    errors: dict[str, list[str]] = {}
    clean = {"name": values["name"].strip(), "language": values["language"]}
    if not clean["name"] or len(clean["name"]) > 200:
        errors["name"] = [_("Enter the patient's name.")]
    _single_line(clean, ("name",), errors)
    if clean["language"] not in current_app.config["LANGUAGES"]:
        errors["language"] = [_("Choose Danish or English.")]
    for field, normalise in (("email", normalise_email), ("phone", normalise_phone)):
        try:
            clean[field] = normalise(values[field])
        except ContactError as error:
            errors[field] = [_(str(error))]
    return errors, clean


def _single_line(clean: dict, fields: tuple[str, ...], errors: dict[str, list[str]]) -> None:
    """The clinic's name is the sender of every e-mail: a line break there starts a header."""
    for field in fields:
        try:
            single_line(clean[field])
        except CheckError as error:
            errors.setdefault(field, []).append(_(error.message, **error.params))


def _render_edit(course, values, errors, dates, date_errors, status=None):
    db = get_db()
    pathway = current_app.extensions["content"].pathway(course["pathway"])
    context = {"course": course, "values": values, "errors": errors,
               "timepoints": courses.list_timepoints(db, course["id"]), "dates": dates,
               "date_errors": date_errors, "pathway": pathway,
               "specs": {t.key: t for t in pathway.timepoints_for(course["entry_code"])}}
    failed = errors or date_errors
    return render_template("clinician/edit_course.html", **context), \
        status or (400 if failed else 200)


@bp.post("/courses/<int:course_id>/visits")
def move_visits(course_id: int):
    """Move any number of visit dates at once; a bad date changes nothing."""
    course = clinic_course(course_id)
    pathway = current_app.extensions["content"].pathway(course["pathway"])
    timepoints = courses.list_timepoints(get_db(), course_id)
    dates = {tp["key"]: request.form.get(f"visit-{tp['key']}", tp["visit_date"]).strip()
             for tp in timepoints if not tp["submitted_at"]}
    moved, date_errors = _changed_dates(timepoints, dates)
    if not date_errors:
        try:
            with write_transaction(get_db()):
                for key, day in moved.items():
                    courses.move_visit(get_db(), course_id, pathway, key, day)
                if moved:
                    audit("move-visits", "course", course_id, ", ".join(sorted(moved)))
        except courses.CourseError as error:
            date_errors[next(iter(moved))] = _(error.message, **error.params)
    if date_errors:
        values = {"name": course["patient_name"], "email": course["email"],
                  "phone": course["phone"], "language": course["language"]}
        return _render_edit(course, values, {}, dates, date_errors)
    if moved:
        flash(_("The dates have been changed. Invitations not yet sent follow the new dates; "
                "links already sent are never extended, so send a new link if a visit moved "
                "later and the reminder has gone out."))
    return redirect(url_for(".show_course", course_id=course_id))


def _changed_dates(timepoints: list[dict], dates: dict[str, str]) -> tuple[dict, dict]:
    moved, problems = {}, {}
    current = {tp["key"]: tp["visit_date"] for tp in timepoints}
    for key, text in dates.items():
        try:
            day = in_window(parse_iso_date(text))
        except CheckError as error:
            problems[key] = _(error.message, **error.params)
            continue
        except ValueError:
            problems[key] = _("Enter the date as YYYY-MM-DD, like 2026-03-02.")
            continue
        if day.isoformat() != current[key]:
            moved[key] = day
    return moved, problems


@bp.post("/courses/<int:course_id>/end")
def end_course(course_id: int):
    clinic_course(course_id)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that the course should end."), "error")
        return redirect(url_for(".edit_course", course_id=course_id) + "#end")
    with write_transaction(get_db()):
        ended = courses.end_course(get_db(), course_id)
        if ended:
            audit("end-course", "course", course_id)
    if ended:
        flash(_("The course has ended. No more invitations will be sent."))
    return redirect(url_for(".show_course", course_id=course_id))


@bp.post("/courses/<int:course_id>/send-link")
def send_link(course_id: int):
    course = clinic_course(course_id)
    db = get_db()
    timepoint = current_timepoint(courses.list_timepoints(db, course_id), iso(utcnow()))
    if timepoint is None or course["status"] != "active":
        flash(_("There is no questionnaire left to answer in this course."), "error")
        return redirect(url_for(".show_course", course_id=course_id))
    if not (course["email"] or course["phone"]):
        flash(_("The patient has no e-mail address or mobile number. Create a link and give "
                "it to them instead."), "error")
        return redirect(url_for(".show_course", course_id=course_id))
    clinic = queries.get_clinic(db, course["clinic_id"])
    if not addresses.configured(clinic):
        flash(links_held_back_message(), "error")
        return redirect(url_for(".show_course", course_id=course_id))
    results = send_link_now(db, course, timepoint, clinic,
                            outlets_from_config(current_app.config))
    audit("send-link", "timepoint", timepoint["id"])
    if all(results.values()):
        flash(_("The link has been sent to the patient."))
    else:
        flash(_("The link could not be sent. Check the contact details, or create a link and "
                "give it to the patient."), "error")
    return redirect(url_for(".show_course", course_id=course_id))


@bp.route("/admin/settings", methods=["GET", "POST"])
@admin_only
def edit_clinic():
    """The clinic's name, phone and e-mail: shown to patients and in every message."""
    db = get_db()
    clinic = queries.get_clinic(db, g.clinician["clinic_id"])
    values = {key: clinic[key] for key in CLINIC_FIELDS}
    for key in ("alert_emails", "alert_phones"):
        values[key] = ", ".join(addresses.split_addresses(values[key]))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _form_values(CLINIC_FIELDS)
        errors, clean = _check_clinic(values)
        if not errors and accounts.name_taken(db, clinic["id"], clean["name"]):
            errors["name"] = [_name_taken()]
        if not errors:
            try:
                with write_transaction(db):
                    queries.save_clinic_settings(db, clinic["id"], clean)
                    audit("edit-clinic-settings")
            except sqlite3.IntegrityError:  # the unique index: another admin took it just now
                errors["name"] = [_name_taken()]
        if not errors:
            flash(_("The clinic's details have been saved."))
            return redirect(url_for(".edit_clinic"))
    return render_template("clinician/settings.html", values=values, errors=errors), \
        400 if errors else 200


def _name_taken() -> str:
    return _("Another clinic is already called this. Choose a name that tells your clinic "
             "apart, for example with the town.")


def _check_clinic(values: dict) -> tuple[dict[str, list[str]], dict]:
    errors: dict[str, list[str]] = {}
    clean = {"name": values["name"].strip(), "phone": values["phone"].strip()}
    if not clean["name"] or len(clean["name"]) > 200:
        errors["name"] = [_("Enter the clinic's name.")]
    if len(clean["phone"]) > 40:
        errors["phone"] = [_("Enter a phone number of at most 40 characters.")]
    _single_line(clean, ("name", "phone"), errors)
    try:
        clean["email"] = normalise_email(values["email"])
    except ContactError as error:
        errors["email"] = [_(str(error))]
    for key, normalise in (("alert_emails", addresses.normalise_emails),
                           ("alert_phones", addresses.normalise_phones)):
        try:
            clean[key] = normalise(values[key])
        except addresses.BadAddress as error:
            errors[key] = [_("“%(address)s”: %(problem)s", address=error.address,
                             problem=_(str(error)))]
        except ContactError:
            errors[key] = [_("Enter at most %(num)d addresses, separated by commas.",
                             num=addresses.MAX_ADDRESSES)]
    if not errors and not (clean["alert_emails"] or clean["alert_phones"]):
        errors["alert_emails"] = [_("Enter at least one e-mail address or mobile number for "
                                    "alarm notifications: until then, no patient gets a link.")]
    return errors, clean
