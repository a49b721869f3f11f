"""The patient's progress page: each score over time in plain words, a chart that needs no
JavaScript with the same numbers as a table, their own activities, and a careful word
when something got worse. Read-only, so it works on a course that has ended too.
"""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, url_for
from flask_babel import get_locale

from ..clinician import report, timeaxis
from ..courses import queries as courses
from ..db import get_db
from ..notifications import queries as notifications
from ..questionnaires import queries as answers_db
from ..web.labels import SITES
from . import bp, summary, wording
from . import queries as progress_db


@bp.get("")
def show_progress():
    invitation = g.invitation
    if invitation["consent"] == "unknown":  # nothing is shown before the patient decides
        return redirect(url_for("questionnaires.show_home"))
    db, course_id = get_db(), invitation["course_id"]
    course = courses.get_course(db, course_id)
    pathway = current_app.extensions["content"].pathway(course["pathway"])
    timepoints = courses.list_timepoints(db, course_id)
    series = report.build_series(
        summary.submitted_rows(answers_db.course_scores(db, course_id)),
        answers_db.psfs_baseline_means(db, course_id), course["pathway"])
    days = timeaxis.days_by_key(timepoints, course["first_visit"])
    names = {tp.key: tp.names[str(get_locale())]
             for tp in pathway.timepoints_for(course.get("entry_code"))}
    dates = {tp["key"]: tp["visit_date"] for tp in timepoints}
    blocks = [_block(instrument, movements, days)
              for instrument, movements in summary.by_instrument(series).items()]
    activities = _activities(db, course_id, series)
    moved = [m for block in blocks for m, _ in block["movements"]] + \
        [a["movement"] for a in activities if a["movement"]]
    alarm = progress_db.get_open_alarm(db, course_id)
    return render_template(
        "progress/show.html", blocks=blocks, activities=activities, names=names,
        dates=dates, worse=summary.got_worse(moved), alarm=alarm,
        notice=notifications.get_alarm_notice(db, alarm["timepoint_id"]) if alarm else None,
        visit={"invitation": invitation}, ended=invitation["course_status"] != "active",
        same_timepoint=bool(alarm) and alarm["timepoint_id"] == invitation["timepoint_id"])


def _title(instrument: str) -> str:
    return current_app.extensions["content"].questionnaire(instrument,
                                                           str(get_locale())).short_title


def _block(instrument: str, movements: list[summary.Movement], days: dict[str, int]) -> dict:
    """One instrument: its words, a sentence per line, a chart and the rows of its table."""
    title = _title(instrument)
    series = [m.series for m in movements]
    heading = wording.heading(instrument, title)
    return {
        "instrument": instrument, "heading": heading, "meaning": wording.meaning(instrument),
        "lower_is_better": summary.lower_is_better(instrument),
        "movements": [(m, wording.sentence(m, title)) for m in movements],
        "chart": timeaxis.score_chart(series, days, heading, _line_name),
        "columns": [_line_name(s) for s in series],
        "rows": _rows(series),
    }


def _line_name(series: report.Series) -> str:
    return str(SITES.get(series.item, series.item)) if series.item else ""


def _rows(series: list[report.Series]) -> list[dict]:
    """A row per consultation with any valid score: its values, one per line."""
    keys = list(dict.fromkeys(p.timepoint for s in series for p in s.valid_points))
    values = [{p.timepoint: p.value for p in s.valid_points} for s in series]
    return [{"key": key, "values": [v.get(key) for v in values]} for key in keys]


def _activities(db, course_id: int, series: list[report.Series]) -> list[dict]:
    """The patient's own PSFS activities with their ratings, in the order they named them."""
    moved = summary.activities(series)
    by_item = {s.item: s for s in series if s.single_activity}
    found = []
    for activity in answers_db.list_fixed_activities(db, course_id):
        key = str(activity["position"])
        if key not in by_item or key not in moved:
            continue
        movement = moved[key]
        found.append({"text": activity["text"], "movement": movement,
                      "sentence": wording.activity_sentence(movement),
                      "rows": _rows([by_item[key]])})
    return found
