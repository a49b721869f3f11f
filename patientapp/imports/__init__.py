"""Bulk import for admins: a booking system's CSV export enrols and updates courses.

Upload, preview (every row new / update / unchanged / error, nothing written), confirm.
See the README, "Importing from the booking system".
"""

from flask import Flask, current_app, request

from ..web.blueprints import clinic_blueprint

bp = clinic_blueprint("imports", __name__, url_prefix="/clinic/admin/import", admin=True)

from . import views  # noqa: E402,F401  (registers the routes)

UPLOAD_OVERHEAD = 64 * 1024  # the form's other fields and the multipart framing


def _allow_upload() -> None:
    """The upload's own size limit; every other request keeps MAX_CONTENT_LENGTH. Runs
    before every other hook, since CSRF protection reads the body."""
    if request.endpoint == "imports.upload_file":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + UPLOAD_OVERHEAD


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, _allow_upload)
