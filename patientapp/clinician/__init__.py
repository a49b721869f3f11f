"""The clinic side: sign-in, patient list, patient pages, GP summary, overview and audit."""

from ..web.blueprints import clinic_blueprint

bp = clinic_blueprint("clinician", __name__)

from . import manage, views  # noqa: E402,F401  (register the routes)
from .details import alert_text, schedule_warning  # noqa: E402

bp.add_app_template_global(alert_text, "alert_text")
bp.add_app_template_global(schedule_warning, "schedule_warning")
