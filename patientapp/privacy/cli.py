"""``flask purge-expired`` and ``flask backup``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..audit import record
from ..db import get_db
from ..timeutil import iso, today, utcnow
from . import queries
from .backup import backup


@click.command("purge-expired")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@with_appcontext
def purge_expired_command(dry_run: bool) -> None:
    """Delete what may no longer be kept: answers without consent once their consultation
    is over, and patients whose courses all ended more than RETENTION_DAYS ago."""
    db = get_db()
    days = int(current_app.config["RETENTION_DAYS"])
    cutoff = iso(utcnow() - timedelta(days=days))
    patients = queries.expired_patients(db, cutoff)
    if dry_run:
        click.echo(f"Would erase {len(patients)} patient(s) whose courses ended over {days} "
                   "days ago.")
        return
    purged = queries.purge_unconsented(db, today())
    for patient_id in patients:
        queries.erase_patient(db, patient_id)
    record(db, "system", None, None, "purge-expired",
           detail=f"{purged} timepoint(s) without consent, {len(patients)} patient(s)")
    click.echo(f"Deleted answers of {purged} timepoint(s) without consent and erased "
               f"{len(patients)} patient(s) past the retention period ({days} days).")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Make a consistent online backup of the database at PATH and verify it."""
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; use --force to overwrite it")
    verdict = backup(current_app.config["DATABASE"], path)
    if verdict != "ok":
        raise click.ClickException(f"the backup failed its integrity check: {verdict}")
    click.echo(f"Backup written to {path} and verified (integrity_check: ok).")


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_expired_command)
    app.cli.add_command(backup_command)
