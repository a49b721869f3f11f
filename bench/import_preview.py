"""Seconds for the bulk import's preview of a 1,000-row file: upload, then the preview page.

    python bench/import_preview.py [--rows 1000] [--rounds 3]

The file is what a booking system exports (semicolon-separated, Windows-1252, DD.MM.YYYY
dates, two visit columns); half its rows name courses the clinic already has (so the
preview compares them), the other half are new. Each round goes through the whole WSGI
stack (Flask's test client, a signed-in admin, CSRF off): the POST that reads and keeps
the file, and the GET that judges every row and renders the table. Prints the best
round. The target: under 2 seconds for 1,000 rows.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from patientapp import create_app  # noqa: E402
from patientapp.accounts import save_clinic, save_clinician  # noqa: E402
from patientapp.courses import queries as courses  # noqa: E402
from patientapp.db import connect, migrate  # noqa: E402

PASSWORD = "bench password 123"
HEADER = ("Navn;E-mail;Mobil;Sprog;Forløb;Første konsultation;Henvisningsdato;Reference;"
          "0243;0244")


def export(rows: int, first: date) -> bytes:
    lines = [HEADER]
    for n in range(rows):
        day = first + timedelta(days=n % 60)
        lines.append(";".join([
            f"Patient Ærø {n}", f"p{n}@example.dk", f"{20000000 + n}", "da",
            "lumbar-radiculopathy", day.strftime("%d.%m.%Y"),
            (day - timedelta(days=5)).strftime("%d.%m.%Y"), f"BK-{n}",
            (day + timedelta(days=15)).strftime("%d.%m.%Y"),
            (day + timedelta(days=28)).strftime("%d.%m.%Y")]))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def setup(rows: int):
    folder = tempfile.mkdtemp(prefix="patientapp-import-")
    app = create_app({"DATABASE": f"{folder}/b.sqlite3", "SECRET_KEY": "b" * 40,
                      "WTF_CSRF_ENABLED": False, "BASE_URL": "http://localhost",
                      "LOG_LEVEL": "WARNING"})
    db = connect(app.config["DATABASE"])
    migrate(db)
    clinic = save_clinic(db, "Bench Clinic", alert_emails="vagt@bench.example")
    save_clinician(db, clinic, "admin@bench.example", "Admin", PASSWORD, "admin")
    first = date.today() + timedelta(days=30)
    pathway = app.extensions["content"].pathway("lumbar-radiculopathy")
    for n in range(0, rows, 2):  # every other row names an existing course
        day = first + timedelta(days=n % 60)
        courses.enrol(db, courses.NewPatient(clinic, f"Patient Ærø {n}", f"p{n}@example.dk"),
                      pathway, day, day - timedelta(days=5), external_id=f"BK-{n}")
    db.close()
    client = app.test_client()
    client.post("/clinic/login", data={"email": "admin@bench.example", "password": PASSWORD})
    return client, export(rows, first)


def one_round(client, data: bytes) -> float:
    start = time.perf_counter()
    response = client.post("/clinic/admin/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), "export.csv")})
    assert response.status_code == 302, response.status_code
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and page.data.count(b"<tr>") > 0
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    client, data = setup(options.rows)
    times = [one_round(client, data) for _ in range(options.rounds)]
    print(f"import preview, {options.rows} rows ({len(data) / 1024:.0f} KiB): "
          f"best {min(times):.3f} s, worst {max(times):.3f} s of {options.rounds} rounds")


if __name__ == "__main__":
    main()
