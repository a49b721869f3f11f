"""Field builders shared by every form: whitespace stripping, validated radio groups, lists
whose indices are plain numbers, and the shared checks of ``checks.py`` as validators."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from wtforms import FieldList, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, StopValidation

from .. import checks

INDEX = re.compile(r"[0-9]{1,3}")


def strip(value):
    return value.strip() if isinstance(value, str) else value


FIELD_MAX = 500  # longer than any field allows: a posted megabyte is not kept or echoed


def cap(value):
    """Filter: cut a text to FIELD_MAX characters (the check then says it is too long)."""
    return value[:FIELD_MAX] if isinstance(value, str) else value


def radio(label, choices, message, invalid=None) -> RadioField:
    """A required radio group; a tampered value gets ``invalid`` (or ``message``) via AnyOf,
    because WTForms' own choice check would answer in its generic words."""
    return RadioField(label, choices=[SelectChoice(v, t) for v, t in choices],
                      validate_choice=False,
                      validators=[InputRequired(message=message),
                                  AnyOf([v for v, _ in choices], message=invalid or message)])


class IndexedList(FieldList):
    """A FieldList that reads only ASCII indices of up to three digits (``activities-0``).

    WTForms' own takes any ``str.isdigit()`` index and then calls ``int()``, which fails
    for a posted ``activities-²`` (a superscript two is a digit but not a number). A
    multipart part whose name cannot be read arrives with no name (None): it is skipped.
    """

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if isinstance(key, str) and key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if INDEX.fullmatch(index):
                    yield int(index)


def _checked(check, field) -> None:
    if isinstance(field.data, str) and field.data:
        try:
            check(field.data)
        except checks.CheckError as error:
            raise StopValidation(_(error.message, **error.params)) from None


def single_line(form, field) -> None:
    """Validator: no line breaks or other control characters (names, phone, e-mail)."""
    _checked(checks.single_line, field)


def multi_line(form, field) -> None:
    """Validator: line breaks and tabs allowed, other control characters not (notes)."""
    _checked(checks.multi_line, field)
