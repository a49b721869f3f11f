"""SQL lives in queries.py modules, and writes that belong together commit together.

The structure test walks every module, so a query written into a view fails here; the
transaction tests make the audit entry fail and check the change it records did not
happen either (a change without its audit entry, or half a password change, is a gap).
"""

from __future__ import annotations

import ast
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from patientapp import queries
from patientapp.accounts import get_clinician_by_email, password_matches, save_clinician
from patientapp.demo import create_demo

PACKAGE = Path(__file__).resolve().parent.parent / "patientapp"
DATABASE_CALLS = {"query", "execute", "executemany", "executescript", "table", "atomic"}
# Not queries: the connection and transactions themselves, the schema, the rate limiter's
# own disposable counter file, and the integrity check of a backup copy.
PLUMBING = {"db.py", "migrations.py", "web/ratelimit.py", "privacy/backup.py"}
PASSWORD = "correct horse battery"


def _database_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    return [f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.func.attr}()"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in DATABASE_CALLS]


def test_only_queries_modules_touch_the_database():
    modules = [p for p in PACKAGE.rglob("*.py") if p.name != "queries.py"
               and str(p.relative_to(PACKAGE)) not in PLUMBING]
    found = [call for path in modules for call in _database_calls(path)]
    assert found == [], "move these into a queries.py module"


def test_the_exemptions_still_exist():
    for name in PLUMBING:
        assert (PACKAGE / name).exists(), name


def test_one_query_reads_a_clinic():
    copies = [p for p in PACKAGE.rglob("*.py")
              if "FROM clinics WHERE id" in p.read_text("utf-8")]
    assert [str(p.relative_to(PACKAGE)) for p in copies] == ["queries.py"]


# --- writes that belong together ----------------------------------------------------------

@pytest.fixture
def demo(db, content):
    return create_demo(db, content, "http://localhost", date.today(), PASSWORD)


@pytest.fixture
def admin(client, demo):
    response = client.post("/clinic/login", data={"email": "demo@clinic.example",
                                                  "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def audit_fails(monkeypatch):
    """Inside the block, writing an audit entry fails (as a full disk would), and the
    request must raise it."""
    def broken(*args, **kwargs):
        raise OSError("disk full")

    @contextmanager
    def _failing():
        with monkeypatch.context() as patch, pytest.raises(OSError):
            patch.setattr(queries, "save_audit_entry", broken)
            yield
    return _failing


def _audit_count(db) -> int:
    return next(db.query("SELECT count(*) AS n FROM audit_log"))["n"]


def test_a_password_change_is_one_transaction(app, admin, db, audit_fails):
    other = app.test_client()  # the same account on a second device
    other.post("/clinic/login", data={"email": "demo@clinic.example", "password": PASSWORD})
    sessions = next(db.query("SELECT count(*) AS n FROM clinician_sessions"))["n"]
    with audit_fails():
        admin.raw.post("/clinic/account/password", data={
            "current": PASSWORD, "new": "a brand new password", "repeat": "a brand new password"})
    assert password_matches(get_clinician_by_email(db, "demo@clinic.example"), PASSWORD)
    assert next(db.query("SELECT count(*) AS n FROM clinician_sessions"))["n"] == sessions
    assert other.get("/clinic/").status_code == 200  # still signed in


def test_a_password_change_signs_out_other_devices_and_keeps_this_one(app, admin, db):
    other = app.test_client()
    other.post("/clinic/login", data={"email": "demo@clinic.example", "password": PASSWORD})
    response = admin.post("/clinic/account/password", data={
        "current": PASSWORD, "new": "a brand new password", "repeat": "a brand new password"})
    assert response.status_code == 302
    assert admin.get("/clinic/").status_code == 200
    assert other.get("/clinic/").status_code == 302
    assert password_matches(get_clinician_by_email(db, "demo@clinic.example"),
                            "a brand new password")


def test_deactivating_a_clinician_is_one_transaction(admin, db, clinic_id, audit_fails):
    demo_clinic = get_clinician_by_email(db, "demo@clinic.example")["clinic_id"]
    target = save_clinician(db, demo_clinic, "b@clinic.example", "B", PASSWORD)
    with audit_fails():
        admin.raw.post(f"/clinic/admin/clinicians/{target}/active")
    assert get_clinician_by_email(db, "b@clinic.example")["active"] == 1


@pytest.mark.parametrize(("url", "data", "table", "column"), [
    ("/clinic/admin/settings", {"name": "Ny Klinik", "phone": "", "email": "",
                                "alert_emails": "vagt@ny-klinik.example", "alert_phones": ""},
     "clinics", "name"),
])
def test_a_change_and_its_audit_entry_commit_together(admin, db, audit_fails, url, data, table,
                                                       column):
    before = list(db.query(f"SELECT {column} FROM {table} ORDER BY id"))  # nosec B608
    audits = _audit_count(db)
    with audit_fails():
        admin.raw.post(url, data=data)
    assert list(db.query(f"SELECT {column} FROM {table} ORDER BY id")) == before  # nosec B608
    assert _audit_count(db) == audits


def test_contact_details_and_their_audit_entry_commit_together(admin, db, audit_fails):
    course = next(db.query("SELECT id, patient_id FROM courses ORDER BY id"))
    before = next(db.query("SELECT name FROM patients WHERE id = ?", [course["patient_id"]]))
    with audit_fails():
        admin.raw.post(f"/clinic/courses/{course['id']}/edit", data={
            "name": "Nyt Navn", "email": "", "phone": "", "language": "da"})
    assert next(db.query("SELECT name FROM patients WHERE id = ?",
                         [course["patient_id"]])) == before


def test_an_enrolment_and_its_audit_entry_commit_together(admin, db, audit_fails):
    courses_before = next(db.query("SELECT count(*) AS n FROM courses"))["n"]
    with audit_fails():
        admin.raw.post("/clinic/patients/new", data={
            "name": "Ny Patient", "pathway": "primary-low-back-pain", "language": "da",
            "first_visit": date.today().isoformat(), "email": "", "phone": "",
            "referral_date": ""})
    assert next(db.query("SELECT count(*) AS n FROM courses"))["n"] == courses_before
