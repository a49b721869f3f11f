"""Words for exercise codes and doses, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..content.library import Exercise

CATEGORIES = {"strength": _l("Strength"), "mobility": _l("Mobility"),
              "endurance": _l("Fitness"), "relief": _l("Pain relief"),
              "neck-shoulder": _l("Neck and shoulders")}
STATUSES = {"done": _l("Completed"), "partly": _l("Partly done"), "not-done": _l("Not done")}
PAIN = {"better": _l("Pain better"), "same": _l("Pain the same"), "worse": _l("Pain worse")}
LANGUAGES = {"da": _l("in Danish"), "en": _l("in English")}


def dosage_text(dose: Mapping) -> str:
    """'3 sets of 10 repetitions', '3 sets, hold 30 seconds' or '10 minutes'."""
    if dose.get("minutes"):
        return ngettext("%(num)d minute", "%(num)d minutes", dose["minutes"])
    sets = ngettext("%(num)d set", "%(num)d sets", dose.get("sets") or 1)
    if dose.get("hold_seconds"):
        return _("%(sets)s, hold %(hold)s", sets=sets, hold=ngettext(
            "%(num)d second", "%(num)d seconds", dose["hold_seconds"]))
    return _("%(sets)s of %(reps)s", sets=sets, reps=ngettext(
        "%(num)d repetition", "%(num)d repetitions", dose.get("reps") or 1))


def pain_alert_message(exercise: Exercise, easier: Exercise | None) -> str:
    if easier is None:
        return _("Pain worse after %(exercise)s in the last two sessions: consider an easier "
                 "version or a lower dose.", exercise=exercise.title)
    return _("Pain worse after %(exercise)s in the last two sessions: consider the easier "
             "version, %(easier)s.", exercise=exercise.title, easier=easier.title)


def stored_pain_message(exercise_id: str) -> str:
    """The alert's message as stored, in the clinic's default language (see alert_text)."""
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        return _pain_message(exercise_id, locale)


def exercise_alert_text(detail: Mapping) -> str:
    """An 'exercise' alert in the reader's language; falls back to the stored message."""
    if not detail.get("exercise"):
        return detail.get("message", "")
    return _pain_message(detail["exercise"], str(get_locale())) or detail.get("message", "")


def _pain_message(exercise_id: str, locale: str) -> str:
    found = current_app.extensions["content"].library
    exercise = found.exercise(exercise_id, locale)
    if exercise is None:
        return ""
    easier = found.exercise(exercise.easier, locale) if exercise.easier else None
    return pain_alert_message(exercise, easier)


def language_name(locale: str) -> str:
    """'in English' / 'in Danish', for content shown in the other language."""
    return str(LANGUAGES.get(locale, locale))
