"""When to try a webhook delivery again, and when to give up. Pure functions, no Flask.

A failed attempt waits 1 minute, then 2, 4, … up to an hour between attempts. A delivery
whose retry window (48 hours by default) has passed is marked failed and shown to the
clinic; an admin can start a new window. Deliveries to a clinic go out strictly in the
order they were written: while the oldest waits, the newer ones wait behind it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

FIRST_RETRY = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
# Longer than any single attempt can take (each has a timeout of a few seconds), so a
# delivery still 'sending' after this belongs to a run that died mid-send.
STALE_AFTER = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (counting from 1)."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def is_success(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def idempotency_key(fhir_base: str, timepoint_id: int, submitted_at: str) -> str:
    """The same completed questionnaire always gets the same key (a name-based UUID)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{fhir_base}/submission/{timepoint_id}/"
                                              f"{submitted_at}"))
