"""flask check: every setting printed (secrets masked), unsafe ones warned about, errors exit 1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from patientapp.config import DEV_SECRET_KEY, defaults

SECRET = "a-production-secret-key-of-forty-characters"  # nosec B105
GOOD = {"SECRET_KEY": SECRET, "BASE_URL": "https://skema.fysio.example", "PROXY_COUNT": 1,
        "SMTP_HOST": "smtp.fysio.example", "MAIL_FROM": "skema@fysio.example",
        "SMTP_PASSWORD": "smtp-password-secret", "SMS_URL": "https://sms.example/send",
        "SMS_TOKEN": "sms-token-secret", "METRICS_TOKEN": "metrics-token-" + "x" * 30,
        "WEBHOOK_SECRET": None}


@pytest.fixture
def good(app, tmp_path_factory):
    app.config.update(GOOD, BACKUP_DIR=str(tmp_path_factory.mktemp("other-disk") / "backups"))
    return app


def check(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["check"])
    return result.exit_code, result.output  # standard output and error, interleaved


def test_good_settings_pass_and_every_setting_is_printed_once(good, db):
    code, out = check(good)
    assert code == 0, out
    assert out.rstrip().endswith("0 error(s), 0 warning(s).")
    names = re.findall(r"^  (\w+) ", out, re.MULTILINE)
    assert names == sorted(defaults(good.instance_path))
    for secret in (SECRET, "smtp-password-secret", "sms-token-secret", GOOD["METRICS_TOKEN"]):
        assert secret not in out
    assert re.search(r"^  SECRET_KEY +set \(43 characters\)", out, re.MULTILINE)
    assert re.search(r"^  SMS_URL +https://sms.example/send +\[configured\]", out, re.MULTILINE)


def test_a_password_inside_a_url_is_masked(good):
    good.config["SMS_URL"] = "https://clinic:hunter2-secret@sms.example/send"
    code, out = check(good)
    assert "hunter2-secret" not in out and "https://clinic:***@sms.example/send" in out


def test_where_each_setting_comes_from(good, monkeypatch):
    monkeypatch.setenv("PATIENTAPP_BASE_URL", GOOD["BASE_URL"])
    _, out = check(good)
    assert re.search(r"^  BASE_URL +https://skema.fysio.example +\[environment\]", out,
                     re.MULTILINE)
    assert re.search(r"^  RETENTION_DAYS +730 +\[default\]", out, re.MULTILINE)


def drop_last_migration(app, db):
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_worker_lease'")
    db.conn.commit()


def database_elsewhere(app, db, tmp_path):
    app.config["DATABASE"] = str(tmp_path / "missing" / "db.sqlite3")


def backups_beside_the_database(app, db, tmp_path):
    app.config["BACKUP_DIR"] = str(tmp_path / "backups")  # tmp_path holds the database


def backups_under_a_file(app, db, tmp_path):
    (tmp_path / "a-file").write_text("")
    app.config["BACKUP_DIR"] = str(tmp_path / "a-file" / "backups")


@pytest.mark.parametrize("change, level, says", [
    ({"SECRET_KEY": DEV_SECRET_KEY}, "ERROR", "SECRET_KEY PATIENTAPP_SECRET_KEY is not set"),
    ({"SECRET_KEY": "too-short"}, "ERROR", "at least 32 characters"),
    ({"BASE_URL": "http://skema.fysio.example"}, "WARNING", "BASE_URL is not https://"),
    ({"SMTP_HOST": None}, "WARNING", "SMTP_HOST is not set: e-mails are printed"),
    ({"MAIL_FROM": None}, "ERROR", "PATIENTAPP_MAIL_FROM is not"),
    ({"SMS_URL": None}, "WARNING", "SMS_URL is not set"),
    ({"BACKUP_DIR": None}, "WARNING", "BACKUP_DIR is not set: the worker makes no backups"),
    ({"BACKUP_KEEP": 0}, "ERROR", "BACKUP_KEEP must be a whole number"),
    (backups_beside_the_database, "WARNING", "BACKUP_DIR is on the database's own folder"),
    (backups_under_a_file, "ERROR", "cannot be created or written to"),
    ({"PROXY_COUNT": 0}, "WARNING", "PROXY_COUNT is 0 with an https BASE_URL"),
    ({"RATELIMIT_ENABLED": False}, "WARNING", "RATELIMIT_ENABLED is off"),
    ({"DEMO_PASSWORD": "demo-demo-demo"}, "WARNING", "DEMO_PASSWORD is set"),
    ({"METRICS_TOKEN": "short"}, "WARNING", "METRICS_TOKEN is shorter than 32"),
    ({"WORKER_LEASE_SECONDS": 0}, "ERROR", "WORKER_LEASE_SECONDS must be a positive"),
    (drop_last_migration, "WARNING", "1 migration(s) not applied (m009_worker_lease)"),
    (database_elsewhere, "ERROR", "DATABASE"),
])
def test_bad_settings_are_named(good, db, tmp_path, change, level, says):
    if callable(change):
        change(good, db, *([tmp_path] if change.__code__.co_argcount == 3 else []))
    else:
        good.config.update(change)
    code, out = check(good)
    findings = [line for line in out.splitlines() if line.startswith(("ERROR:", "WARNING:"))]
    assert len(findings) == 1, out
    assert findings[0].startswith(f"{level}: ") and says in findings[0], findings
    assert code == (1 if level == "ERROR" else 0)
    assert f"{int(level == 'ERROR')} error(s), {int(level == 'WARNING')} warning(s)." in out


def test_a_catalog_not_compiled_is_an_error_and_the_demo_compiles_it(good, db, tmp_path):
    """No app compiles catalogs as it starts: `check` names one that is stale, `demo` compiles."""
    catalogs = tmp_path / "translations" / "da" / "LC_MESSAGES"
    catalogs.mkdir(parents=True)
    source = good.config["BABEL_TRANSLATION_DIRECTORIES"]
    (catalogs / "messages.po").write_bytes(
        (Path(source) / "da/LC_MESSAGES/messages.po").read_bytes())
    good.config["BABEL_TRANSLATION_DIRECTORIES"] = str(tmp_path / "translations")
    code, out = check(good)
    assert code == 1 and "da: the compiled catalog is missing" in out
    assert not (catalogs / "messages.mo").exists()  # making the app did not compile it
    good.test_cli_runner().invoke(args=["demo", "--password", "demo password 123 long"])
    assert (catalogs / "messages.mo").exists()
    code, out = check(good)
    assert "compiled catalog" not in out
