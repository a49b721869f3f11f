"""A small fixed-window rate limiter, in memory, and the app's shared instance.

Each key (an API key's id, or a client address for failed sign-ins) may be counted
``limit`` times per window. The counts live in the process: with several gunicorn
workers each keeps its own, so the real limit is at most workers × limit — enough to
stop a runaway client or someone guessing keys, which is what it is for.
"""

from __future__ import annotations

import math
import threading
import time

from flask import current_app, request

MAX_KEYS = 10_000  # beyond this, counts from past windows are dropped


class FixedWindowLimiter:
    def __init__(self, window_seconds: int = 60):
        self.window = window_seconds
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window number, hits)
        self._lock = threading.Lock()

    def _current(self, key: str, now: float) -> tuple[int, int]:
        number = math.floor(now / self.window)
        found = self._counts.get(key)
        return (number, found[1]) if found and found[0] == number else (number, 0)

    def retry_after(self, key: str, limit: int, now: float) -> int | None:
        """Seconds until ``key`` may try again when it has used up ``limit``; else None."""
        with self._lock:
            number, hits = self._current(key, now)
        return self._wait(number, now) if hits >= limit else None

    def hit(self, key: str, limit: int, now: float) -> int | None:
        """Count one request; like ``retry_after`` when it goes over the limit."""
        with self._lock:
            number, hits = self._current(key, now)
            self._counts[key] = (number, hits + 1)
            if len(self._counts) > MAX_KEYS:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == number}
        return self._wait(number, now) if hits + 1 > limit else None

    def _wait(self, number: int, now: float) -> int:
        return max(1, math.ceil((number + 1) * self.window - now))


def now() -> float:
    """The limiter's clock; tests hold it still so a minute boundary never splits a test."""
    return time.time()


def too_many(bucket: str, limit_setting: str, count: bool = True) -> int | None:
    """Count a request from this client address in ``bucket``; seconds to wait if over.

    ``count=False`` only asks (for buckets that count failures, not every request).
    """
    limiter = current_app.extensions.setdefault("limiter", FixedWindowLimiter())
    key, limit = f"{bucket}:{request.remote_addr}", int(current_app.config[limit_setting])
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    if count:
        return limiter.hit(key, limit, now())
    return limiter.retry_after(key, limit, now())
