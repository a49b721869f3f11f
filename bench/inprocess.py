"""Milliseconds of server work per request, in one process, without a network or a load
generator: the steadiest figure on a shared, noisy machine (load.py's throughput swings by
a factor of two between runs here; this moves by a few per cent).

    python bench/inprocess.py [--requests 300] [--rounds 5]

Prints the best round's mean for: the minimal Flask app (bench/hello.py), the questionnaire
page, and an answer save (with CSRF on, as in production). Each request goes through the
whole WSGI stack (Flask's test client), sessions and database included.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.hello import app as hello_app  # noqa: E402
from patientapp import create_app  # noqa: E402
from patientapp.db import connect, migrate  # noqa: E402
from patientapp.demo import create_demo  # noqa: E402


def best_ms(run, requests: int, rounds: int) -> float:
    for _ in range(requests // 3):  # warm up: templates compiled, connections open
        run()
    means = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(requests):
            run()
        means.append((time.perf_counter() - start) / requests * 1000)
    return min(means)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="patientapp-inprocess-")
    app = create_app({"DATABASE": f"{folder}/b.sqlite3", "SECRET_KEY": "b" * 40,
                      "PATIENT_RATE_LIMIT": 10**9})
    db = connect(app.config["DATABASE"])
    migrate(db)
    demo = create_demo(db, app.extensions["content"], "http://localhost", date.today(),
                       "bench-password")
    link = next(p["link"] for p in demo["patients"] if p["name"] == "Anna Jensen")
    step = link.replace("http://localhost", "") + "/step/odi-1"
    client, hello = app.test_client(), hello_app.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get(step).text)[1]

    def page():
        assert client.get(step).status_code == 200

    def save():
        response = client.post(step, data={"answer": "2", "csrf_token": csrf,
                                           "action": "next"})
        assert response.status_code == 302, response.status_code

    figures = {"hello": best_ms(lambda: hello.get("/"), options.requests, options.rounds),
               "questionnaire page": best_ms(page, options.requests, options.rounds),
               "answer save": best_ms(save, options.requests, options.rounds)}
    print(f"{'request':24} {'ms (best round)':>16} {'x hello':>8}")
    for name, value in figures.items():
        print(f"{name:24} {value:16.3f} {value / figures['hello']:8.1f}")


if __name__ == "__main__":
    main()
