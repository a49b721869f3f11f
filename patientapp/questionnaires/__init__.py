"""The patient side: a link opens the questionnaires due at one timepoint."""

from ..web.blueprints import patient_blueprint

bp = patient_blueprint("questionnaires", __name__, url_prefix="/q/<token>")

from . import views  # noqa: E402,F401  (registers the routes)
