"""The clinician's plan builder at /clinic/courses/<id>/plan: adherence, the plan, history.

Every save is a new version; the page shows the current one, the history, and how the
patient has been doing. Scoped to the clinician's clinic and audited like the patient page.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..content.library import CATEGORIES, Exercise
from ..courses import sections
from ..db import get_db, write_transaction
from ..web.clinic import audit, clinic_course
from . import clinic_bp, forms, queries


def _shown(exercises: list[Exercise], pathway: str, show_all: bool,
           chosen: list[str]) -> list[tuple[str, list[Exercise]]]:
    """(category, exercises) to list: the pathway's, plus any already chosen, or all."""
    visible = [e for e in exercises if show_all or pathway in e.pathways or e.id in chosen]
    return [(category, [e for e in visible if e.category == category])
            for category in CATEGORIES if any(e.category == category for e in visible)]


@clinic_bp.route("/courses/<int:course_id>/plan", methods=["GET", "POST"])
def edit_plan(course_id: int):
    course = clinic_course(course_id)
    db = get_db()
    exercises = current_app.extensions["content"].library.exercises_for(None, str(get_locale()))
    built = sections.build(course)
    summary, reading = built["exercise"], built.get("reading")
    form_class = forms.plan_form(exercises)
    form = form_class() if request.method == "POST" else \
        form_class(data=forms.plan_form_data(exercises, summary["plan"]))
    if request.method == "POST" and form.validate():
        with write_transaction(db):  # the new version and its audit entry together
            version = queries.save_plan(db, course_id, g.clinician["id"], form.chosen_items(),
                                        int(form.days_per_week.data), form.note.data or "")
            audit("save-exercise-plan", "course", course_id, f"version {version}")
        flash(_("Version %(version)d of the plan has been saved. The patient sees it now.",
                version=version))
        return redirect(url_for(".edit_plan", course_id=course_id))
    audit("view-exercise-plan", "course", course_id)
    show_all = request.args.get("all") == "1"
    groups = _shown(exercises, course["pathway"], show_all, form.exercises.data or [])
    return render_template("exercises/edit_plan.html", course=course, form=form, groups=groups,
                           show_all=show_all, summary=summary, reading=reading), \
        400 if form.errors else 200
