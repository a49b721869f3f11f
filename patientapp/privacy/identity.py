"""Before a link hands over the patient's own data: something only the patient knows.

A link can reach the wrong person (a mistyped number, a shared phone). The download
holds the patient's name, contact details and every answer, so it asks first for the
last four digits of the mobile number on file or, without one, the e-mail address.
The patient table holds no birth date, so there is nothing better to ask. With no
contact details at all the link was handed over in person and nothing is asked.
Pure: no Flask, no database.
"""

from __future__ import annotations

import hmac
import re

PHONE, EMAIL = "phone", "email"


def question_for(email: str, phone: str) -> str | None:
    """Which question proves the patient: PHONE, EMAIL or None (nothing on file)."""
    if _digits(phone):
        return PHONE
    return EMAIL if email.strip() else None


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def answer_is_right(question: str | None, email: str, phone: str, answer: str) -> bool:
    """Compared in constant time, so the timing tells nothing about a near miss."""
    if question is None:
        return True
    if question == PHONE:
        # Digits, with the spaces or dashes people type between them; nothing else.
        if not re.fullmatch(r"[\d \-]*", (answer or "").strip()):
            return False
        given, expected = _digits(answer), _digits(phone)[-4:]
        return len(given) == 4 and hmac.compare_digest(given.encode(), expected.encode())
    return hmac.compare_digest((answer or "").strip().casefold().encode(),
                               email.strip().casefold().encode())
