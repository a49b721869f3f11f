"""Fixed-window rate limits, and the app's instances.

Each key (an API key's id, or a client address for failed sign-ins) may be counted
``limit`` times per window. Failures (guessed links, wrong passwords, wrong API keys) are
counted in a small SQLite file of their own next to the database (``RATELIMIT_DATABASE``;
for ``x.sqlite3`` it is ``x.ratelimit.sqlite3``), so with several gunicorn workers such a
limit means the same as with one. That file holds nothing worth keeping: it is written
without fsync (WAL, synchronous=NORMAL), left out of backups, and if it cannot be used the
limits fail open with a warning in the log rather than take the patient pages down. Client
addresses in it are removed once their window is over (at the next request after it).
With an in-memory database these counts stay in the process.

Limits on the sheer number of requests (patient pages, API calls per key) are counted per
process: they stop a runaway client, and sharing them would put a write, and a wait for the
file's one write lock, in front of every page.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import threading

from flask import Flask, current_app, request

from ..config import ConfigurationError
from ..timeutil import utcnow

MAX_KEYS = 10_000  # beyond this, counts from past windows are dropped
LONG_WINDOWS = (900, 3600)  # a quarter of an hour, an hour
log = logging.getLogger("patientapp.ratelimit")


def _wait(window: int, number: int, now: float) -> int:
    return max(1, math.ceil((number + 1) * window - now))


class FixedWindowLimiter:
    """Counts in this process's memory: for an in-memory database, and as the reference."""

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
        return _wait(self.window, number, now) if hits >= limit else None

    def hit(self, key: str, limit: int, now: float) -> int | None:
        """Count one request; like ``retry_after`` when it goes over the limit."""
        with self._lock:
            number, hits = self._current(key, now)
            self._counts[key] = (number, hits + 1)
            if len(self._counts) > MAX_KEYS:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == number}
        return _wait(self.window, number, now) if hits + 1 > limit else None


class SharedWindowLimiter:
    """The same limits, counted in a SQLite file that every worker process uses."""

    SCHEMA = ("CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, number INTEGER NOT NULL,"
              " count INTEGER NOT NULL, ends REAL NOT NULL) WITHOUT ROWID")
    HIT = ("INSERT INTO hits (key, number, count, ends) VALUES (?, ?, 1, ?)"
           " ON CONFLICT (key) DO UPDATE SET"
           " count = CASE WHEN hits.number = excluded.number THEN hits.count + 1 ELSE 1 END,"
           " number = excluded.number, ends = excluded.ends RETURNING count")

    def __init__(self, path: str, window_seconds: int = 60):
        self.path, self.window = path, window_seconds
        self._local = threading.local()
        self._pruned = -1  # the window in which finished windows were last removed
        try:
            self._connection()  # a file that cannot be opened stops the start-up
        except sqlite3.Error as error:
            raise ConfigurationError(
                f"The rate-limit file {path} cannot be opened ({error}). Set "
                "PATIENTAPP_RATELIMIT_DATABASE to a file in a folder the server may write to."
            ) from error

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and process: a connection must not cross a fork.
        found = getattr(self._local, "connection", None)
        if found is not None and found[0] == os.getpid():
            return found[1]
        connection = sqlite3.connect(self.path, timeout=5, isolation_level=None,
                                     check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(self.SCHEMA)
        self._local.connection = (os.getpid(), connection)
        return connection

    def _key(self, key: str) -> str:
        return f"{self.window}:{key}"  # limiters with other windows may share the file

    def retry_after(self, key: str, limit: int, now: float) -> int | None:
        number = math.floor(now / self.window)
        try:
            row = self._connection().execute(
                "SELECT count FROM hits WHERE key = ? AND number = ?",
                [self._key(key), number]).fetchone()
        except sqlite3.Error as error:
            return self._fail_open(error)
        return _wait(self.window, number, now) if row and row[0] >= limit else None

    def hit(self, key: str, limit: int, now: float) -> int | None:
        number = math.floor(now / self.window)
        try:
            connection = self._connection()
            count = connection.execute(self.HIT, [self._key(key), number,
                                                  (number + 1) * self.window]).fetchone()[0]
            if self._pruned != number:  # client addresses are kept no longer than needed
                self._pruned = number
                connection.execute("DELETE FROM hits WHERE ends <= ?", [number * self.window])
        except sqlite3.Error as error:
            return self._fail_open(error)
        return _wait(self.window, number, now) if count > limit else None

    def _fail_open(self, error: sqlite3.Error) -> None:
        log.warning("rate limits not counted (%s): %s", self.path, error)
        self._local.connection = None
        return None


def create_limiter(app: Flask, window_seconds: int = 60):
    """The app's limiter: shared between processes unless the database is in memory."""
    database = str(app.config.get("DATABASE", ":memory:"))
    path = app.config.get("RATELIMIT_DATABASE")
    if not path and database != ":memory:" and not database.startswith("file:"):
        stem, suffix = os.path.splitext(database)
        path = f"{stem}.ratelimit{suffix or '.sqlite3'}"
    return SharedWindowLimiter(path, window_seconds) if path else \
        FixedWindowLimiter(window_seconds)


def init_app(app: Flask) -> None:
    app.extensions["limiter"] = create_limiter(app)
    # Longer windows, for failures counted per account or per patient rather than per
    # minute and address (they share the minute limiter's file: keys carry the window).
    app.extensions["window_limiters"] = {seconds: create_limiter(app, seconds)
                                         for seconds in LONG_WINDOWS}
    app.extensions["local_limiter"] = FixedWindowLimiter()


def now() -> float:
    """The limiter's clock; tests hold it still so a minute boundary never splits a test."""
    return utcnow().timestamp()


def limiter(shared: bool = True) -> FixedWindowLimiter | SharedWindowLimiter:
    """The limiter shared by all processes, or (``shared=False``) this process's own."""
    return current_app.extensions["limiter" if shared else "local_limiter"]


# Buckets that count every request rather than failures (see the module's docstring).
VOLUME_BUCKETS = frozenset({"patient"})


def too_many(bucket: str, limit_setting: str, count: bool = True, key: str | None = None,
             window: int = 60) -> int | None:
    """Count a request from this client address in ``bucket``; seconds to wait if over.

    ``count=False`` only asks (for buckets that count failures, not every request).
    ``key`` counts something else than the address (a patient's course, an e-mail address
    from an address), and ``window`` is one of 60 and LONG_WINDOWS seconds; counts in a
    long window are always shared between processes.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    limit = int(current_app.config[limit_setting])
    key = f"{bucket}:{request.remote_addr if key is None else key}"
    if window != 60:
        found = current_app.extensions["window_limiters"][window]
    else:
        found = limiter(shared=bucket not in VOLUME_BUCKETS)
    if count:
        return found.hit(key, limit, now())
    return found.retry_after(key, limit, now())
