"""Clinic names identify one clinic: unique, and every --clinic option takes the id too."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from patientapp.accounts import save_clinic
from patientapp.db import connect
from patientapp.migrations import migrations

PASSWORD = "correct horse battery"


def test_the_migration_renames_clashing_clinics_and_says_so(tmp_path, capsys):
    db = connect(str(tmp_path / "old.sqlite3"))
    migrations.apply(db, stop_before="m008b_clinic_names")
    for name in ("Fysio Nord", "fysio nord ", "Fysio Syd", "FYSIO NORD", "Fysio Nord (id 4)"):
        db.execute("INSERT INTO clinics (name, created_at) VALUES (?, '2026-01-01')", [name])
    migrations.apply(db)
    names = [r["name"] for r in db.query("SELECT name FROM clinics ORDER BY id")]
    assert names == ["Fysio Nord", "fysio nord (id 2)", "Fysio Syd", "FYSIO NORD (id 4, 2)",
                     "Fysio Nord (id 4)"]
    printed = capsys.readouterr().err
    assert "clinic 2 " in printed and "clinic 4 " in printed and "clinic 1 " not in printed
    logged = list(db.query("SELECT clinic_id, action, detail FROM audit_log ORDER BY id"))
    assert [row["clinic_id"] for row in logged] == [2, 4]
    assert {row["action"] for row in logged} == {"rename-clinic-duplicate-name"}
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO clinics (name, created_at) VALUES ('fysio SYD', 'x')")


@pytest.fixture
def admin(client, db, content):
    from patientapp.demo import create_demo

    create_demo(db, content, "http://localhost", date.today(), PASSWORD)
    client.post("/clinic/login", data={"email": "demo@clinic.example", "password": PASSWORD})
    return client


@pytest.mark.parametrize("taken", ["Fysio Nord", "fysio nord", "  FYSIO NORD "])
def test_settings_refuse_a_name_another_clinic_has_and_keep_the_input(admin, db, taken):
    save_clinic(db, "Fysio Nord")
    before = list(db.query("SELECT * FROM clinics ORDER BY id"))
    response = admin.post("/clinic/admin/settings",
                          data={"name": taken, "phone": "70 10 10 10", "email": "",
                                "alert_emails": "vagt@clinic.example"})
    assert response.status_code == 400
    assert [a["href"] for a in response.page.select(".error-summary a")] == ["#name"]
    assert "Another clinic" in response.get_data(as_text=True) or \
        "anden klinik" in response.get_data(as_text=True).lower()
    assert response.page.select_one("#name")["value"] == taken.strip()  # kept, trimmed
    assert response.page.select_one("#phone")["value"] == "70 10 10 10"
    assert list(db.query("SELECT * FROM clinics ORDER BY id")) == before


def test_settings_keep_their_own_name_in_another_case(admin, db):
    response = admin.post("/clinic/admin/settings",
                          data={"name": "FYSIOTERAPI DEMO", "phone": "", "email": "",
                                "alert_emails": "vagt@clinic.example"})
    assert response.status_code == 302


# Every command with a --clinic option, found from the CLI itself: a new one must be added.
def _commands_taking_clinic(app) -> dict[str, list[str]]:
    """Each command with --clinic, and the other arguments a successful run needs."""
    import click

    ctx = click.Context(app.cli)
    found = {}
    for name in app.cli.list_commands(ctx):
        command = app.cli.get_command(ctx, name)
        if any("--clinic" in getattr(p, "opts", ()) for p in command.params):
            found[name] = command
    return found


EXTRA_ARGS = {
    "create-clinician": ["--email", "new@clinic.dk", "--name", "New", "--password",
                         "a sturdy passphrase 42"],
    "create-api-key": ["--name", "System"],
    "enrol": ["--pathway", "primary-low-back-pain", "--first-visit", "2026-03-02",
              "--name", "Anna Jensen"],
    "queue-webhooks": [],
}


def test_every_clinic_command_is_covered(app):
    assert set(_commands_taking_clinic(app)) == set(EXTRA_ARGS)


@pytest.fixture
def two_clinics(db):
    first = save_clinic(db, "Fysio Nord")
    second = save_clinic(db, "Fysio Syd")
    return first, second


def _run(app, runner, command, clinic):
    env = {"WEBHOOK_URL": "https://hooks.example/in"} if command == "queue-webhooks" else {}
    app.config.update(env)
    return runner.invoke(args=[command, "--clinic", clinic, *EXTRA_ARGS[command]])


def _clinic_of(db, command):
    query = {
        "create-clinician": "SELECT clinic_id FROM clinicians WHERE email = 'new@clinic.dk'",
        "create-api-key": "SELECT clinic_id FROM api_keys",
        "enrol": "SELECT clinic_id FROM courses",
    }.get(command)
    rows = list(db.query(query)) if query else []
    return rows[0]["clinic_id"] if rows else None


@pytest.mark.parametrize("command", sorted(EXTRA_ARGS))
@pytest.mark.parametrize("how", ["id", "name", "other case"])
def test_a_clinic_command_takes_the_id_or_the_name(app, runner, db, two_clinics, command, how):
    second = two_clinics[1]
    clinic = {"id": str(second), "name": "Fysio Syd", "other case": "fysio syd"}[how]
    result = _run(app, runner, command, clinic)
    assert result.exit_code == 0, result.output
    if command != "queue-webhooks":
        assert _clinic_of(db, command) == second


@pytest.mark.parametrize("command", sorted(EXTRA_ARGS))
@pytest.mark.parametrize("clinic", ["99", " "])
def test_a_clinic_command_refuses_what_names_no_clinic(app, runner, db, two_clinics, command,
                                                         clinic):
    result = _run(app, runner, command, clinic)
    assert result.exit_code == 2
    assert "clinic" in result.output.lower()
    assert _clinic_of(db, command) is None
    assert len(list(db.query("SELECT id FROM clinics"))) == 2


@pytest.mark.parametrize("command", sorted(EXTRA_ARGS))
def test_a_number_that_could_mean_two_clinics_is_refused(app, runner, db, two_clinics, command):
    # Clinic 3 is called "1": "--clinic 1" could mean it or clinic 1.
    called_one = save_clinic(db, "1")
    result = _run(app, runner, command, "1")
    assert result.exit_code == 2
    assert "more than one clinic" in result.output and str(called_one) in result.output
    assert _clinic_of(db, command) is None


def test_create_clinician_with_a_new_name_creates_that_clinic(runner, db, two_clinics):
    result = runner.invoke(args=["create-clinician", "--clinic", "Fysio Øst",
                                 *EXTRA_ARGS["create-clinician"]])
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in db.query("SELECT name FROM clinics ORDER BY id")] == \
        ["Fysio Nord", "Fysio Syd", "Fysio Øst"]
