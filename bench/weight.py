"""Page weight of every patient page: bytes transferred (raw and gzip-compressed) and the
number of requests, as a phone on a slow connection would load them.

    python bench/weight.py

Needs the system Chromium (apt-get install chromium). The budget is 30 KB per page; the
browser tests enforce it (tests/browser/test_clinic_journey.py), this prints the figures.
"""

from __future__ import annotations

import gzip
import shutil
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


def main() -> None:
    folder = tempfile.mkdtemp(prefix="patientapp-weight-")
    app = create_app({"DATABASE": f"{folder}/w.sqlite3", "SECRET_KEY": "w" * 40})
    db = connect(app.config["DATABASE"])
    migrate(db)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    demo = create_demo(db, app.extensions["content"], base, date.today(), "weight-password")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    link = next(p["link"] for p in demo["patients"] if p["name"] == "Anna Jensen")
    print(f"{'page':36} {'requests':>8} {'bytes':>8} {'gzip':>8}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 360, "height": 740})
        for path in PAGES:
            page = context.new_page()
            bodies = []
            page.on("response", lambda response, log=bodies: log.append(response.body()))
            page.goto(link + path)
            page.wait_for_load_state("networkidle")
            raw = sum(len(body) for body in bodies)
            packed = sum(len(gzip.compress(body)) for body in bodies)
            print(f"{'/q/<token>' + path:36} {len(bodies):8d} {raw:8d} {packed:8d}")
            page.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
