"""The clinic side: sign-in (two-factor too), patients, GP summary, overview and audit."""

from ..web.blueprints import clinic_blueprint

bp = clinic_blueprint("clinician", __name__)

from ..web.clinic import must_set_up_two_factor  # noqa: E402
from . import manage, two_factor_views, views  # noqa: E402,F401  (register the routes)
from .details import alert_text, schedule_warning  # noqa: E402

bp.add_app_template_global(alert_text, "alert_text")
bp.add_app_template_global(schedule_warning, "schedule_warning")
bp.add_app_template_global(must_set_up_two_factor, "must_set_up_two_factor")
