"""Monitoring: health, readiness and Prometheus metrics (README, "Monitoring")."""

from flask import Blueprint, Flask

bp = Blueprint("monitoring", __name__)

from . import metrics, views  # noqa: E402,F401  (registers the routes)


def init_app(app: Flask) -> None:
    metrics.init_app(app)
    app.register_blueprint(bp)
