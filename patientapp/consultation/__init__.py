"""What the physiotherapist records in the consultation, under /clinic/courses/<id>/…

- filling in a questionnaire with the patient who did not answer at home (the patient's
  own screens, forms and question kinds: ``questionnaires/entry.py``), recorded as
  completed in the consultation by the clinician;
- the PSFS activities set together at the baseline consultation, and one added later;
- the neurological status of the nerve-root courses, functional tests, painkillers and
  attendance (``records.py`` holds the rules).

The course page shows them through a section (``courses/sections.py``).
"""

from flask import Flask

from ..courses import sections
from ..web.blueprints import clinic_blueprint

bp = clinic_blueprint("consultation", __name__, url_prefix="/clinic/courses/<int:course_id>")

from . import views  # noqa: E402,F401  (registers the routes)
from .summary import course_records  # noqa: E402
from .texts import GLOBALS  # noqa: E402

for _name, _function in GLOBALS.items():
    bp.add_app_template_global(_function, _name)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    sections.register(app, "consultation", course_records)
