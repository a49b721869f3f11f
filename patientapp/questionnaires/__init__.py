"""The patient side: a link opens the questionnaires due at one timepoint."""

from flask import Blueprint

bp = Blueprint("questionnaires", __name__, url_prefix="/q")

from . import views  # noqa: E402,F401  (registers the routes)
