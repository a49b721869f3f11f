"""What the patient page and the GP summary show: series, changes, activities, answers."""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlite_utils import Database

from ..courses import queries as courses
from ..exercises.texts import exercise_alert_text
from ..questionnaires import kinds
from ..questionnaires import queries as answers_db
from ..web.labels import ALERT_KINDS, SITES
from ..web.templating import local_date, score_text
from . import queries as clinic_db
from . import report, timeaxis


def _content():
    return current_app.extensions["content"]


def _locale() -> str:
    return str(get_locale())


def course_context(db: Database, course: dict) -> dict:
    """Everything the patient page needs, computed once per request (no query per row)."""
    pathway = _content().pathway(course["pathway"])
    timepoints = courses.list_timepoints(db, course["id"])
    rows = answers_db.course_scores(db, course["id"])
    series = report.build_series(rows,
                                 answers_db.psfs_baseline_means(db, course["id"]),
                                 course["pathway"])
    # The baseline is named after the service code the course started with (0262, 0242…).
    specs = pathway.timepoints_for(course.get("entry_code"))
    labels = {tp.key: tp.names[_locale()] for tp in specs}
    by_instrument: dict[str, list[report.Series]] = {}
    for s in series:
        if not s.single_activity:
            by_instrument.setdefault(s.instrument, []).append(s)
    return {
        "pathway": pathway, "timepoints": timepoints, "series": series, "baseline": specs[0],
        "by_instrument": by_instrument, "long_labels": labels,
        "days": timeaxis.days_by_key(timepoints, course["first_visit"]),
        "columns": [tp["key"] for tp in timepoints if tp["submitted_at"]],
        "titles": {i: _content().questionnaire(i, _locale()).short_title for i in by_instrument},
        "activities": answers_db.list_fixed_activities(db, course["id"]),
        "activity_series": {s.item: s for s in series if s.single_activity},
        "alerts": clinic_db.list_alerts(db, course["id"]),
        "overall": report.worst_change(series),
        "global_effect": report.global_effect(rows),
    }


def score_charts(context: dict) -> dict:
    """An SVG chart per instrument, time axis from the first visit, a legend per NPRS site."""
    return {instrument: timeaxis.score_chart(series, context["days"],
                                             context["titles"][instrument], _line_name)
            for instrument, series in context["by_instrument"].items()}


def _line_name(series: report.Series) -> str:
    return str(SITES.get(series.item, series.item)) if series.item else ""


def answer_rows(db: Database, course: dict, responses: list[dict]) -> list[dict]:
    """Submitted answers, item by item, in the clinician's language."""
    groups = []
    pathway = _content().pathway(course["pathway"])
    for response in responses:
        q = _content().questionnaire(response["instrument"], _locale())
        groups.append({"timepoint": response["timepoint"], "title": q.title,
                       "submitted_at": response["submitted_at"],
                       "rows": kinds.answer_rows(q, response["answers"], pathway)})
    return groups


def alert_text(alert: dict) -> str:
    """One plain sentence describing an alert, in the clinician's language."""
    detail = alert["detail"]
    if alert["kind"] == "alarm":
        safety = _content().questionnaire("safety", _locale())
        item = next((i for i in safety.items if i["id"] == detail.get("item")), None)
        return _("The patient answered yes: %(question)s",
                 question=item["question"] if item else detail.get("item", ""))
    if alert["kind"] == "worse":
        instrument = detail.get("instrument", "")
        title = _content().questionnaire(instrument, _locale()).short_title
        what = f"{title} {SITES.get(detail.get('item'), '')}".strip()
        since = _("since baseline") if detail.get("compared") == "baseline" \
            else _("since the previous questionnaire")
        return _("%(what)s went from %(before)s to %(after)s %(since)s.", what=what,
                 before=score_text(instrument, detail.get("from")),
                 after=score_text(instrument, detail.get("to")), since=since)
    if alert["kind"] == "exercise":
        return exercise_alert_text(detail)
    if alert["kind"] == "delivery" and detail.get("kind") == "alarm":
        return _("The alarm notification to the clinic could not be delivered. Check the "
                 "addresses for alarm notifications under Clinic settings, and look at this "
                 "patient's alarm alert.")
    return detail.get("message") or ALERT_KINDS.get(alert["kind"], alert["kind"])


def schedule_warning(warning: dict) -> str:
    """The 12-month rule, explained."""
    if warning.get("code") == "moved-to-limit":
        return _("Moved from %(planned)s to %(limit)s to stay within 12 months of the referral.",
                 planned=local_date(warning["planned"], "medium"),
                 limit=local_date(warning["limit"], "medium"))
    return _("Falls after the 12-month limit (%(limit)s) from the referral: agree a date with "
             "the patient.", limit=local_date(warning.get("limit"), "medium"))
