"""Patient pages under /q/<token>/exercises: today's plan, one exercise, logging a session.

Logging works as a plain form post. static/js/exercise-log.js may send the same form
with fetch (asking for JSON) and, when the phone is offline, keep it and send it later
with a client_id, which makes a repeated send harmless.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from ..audit import record
from ..content.library import Exercise
from ..db import get_db, write_transaction
from . import adherence, bp, forms, images_bp, queries, sessions
from .summary import clinic_today, exercise_in

# --- the drawings ------------------------------------------------------------------

@images_bp.get("/exercise-images/<name>")
def show_illustration(name: str):
    """Only the names the library uses are served, so no other file can be reached."""
    path = current_app.extensions["content"].library.illustration_path(name)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/svg+xml", max_age=86400)


# --- the patient's plan ----------------------------------------------------------------

def _ended() -> bool:
    return g.invitation["course_status"] != "active"


def _rows(plan: dict | None, logs: list[dict]) -> list[dict]:
    """The plan's items with their exercise (in the patient's language) and today's log."""
    today, rows = clinic_today().isoformat(), []
    for item in plan["items"] if plan else []:
        own = [log for log in logs if log["exercise_id"] == item["exercise_id"]
               and log["logged_on"] == today]
        rows.append({"item": item, "exercise": exercise_in(item["exercise_id"]),
                     "today": own[-1] if own else None})
    return rows


@bp.get("")
def show_plan():
    course_id = g.invitation["course_id"]
    plan = queries.get_current_plan(get_db(), course_id)
    today = clinic_today()
    logs = queries.list_logs(get_db(), course_id, since=adherence.week_start(today))
    week = adherence.weekly(logs, [plan] if plan else [], today, weeks=1)[0]
    return render_template("exercises/plan.html", plan=plan, rows=_rows(plan, logs),
                           week=week, ended=_ended())


def _exercise_page(exercise_id: str, form: forms.LogForm | None = None, status: int = 200):
    exercise = exercise_in(exercise_id)
    if exercise is None:
        abort(404)
    plan = queries.get_current_plan(get_db(), g.invitation["course_id"])
    logs = queries.list_logs(get_db(), g.invitation["course_id"], since=clinic_today(),
                             exercise_id=exercise_id)
    item = next((i for i in plan["items"] if i["exercise_id"] == exercise_id), None) \
        if plan else None
    return render_template("exercises/exercise.html", exercise=exercise, item=item,
                           form=form or forms.LogForm(formdata=None), ended=_ended(),
                           today_log=logs[-1] if logs else None,
                           easier=_linked(exercise.easier), harder=_linked(exercise.harder)), \
        status


def _linked(exercise_id: str | None) -> Exercise | None:
    return exercise_in(exercise_id) if exercise_id else None


@bp.get("/<exercise_id>")
def show_exercise(exercise_id: str):
    return _exercise_page(exercise_id)


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == \
        "application/json"


@bp.post("/<exercise_id>/log")
def save_log(exercise_id: str):
    invitation = g.invitation
    plan = queries.get_current_plan(get_db(), invitation["course_id"])
    if plan is None or exercise_id not in {i["exercise_id"] for i in plan["items"]}:
        abort(404)
    if _ended():
        message = _("Your course has ended, so sessions are no longer recorded.")
        if _wants_json():
            return {"saved": False, "errors": {"status": [message]}}, 409
        flash(message, "error")
        return redirect(url_for(".show_plan"))
    form = forms.LogForm()
    if not form.validate():
        if _wants_json():
            return {"saved": False, "errors": {name: [str(m) for m in messages]
                                               for name, messages in form.errors.items()}}, 400
        return _exercise_page(exercise_id, form, 400)
    with write_transaction(get_db()):  # the session and its audit entry together
        if sessions.log_session(get_db(), invitation["course_id"], plan["id"],
                                form.entry(exercise_id)):
            record(get_db(), "patient", None, invitation["clinic_id"], "log-exercise",
                   "course", invitation["course_id"], exercise_id)
    if not request.form.get("queued"):
        flash(_("Saved. Well done!"))
    if _wants_json():
        return {"saved": True, "next": url_for(".show_plan")}
    return redirect(url_for(".show_plan"))
