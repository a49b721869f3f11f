"""``flask create-api-key``: a key for a clinic's system, without the browser (e.g. at set-up)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import accounts
from ..audit import record
from ..clinician.passwords import has_control_characters
from ..db import get_db
from . import queries


@click.command("create-api-key")
@click.option("--clinic", "clinic_name", required=True, help="The clinic's id or name.")
@click.option("--name", required=True, help="What the key is for, e.g. the system using it.")
@click.option("--scope", type=click.Choice(queries.SCOPES), default="read", show_default=True,
              help="read: courses and scores; write: also enrol patients and change courses.")
@with_appcontext
def create_api_key_command(clinic_name: str, name: str, scope: str) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    db = get_db()
    clinic, problem = accounts.find_clinic(db, clinic_name)
    if clinic is None:
        raise click.BadParameter(problem, param_hint="--clinic")
    if not name.strip() or len(name.strip()) > 100 or has_control_characters(name):
        raise click.BadParameter("give a name of 1 to 100 characters without control characters",
                                 param_hint="--name")
    key_id, key = queries.save_api_key(db, clinic["id"], name.strip(), None, scope)
    record(db, "command", None, clinic["id"], "create-api-key", "api-key", key_id, scope)
    click.echo(key)
