"""Clinic pages for the consultation: fill in with the patient, PSFS goals, neurological
status, functional tests, painkillers and attendance. Thin: forms, queries, redirect."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..courses import queries as courses
from ..db import get_db, write_transaction
from ..events import timepoint_submitted
from ..questionnaires import entry, flow
from ..questionnaires import queries as answers_db
from ..questionnaires.visit import Visit, build_visit
from ..web.clinic import audit, clinic_course
from . import bp, forms, records, summary
from . import queries as records_db

FILL_STEP = "consultation/fill_step.html"


def _timepoint(course: dict, timepoint_id: int) -> dict:
    timepoint = courses.get_timepoint(get_db(), timepoint_id)
    if timepoint is None or timepoint["course_id"] != course["id"]:
        audit("denied-timepoint", "timepoint", timepoint_id)
        abort(404)
    return timepoint


def _course_page(course_id: int, anchor: str = "consultation") -> Response:
    return redirect(url_for("clinician.show_course", course_id=course_id) + f"#{anchor}")


# --- filling in a questionnaire with the patient ---------------------------------------

def _fill_visit(course: dict, timepoint_id: int) -> Visit | Response:
    """The timepoint as the patient would see it (their language); a page back to the
    course when it cannot be filled in now."""
    timepoint = _timepoint(course, timepoint_id)
    if timepoint["submitted_at"]:
        flash(_("These questionnaires have already been answered."), "error")
        return _course_page(course["id"], "timepoints-title")
    if not summary.fillable(course, timepoint, courses.list_timepoints(get_db(), course["id"])):
        flash(_("These questionnaires cannot be filled in now: the patient's consent must be "
                "recorded, and the consultation must be due and not cancelled."), "error")
        return _course_page(course["id"], "timepoints-title")
    return build_visit({**course, "course_id": course["id"]}, timepoint,
                       content_locale=course["language"])


@bp.route("/consultations/<int:timepoint_id>/fill/<step_id>", methods=["GET", "POST"])
def fill_step(course_id: int, timepoint_id: int, step_id: str):
    course = clinic_course(course_id)
    visit = _fill_visit(course, timepoint_id)
    if not isinstance(visit, Visit):
        return visit
    index = flow.find_step(visit.steps, step_id)
    if index is None:  # a screen this timepoint does not have: start from its overview
        return redirect(url_for(".review_fill", course_id=course_id, timepoint_id=timepoint_id))
    step = visit.steps[index]
    form = entry.build_form(visit, step)
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "next")
        if form.validate():
            with write_transaction(get_db()):
                saved = entry.save_step(visit, step, form)
                if saved:
                    audit("fill-in-step", "timepoint", timepoint_id, step.instrument)
            if not saved:
                flash(_("These questionnaires have already been answered."), "error")
                return _course_page(course_id, "timepoints-title")
            return _go(visit, course_id, index + (-1 if action == "back" else 1))
        if action == "back":
            return _go(visit, course_id, index - 1)
        status = 400
    else:
        audit("view-fill-in", "timepoint", timepoint_id, step.instrument)
    return render_template(FILL_STEP, course=course, visit=visit, step=step,
                           kind=visit.kind(step), form=form, index=index,
                           level=entry.alarm_level(visit),
                           questionnaire=visit.questionnaire(step.instrument)), status


def _go(visit: Visit, course_id: int, index: int) -> Response:
    if index < 0:
        return _course_page(course_id, "timepoints-title")
    tp = visit.timepoint["id"]
    if index >= len(visit.steps):
        return redirect(url_for(".review_fill", course_id=course_id, timepoint_id=tp))
    return redirect(url_for(".fill_step", course_id=course_id, timepoint_id=tp,
                            step_id=visit.steps[index].id))


@bp.get("/consultations/<int:timepoint_id>/fill")
def review_fill(course_id: int, timepoint_id: int):
    """The start and the end of filling in: every answer so far, each linked to its screen."""
    course = clinic_course(course_id)
    visit = _fill_visit(course, timepoint_id)
    if not isinstance(visit, Visit):
        return visit
    audit("view-fill-in", "timepoint", timepoint_id)
    return render_template("consultation/fill_review.html", course=course, visit=visit,
                           rows=entry.review_rows(visit), missing=visit.first_unanswered(),
                           level=entry.alarm_level(visit))


@bp.post("/consultations/<int:timepoint_id>/fill")
def submit_fill(course_id: int, timepoint_id: int):
    course = clinic_course(course_id)
    visit = _fill_visit(course, timepoint_id)
    if not isinstance(visit, Visit):
        return visit
    missing = visit.first_unanswered()
    if missing is not None:
        flash(_("Answer this question before you save the questionnaires."), "error")
        return redirect(url_for(".fill_step", course_id=course_id, timepoint_id=timepoint_id,
                                step_id=missing.id))
    with write_transaction(get_db()):
        submitted = answers_db.submit(get_db(), visit.timepoint, list(visit.pathway.nprs_sites),
                                      visit.safety_items(), completed_by=g.clinician["id"])
        if submitted:
            if not course["clinician_id"]:  # the treating physiotherapist, if none yet
                records_db.set_treating_clinician(get_db(), course_id, g.clinician["id"])
            audit("submit-in-consultation", "timepoint", timepoint_id)
    if submitted:
        timepoint_submitted.send(current_app._get_current_object(), timepoint_id=timepoint_id)
        flash(_("The questionnaires have been saved as completed in the consultation."))
    return _course_page(course_id, "timepoints-title")


# --- PSFS activities set with the patient -------------------------------------------------

@bp.route("/psfs", methods=["GET", "POST"])
def edit_psfs(course_id: int):
    course = clinic_course(course_id)
    db = get_db()
    state = summary.course_records(course)
    activities = answers_db.list_fixed_activities(db, course_id)
    goals, later = forms.PsfsGoalsForm(prefix="goals"), forms.LaterActivityForm(prefix="later")
    status = 200
    action = request.form.get("action", "")
    if request.method == "POST" and action.startswith("up-") and state["psfs_editable"]:
        goals.move_up(int(action.removeprefix("up-")) if action[3:].isdigit() else 0)
    elif request.method == "POST" and action == "save" and state["psfs_editable"]:
        if goals.validate():
            with write_transaction(db):
                records_db.replace_baseline_activities(db, course_id, goals.texts(),
                                                       g.clinician["id"])
                audit("set-psfs-activities", "course", course_id,
                      f"count={len(goals.texts())}")
            flash(_("The PSFS activities have been saved. The patient rates them at the "
                    "baseline questionnaire."))
            return _course_page(course_id, "psfs-title")
        status = 400
    elif request.method == "POST" and action == "add" and state["psfs_can_add"]:
        if later.validate():
            with write_transaction(db):
                position = records_db.add_later_activity(db, course_id, later.activity.data,
                                                         g.clinician["id"])
                audit("add-psfs-activity", "course", course_id, f"position={position}")
            flash(_("The activity has been added. It is rated from the next questionnaire on "
                    "and kept apart from the change since baseline."))
            return _course_page(course_id, "psfs-title")
        status = 400
    elif request.method == "POST":
        status = 400
        flash(_("The PSFS activities cannot be changed now."), "error")
    else:
        texts = [a["text"] for a in activities] or _draft_activities(course_id)
        goals.activities.process(None, texts + [""] * (flow.PSFS_MAX_ACTIVITIES - len(texts)))
        goals.fewer.data = 0 < len(texts) < flow.PSFS_EXPECTED_ACTIVITIES
        audit("view-psfs-activities", "course", course_id)
    return render_template("consultation/psfs.html", course=course, goals=goals, later=later,
                           activities=activities, state=state), status


def _draft_activities(course_id: int) -> list[str]:
    """What the patient has named so far in the baseline's draft: the starting point when
    the activities are set together."""
    baseline = next((tp for tp in courses.list_timepoints(get_db(), course_id)
                     if tp["key"] == records.BASELINE), None)
    if baseline is None:
        return []
    draft = answers_db.load_answers(get_db(), baseline["id"]).get("psfs", {})
    return list(draft.get("activities") or [])[:flow.PSFS_MAX_ACTIVITIES]


# --- neurological status ---------------------------------------------------------------------

@bp.route("/consultations/<int:timepoint_id>/neuro", methods=["GET", "POST"])
def edit_neuro(course_id: int, timepoint_id: int):
    course = clinic_course(course_id)
    timepoint = _timepoint(course, timepoint_id)
    if not records.asks_neuro(course["pathway"], timepoint):
        flash(_("The neurological status is recorded at the status consultations of the "
                "nerve-root courses."), "error")
        return _course_page(course_id)
    db = get_db()
    form = forms.neuro_form(course["pathway"])()
    if form.validate_on_submit():
        findings = forms.neuro_findings(form, course["pathway"])
        with write_transaction(db):
            records_db.save_neuro_findings(db, timepoint, findings, g.clinician["id"])
            audit("record-neuro-status", "timepoint", timepoint_id, f"levels={len(findings)}")
        worse = records.strength_worse([{"modality": m, "finding": f}
                                        for (m, _side, _root), f in findings.items()])
        flash(_("The neurological status has been saved."))
        if worse:
            flash(_("Strength is worse than last time: consider referring the patient back to "
                    "the GP or to hospital, and tell the GP."), "error")
        return _course_page(course_id)
    if request.method == "GET":
        for finding in records_db.list_neuro_findings(db, course_id):
            if finding["timepoint_id"] == timepoint_id:
                name = records.field_name(finding["modality"], finding["side"], finding["root"])
                form[name].data = finding["finding"]
        audit("view-neuro-status", "timepoint", timepoint_id)
    return render_template("consultation/neuro.html", course=course, timepoint=timepoint,
                           form=form, roots=records.roots_of(course["pathway"]),
                           modalities=records.MODALITIES, sides=records.SIDES,
                           field_name=records.field_name), 400 if form.errors else 200


# --- functional tests --------------------------------------------------------------------------

@bp.route("/consultations/<int:timepoint_id>/tests", methods=["GET", "POST"])
def edit_tests(course_id: int, timepoint_id: int):
    course = clinic_course(course_id)
    timepoint = _timepoint(course, timepoint_id)
    if not records.asks_tests(timepoint):
        flash(_("Functional tests are recorded at the first and the final consultation."),
              "error")
        return _course_page(course_id)
    db = get_db()
    form = forms.FunctionalTestsForm()
    if form.validate_on_submit():
        with write_transaction(db):
            records_db.save_functional_tests(db, timepoint, form.tests(), g.clinician["id"])
            audit("record-functional-tests", "timepoint", timepoint_id,
                  f"tests={len(form.tests())}")
        flash(_("The functional tests have been saved."))
        return _course_page(course_id)
    if request.method == "GET":
        form.fill([t for t in records_db.list_functional_tests(db, course_id)
                   if t["timepoint_id"] == timepoint_id])
        audit("view-functional-tests", "timepoint", timepoint_id)
    return render_template("consultation/tests.html", course=course, timepoint=timepoint,
                           form=form), 400 if form.errors else 200


# --- painkillers and attendance -----------------------------------------------------------------

@bp.route("/record", methods=["GET", "POST"])
def edit_record(course_id: int):
    course = clinic_course(course_id)
    db = get_db()
    form = forms.CourseRecordForm()
    if form.validate_on_submit():
        with write_transaction(db):
            records_db.save_course_record(db, course_id, form.values(), g.clinician["id"])
            if not course["clinician_id"]:
                records_db.set_treating_clinician(db, course_id, g.clinician["id"])
            audit("record-attendance", "course", course_id)
        flash(_("Painkillers and attendance have been saved."))
        return _course_page(course_id)
    if request.method == "GET":
        stored = records_db.get_course_record(db, course_id) or {}
        form.painkillers.data = stored.get("painkillers", "")
        form.painkillers_note.data = stored.get("painkillers_note", "")
        for name in ("attended", "missed"):
            form[name].data = "" if stored.get(name) is None else str(stored[name])
        audit("view-attendance", "course", course_id)
    return render_template("consultation/record.html", course=course, form=form), \
        400 if form.errors else 200
