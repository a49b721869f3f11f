"""Home exercise: plans on the patient's phone, the clinician's plan builder, adherence.

Three blueprints, one per kind of visitor: ``bp`` ("exercises"), the patient's pages under
/q/<token>/exercises (the link works as for the questionnaires); ``clinic_bp``
("exercise_plans"), the plan builder under /clinic/courses/<id>/plan; ``images_bp``
("exercise_images"), the drawings at /exercise-images/<name>, public.
"""

from flask import Flask

from ..courses import sections
from ..web.blueprints import clinic_blueprint, patient_blueprint, public_blueprint

bp = patient_blueprint("exercises", __name__, url_prefix="/q/<token>/exercises")
clinic_bp = clinic_blueprint("exercise_plans", __name__)
images_bp = public_blueprint("exercise_images", __name__)

from . import clinic, texts, views  # noqa: E402,F401  (registers the routes)
from .summary import course_exercise_summary, exercise_in  # noqa: E402

bp.add_app_template_global(texts.exercise_alert_text, "exercise_alert_text")
bp.add_app_template_global(exercise_in, "library_exercise")
bp.add_app_template_global(texts.language_name, "exercise_language")
bp.add_app_template_global({"categories": texts.CATEGORIES, "statuses": texts.STATUSES,
                            "pain": texts.PAIN}, "exercise_labels")
bp.add_app_template_filter(texts.dosage_text, "dosage_text")


def init_app(app: Flask) -> None:
    for blueprint in (bp, clinic_bp, images_bp):
        app.register_blueprint(blueprint)
    sections.register(app, "exercise", course_exercise_summary)
