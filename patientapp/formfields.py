"""Field builders shared by every form: whitespace stripping and validated radio groups."""

from __future__ import annotations

from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired


def strip(value):
    return value.strip() if isinstance(value, str) else value


def radio(label, choices, message, invalid=None) -> RadioField:
    """A required radio group; a tampered value gets ``invalid`` (or ``message``) via AnyOf,
    because WTForms' own choice check would answer in its generic words."""
    return RadioField(label, choices=[SelectChoice(v, t) for v, t in choices],
                      validate_choice=False,
                      validators=[InputRequired(message=message),
                                  AnyOf([v for v, _ in choices], message=invalid or message)])
