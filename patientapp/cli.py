"""Command-line tools: ``flask --app patientapp demo``, ``export-csv`` and the feature commands."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import accounts
from .api.commands import create_api_key_command
from .checks import Day
from .clinician.passwords import has_control_characters, password_problem
from .courses.commands import enrol_command, move_visit_command
from .db import get_db, migrate
from .demo import create_demo
from .exports import write_csv
from .fhir.commands import export_fhir_command
from .i18n import compile_catalogs
from .monitoring.checkconfig import check_command
from .notifications.commands import send_due_command
from .queries import list_score_rows
from .timeutil import since_day, today
from .webhooks.commands import deliver_command, queue_webhooks_command


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--password", default=None, help="Use this clinician password (default: random).")
@with_appcontext
def demo_command(as_json: bool, password: str | None) -> None:
    """Create a demo clinic, clinician and patients; print the login and patient links."""
    compile_catalogs(Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    db = get_db()
    migrate(db)
    result = create_demo(db, current_app.extensions["content"],
                         current_app.config["BASE_URL"].rstrip("/"), today(),
                         password or current_app.config.get("DEMO_PASSWORD"))
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    clinician = result["clinician"]
    click.echo("Demo clinic ready.\n")
    click.echo(f"Clinician login: {clinician['login_url']}")
    click.echo(f"  e-mail:   {clinician['email']}\n  password: {clinician['password']}\n")
    click.echo("Patient links (open on a phone or in a narrow browser window):")
    for patient in result["patients"]:
        click.echo(f"  {patient['name']:<16} {patient['pathway']:<24} {patient['timepoint']:<12}"
                   f" {patient['link']}")


@click.command("export-csv")
@click.option("--since", type=Day(), default=None,
              help="Only scores submitted on or after this day, in clinic time (YYYY-MM-DD).")
@with_appcontext
def export_csv_command(since: date | None) -> None:
    """Write one CSV row per score to standard output (no names or contact details)."""
    write_csv(list_score_rows(get_db(), since=since_day(since)), sys.stdout)


PASSWORD_PROBLEMS = {
    "short": "must be at least 12 characters",
    "control": "cannot hold control characters such as a tab or a line break",
    "guessable": "is too easy to guess: avoid common passwords, names, dates and repeated or "
                 "keyboard patterns (four or five unrelated words work well)",
}


@click.command("create-clinician")
@click.option("--email", required=True, help="The clinician's e-mail address (their login).")
@click.option("--name", required=True, help="The clinician's full name.")
@click.option("--clinic", "clinic_name", required=True,
              help="The clinic's id or name; a new name creates the clinic.")
@click.option("--role", type=click.Choice(["admin", "clinician"]), default="admin",
              show_default=True, help="A clinic admin also manages accounts and settings.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 12 characters and hard to guess (prompted for when left out).")
@with_appcontext
def create_clinician_command(email: str, name: str, clinic_name: str, role: str,
                             password: str) -> None:
    """Create a clinician account, for example the first admin of a new clinic."""
    db = get_db()
    migrate(db)
    if "@" not in email or len(email) > 254 or has_control_characters(email):
        raise click.BadParameter("is not an e-mail address", param_hint="--email")
    if not name.strip() or len(name) > 200 or has_control_characters(name):
        raise click.BadParameter("give a name of 1 to 200 characters without control "
                                 "characters", param_hint="--name")
    problem = password_problem(password, [name, email, clinic_name])
    if problem:
        raise click.BadParameter(PASSWORD_PROBLEMS[problem], param_hint="--password")
    if accounts.get_clinician_by_email(db, email):
        raise click.ClickException(f"an account with the e-mail address {email} already exists")
    clinic = _clinic_or_new(db, clinic_name.strip())
    accounts.save_clinician(db, clinic["id"], email, name.strip(), password, role)
    click.echo(f"Created {role} {email} at clinic '{clinic['name']}' (id {clinic['id']}).")


def _clinic_or_new(db, wanted: str) -> dict:
    """The one clinic ``wanted`` names (id or name); a new name (not a number) creates it."""
    if not wanted or len(wanted) > 200 or has_control_characters(wanted):
        raise click.BadParameter("give the clinic's id or a name of 1 to 200 characters",
                                 param_hint="--clinic")
    clinic, problem = accounts.find_clinic(db, wanted)
    if clinic is not None:
        return clinic
    if wanted.isdigit():  # an id that matched nothing, or a number that could be two clinics
        raise click.BadParameter(problem, param_hint="--clinic")
    return {"id": accounts.save_clinic(db, wanted), "name": wanted}


@click.command("reset-2fa")
@click.option("--email", required=True, help="The e-mail address (login) of the account.")
@with_appcontext
def reset_two_factor_command(email: str) -> None:
    """Switch off a clinician's two-factor sign-in (a lost phone and no recovery codes).

    They sign in with their password alone, are signed out everywhere, are told by
    e-mail, and may set it up again; the clinic's audit log records the reset.
    """
    from .audit import record
    from .clinician.auth import reset_two_factor, tell_holder_of_reset
    from .db import write_transaction

    db = get_db()
    clinician = accounts.get_clinician_by_email(db, email)
    if clinician is None:
        raise click.ClickException(f"there is no account with the e-mail address {email}")
    with write_transaction(db):
        was_on = reset_two_factor(db, clinician["id"])
        if was_on:
            record(db, "command", None, clinician["clinic_id"], "reset-two-factor",
                   "clinician", clinician["id"])
    if not was_on:
        click.echo(f"{email} does not use two-factor sign-in; nothing changed.")
        return
    told = tell_holder_of_reset(db, clinician["id"], background=False)
    click.echo(f"Two-factor sign-in of {email} is reset: they sign in with their password "
               "alone" + (" and have been told by e-mail." if told else
                          ". The e-mail telling them could not be sent (see the log): tell "
                          "them yourself."))


def init_app(app: Flask) -> None:
    app.cli.add_command(check_command)
    app.cli.add_command(create_clinician_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(export_csv_command)
    app.cli.add_command(export_fhir_command)
    app.cli.add_command(deliver_command)
    app.cli.add_command(queue_webhooks_command)
    app.cli.add_command(create_api_key_command)
    app.cli.add_command(enrol_command)
    app.cli.add_command(move_visit_command)
    app.cli.add_command(send_due_command)
    app.cli.add_command(reset_two_factor_command)
