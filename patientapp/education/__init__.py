"""Patient education: the pathway's reading list under the patient's link, opened week by week."""

from flask import Blueprint

bp = Blueprint("education", __name__, url_prefix="/q/<token>/read")

from . import views  # noqa: E402,F401  (registers the routes)
from .summary import course_reading_summary  # noqa: E402

bp.add_app_template_global(course_reading_summary, "course_reading_summary")
