"""Patient contact details: check and normalise an e-mail address and a phone number.

Pure functions, no Flask. Both details are optional (the clinic may hand a link over
in person), but one that is given must be usable, because invitations go to it.
Messages are English msgids marked with ``N_`` so they are extracted for translation;
whoever shows them translates them (``gettext(str(error))``).
"""

from __future__ import annotations

import re

EMAIL_MAX = 254
# Deliberately simple: a local part without spaces, an @, and a domain with a dot.
# Anything stricter rejects real addresses; the first e-mail sent is the real test.
LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
DOMAIN_LABEL = re.compile(r"^(?!-)(?:[^\W_]|-){1,63}(?<!-)$")  # letters, digits, inner "-"
DANISH = re.compile(r"^(?:\+45|0045)?([1-9]\d{7})$")
E164 = re.compile(r"^\+([1-9]\d{7,14})$")


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


BAD_EMAIL = N_("Enter an e-mail address in the correct format, like name@example.dk.")
BAD_PHONE = N_("Enter a mobile number with 8 digits, like 12 34 56 78, or a foreign number "
               "starting with + and the country code, like +46 70 123 45 67.")


class ContactError(ValueError):
    """A contact detail that was given but cannot be used; str() is the message."""


def normalise_email(value: str | None) -> str:
    """The address stripped and with a lower-case domain, or "" when none was given."""
    address = (value or "").strip()
    if not address:
        return ""
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    if (not at or len(address) > EMAIL_MAX or not LOCAL_PART.match(local) or len(labels) < 2
            or not all(DOMAIN_LABEL.match(label) for label in labels)
            or len(labels[-1]) < 2 or labels[-1].isdigit()):
        raise ContactError(BAD_EMAIL)
    return f"{local}@{domain.lower()}"


def normalise_phone(value: str | None) -> str:
    """The number in E.164 form (+4512345678), or "" when none was given.

    Danish numbers have 8 digits, optionally after +45 or 0045; other countries'
    numbers must start with + and their country code.
    """
    number = re.sub(r"[\s-]", "", value or "")
    if not number:
        return ""
    if match := DANISH.match(number):
        return "+45" + match.group(1)
    if number.startswith(("+45", "0045")) or not E164.match(number):
        raise ContactError(BAD_PHONE)
    return number
