"""Patient education: the pathway's reading list under the patient's link, opened week by week."""

from flask import Flask

from ..courses import sections
from ..web.blueprints import patient_blueprint

bp = patient_blueprint("education", __name__, url_prefix="/q/<token>/read")

from . import views  # noqa: E402,F401  (registers the routes)
from .summary import course_reading_summary  # noqa: E402


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    sections.register(app, "reading", course_reading_summary)
