"""Where a clinic's alarm notifications go: its alert e-mail addresses and mobile numbers.

Pure functions, no Flask or database. Stored as comma-separated, normalised lists in
``clinics.alert_emails`` and ``clinics.alert_phones``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..courses.contact import ContactError, normalise_email, normalise_phone

MAX_ADDRESSES = 5


class BadAddress(ContactError):
    """One address in a list cannot be used: str() is the message, .address the culprit."""

    def __init__(self, message: str, address: str):
        super().__init__(message)
        self.address = address


def split_addresses(text: str) -> list[str]:
    """The addresses in a stored or typed list: commas, semicolons or new lines."""
    return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",")
            if part.strip()]


def recipients(clinic: Mapping) -> list[tuple[str, str]]:
    """(channel, address) for every alert address the clinic recorded."""
    return [("email", address) for address in split_addresses(clinic.get("alert_emails") or "")] \
        + [("sms", number) for number in split_addresses(clinic.get("alert_phones") or "")]


def configured(clinic: Mapping) -> bool:
    """True when an alarm answer would reach somebody: required before links go out."""
    return bool(recipients(clinic))


def normalise_list(text: str, normalise) -> str:
    """A typed list, each address normalised, as stored; ContactError names the bad one."""
    addresses = split_addresses(text or "")
    if len(addresses) > MAX_ADDRESSES:
        raise ContactError("too-many")
    clean = []
    for address in addresses:
        try:
            value = normalise(address)
        except ContactError as error:
            raise BadAddress(str(error), address) from None
        if value.lower() not in {known.lower() for known in clean}:
            clean.append(value)
    return ",".join(clean)


def normalise_emails(text: str) -> str:
    return normalise_list(text, normalise_email)


def normalise_phones(text: str) -> str:
    return normalise_list(text, normalise_phone)
