"""The patient's own progress page under /q/<token>/progress: their scores over time."""

from flask import Flask

from ..web.blueprints import patient_blueprint

bp = patient_blueprint("progress", __name__, url_prefix="/q/<token>/progress")

from . import views  # noqa: E402,F401  (registers the routes)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
