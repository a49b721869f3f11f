"""A small fixed-window rate limiter, in memory. Pure Python, no Flask.

Each key (an API key's id, or a client address for failed sign-ins) may be counted
``limit`` times per window. The counts live in the process: with several gunicorn
workers each keeps its own, so the real limit is at most workers × limit — enough to
stop a runaway client or someone guessing keys, which is what it is for.
"""

from __future__ import annotations

import math
import threading

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
