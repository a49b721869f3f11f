"""What a clinician's password may be, and which control characters no stored text may hold.

Passwords are judged by zxcvbn (Dropbox's estimator): it knows the common and breached
passwords, English words and names, and also sees what a list cannot, such as repeats
("aaaaaaaaaaaa", "abcabcabcabc"), sequences, keyboard rows, dates and l33t spelling. It
knows no Danish, so common Danish password words and the person's own name, e-mail and
clinic are given to it as words an attacker would try first. Score 3 of 4 is required:
"safely unguessable" against an online attack, and still costly offline against scrypt.

Control characters (NUL, escape, the C1 range …) have no place in a name, a password or a
note: they hide text in logs and exports and break other systems reading the data. A
multi-line text keeps its tab and line breaks. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MIN_LENGTH = 12
MIN_SCORE = 3
# zxcvbn only looks at the first characters; a longer password is no weaker for it.
CHECKED_LENGTH = 100
# Words Danish users build passwords from, which zxcvbn's English lists do not hold.
DANISH_WORDS = (
    "kodeord", "adgangskode", "hemmelig", "velkommen", "sommer", "vinter", "foraar",
    "forår", "efteraar", "efterår", "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december", "mandag", "tirsdag",
    "onsdag", "torsdag", "fredag", "lørdag", "søndag", "danmark", "københavn", "kobenhavn",
    "aarhus", "odense", "aalborg", "fysioterapi", "fysioterapeut", "fysio", "klinik",
    "patient", "ryg", "nakke", "smerte", "kærlighed", "elskerdig", "jegelskerdig", "hund",
    "kat", "fodbold", "mormor", "farfar", "morfar", "farmor", "skat", "sommerferie",
)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MULTILINE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(text: str | None, multiline: bool = False) -> bool:
    """True when ``text`` holds a character that no stored text may (see module doc)."""
    return bool(text) and bool((MULTILINE_CONTROL if multiline else CONTROL).search(text))


def _words(hints: Iterable[str | None]) -> list[str]:
    """The person's own words (name, e-mail and its parts, clinic) for zxcvbn."""
    words: list[str] = []
    for hint in hints:
        if hint:
            words.append(hint.lower())
            words.extend(w for w in re.split(r"[\W_]+", hint.lower()) if len(w) > 2)
    return words


def password_problem(password: str, hints: Iterable[str | None] = ()) -> str | None:
    """None for an acceptable password, else 'control', 'short' or 'guessable'."""
    if has_control_characters(password):
        return "control"
    if len(password) < MIN_LENGTH:
        return "short"
    from zxcvbn import zxcvbn  # its word lists are 12 MB: loaded when a password is set

    result = zxcvbn(password[:CHECKED_LENGTH], user_inputs=[*_words(hints), *DANISH_WORDS])
    return "guessable" if result["score"] < MIN_SCORE else None
