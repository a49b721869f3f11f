"""Home exercise: plans on the patient's phone, the clinician's plan builder, adherence.

One blueprint holds both sides: patient pages under /q/<token>/exercises (the link works
as for the questionnaires), the plan builder under /clinic/courses/<id>/plan, and the
exercise drawings at /exercise-images/<name>.
"""

from flask import Blueprint

bp = Blueprint("exercises", __name__)

from . import clinic, texts, views  # noqa: E402,F401  (registers the routes)
from .summary import course_exercise_summary, exercise_in  # noqa: E402

bp.add_app_template_global(course_exercise_summary, "course_exercise_summary")
bp.add_app_template_global(texts.exercise_alert_text, "exercise_alert_text")
bp.add_app_template_global(exercise_in, "library_exercise")
bp.add_app_template_global(texts.language_name, "exercise_language")
bp.add_app_template_global({"categories": texts.CATEGORIES, "statuses": texts.STATUSES,
                            "pain": texts.PAIN}, "exercise_labels")
bp.add_app_template_filter(texts.dosage_text, "dosage_text")
