"""Posting completed questionnaires to the clinic's system: signed FHIR webhooks via an outbox.

The admin page ``/clinic/admin/deliveries`` lists deliveries not yet done and retries them;
``flask deliver`` sends what is due. See the README, "Sending scores to the clinic's system".
"""

from flask import Flask

from ..events import course_ended, invitation_failed, timepoint_submitted, timepoint_submitting
from ..web.blueprints import clinic_blueprint

bp = clinic_blueprint("webhooks", __name__, url_prefix="/clinic/admin", admin=True)

from . import views  # noqa: E402,F401  (registers the routes)
from .hooks import (  # noqa: E402
    on_course_ended,
    on_invitation_failed,
    on_submitted,
    on_submitting,
)
from .sending import check_config  # noqa: E402


def init_app(app: Flask) -> None:
    check_config(app.config)
    # Module-level receivers, connected once however many apps are made (tests make many);
    # each looks at the configuration of the app it is called for.
    timepoint_submitting.connect(on_submitting)
    timepoint_submitted.connect(on_submitted)
    invitation_failed.connect(on_invitation_failed)
    course_ended.connect(on_course_ended)
    app.register_blueprint(bp)
