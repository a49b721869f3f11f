"""Two-factor sign-in: TOTP codes (RFC 6238, pyotp), recovery codes, the secret at rest.

No Flask here. A clinician's authenticator app and the server share a random secret;
each 30-second time step gives a 6-digit code. A code is accepted for the step before
and after the current one too (clocks drift), and only for a step later than the last
one accepted, so a code seen over someone's shoulder cannot be used again.

The secret is stored encrypted (Fernet: AES with an HMAC) with a key derived from the
app's SECRET_KEY, so a copy of the database or a backup alone cannot make codes.
Recovery codes have 80 random bits: like link tokens they are stored as SHA-256
hashes (nothing to brute-force, and an indexed lookup).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import pyotp
import segno

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_LENGTH = 16  # 31**16 > 2**79
VALID_WINDOW = 1  # the step before and after the current one
_NOT_CODE = re.compile(r"[\s\-]+")


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted: SECRET_KEY has changed since it was set up."""


def new_secret() -> str:
    """A fresh TOTP secret: 160 random bits, base32 as authenticator apps expect."""
    return pyotp.random_base32(32)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The otpauth URI as an inline SVG QR code (dark on white, whatever the page's colours)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=4, dark="#000",
                                                 light="#fff", title=title,
                                                 svgclass="qr-code")


def normalise(code: str) -> str:
    """What was typed, without spaces and dashes, in lower case."""
    return _NOT_CODE.sub("", code or "").casefold()


def matching_step(secret: str, code: str, at: datetime, after: int | None) -> int | None:
    """The time step whose code is ``code`` (within the window), if later than ``after``.

    Every step in the window is compared in constant time, whatever matches first.
    """
    code = normalise(code)
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    found = None
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            found = current + offset
    return found if found is not None and (after is None or found > after) else None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Fresh recovery codes, shown as four groups of four (``abcd-efgh-jkmn-pqrs``)."""
    codes = ("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
             for _ in range(count))
    return ["-".join(code[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)) for code in codes]


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise(code).encode("utf-8", "replace")).hexdigest()


def _fernet(secret_key: str) -> Fernet:
    from cryptography.fernet import Fernet  # 6 MB: loaded by the first two-factor sign-in

    # A key of its own for this purpose, derived from SECRET_KEY (HMAC as the KDF: the
    # input is already a long random key, so no stretching is needed).
    key = hmac.new(str(secret_key).encode(), b"patientapp two-factor secret",
                   hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(secret.encode()).decode()


def decrypt(stored: str, secret_key: str) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(secret_key).decrypt(stored.encode()).decode()
    except (InvalidToken, ValueError) as error:
        raise SecretUnreadable from error
