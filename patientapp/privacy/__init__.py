"""Privacy (GDPR): a patient's access to their data, erasure, and retention.

``patient_bp`` ("privacy") serves the patient's own data behind their link;
``admin_bp`` ("privacy_admin") lets a clinic admin download or erase a patient.
"""

from flask import Flask

from ..web.blueprints import clinic_blueprint, patient_blueprint

patient_bp = patient_blueprint("privacy", __name__, url_prefix="/q/<token>")
admin_bp = clinic_blueprint("privacy_admin", __name__, url_prefix="/clinic", admin=True)

from . import views  # noqa: E402,F401  (registers the routes)


def init_app(app: Flask) -> None:
    app.register_blueprint(patient_bp)
    app.register_blueprint(admin_bp)
