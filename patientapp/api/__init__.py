"""The read API for clinic systems under /api/v1, and its admin pages under /clinic/admin.

``bp`` ("api") serves JSON and FHIR to holders of an API key; ``admin_bp`` ("api_admin")
lets a clinic admin create and revoke keys and download the scores as CSV. See
``openapi.py`` for the API's description and the README for how clinics use it.
"""

from flask import Flask

from ..extensions import csrf
from ..web.blueprints import api_blueprint, clinic_blueprint
from .auth import require_api_key

bp = api_blueprint("api", __name__, check=require_api_key, url_prefix="/api/v1")
admin_bp = clinic_blueprint("api_admin", __name__, url_prefix="/clinic/admin", admin=True)

# noqa: E402,F401 below: importing them registers the routes.
from . import admin, appointment_views, fhir_views, views, write_views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    # Keys travel in a header, never in a cookie, so there is no CSRF to guard against.
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
