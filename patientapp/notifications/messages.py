"""The wording of invitations and reminders, in the patient's language.

A message names the clinic, the consultation date and the link, and nothing about
the patient's health (no course, questionnaire or symptom names): e-mail and SMS
pass through other people's servers and are read on shared screens. Needs an app
context, for the templates under ``templates/notifications/`` and the translations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..web.templating import local_date
from .backends import Email, Sms

# An alphanumeric SMS sender may have at most 11 characters.
SMS_SENDER_MAX = 11


@dataclass(frozen=True)
class Details:
    """What a message may say: who invites, for which consultation, and the link."""

    clinic_name: str
    clinic_phone: str
    visit_date: date
    last_day: date
    link: str


def _subject(kind: str, details: Details) -> str:
    when = local_date(details.visit_date)
    if kind == "reminder":
        return _("Reminder: questions before your consultation on %(date)s", date=when)
    return _("Questions before your consultation on %(date)s", date=when)


def render_email(kind: str, language: str, to: str, details: Details) -> Email:
    with force_locale(language):
        context = {"details": details, "language": language, "subject": _subject(kind, details)}
        return Email(to=to, sender_name=details.clinic_name, subject=context["subject"],
                     text=render_template(f"notifications/{kind}.txt", **context),
                     html=render_template(f"notifications/{kind}.html", **context))


def render_sms(kind: str, language: str, to: str, sender: str | None, details: Details) -> Sms:
    with force_locale(language):
        text = render_template("notifications/sms.txt", kind=kind, details=details)
    return Sms(to=to, sender=(sender or details.clinic_name)[:SMS_SENDER_MAX],
               text=" ".join(text.split()))
