"""Enrol and manage a course from the browser: contact details, visit dates, ending it,
and sending the patient their link. Validation is shared with the command line."""

from __future__ import annotations

import sqlite3

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import accounts, queries
from ..checks import CheckError, in_window
from ..courses import queries as courses
from ..courses.enrolment import parse_iso_date
from ..courses.schedule import current_timepoint
from ..db import get_db, write_transaction
from ..notifications import addresses
from ..notifications.manual import send_link_now
from ..notifications.sending import outlets_from_config
from ..timeutil import iso, today, utcnow
from ..web.access import admin_only
from ..web.clinic import audit, clinic_course
from . import bp, forms
from .texts import links_held_back_message


@bp.route("/patients/new", methods=["GET", "POST"])
def enrol_patient():
    pathways = current_app.extensions["content"].pathways
    options = [(p.id, p.names[str(get_locale())]) for p in pathways.values()]
    form = forms.EnrolForm(pathways, options, _entry_options(pathways),
                           data={"language": "da", "entry_code": "",
                                 "first_visit": today().isoformat()})
    if form.validate_on_submit():
        enrolment = form.clean
        patient = courses.NewPatient(g.clinician["clinic_id"], enrolment.name,
                                     enrolment.email, enrolment.phone, enrolment.language,
                                     enrolment.birth_date)
        with write_transaction(get_db()):
            course_id = courses.enrol(get_db(), patient, pathways[enrolment.pathway],
                                      enrolment.first_visit, enrolment.referral_date,
                                      enrolment.entry_code, clinician_id=g.clinician["id"])
            audit("enrol-patient", "course", course_id)
        flash(_("The patient is enrolled. Invitations go out before each consultation."))
        return redirect(url_for(".show_course", course_id=course_id))
    return render_template("clinician/enrol.html", form=form), 400 if form.errors else 200


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
    form = _details_form(course)
    if form.validate_on_submit():
        clean = form.clean
        with write_transaction(get_db()):
            courses.save_contact_details(get_db(), course["patient_id"], clean["name"],
                                         clean["email"], clean["phone"], clean["language"])
            audit("edit-contact", "course", course_id)
        flash(_("The contact details have been saved."))
        return redirect(url_for(".edit_course", course_id=course_id))
    return _render_edit(course, form)


def _details_form(course: dict, posted: bool = True) -> forms.PatientDetailsForm:
    """The contact form: what this request posted to it, else what the course has."""
    stored = {"name": course["patient_name"], "email": course["email"],
              "phone": course["phone"], "language": course["language"]}
    if posted:
        return forms.PatientDetailsForm(data=stored)
    return forms.PatientDetailsForm(formdata=None, data=stored)


def _render_edit(course, form, dates_form=None, status=None):
    db = get_db()
    timepoints = courses.list_timepoints(db, course["id"])
    dates_form = dates_form or _dates_form(course, timepoints, posted=False)
    failed = form.errors or dates_form.errors
    return render_template("clinician/edit_course.html", course=course, form=form,
                           dates_form=dates_form, timepoints=timepoints), \
        status or (400 if failed else 200)


def _dates_form(course: dict, timepoints: list[dict], posted: bool = True):
    """A date field per visit not yet answered, labelled with its consultation and code."""
    pathway = current_app.extensions["content"].pathway(course["pathway"])
    specs = {t.key: t for t in pathway.timepoints_for(course["entry_code"])}
    locale = str(get_locale())
    visits = [(tp["key"], f"{specs[tp['key']].names[locale]} ({tp['code']})", tp["visit_date"])
              for tp in timepoints if not tp["submitted_at"] and tp["key"] in specs]
    form_class = forms.visit_dates_form(visits)
    return form_class() if posted else form_class(formdata=None)


@bp.post("/courses/<int:course_id>/visits")
def move_visits(course_id: int):
    """Move any number of visit dates at once; a bad date changes nothing."""
    course = clinic_course(course_id)
    pathway = current_app.extensions["content"].pathway(course["pathway"])
    timepoints = courses.list_timepoints(get_db(), course_id)
    form = _dates_form(course, timepoints)  # the CSRF token was checked for every POST
    moved, date_errors = _changed_dates(timepoints, form.dates())
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
        for key, message in date_errors.items():
            field = form[forms.visit_field(key)]
            field.errors = [*field.errors, message]
        return _render_edit(course, _details_form(course, posted=False), form, status=400)
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
    """The clinic's name, phone and e-mail (shown to patients and in every message), where
    alarm notifications go, and whether admins must use two-factor sign-in."""
    db = get_db()
    clinic = queries.get_clinic(db, g.clinician["clinic_id"])
    stored = {key: clinic[key] for key in ("name", "phone", "email")}
    for key in ("alert_emails", "alert_phones"):
        stored[key] = ", ".join(addresses.split_addresses(clinic[key]))
    stored["require_admin_two_factor"] = bool(clinic["require_admin_two_factor"])
    form = forms.ClinicSettingsForm(data=stored)
    if form.validate_on_submit() and _save_settings(db, clinic["id"], form):
        flash(_("The clinic's details have been saved."))
        return redirect(url_for(".edit_clinic"))
    return render_template("clinician/settings.html", form=form), 400 if form.errors else 200


def _save_settings(db, clinic_id: int, form: forms.ClinicSettingsForm) -> bool:
    """Save, unless another clinic has the name (checked again by the unique index)."""
    taken = _("Another clinic is already called this. Choose a name that tells your clinic "
              "apart, for example with the town.")
    if accounts.name_taken(db, clinic_id, form.clean["name"]):
        form.name.errors.append(taken)
        return False
    try:
        required = bool(form.require_admin_two_factor.data)
        with write_transaction(db):
            queries.save_clinic_settings(db, clinic_id, {**form.clean,
                                                         "require_admin_two_factor": required})
            audit("edit-clinic-settings", detail=f"require_admin_two_factor={int(required)}")
    except sqlite3.IntegrityError:  # the unique index: another admin took it just now
        form.name.errors.append(taken)
        return False
    return True
