"""GDPR: the patient sees and downloads their data; an admin exports and erases; retention."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest
from helpers import submit

from patientapp.demo import create_demo
from patientapp.privacy.backup import backup, verify
from patientapp.privacy.queries import erase_patient, purge_unconsented

PASSWORD = "correct horse battery"


@pytest.fixture
def demo(db, content):
    return create_demo(db, content, "http://localhost", date.today(), PASSWORD)


def token_of(demo, name):
    return next(p["link"] for p in demo["patients"] if p["name"] == name).rsplit("/", 1)[1]


def test_patient_downloads_everything_held_about_them(client, demo, db):
    token = token_of(demo, "Bent Nielsen")
    page = client.get(f"/q/{token}/my-data").page
    assert page.select_one("form[action$='/my-data.json'] button")
    assert not page.select("form input[name=answer]")  # no contact details: nothing to ask
    response = client.post(f"/q/{token}/my-data.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["patient"]["name"] == "Bent Nielsen"
    assert {r["instrument"] for r in data["responses"]} >= {"odi", "nprs", "psfs", "safety"}
    assert data["scores"] and data["consents"] and data["timepoints"]
    text = json.dumps(data)
    assert "token_hash" not in text and "Anna Jensen" not in text
    audit = list(db.query("SELECT action FROM audit_log WHERE action = 'download-own-data'"))
    assert len(audit) == 1


def sign_in(client):
    client.post("/clinic/login", data={"email": "demo@clinic.example", "password": PASSWORD})


def course_of(db, name):
    return next(db.query("SELECT courses.id, patient_id FROM courses JOIN patients ON"
                         " patients.id = courses.patient_id WHERE name = ?", [name]))


def test_admin_exports_a_patient_as_json(client, demo, db):
    sign_in(client)
    course = course_of(db, "Camilla Larsen")
    response = client.get(f"/clinic/courses/{course['id']}/export.json")
    assert json.loads(response.get_data(as_text=True))["patient"]["name"] == "Camilla Larsen"


def test_erasure_needs_the_name_typed_and_then_removes_everything(client, demo, db):
    sign_in(client)
    course = course_of(db, "Erik Madsen")
    wrong = client.post(f"/clinic/courses/{course['id']}/erase", data={"confirm": "Erik"})
    assert wrong.status_code == 400 and wrong.page.select_one("#confirm")["value"] == "Erik"
    done = client.post(f"/clinic/courses/{course['id']}/erase",
                       data={"confirm": "Erik Madsen"})
    assert done.status_code == 302
    for table in ("responses", "scores", "alerts", "timepoints", "invitations", "consents"):
        left = list(db.query(f"SELECT * FROM {table} WHERE course_id = ?", [course["id"]]))
        assert left == [], table
    assert list(db.query("SELECT * FROM patients WHERE name = 'Erik Madsen'")) == []
    assert list(db.query("SELECT * FROM audit_log WHERE object_type = 'course'"
                         " AND object_id = ?", [course["id"]])) == []
    assert client.get(f"/clinic/courses/{course['id']}").status_code == 404


def test_erasing_one_patient_leaves_the_others(db, demo):
    before = next(db.query("SELECT count(*) AS n FROM scores"))["n"]
    erase_patient(db, course_of(db, "Anna Jensen")["patient_id"])  # has no scores
    assert next(db.query("SELECT count(*) AS n FROM scores"))["n"] == before


def test_answers_without_consent_are_deleted_once_the_consultation_is_over(client, db,
                                                                          enrol, content):
    from helpers import answer_everything

    course_id, token = enrol(consent="refused")
    answer_everything(client, token, content)
    client.post(f"/q/{token}/submit")
    visit = next(db.query("SELECT visit_date FROM timepoints WHERE course_id = ? AND"
                          " key = 'baseline'", [course_id]))["visit_date"]
    assert purge_unconsented(db, date.fromisoformat(visit)) == 0  # not over yet
    assert purge_unconsented(db, date.fromisoformat(visit) + timedelta(days=1)) == 1
    assert list(db.query("SELECT * FROM responses WHERE course_id = ?", [course_id])) == []
    assert list(db.query("SELECT * FROM scores WHERE course_id = ?", [course_id])) == []


def test_purge_expired_erases_patients_past_the_retention_period(runner, db, demo):
    course = course_of(db, "Dorte Hansen")
    db.execute("UPDATE courses SET status = 'ended', ended_at = '2001-01-01T00:00:00+00:00'"
               " WHERE id = ?", [course["id"]])
    result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert "erased 1 patient" in result.output
    assert list(db.query("SELECT * FROM patients WHERE name = 'Dorte Hansen'")) == []


def test_a_dry_run_counts_both_kinds_and_deletes_nothing(runner, db, demo, enrol, content):
    course = course_of(db, "Dorte Hansen")
    db.execute("UPDATE courses SET status = 'ended', ended_at = '2001-01-01T00:00:00+00:00'"
               " WHERE id = ?", [course["id"]])
    refused = enrol(consent="refused")[0]
    submit(db, content, refused)
    db.execute("UPDATE timepoints SET visit_date = '2001-01-01' WHERE course_id = ?"
               " AND key = 'baseline'", [refused])
    tables = ("patients", "responses", "scores")
    before = {t: list(db.query(f"SELECT * FROM {t}")) for t in tables}
    result = runner.invoke(args=["purge-expired", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would end 0 course(s) past their last visit, delete answers of 1 timepoint(s) " \
        "without consent and erase 1 patient(s)" in result.output
    assert {t: list(db.query(f"SELECT * FROM {t}")) for t in tables} == before
    done = runner.invoke(args=["purge-expired"]).output
    assert "answers of 1 timepoint(s) without consent and erased 1 patient(s)" in done


def _last_visit_days_ago(db, course_id: int, days: int) -> None:
    """Move every visit of the course so that the last one was ``days`` days ago."""
    last = date.fromisoformat(next(db.query(
        "SELECT max(visit_date) AS d FROM timepoints WHERE course_id = ?", [course_id]))["d"])
    shift = (last - (date.today() - timedelta(days=days))).days
    for row in list(db.query("SELECT id, visit_date FROM timepoints WHERE course_id = ?",
                             [course_id])):
        moved = date.fromisoformat(row["visit_date"]) - timedelta(days=shift)
        db.execute("UPDATE timepoints SET visit_date = ? WHERE id = ?",
                   [moved.isoformat(), row["id"]])


@pytest.mark.parametrize("days_ago, ends", [(91, True), (89, False)])
def test_a_course_left_active_ends_after_its_last_visit(runner, app, db, enrol, days_ago, ends):
    """Left active, a course would never reach the retention period: it ends AUTO_END_DAYS
    (90) after its last planned visit, with an audit entry and its webhook event."""
    course_id = enrol()[0]
    _last_visit_days_ago(db, course_id, days_ago)
    assert f"Would end {int(ends)} course(s)" in runner.invoke(
        args=["purge-expired", "--dry-run"]).output
    result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0 and f"Ended {int(ends)} course(s)" in result.output
    course = next(db.query("SELECT status, ended_at FROM courses WHERE id = ?", [course_id]))
    assert (course["status"] == "ended") == ends and bool(course["ended_at"]) == ends
    entries = list(db.query("SELECT * FROM audit_log WHERE action = 'auto-end-course'"
                            " AND object_id = ?", [course_id]))
    assert len(entries) == ends and all(e["clinic_id"] for e in entries)


def test_auto_end_can_be_switched_off(runner, app, db, enrol):
    app.config["AUTO_END_DAYS"] = 0
    course_id = enrol()[0]
    _last_visit_days_ago(db, course_id, 3650)
    assert "Ended 0 course(s)" in runner.invoke(args=["purge-expired"]).output
    assert next(db.query("SELECT status FROM courses WHERE id = ?",
                         [course_id]))["status"] == "active"


def test_backup_is_consistent_and_verified(runner, app, tmp_path, demo):
    target = tmp_path / "backup.sqlite3"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert verify(target) == "ok"
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "--force" in again.output


def test_a_corrupt_backup_is_not_kept(tmp_path):
    source = tmp_path / "broken.sqlite3"
    source.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(sqlite3.DatabaseError):
        backup(str(source), tmp_path / "copy.sqlite3")
    assert not (tmp_path / "copy.sqlite3").exists()
