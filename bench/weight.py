"""Page weight of every patient page: bytes transferred (raw and gzip-compressed) and the
number of requests, as a phone on a slow connection would load them; and, where Lighthouse
can run against the system Chromium, each page's Lighthouse mobile performance and
accessibility scores.

    python bench/weight.py                  # weight, then Lighthouse when it can run
    python bench/weight.py --no-lighthouse  # weight only
    python bench/weight.py --runs 3         # Lighthouse's median of 3 runs per page

Needs the system Chromium (apt-get install chromium). The budget is 30 KB per page; the
browser tests enforce it (tests/browser/test_clinic_journey.py), this prints the figures.
Lighthouse (pinned in bench/lighthouse/package.json) is installed with `npm ci` on first use
when npm is there; without Node.js the script says so and prints the weight figures only.
Lighthouse uses its default mobile settings: a Moto G Power sized screen, simulated slow 4G
and a 4x slower CPU. Its performance score is computed from the CPU time it observes, so on
a busy machine it drops by 10 points or more; --runs takes the median of several runs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import shutil
import statistics
import subprocess  # nosec B404 - runs npm and the pinned Lighthouse, no shell
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from patientapp import create_app  # noqa: E402
from patientapp.db import connect, migrate  # noqa: E402
from patientapp.demo import create_demo  # noqa: E402

PAGES = ["", "/step/nprs-back", "/step/odi-1", "/step/psfs-rate", "/step/safety", "/review",
         "/my-data", "/read", "/read/good-prognosis", "/exercises"]
LIGHTHOUSE_DIR = Path(__file__).resolve().parent / "lighthouse"
LIGHTHOUSE_BIN = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
# Flags the machines here need: no sandbox as root, and no background calls to Google's
# hosts, which a closed network refuses (they would only add noise to the timings).
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")


def measure_weight(base_link: str) -> None:
    print(f"{'page':36} {'requests':>8} {'bytes':>8} {'gzip':>8}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 360, "height": 740})
        for path in PAGES:
            page = context.new_page()
            bodies = []
            page.on("response", lambda response, log=bodies: log.append(response.body()))
            page.goto(base_link + path)
            page.wait_for_load_state("networkidle")
            raw = sum(len(body) for body in bodies)
            packed = sum(len(gzip.compress(body)) for body in bodies)
            print(f"{'/q/<token>' + path:36} {len(bodies):8d} {raw:8d} {packed:8d}")
            page.close()
        browser.close()


def lighthouse_unavailable() -> str | None:
    """Why Lighthouse cannot run here, or None when it can (installing it if need be)."""
    if not shutil.which("chromium"):
        return "no system Chromium (apt-get install chromium)"
    if LIGHTHOUSE_BIN.exists():
        return None
    npm = shutil.which("npm")
    if not npm:
        return "no Node.js/npm to install it with"
    done = subprocess.run([npm, "ci", "--prefix", str(LIGHTHOUSE_DIR), "--no-audit", "--no-fund"],
                          capture_output=True, text=True, check=False)  # nosec B603
    if done.returncode or not LIGHTHOUSE_BIN.exists():
        return "npm ci failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    return None


def lighthouse_scores(url: str) -> tuple[int, int] | str:
    """Mobile performance and accessibility scores (0-100), or the reason there are none."""
    with tempfile.TemporaryDirectory(prefix="patientapp-lh-") as folder:
        report = Path(folder) / "report.json"
        done = subprocess.run(  # nosec B603 - fixed program, arguments built here
            [str(LIGHTHOUSE_BIN), url, "--quiet", "--output=json", f"--output-path={report}",
             "--only-categories=performance,accessibility", f"--chrome-flags={CHROME_FLAGS}"],
            capture_output=True, text=True, check=False, timeout=180,
            env={**os.environ, "CHROME_PATH": shutil.which("chromium") or ""})
        if done.returncode or not report.exists():
            return "failed: " + (done.stderr.strip().splitlines() or ["?"])[-1][:80]
        categories = json.loads(report.read_text())["categories"]
        scores = [categories[name]["score"] for name in ("performance", "accessibility")]
        if None in scores:
            return "no score (page did not load cleanly)"
        return round(scores[0] * 100), round(scores[1] * 100)


def median_scores(url: str, runs: int) -> tuple[int, int] | str:
    """The median of each score over ``runs`` Lighthouse runs, or why there is none."""
    results = [lighthouse_scores(url) for _ in range(runs)]
    good = [result for result in results if not isinstance(result, str)]
    if not good:
        return results[0]
    return (int(statistics.median(r[0] for r in good)),
            int(statistics.median(r[1] for r in good)))


def measure_lighthouse(base_link: str, runs: int) -> None:
    reason = lighthouse_unavailable()
    print()
    if reason:
        print(f"Lighthouse: not run, {reason}")
        return
    print(f"Lighthouse, mobile (simulated slow 4G, 4x CPU slowdown), median of {runs} run(s)")
    print(f"{'page':36} {'performance':>12} {'accessibility':>14}")
    for path in PAGES:
        result = median_scores(base_link + path, runs)
        if isinstance(result, str):
            print(f"{'/q/<token>' + path:36} {result}")
        else:
            print(f"{'/q/<token>' + path:36} {result[0]:12d} {result[1]:14d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-lighthouse", action="store_true", help="page weight only")
    parser.add_argument("--runs", type=int, default=1, choices=range(1, 10), metavar="1-9",
                        help="Lighthouse runs per page; the median is shown (default 1)")
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request lines between figures
    folder = tempfile.mkdtemp(prefix="patientapp-weight-")
    app = create_app({"DATABASE": f"{folder}/w.sqlite3", "SECRET_KEY": "w" * 40})
    db = connect(app.config["DATABASE"])
    migrate(db)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    demo = create_demo(db, app.extensions["content"], base, date.today(), "weight-password")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    link = next(p["link"] for p in demo["patients"] if p["name"] == "Anna Jensen")
    measure_weight(link)
    if not options.no_lighthouse:
        measure_lighthouse(link, options.runs)
    server.shutdown()


if __name__ == "__main__":
    main()
