"""Patient pages under /q/<token>: welcome and consent, one screen per step, review, submit."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..audit import record
from ..courses import queries as courses
from ..db import get_db, write_transaction
from ..events import timepoint_submitted
from ..notifications import queries as notifications
from ..web.redirects import local_path_or
from . import bp, entry, flow, forms
from . import queries as answers_db
from .visit import Visit, load_visit

STEP_TEMPLATE = "questionnaires/step.html"


# --- pages ----------------------------------------------------------------------

@bp.get("")
def show_home():
    visit = load_visit()
    courses.touch_invitation(get_db(), visit.invitation["invitation_id"])
    if visit.consent == "unknown":
        return render_template("questionnaires/welcome.html", visit=visit,
                               form=forms.ConsentForm())
    timepoints = courses.list_timepoints(get_db(), visit.invitation["course_id"])
    # The advice stays on the home page for as long as the clinic has not dealt with it.
    level = entry.alarm_level(visit)
    if level and not answers_db.has_open_alarm(get_db(), visit.timepoint["id"]):
        level = None
    return render_template("questionnaires/home.html", visit=visit, timepoints=timepoints,
                           next_step=visit.first_unanswered(), level=level,
                           notice=_alarm_notice(visit) if level else None)


@bp.post("/consent")
def save_consent():
    visit = load_visit()
    form = forms.ConsentForm()
    if not form.validate():
        return render_template("questionnaires/welcome.html", visit=visit, form=form), 400
    with write_transaction(get_db()):
        courses.record_consent(get_db(), visit.invitation["course_id"], form.consent.data)
        record(get_db(), "patient", None, visit.invitation["clinic_id"],
               f"consent-{form.consent.data}", "course", visit.invitation["course_id"])
    if visit.submitted:
        return redirect(url_for(".show_home"))
    return redirect(url_for(".answer_step", step_id=visit.steps[0].id))


@bp.route("/consent/withdraw", methods=["GET", "POST"])
def withdraw_consent():
    """Withdrawing asks first, and says what happens to the answers; 'Yes' records it."""
    visit = load_visit()
    if visit.consent != "given":
        return redirect(url_for(".show_home"))
    if request.method == "GET":
        return render_template("questionnaires/withdraw.html", visit=visit)
    with write_transaction(get_db()):
        courses.record_consent(get_db(), visit.invitation["course_id"], "withdrawn")
        record(get_db(), "patient", None, visit.invitation["clinic_id"], "consent-withdrawn",
               "course", visit.invitation["course_id"])
    flash(_("Your consent is withdrawn. You can still answer the questions for your next "
            "consultation."))
    return redirect(url_for(".show_home"))


@bp.route("/step/<step_id>", methods=["GET", "POST"])
def answer_step(step_id: str):
    visit = load_visit()
    if (early := _not_open(visit)) is not None:
        return early
    index = flow.find_step(visit.steps, step_id)
    if index is None:
        abort(404)
    step = visit.steps[index]
    form = entry.build_form(visit, step)
    if request.method == "POST":
        action = request.form.get("action", "next")
        if form.validate():
            if not entry.save_step(visit, step, form):
                flash(_("Your answers have already been sent, so they can no longer be changed."))
                return redirect(url_for(".show_home"))
            return _after_save(visit, index, action)
        if action == "back":
            return _go(visit, index - 1)
        status = 400
    else:
        status = 200
    return render_template(STEP_TEMPLATE, visit=visit, step=step, kind=visit.kind(step),
                           form=form, index=index, fragment=entry.fragment_key(visit, step, form),
                           questionnaire=visit.questionnaire(step.instrument)), status


@bp.get("/advice")
def show_advice():
    visit = load_visit()
    return render_template("questionnaires/advice.html", visit=visit,
                           level=entry.alarm_level(visit), notice=_alarm_notice(visit))


@bp.get("/review")
def show_review():
    visit = load_visit()
    if (early := _not_open(visit)) is not None:
        return early
    return render_template("questionnaires/review.html", visit=visit,
                           rows=entry.review_rows(visit), missing=visit.first_unanswered())


@bp.post("/submit")
def submit():
    visit = load_visit()
    if visit.submitted:
        return redirect(url_for(".show_done"))
    if visit.consent == "unknown":
        return redirect(url_for(".show_home"))
    missing = visit.first_unanswered()
    if missing is not None:
        flash(_("Please answer this question before you send your answers."), "error")
        return redirect(url_for(".answer_step", step_id=missing.id))
    sites = list(visit.pathway.nprs_sites)
    with write_transaction(get_db()):
        submitted = answers_db.submit(get_db(), visit.timepoint, sites, visit.safety_items())
        if submitted:
            record(get_db(), "patient", None, visit.invitation["clinic_id"], "submit",
                   "timepoint", visit.timepoint["id"])
    if submitted:
        timepoint_submitted.send(current_app._get_current_object(),
                                 timepoint_id=visit.timepoint["id"])
    return redirect(url_for(".show_done"))


@bp.get("/done")
def show_done():
    visit = load_visit()
    if not visit.submitted:
        return redirect(url_for(".show_home"))
    timepoints = courses.list_timepoints(get_db(), visit.invitation["course_id"])
    upcoming = [tp for tp in timepoints
                if tp["position"] > visit.timepoint["position"] and not tp["submitted_at"]]
    return render_template("questionnaires/done.html", visit=visit, level=entry.alarm_level(visit),
                           notice=_alarm_notice(visit),
                           next_timepoint=upcoming[0] if upcoming else None)


@bp.post("/language")
def change_language():
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        courses.set_patient_language(get_db(), g.invitation["patient_id"], language)
    return redirect(local_path_or(request.form.get("next"), url_for(".show_home"),
                                  prefix=f"/q/{g.token}"))


# --- helpers --------------------------------------------------------------------

def _not_open(visit: Visit) -> Response | None:
    """Steps and review are open only after consent and before submission."""
    if visit.consent == "unknown":
        return redirect(url_for(".show_home"))
    if visit.submitted:
        flash(_("Your answers have already been sent. Thank you."))
        return redirect(url_for(".show_home"))
    return None


def _after_save(visit: Visit, index: int, action: str) -> Response:
    step = visit.steps[index]
    if visit.kind(step).raises_alarms and entry.alarm_level(visit):
        return redirect(url_for(".show_advice"))
    if action == "back":
        return _go(visit, index - 1)
    if request.args.get("return") == "review":
        return redirect(url_for(".show_review"))
    return _go(visit, index + 1)


def _go(visit: Visit, index: int) -> Response:
    if index < 0:
        return redirect(url_for(".show_home"))
    if index >= len(visit.steps):
        return redirect(url_for(".show_review"))
    return redirect(url_for(".answer_step", step_id=visit.steps[index].id))


def _alarm_notice(visit: Visit) -> dict:
    """Whether the clinic has been sent word of the alarm: the page says only what is true."""
    return notifications.get_alarm_notice(get_db(), visit.timepoint["id"])
