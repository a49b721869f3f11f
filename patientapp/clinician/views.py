"""Clinic pages under /clinic. Every page is scoped to the signed-in clinician's clinic."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import accounts, queries
from ..audit import record
from ..courses import queries as courses
from ..courses import sections
from ..courses.schedule import current_timepoint
from ..db import get_db, write_transaction
from ..notifications import addresses
from ..risk import profile as risk_profile
from ..timeutil import iso, utcnow
from ..timeutil import today as clinic_today
from ..web.access import admin_only, public
from ..web.clinic import audit, clinic_course, end_all_sessions, end_session, start_session
from ..web.errors import too_many_requests
from ..web.params import int_arg
from ..web.ratelimit import too_many
from ..web.redirects import local_path_or
from . import bp, forms, overview, patient_list
from . import gp_summary as summary_parts
from . import queries as clinic_db
from .auth import (
    PAUSE_WINDOW,
    attempt_sign_in,
    begin_second_step,
    pause_key,
    two_factor_on,
)
from .details import answer_rows, course_context, score_charts
from .texts import links_held_back_message

# One page of the patient list: what a clinician reads at a glance, and a cost that does
# not grow with the clinic (the query ranks every course but details only this many).
PAGE_SIZE = 50
MAX_OFFSET = 10_000_000


# --- signing in and out ----------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@public
def sign_in():
    if g.clinician:
        return redirect(url_for(".list_patients"))
    if request.method == "POST" and (wait := too_many("sign-in", "SIGN_IN_FAILURE_LIMIT",
                                                      count=False)):
        return too_many_requests(wait)
    form = forms.SignInForm()
    if session.pop("expired", False) and request.method == "GET":
        flash(_("You were signed out because you were inactive. Please sign in again."))
    if not form.validate_on_submit():
        return render_template("clinician/sign_in.html", form=form), \
            400 if request.method == "POST" else 200
    # This e-mail (as typed) from this client: paused after a few failures, for anyone.
    pair = f"{pause_key(form.email.data)}:{request.remote_addr}"
    paused = too_many("sign-in-pair", "SIGN_IN_PAUSE_AFTER", count=False, key=pair,
                      window=PAUSE_WINDOW)
    clinician, problem = attempt_sign_in(get_db(), form.email.data, form.password.data,
                                         paused=bool(paused))
    if clinician is None:
        too_many("sign-in", "SIGN_IN_FAILURE_LIMIT")  # each one cost a hash: count it
        paused = too_many("sign-in-pair", "SIGN_IN_PAUSE_AFTER", key=pair,
                          window=PAUSE_WINDOW) or paused
        # The same words for every e-mail address, known or not: nothing is revealed.
        form.password.errors = [
            _("Too many failed attempts from here with this e-mail address. Wait 15 minutes "
              "and try again.") if paused else _("The e-mail address or password is not right.")]
        record(get_db(), "anonymous", None, None, f"sign-in-{problem}")
        return render_template("clinician/sign_in.html", form=form), 401
    if two_factor_on(clinician):  # the password was right: now the code
        begin_second_step(clinician, request.args.get("next"))
        return redirect(url_for(".enter_code"))
    with write_transaction(get_db()):
        start_session(get_db(), clinician)
        record(get_db(), "clinician", clinician["id"], clinician["clinic_id"], "sign-in")
    return redirect(local_path_or(request.args.get("next"), url_for(".list_patients"),
                                  prefix="/clinic/"))


@bp.post("/logout")
@public
def sign_out():
    if g.clinician:
        audit("sign-out")
    end_session(get_db())
    flash(_("You have signed out."))
    return redirect(url_for(".sign_in"))


# --- the patient list --------------------------------------------------------------

@bp.get("/")
def list_patients():
    status = "ended" if request.args.get("status") == "ended" else "active"
    mine = request.args.get("mine") == "1"
    offset = int_arg("offset", 0, 0, MAX_OFFSET)
    search = clinic_db.get_session_search(get_db(), g.clinician["session_id"])
    rows = clinic_db.list_courses(
        get_db(), g.clinician["clinic_id"], g.clinician["id"], clinic_today().isoformat(),
        search, status, PAGE_SIZE + 1, offset, mine=mine,
        main_instruments=patient_list.main_instruments(
            current_app.extensions["content"].pathways.values()))
    audit("view-patient-list", detail=status)
    held_back = not addresses.configured(queries.get_clinic(get_db(), g.clinician["clinic_id"]))
    page = rows[:PAGE_SIZE]
    return render_template("clinician/patients.html", rows=patient_list.with_changes(page),
                           risk_counts=risk_profile.list_counts(get_db(), page),
                           status=status, mine=mine,
                           links_held_back=links_held_back_message() if held_back else None,
                           search=search, offset=offset, more=len(rows) > PAGE_SIZE,
                           page_size=PAGE_SIZE)


@bp.post("/search")
def search_patients():
    # The search term is a name: kept on this device's session row in the database,
    # never in a URL and never in the (signed, but readable) session cookie.
    term = request.form.get("q", "").strip()[:100]
    if request.form.get("action") == "clear":
        term = ""
    clinic_db.save_session_search(get_db(), g.clinician["session_id"], term)
    return redirect(url_for(".list_patients"))


# --- one patient's course ------------------------------------------------------------

@bp.get("/courses/<int:course_id>")
def show_course(course_id: int):
    course = clinic_course(course_id)
    db = get_db()
    context = course_context(db, course)
    clinic_db.mark_viewed(db, g.clinician["id"], course_id)
    audit("view-course", "course", course_id)
    return render_template("clinician/course.html", course=course,
                           charts=score_charts(context),
                           consent_form=forms.PaperConsentForm(),
                           sections=sections.build(course), **context)


@bp.get("/courses/<int:course_id>/answers")
def show_answers(course_id: int):
    course = clinic_course(course_id)
    db = get_db()
    responses = clinic_db.list_responses(db, course_id)
    audit("view-answers", "course", course_id)
    return render_template("clinician/answers.html", course=course,
                           groups=answer_rows(db, course, responses))


@bp.post("/alerts/<int:alert_id>/acknowledge")
def acknowledge_alert(alert_id: int):
    with write_transaction(get_db()):
        course_id = clinic_db.acknowledge_alert(get_db(), g.clinician["clinic_id"], alert_id,
                                                g.clinician["id"])
        if course_id is not None:
            audit("acknowledge-alert", "alert", alert_id)
    if course_id is None:
        audit("denied-alert", "alert", alert_id)
        abort(404)
    flash(_("Alert acknowledged."))
    return redirect(url_for(".show_course", course_id=course_id) + "#alerts")


@bp.post("/courses/<int:course_id>/alerts/acknowledge")
def acknowledge_other_alerts(course_id: int):
    """'Acknowledge all the others': every open alert but the alarms, each of which is
    acknowledged on its own after it has been read."""
    clinic_course(course_id)
    with write_transaction(get_db()):
        done = clinic_db.acknowledge_other_alerts(get_db(), g.clinician["clinic_id"],
                                                  course_id, g.clinician["id"])
        for alert_id in done:
            audit("acknowledge-alert", "alert", alert_id)
    flash(ngettext("%(num)d alert acknowledged.", "%(num)d alerts acknowledged.", len(done)))
    return redirect(url_for(".show_course", course_id=course_id) + "#alerts")


@bp.post("/courses/<int:course_id>/link")
def create_link(course_id: int):
    """A fresh link for the current timepoint, shown once (only its hash is stored)."""
    course = clinic_course(course_id)
    db = get_db()
    timepoint = current_timepoint(courses.list_timepoints(db, course_id), iso(utcnow()))
    if timepoint is None:
        flash(_("There is no questionnaire left to answer in this course."), "error")
        return redirect(url_for(".show_course", course_id=course_id))
    if not addresses.configured(queries.get_clinic(db, course["clinic_id"])):
        flash(links_held_back_message(), "error")
        return redirect(url_for(".show_course", course_id=course_id))
    with write_transaction(db):
        token = courses.replace_invitations(db, timepoint)
        audit("create-link", "timepoint", timepoint["id"])
    link = f"{current_app.config['BASE_URL'].rstrip('/')}/q/{token}"
    return render_template("clinician/link.html", course=course, link=link, timepoint=timepoint)


@bp.post("/courses/<int:course_id>/revoke-links")
def revoke_links(course_id: int):
    """A link went to the wrong person: every link of the course stops working now."""
    clinic_course(course_id)
    db = get_db()
    with write_transaction(db):
        links, messages = courses.revoke_all_links(db, course_id)
        audit("revoke-links", "course", course_id, f"links={links} messages={messages}")
    flash(_("Every link of this course has stopped working. Correct the contact details "
            "before you send the patient a new link."))
    return redirect(url_for(".show_course", course_id=course_id) + "#links")


@bp.post("/courses/<int:course_id>/consent")
def record_paper_consent(course_id: int):
    clinic_course(course_id)
    form = forms.PaperConsentForm()
    if form.validate():
        with write_transaction(get_db()):
            courses.record_consent(get_db(), course_id, form.consent.data, "paper",
                                   g.clinician["id"])
            audit(f"consent-{form.consent.data}-paper", "course", course_id)
        flash(_("The patient's decision has been recorded."))
    else:
        flash(_("Choose what the patient decided."), "error")
    return redirect(url_for(".show_course", course_id=course_id) + "#consent-section")


# --- GP summary ---------------------------------------------------------------------------

@bp.route("/courses/<int:course_id>/summary", methods=["GET", "POST"])
def gp_summary(course_id: int):
    course = clinic_course(course_id)
    db = get_db()
    form = forms.GpNoteForm()
    if form.validate_on_submit():
        with write_transaction(db):
            clinic_db.save_gp_note(db, course_id, form.note.data or "", g.clinician["id"])
            audit("edit-gp-note", "course", course_id)
        flash(_("The note has been saved."))
        return redirect(url_for(".gp_summary", course_id=course_id))
    saved_note = clinic_db.get_gp_note(db, course_id)
    if request.method == "GET":
        form.note.data = saved_note
    audit("view-gp-summary", "course", course_id)
    clinic = queries.get_clinic(db, course["clinic_id"])
    context = course_context(db, course)
    # What is printed is what was saved: a note being typed is not the GP's yet.
    summary = summary_parts.build(context, sections.build(course), saved_note)
    return render_template("clinician/summary.html", course=course, form=form, clinic=clinic,
                           summary=summary, printed_on=clinic_today(),
                           risk=risk_profile.course_profile(db, course), **context), \
        400 if form.errors else 200


# --- administration -------------------------------------------------------------------

@bp.get("/audit")
@admin_only
def show_audit():
    offset = int_arg("offset", 0, 0, MAX_OFFSET)
    rows = clinic_db.list_audit(get_db(), g.clinician["clinic_id"], PAGE_SIZE + 1, offset)
    audit("view-audit-log")
    return render_template("clinician/audit.html", rows=rows[:PAGE_SIZE], offset=offset,
                           more=len(rows) > PAGE_SIZE, page_size=PAGE_SIZE)


@bp.route("/admin/clinicians", methods=["GET", "POST"])
@admin_only
def manage_clinicians():
    db = get_db()
    form = forms.ClinicianForm()
    status = 200
    if form.validate_on_submit():
        if accounts.get_clinician_by_email(db, form.email.data):
            form.email.errors = [_("There is already an account with this e-mail address.")]
            status = 400
        else:
            new_id = accounts.save_clinician(db, g.clinician["clinic_id"], form.email.data,
                                             form.name.data, form.password.data,
                                             form.role.data)
            audit("create-clinician", "clinician", new_id)
            flash(_("The account has been created."))
            return redirect(url_for(".manage_clinicians"))
    elif request.method == "POST":
        status = 400
    return render_template("clinician/clinicians.html", form=form,
                           clinicians=clinic_db.list_clinicians(db, g.clinician["clinic_id"])), \
        status


@bp.post("/admin/clinicians/<int:clinician_id>/active")
@admin_only
def set_clinician_active(clinician_id: int):
    db = get_db()
    target = clinic_db.get_clinic_clinician(db, g.clinician["clinic_id"], clinician_id)
    if target is None:
        abort(404)
    if clinician_id == g.clinician["id"]:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for(".manage_clinicians"))
    active = not target["active"]
    with write_transaction(db):
        clinic_db.set_clinician_active(db, clinician_id, active)
        end_all_sessions(db, clinician_id)
        audit("activate-clinician" if active else "deactivate-clinician", "clinician",
              clinician_id)
    return redirect(url_for(".manage_clinicians"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        if not accounts.password_matches(g.clinician, form.current.data):
            form.current.errors = [_("That is not your current password.")]
        else:
            new_hash = accounts.hash_password(form.new.data)  # slow: before the write lock
            with write_transaction(get_db()):  # the new password and its effects, or nothing
                queries.save_password_hash(get_db(), g.clinician["id"], new_hash)
                end_all_sessions(get_db(), g.clinician["id"])  # a stolen session dies here
                start_session(get_db(), g.clinician)
                audit("change-password")
            flash(_("Your password has been changed."))
            return redirect(url_for(".list_patients"))
    status = 400 if request.method == "POST" else 200
    return render_template("clinician/password.html", form=form), status


@bp.get("/overview")
def show_overview():
    db = get_db()
    clinic_id = g.clinician["clinic_id"]
    audit("view-overview")
    return render_template(
        "clinician/overview.html",
        pathways=list(current_app.extensions["content"].pathways.values()),
        counts=overview.pathway_counts(db, clinic_id),
        rates=overview.response_rates(db, clinic_id, clinic_today().isoformat()),
        outcomes=overview.outcomes(db, clinic_id),
        global_effect=overview.global_effect(db, clinic_id))
