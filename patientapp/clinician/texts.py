"""Messages more than one clinic page shows."""

from flask_babel import gettext as _


def links_held_back_message() -> str:
    return _("No patient gets a link until an admin has entered where alarm notifications go, "
             "under Clinic settings: a patient who reports an alarm symptom must reach a person.")
