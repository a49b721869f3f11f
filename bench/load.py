"""Throughput and latency of patientapp under gunicorn on loopback, beside a minimal
Flask app as the ceiling, measured in the same run.

    python bench/load.py [--seconds 10] [--clients 32] [--patients 5000]

Prints requests per second and p50/p95/p99 latency for: (a) hello, (b) a questionnaire
page, (c) an answer save, (d) a submit, (e) the clinician patient list with a clinic of
--patients patients and about 20 responses each; and (b) again on an almost empty
database, to show that a patient page does not get slower as the database grows.
Run it by hand; the figures go into bench/README.md. Not a test: machines are noisy.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed import enrol_visits, seed  # noqa: E402
from patientapp import create_app  # noqa: E402
from patientapp.db import connect, migrate  # noqa: E402

GUNICORN = ["--workers", "2", "--worker-class", "gthread", "--threads", "8",
            "--keep-alive", "5", "--log-level", "warning"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(app_spec: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", *GUNICORN, "--bind",
                                f"127.0.0.1:{port}", app_spec], cwd=ROOT,
                               env={**os.environ, **env}, start_new_session=True)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{app_spec} did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(10)


class Client:
    """One keep-alive connection with a cookie, like one phone."""

    def __init__(self, port: int):
        self.port, self.cookie, self.conn = port, "", None

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str]:
        for _ in range(2):  # the server may close an idle keep-alive connection
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                headers = {"Cookie": self.cookie}
                if body:
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                self.conn.request(method, path, body=body or None, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode()
                if cookie := response.getheader("Set-Cookie"):
                    self.cookie = cookie.split(";", 1)[0]
                return response.status, text
            except (http.client.HTTPException, OSError):
                self.conn = None
        raise RuntimeError("request failed twice")

    def csrf(self, path: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.request("GET", path)[1])[1]


def measure(name: str, port: int, clients: int, seconds: float, make_job) -> dict:
    """Run ``clients`` threads for ``seconds``; make_job(client, n) performs request n."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(index: int) -> None:
        client = Client(port)
        job = make_job(client, index)
        mine, n = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                ok = job(n)
            except (RuntimeError, StopIteration):
                break
            mine.append(time.perf_counter() - started)
            if not ok:
                errors[0] += 1
            n += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return {"name": name, "requests": len(latencies), "errors": errors[0],
            "rps": len(latencies) / elapsed if latencies else 0.0,
            "p50": pct(50) if latencies else 0, "p95": pct(95) if latencies else 0,
            "p99": pct(99) if latencies else 0,
            "mean": statistics.fmean(latencies) * 1000 if latencies else 0}


def prepare(db_path: str, patients: int, active: int, ready: int) -> dict:
    """Seed the clinic, then enrol patients whose links the benchmark uses (in a clinic of
    their own, so the seeded clinic's list has exactly ``patients`` active courses)."""
    from patientapp.accounts import save_clinic, save_clinician
    app = create_app({"DATABASE": db_path})
    content = app.extensions["content"]
    db = connect(db_path)
    migrate(db)
    if patients:
        seed(db, content, patients)
    else:
        clinic = save_clinic(db, "Bench Clinic")
        save_clinician(db, clinic, "bench@clinic.example", "Bench", "bench-password-123",
                       "admin")
    with app.app_context():
        tokens = enrol_visits(db, content, save_clinic(db, "Bench Links"), active, ready)
    db.close()
    return tokens


def scenarios(port: int, tokens: dict, clients: int, seconds: float,
              ready_lock: threading.Lock) -> list[dict]:
    open_tokens, ready = tokens["open"], iter(tokens["ready"])

    def page(client, index):
        return lambda n: client.request(
            "GET", f"/q/{open_tokens[(index * 97 + n) % len(open_tokens)]}/step/odi-3"
        )[0] == 200

    def save(client, index):
        csrf = client.csrf(f"/q/{open_tokens[index % len(open_tokens)]}")
        return lambda n: client.request(
            "POST", f"/q/{open_tokens[(index * 97 + n) % len(open_tokens)]}/step/odi-3",
            urlencode({"answer": str(n % 6), "csrf_token": csrf}))[0] == 302

    def submit(client, index):
        csrf = client.csrf(f"/q/{open_tokens[index % len(open_tokens)]}")

        def job(n):
            with ready_lock:
                token = next(ready)
            return client.request("POST", f"/q/{token}/submit",
                                  urlencode({"csrf_token": csrf}))[0] == 302
        return job

    def patient_list(client, index):
        csrf = client.csrf("/clinic/login")
        client.request("POST", "/clinic/login", urlencode({
            "email": "bench@clinic.example", "password": "bench-password-123",
            "csrf_token": csrf}))
        return lambda n: client.request("GET", "/clinic/")[0] == 200

    return [measure("(b) questionnaire page", port, clients, seconds, page),
            measure("(c) answer save", port, clients, seconds, save),
            measure("(d) submit", port, clients, seconds, submit),
            measure("(e) patient list, 5 per client", port, min(clients, 8), seconds,
                    patient_list)]


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), in MB (Linux)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines()
                  if line.startswith("VmRSS:"))
        sizes.append(kb / 1024)
    return sizes


def serve_until(port: int, tokens: dict, served: int, total: int, clients: int = 8) -> int:
    """Patient pages and list pages, in the usual mix, until the server has answered
    ``total`` requests (``served`` so far); returns the count."""
    open_tokens, left, lock = tokens["open"], [total - served], threading.Lock()

    def worker(index: int) -> None:
        client = Client(port)
        n = 0
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            token = open_tokens[(index * 97 + n) % len(open_tokens)]
            client.request("GET", f"/q/{token}/step/odi-{n % 10 + 1}")
            n += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return max(total, served)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--patients", type=int, default=5000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="patientapp-bench-"))
    print(f"Seeding {args.patients} patients in {folder} ...", flush=True)
    big = str(folder / "big.sqlite3")
    tokens = prepare(big, args.patients, active=500, ready=4000)
    small = str(folder / "small.sqlite3")
    small_tokens = prepare(small, 0, active=500, ready=0)
    env = {"PATIENTAPP_SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
           "PATIENTAPP_PATIENT_RATE_LIMIT": "100000000",  # all clients share 127.0.0.1
           "PATIENTAPP_BASE_URL": "https://bench.example"}  # links are never opened
    counts = connect(big).query("SELECT (SELECT count(*) FROM patients) AS patients,"
                                " (SELECT count(*) FROM responses) AS responses")
    print("Database: {patients} patients, {responses} responses".format(**next(counts)))

    results = []
    hello, port = start("bench.hello:app", env)
    results.append(measure("(a) hello (ceiling)", port, args.clients, args.seconds,
                           lambda c, i: lambda n: c.request("GET", "/")[0] == 200))
    stop(hello)
    server, port = start("wsgi:app", {**env, "PATIENTAPP_DATABASE": big})
    results += scenarios(port, tokens, args.clients, args.seconds, threading.Lock())
    served = serve_until(port, tokens, sum(r["requests"] for r in results[1:]), 10_000)
    rss = worker_rss_mb(server.pid)
    stop(server)
    server, port = start("wsgi:app", {**env, "PATIENTAPP_DATABASE": small})
    small_page = scenarios(port, small_tokens, args.clients, args.seconds, threading.Lock())[0]
    small_page["name"] = "(b) page, almost empty db"
    results.append(small_page)
    stop(server)

    ceiling = results[0]["rps"] or 1
    print(f"\n{'scenario':34} {'req/s':>8} {'% hello':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'errors':>7}")
    for r in results:
        print(f"{r['name']:34} {r['rps']:8.0f} {r['rps'] / ceiling * 100:7.0f}% "
              f"{r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} {r['errors']:7d}")
    print(f"\nMemory: after {served:,} requests on the clinic's database, the gunicorn workers"
          f" hold {', '.join(f'{mb:.1f}' for mb in rss)} MB resident (target: under 80 MB).")
    print(f"\n{args.clients} clients ((e): 8), {args.seconds:.0f} s each, gunicorn "
          f"{' '.join(GUNICORN)}, {os.cpu_count()} CPUs shared with the load generator.")


if __name__ == "__main__":
    main()
