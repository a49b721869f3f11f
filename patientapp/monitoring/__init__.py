"""Monitoring: health, readiness and Prometheus metrics (README, "Monitoring")."""

from flask import Flask

from ..web.blueprints import public_blueprint

bp = public_blueprint("monitoring", __name__)

from . import metrics, views  # noqa: E402,F401  (registers the routes)


def init_app(app: Flask) -> None:
    metrics.init_app(app)
    app.register_blueprint(bp)
