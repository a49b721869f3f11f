"""Milliseconds of server work per request, in one process, without a network or a load
generator: the steadiest figure on a shared, noisy machine (load.py's throughput swings by
a factor of two between runs here; this moves by a few per cent).

    python bench/inprocess.py [--requests 300] [--rounds 5] [--patients 5000]
    python bench/inprocess.py --profile "questionnaire page" [--top 10]

Prints the best round's mean for: the minimal Flask app (bench/hello.py), the questionnaire
page, an answer save and a submit (with CSRF on, as in production), and the first page of
the clinician's patient list with --patients active patients. Each request goes through the
whole WSGI stack (Flask's test client), sessions, request log and database included (the
log lines go to /dev/null). --profile runs one scenario under cProfile and prints its top
functions and, per request, the SQL statements run, CSRF tokens signed and macros called.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.hello import app as hello_app  # noqa: E402
from bench.seed import enrol_visits, seed  # noqa: E402
from patientapp import create_app  # noqa: E402
from patientapp.accounts import save_clinic  # noqa: E402
from patientapp.db import connect, migrate  # noqa: E402
from patientapp.demo import create_demo  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def best_ms(run, requests: int, rounds: int, warm_up: int | None = None) -> tuple[float, float]:
    """(wall, CPU) milliseconds a request, each the best round's mean. The CPU time of this
    process is the steadier on a shared machine: other processes' load lengthens the wall
    time, not this process's own work."""
    for _ in range(requests // 3 if warm_up is None else warm_up):  # templates compiled
        run()
    walls, cpus = [], []
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(requests):
            run()
        walls.append((time.perf_counter() - start) / requests * 1000)
        cpus.append((time.process_time() - cpu) / requests * 1000)
    return min(walls), min(cpus)


def build(options) -> dict:
    """The app, its database and one callable per scenario."""
    folder = tempfile.mkdtemp(prefix="patientapp-inprocess-")
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the request log, written but not shown
    app = create_app({"DATABASE": f"{folder}/b.sqlite3", "SECRET_KEY": "b" * 40,
                      "PATIENT_RATE_LIMIT": 10**9})
    sys.stderr = sys.__stderr__
    content = app.extensions["content"]
    db = connect(app.config["DATABASE"])
    migrate(db)
    clinic = seed(db, content, options.patients)
    demo = create_demo(db, content, "http://localhost", date.today(), "bench-password")
    link = next(p["link"] for p in demo["patients"] if p["name"] == "Anna Jensen")
    step = link.replace("http://localhost", "") + "/step/odi-1"
    with app.app_context():
        submits = options.submits * (options.rounds + 1) + 5
        links = save_clinic(db, "Bench Links")  # the seeded clinic keeps --patients active
        ready = iter(enrol_visits(db, content, links, 0, submits)["ready"])
    client, hello, clinician = app.test_client(), hello_app.test_client(), app.test_client()
    csrf = CSRF.search(client.get(step).text)[1]
    login = CSRF.search(clinician.get("/clinic/login").text)[1]
    signed_in = clinician.post("/clinic/login", data={
        "email": "bench@clinic.example", "password": "bench-password-123", "csrf_token": login})
    assert signed_in.status_code == 302, signed_in.status_code

    def page():
        assert client.get(step).status_code == 200

    def save():
        response = client.post(step, data={"answer": "2", "csrf_token": csrf,
                                           "action": "next"})
        assert response.status_code == 302, response.status_code

    def submit():
        response = client.post(f"/q/{next(ready)}/submit", data={"csrf_token": csrf})
        assert response.headers["Location"].endswith("/done"), response.headers["Location"]

    def patient_list():
        response = clinician.get("/clinic/")
        assert response.status_code == 200 and "<table" in response.text

    active = next(db.query("SELECT count(*) AS n FROM courses WHERE clinic_id = ? AND"
                           " status = 'active'", [clinic]))["n"]
    return {"active": active, "scenarios": {
        "hello": (lambda: hello.get("/"), options.requests),
        "questionnaire page": (page, options.requests),
        "answer save": (save, options.requests),
        "submit": (submit, options.submits),
        "patient list": (patient_list, options.list_requests)}}


def profile(name: str, run, requests: int, top: int, sort: str) -> None:
    for _ in range(20):
        run()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        run()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(sort).print_stats(top)
    print(f"cProfile, {requests} requests of {name!r}, top {top} by {sort} time:")
    print(out.getvalue().split("\n", 5)[-1].rstrip())

    def calls(pattern: str) -> float:
        return sum(value[1] for (file, _, function), value in stats.stats.items()
                   if re.search(pattern, f"{file}:{function}")) / requests

    print(f"\nper request: {calls(r'<method .execute. of .sqlite3')}"
          f" SQL statements, {calls(r'flask_wtf/csrf.py:generate_csrf$'):.1f} generate_csrf"
          f" calls, {calls(r'itsdangerous/timed.py:get_timestamp$'):.1f} tokens signed,"
          f" {calls(r'jinja2/runtime.py:_invoke$'):.1f} macro calls")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--submits", type=int, default=100, help="submits per round")
    parser.add_argument("--list-requests", type=int, default=30, help="list pages per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--only", help="time only these scenarios (comma-separated), and hello")
    parser.add_argument("--profile", help="profile this scenario instead of timing all")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    options = parser.parse_args()
    built = build(options)
    scenarios = built["scenarios"]
    if options.profile:
        run, requests = scenarios[options.profile]
        profile(options.profile, run, min(requests, options.submits), options.top,
                options.sort)
        return
    chosen = {"hello", *options.only.split(",")} if options.only else set(scenarios)
    figures = {name: best_ms(run, requests, options.rounds,
                             warm_up=5 if name in ("submit", "patient list") else None)
               for name, (run, requests) in scenarios.items() if name in chosen}
    hello_wall, hello_cpu = figures["hello"]
    print(f"{'request':24} {'wall ms':>9} {'x hello':>8} {'CPU ms':>9} {'x hello':>8}")
    for name, (wall, cpu) in figures.items():
        print(f"{name:24} {wall:9.3f} {wall / hello_wall:8.1f} {cpu:9.3f} {cpu / hello_cpu:8.1f}")
    print(f"\nbest of {options.rounds} rounds; the list: first page, {built['active']:,}"
          " active courses in the clinic")


if __name__ == "__main__":
    main()
