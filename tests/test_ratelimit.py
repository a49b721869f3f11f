"""Rate limits: fixed windows per key, counted across worker processes in a file of their own,
failing open (with a warning) rather than taking pages down, and forgetting client addresses
once their window is over."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from patientapp import create_app
from patientapp.config import ConfigurationError
from patientapp.db import connect, migrate
from patientapp.web.ratelimit import FixedWindowLimiter, SharedWindowLimiter


@pytest.fixture(params=["memory", "shared"])
def limiter(request, tmp_path):
    if request.param == "memory":
        return FixedWindowLimiter(window_seconds=60)
    return SharedWindowLimiter(str(tmp_path / "limits.sqlite3"), window_seconds=60)


def test_the_limiter_counts_per_key_and_window(limiter):
    assert [limiter.hit("a", 2, 120.0) for _ in range(3)] == [None, None, 60]
    assert limiter.hit("b", 2, 130.0) is None  # another key, its own count
    assert limiter.retry_after("a", 2, 150.0) == 30
    assert limiter.retry_after("b", 2, 150.0) is None
    assert limiter.hit("a", 2, 180.0) is None  # a new window starts afresh


def test_two_worker_processes_share_one_count(tmp_path):
    """Two app instances on one database stand for two gunicorn workers: each has its own
    limiter object and connection, and together they allow the limit once, not twice."""
    config = {"DATABASE": str(tmp_path / "shared.sqlite3"), "SECRET_KEY": "s" * 40,
              "WTF_CSRF_ENABLED": False, "SIGN_IN_FAILURE_LIMIT": 4}
    workers = [create_app(config), create_app(config)]
    migrate(connect(config["DATABASE"]))
    workers = [worker.test_client() for worker in workers]
    codes = [workers[n % 2].post("/clinic/login", data={"email": f"x{n}@y.dk",
                                                        "password": "wrong"}).status_code
             for n in range(6)]
    assert codes == [401] * 4 + [429] * 2  # per process it would take 8
    assert (tmp_path / "shared.ratelimit.sqlite3").exists()


def test_a_broken_counter_file_fails_open_and_recovers(tmp_path, caplog):
    path = str(tmp_path / "limits.sqlite3")
    limiter = SharedWindowLimiter(path)
    assert limiter.hit("a", 1, 120.0) is None
    with sqlite3.connect(path) as other:
        other.execute("DROP TABLE hits")
    with caplog.at_level(logging.WARNING, logger="patientapp.ratelimit"):
        assert limiter.hit("a", 1, 121.0) is None  # not counted, but not an error
    assert "rate limits not counted" in caplog.text and "a" not in caplog.records[0].args
    assert [limiter.hit("a", 1, 122.0) for _ in range(2)] == [None, 58]  # counting again


def test_client_addresses_are_forgotten_when_their_window_is_over(tmp_path):
    path = str(tmp_path / "limits.sqlite3")
    limiter = SharedWindowLimiter(path)
    limiter.hit("sign-in:192.0.2.7", 20, 120.0)
    limiter.hit("sign-in:192.0.2.8", 20, 185.0)  # the next window: the first one is removed
    with sqlite3.connect(path) as other:
        keys = [row[0] for row in other.execute("SELECT key FROM hits")]
    assert keys == ["60:sign-in:192.0.2.8"]


def test_an_unusable_counter_file_stops_the_start_up_with_its_name(tmp_path):
    where = tmp_path / "missing-folder" / "limits.sqlite3"
    with pytest.raises(ConfigurationError, match="missing-folder"):
        create_app({"DATABASE": str(tmp_path / "db.sqlite3"), "RATELIMIT_DATABASE": str(where)})


def test_an_in_memory_database_counts_in_the_process():
    app = create_app({"DATABASE": ":memory:", "SECRET_KEY": "m" * 40})
    assert isinstance(app.extensions["limiter"], FixedWindowLimiter)


def _sign_in_codes(app, addresses):
    client = app.test_client()
    return [client.post("/clinic/login", data={"email": "x@y.dk", "password": "wrong"},
                        headers={"X-Forwarded-For": address}).status_code
            for address in addresses]


@pytest.mark.parametrize("hops, expected", [
    (1, [401, 401, 429, 401]),  # behind a proxy: each patient's own address is counted
    (0, [401, 401, 429, 429]),  # no proxy: the header is the client's word, and ignored
])
def test_behind_a_proxy_each_client_address_is_limited_on_its_own(tmp_path, hops, expected):
    app = create_app({"DATABASE": str(tmp_path / "p.sqlite3"), "SECRET_KEY": "p" * 40,
                      "WTF_CSRF_ENABLED": False, "SIGN_IN_FAILURE_LIMIT": 2,
                      "PROXY_COUNT": hops})
    migrate(connect(app.config["DATABASE"]))
    assert _sign_in_codes(app, ["198.51.100.1"] * 3 + ["198.51.100.2"]) == expected


@pytest.mark.parametrize("value", ["one", -1, 1.5])
def test_a_wrong_proxy_count_stops_the_start_up_plainly(tmp_path, value):
    with pytest.raises(ConfigurationError, match="PATIENTAPP_PROXY_COUNT"):
        create_app({"DATABASE": str(tmp_path / "x.sqlite3"), "PROXY_COUNT": value})
