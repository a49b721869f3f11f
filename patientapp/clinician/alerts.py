"""E-mails to an account holder: someone keeps failing to sign in as them, typed their
password right but not the two-factor code, or their two-factor sign-in was reset.

The first says how often, that the account is not locked (so the stranger gains nothing by
trying), and what to do if it was not them. No address, time or place of the attempts:
the message may be read by whoever reads the mailbox. Needs an app context.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from ..notifications.backends import Email


def sign_in_alert(clinician: dict, failures: int) -> Email:
    with force_locale(clinician["language"]):
        subject = _("Failed sign-ins to your account")
        paragraphs = [
            _("Someone has tried to sign in to your account at %(clinic)s with a wrong "
              "password %(count)d times since you last signed in.",
              clinic=clinician["clinic_name"], count=failures),
            _("Your account is not locked: your password still works. Attempts from the same "
              "place are paused for 15 minutes after five wrong passwords."),
            _("If this was not you, tell your clinic's admin, and change your password after "
              "you sign in."),
        ]
    return _email(clinician, subject, paragraphs)


def wrong_code_alert(clinician: dict) -> Email:
    """The password was right and the code was not: if it was not the holder, someone
    knows their password, and only the second step held."""
    with force_locale(clinician["language"]):
        subject = _("Your password was used, but not the code")
        paragraphs = [
            _("Someone typed the right password for your account at %(clinic)s, then a wrong "
              "two-factor code.", clinic=clinician["clinic_name"]),
            _("If it was you, you can ignore this message."),
            _("If it was not you, someone knows your password: change it at once after you "
              "sign in, and tell your clinic's admin. Two-factor sign-in kept them out."),
        ]
    return _email(clinician, subject, paragraphs)


def two_factor_reset_notice(clinician: dict) -> Email:
    """Two-factor sign-in was reset (by an admin or the operator): if the holder did not
    ask for it, someone may be taking over the account."""
    with force_locale(clinician["language"]):
        subject = _("Two-factor sign-in to your account was switched off")
        paragraphs = [
            _("Two-factor sign-in to your account at %(clinic)s has been reset, for example "
              "because a phone was lost. You now sign in with your password alone, and you "
              "have been signed out on every device.", clinic=clinician["clinic_name"]),
            _("Set up two-factor sign-in again under Two-factor sign-in after you sign in."),
            _("If you did not ask for this, tell your clinic's admin at once and change your "
              "password."),
        ]
    return _email(clinician, subject, paragraphs)


def _email(clinician: dict, subject: str, paragraphs: list) -> Email:
    return Email(to=clinician["email"], sender_name=clinician["clinic_name"], subject=subject,
                 text="\n\n".join(str(p) for p in paragraphs) + "\n",
                 html="".join(f"<p>{escape(p)}</p>" for p in paragraphs))
