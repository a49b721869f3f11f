"""Patient pages under /q/<token>: welcome and consent, one screen per step, review, submit."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..audit import record
from ..courses import queries as courses
from ..db import get_db
from ..errors import too_many_requests
from ..events import timepoint_submitted
from ..notifications import alarms as alarm_notifications
from ..notifications import queries as notifications
from ..ratelimit import too_many
from . import bp, flow, forms
from . import queries as answers_db
from .visit import Visit, load_visit

STEP_TEMPLATE = "questionnaires/step.html"


# --- the token in every URL -----------------------------------------------------

@bp.url_value_preprocessor
def pull_token(endpoint, values):
    g.token = (values or {}).pop("token", None)


@bp.url_defaults
def add_token(endpoint, values):
    if "token" not in values and g.get("token"):
        values["token"] = g.token


@bp.before_request
def load_invitation():
    """Resolve the link; unknown, expired and revoked links get their own clear page.

    Every address gets a generous number of requests a minute, and only a few unknown
    links: more is someone guessing tokens.
    """
    wait = too_many("patient", "PATIENT_RATE_LIMIT") or \
        too_many("bad-link", "BAD_LINK_LIMIT", count=False)
    if wait:
        return too_many_requests(wait)
    invitation = courses.find_invitation(get_db(), g.token)
    if invitation is None:
        too_many("bad-link", "BAD_LINK_LIMIT")
        return render_template("questionnaires/link_unknown.html"), 404
    g.patient_locale = invitation["language"]
    g.clinic_name = invitation["clinic_name"]
    if not courses.invitation_is_usable(invitation):
        g.token = None  # no further links built from a dead token
        return render_template("questionnaires/link_expired.html", invitation=invitation), 410
    g.invitation = invitation
    return None


# --- pages ----------------------------------------------------------------------

@bp.get("/<token>")
def show_home():
    visit = load_visit()
    courses.touch_invitation(get_db(), visit.invitation["invitation_id"])
    if visit.consent == "unknown":
        return render_template("questionnaires/welcome.html", visit=visit,
                               form=forms.ConsentForm())
    timepoints = courses.list_timepoints(get_db(), visit.invitation["course_id"])
    # The advice stays on the home page for as long as the clinic has not dealt with it.
    level = _alarm_level(visit)
    if level and not answers_db.has_open_alarm(get_db(), visit.timepoint["id"]):
        level = None
    return render_template("questionnaires/home.html", visit=visit, timepoints=timepoints,
                           next_step=visit.first_unanswered(), level=level,
                           notice=_alarm_notice(visit) if level else None)


@bp.post("/<token>/consent")
def save_consent():
    visit = load_visit()
    form = forms.ConsentForm()
    if not form.validate():
        return render_template("questionnaires/welcome.html", visit=visit, form=form), 400
    courses.record_consent(get_db(), visit.invitation["course_id"], form.consent.data)
    record(get_db(), "patient", None, visit.invitation["clinic_id"], f"consent-{form.consent.data}",
           "course", visit.invitation["course_id"])
    if visit.submitted:
        return redirect(url_for(".show_home"))
    return redirect(url_for(".answer_step", step_id=visit.steps[0].id))


@bp.route("/<token>/step/<step_id>", methods=["GET", "POST"])
def answer_step(step_id: str):
    visit = load_visit()
    if (early := _not_open(visit)) is not None:
        return early
    index = flow.find_step(visit.steps, step_id)
    if index is None:
        abort(404)
    step = visit.steps[index]
    form = _build_form(visit, step)
    if request.method == "POST":
        action = request.form.get("action", "next")
        if form.validate():
            if not _save(visit, step, form):
                flash(_("Your answers have already been sent, so they can no longer be changed."))
                return redirect(url_for(".show_home"))
            return _after_save(visit, index, action)
        if action == "back":
            return _go(visit, index - 1)
        status = 400
    else:
        status = 200
    return render_template(STEP_TEMPLATE, visit=visit, step=step, form=form,
                           index=index, questionnaire=visit.questionnaire(step.instrument)), status


@bp.get("/<token>/advice")
def show_advice():
    visit = load_visit()
    return render_template("questionnaires/advice.html", visit=visit,
                           level=_alarm_level(visit), notice=_alarm_notice(visit))


@bp.get("/<token>/review")
def show_review():
    visit = load_visit()
    if (early := _not_open(visit)) is not None:
        return early
    return render_template("questionnaires/review.html", visit=visit,
                           rows=_review_rows(visit), missing=visit.first_unanswered())


@bp.post("/<token>/submit")
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
    if answers_db.submit(get_db(), visit.timepoint, sites, visit.safety_items()):
        record(get_db(), "patient", None, visit.invitation["clinic_id"], "submit", "timepoint",
               visit.timepoint["id"])
        timepoint_submitted.send(current_app._get_current_object(),
                                 timepoint_id=visit.timepoint["id"])
    return redirect(url_for(".show_done"))


@bp.get("/<token>/done")
def show_done():
    visit = load_visit()
    if not visit.submitted:
        return redirect(url_for(".show_home"))
    timepoints = courses.list_timepoints(get_db(), visit.invitation["course_id"])
    upcoming = [tp for tp in timepoints
                if tp["position"] > visit.timepoint["position"] and not tp["submitted_at"]]
    return render_template("questionnaires/done.html", visit=visit, level=_alarm_level(visit),
                           notice=_alarm_notice(visit),
                           next_timepoint=upcoming[0] if upcoming else None)


@bp.post("/<token>/language")
def change_language():
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        courses.set_patient_language(get_db(), g.invitation["patient_id"], language)
    target = request.form.get("next", "")
    if not target.startswith(f"/q/{g.token}") or "//" in target or "\\" in target:
        target = url_for(".show_home")
    return redirect(target)


# --- helpers --------------------------------------------------------------------

def _not_open(visit: Visit) -> Response | None:
    """Steps and review are open only after consent and before submission."""
    if visit.consent == "unknown":
        return redirect(url_for(".show_home"))
    if visit.submitted:
        flash(_("Your answers have already been sent. Thank you."))
        return redirect(url_for(".show_home"))
    return None


def _build_form(visit: Visit, step: flow.Step):
    saved = visit.answers_for(step)
    if step.kind == "section":
        cls, data = forms.section_form(visit.questionnaire(step.instrument), step), \
            {"answer": _as_text(saved.get(step.key))}
    elif step.kind == "nprs":
        cls, data = forms.nprs_form(visit.questionnaire("nprs"), step), \
            {"answer": _as_text(saved.get(step.key))}
    elif step.kind == "psfs-activities":
        cls, data = forms.PsfsActivitiesForm, {"activities": saved.get("activities") or []}
    elif step.kind == "psfs-rate":
        ratings = saved.get("ratings") or {}
        cls = forms.psfs_rate_form(visit.activities())
        data = {f"rating_{n}": _as_text(v) for n, v in ratings.items()}
    else:
        items = visit.safety_items()
        cls = forms.safety_form(items)
        data = {f"item_{i['id']}": saved.get(i["id"]) for i in items}
    return cls(data=data) if request.method == "GET" else cls()


def _as_text(value) -> str | None:
    return None if value is None else str(value)


def _values(visit: Visit, step: flow.Step, form) -> dict:
    """The form's answers in the shape stored in ``responses.answers``."""
    if step.kind in ("section", "nprs"):
        raw = form.answer.data
        return {step.key: raw if raw == flow.NOT_APPLICABLE else int(raw)}
    if step.kind == "psfs-activities":
        named = [entry.data for entry in form.activities.entries if entry.data]
        # Renaming activities resets their ratings, which belonged to the old names.
        return {"activities": named, "ratings": None}
    if step.kind == "psfs-rate":
        return {"ratings": {str(n): int(form[f"rating_{n}"].data)
                            for n in range(1, len(visit.activities()) + 1)}}
    return {item["id"]: form[f"item_{item['id']}"].data for item in visit.safety_items()}


def _save(visit: Visit, step: flow.Step, form) -> bool:
    values = _values(visit, step, form)
    if step.kind == "psfs-activities" and values["activities"] == visit.activities():
        values.pop("ratings")  # unchanged names keep their ratings
    questionnaire = visit.questionnaire(step.instrument)
    saved = answers_db.save_answers(get_db(), visit.timepoint, step.instrument, visit.locale,
                                    str(questionnaire.version), values)
    if saved:
        visit.answers.setdefault(step.instrument, {}).update(values)
    if saved and step.kind == "safety":
        alarms = [i for i in visit.safety_items() if values.get(i["id"]) == "yes"]
        if answers_db.save_alarm_alerts(get_db(), visit.timepoint, alarms) and \
                current_app.config["ALARM_SEND_ON_SAVE"]:
            alarm_notifications.start_sending(current_app._get_current_object(),
                                              visit.timepoint["id"])
    return saved


def _after_save(visit: Visit, index: int, action: str) -> Response:
    step = visit.steps[index]
    if step.kind == "safety" and _alarm_level(visit):
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


def _alarm_level(visit: Visit) -> str | None:
    """'emergency' or 'urgent' when any safety answer is yes, the more serious first."""
    answers = visit.answers.get("safety", {})
    levels = {item["level"] for item in visit.safety_items() if answers.get(item["id"]) == "yes"}
    return next((level for level in ("emergency", "urgent") if level in levels), None)


def _alarm_notice(visit: Visit) -> dict:
    """Whether the clinic has been sent word of the alarm: the page says only what is true."""
    return notifications.get_alarm_notice(get_db(), visit.timepoint["id"])


def _review_rows(visit: Visit) -> list[dict]:
    """Each step's question(s) and the answer given, as the review page lists them."""
    rows = []
    for step in visit.steps:
        for question, answer in _step_answers(visit, step):
            rows.append({"step": step, "question": question, "answer": answer,
                         "title": visit.questionnaire(step.instrument).short_title})
    return rows


def _step_answers(visit: Visit, step: flow.Step) -> list[tuple[str, str | None]]:
    saved = visit.answers_for(step)
    q = visit.questionnaire(step.instrument)
    if step.kind == "section":
        section = q.section(step.number)
        value = saved.get(step.key)
        text = section.get("not_applicable") if value == flow.NOT_APPLICABLE else (
            section["options"][value] if isinstance(value, int) else None)
        return [(section["title"], text)]
    if step.kind == "nprs":
        value = saved.get(step.key)
        return [(q.sites[step.key]["label"], None if value is None else str(value))]
    if step.kind == "psfs-activities":
        return [(q.activities_question, ", ".join(visit.activities()) or None)]
    if step.kind == "psfs-rate":
        ratings = saved.get("ratings") or {}
        return [(text, _as_text(ratings.get(str(n))))
                for n, text in enumerate(visit.activities(), start=1)]
    yes_no = {"yes": _("Yes"), "no": _("No")}
    return [(item["question"], yes_no.get(saved.get(item["id"]))) for item in visit.safety_items()]
