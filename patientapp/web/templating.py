"""Template filters and globals: local dates, paragraphs, and the error summary's entries."""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, current_app
from flask_babel import get_locale, to_user_timezone
from markupsafe import Markup, escape
from wtforms import FieldList, RadioField

from ..config import ConfigurationError
from ..i18n import LANGUAGE_NAMES
from ..scoring import DISPLAY_DECIMALS, display
from ..timeutil import today


def format_locale() -> Locale:
    """The locale dates, times and numbers are written in: the page's language, with the
    clinic's conventions for it (FORMAT_LOCALES: en is written the British way)."""
    language = str(get_locale())
    return _parsed_locale(current_app.config.get("FORMAT_LOCALES", {}).get(language, language))


@functools.lru_cache(maxsize=64)
def _parsed_locale(name: str) -> Locale:
    # Babel parses a locale given by name on every call: once per date or number on a
    # page, a sixth of the patient list's rendering (measured). Parsed once, it is shared.
    return Locale.parse(name)


def local_date(value: str | date | None, style: str = "long") -> str:
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return babel_dates.format_date(day, style, locale=format_locale())


def local_datetime(value: str | None, style: str = "minutes") -> str:
    """A stored UTC moment in the clinic's time zone, written the local way. "minutes" (the
    default): the date as in "25. nov. 2026" and the time to the minute; a reader has no use
    for seconds. Other styles are Babel's ("short", "medium", ...)."""
    if not value:
        return ""
    moment, locale = to_user_timezone(datetime.fromisoformat(value)), format_locale()
    if style != "minutes":
        return babel_dates.format_datetime(moment, style, locale=locale)
    pattern = babel_dates.get_datetime_format("medium", locale=locale)
    return pattern.replace("{1}", babel_dates.format_date(moment, "medium", locale=locale)) \
        .replace("{0}", babel_dates.format_time(moment, "short", locale=locale))


def local_percent(value: float) -> str:
    return babel_numbers.format_percent(value, locale=format_locale())


def score_text(instrument: str, value: float | None, signed: bool = False) -> str:
    """A score (or, signed, a change) as people read it in their language: rounded half up
    to the instrument's decimals (docs/scoring.md), then written the local way (4,5 in
    Danish, 4.5 in English)."""
    if value is None:
        return "–"
    decimals = DISPLAY_DECIMALS.get(instrument, 1)
    return local_number(Decimal(display(value, decimals)), decimals, signed)


def local_number(value: float | Decimal | None, decimals: int = 1, signed: bool = False) -> str:
    """A number with a fixed count of decimals in the current locale ('–' for none)."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_numbers.format_decimal(value, f"+{pattern};-{pattern}" if signed else pattern,
                                        locale=format_locale())


def paragraphs(text: str | None) -> Markup:
    """Plain content text as escaped <p> elements, one per blank-line-separated block."""
    blocks = [b.strip() for b in (text or "").split("\n\n") if b.strip()]
    return Markup("".join(f"<p>{escape(b)}</p>" for b in blocks))  # nosec B704


def anchor_id(field) -> str:
    """The element an error summary link should move focus to."""
    if isinstance(field, RadioField):
        return f"{field.id}-0"
    if isinstance(field, FieldList):
        return field.entries[0].id
    return field.id


def own_errors(field) -> list[str]:
    """A field's own messages; for a FieldList, not those of its entries."""
    return [str(e) for e in field.errors if not isinstance(e, (list, tuple))]


def form_errors(form) -> list[tuple[str, str]]:
    """(anchor id, message) for every error, in the order of the fields on the page."""
    found = []
    for field in form:
        if field.type == "CSRFTokenField":
            continue
        if isinstance(field, FieldList):
            for entry in field.entries:
                found += [(entry.id, message) for message in entry.errors]
        found += [(anchor_id(field), message) for message in own_errors(field)]
    return found


def pathway_name(pathway_id: str) -> str:
    """A pathway's name in the current language."""
    pathway = current_app.extensions["content"].pathways.get(pathway_id)
    return pathway.names[str(get_locale())] if pathway else pathway_id


def timepoint_name(pathway_id: str, key: str) -> str:
    pathway = current_app.extensions["content"].pathways.get(pathway_id)
    spec = next((t for t in pathway.timepoints if t.key == key), None) if pathway else None
    return spec.names[str(get_locale())] if spec else key


def has_endpoint(endpoint: str) -> bool:
    """Lets shared navigation link to features only where they are installed."""
    return endpoint in current_app.view_functions


def check_format_locales(config) -> None:
    """A misspelt FORMAT_LOCALES entry stops the start-up, not every page later."""
    found = config.get("FORMAT_LOCALES")
    if not isinstance(found, dict):
        raise ConfigurationError("PATIENTAPP_FORMAT_LOCALES must be a JSON object, like "
                                 '{"da": "da_DK", "en": "en_GB"}.')
    for language, name in found.items():
        try:
            Locale.parse(str(name))
        except (ValueError, UnknownLocaleError):
            raise ConfigurationError(f"PATIENTAPP_FORMAT_LOCALES: {name!r} (for {language!r}) "
                                     "is not a locale Babel knows, like da_DK or en_GB.") from None


def init_app(app: Flask) -> None:
    check_format_locales(app.config)
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(local_datetime, "local_datetime")
    app.add_template_filter(paragraphs, "paragraphs")
    app.add_template_global(form_errors, "form_errors")
    app.add_template_global(get_locale, "get_locale")
    app.add_template_global(LANGUAGE_NAMES, "language_names")
    app.add_template_global(own_errors, "own_errors")
    app.add_template_global(pathway_name, "content_pathway_name")
    app.add_template_global(has_endpoint, "has_endpoint")
    app.add_template_global(timepoint_name, "content_timepoint_name")
    app.add_template_global(score_text, "score_text")
    app.add_template_global(local_number, "local_number")
    app.add_template_global(local_percent, "local_percent")
    app.add_template_global(lambda: today().isoformat(), "today_iso")
