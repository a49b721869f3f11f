"""Signing webhook bodies: HMAC-SHA256 over the raw bytes, and the headers that go with them.

Pure functions, no Flask. A receiver verifies with the same ``sign`` (see docs/integration.md).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Patientapp-Signature"
TIMESTAMP_HEADER = "X-Patientapp-Timestamp"
DELIVERY_HEADER = "X-Patientapp-Delivery"
CONTENT_TYPE = "application/fhir+json"
USER_AGENT = "patientapp-webhook/1"


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of exactly the bytes sent, keyed with the secret."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    # compare_digest: the time taken does not reveal how much of a forgery was right.
    return hmac.compare_digest(sign(secret, body), signature or "")


def headers(secret: str, body: bytes, key: str, timestamp: int) -> dict[str, str]:
    """Everything a delivery carries besides its body. The key is the same on every retry."""
    return {"Content-Type": CONTENT_TYPE, "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(secret, body), TIMESTAMP_HEADER: str(timestamp),
            DELIVERY_HEADER: key}
