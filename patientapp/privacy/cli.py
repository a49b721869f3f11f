"""``flask purge-expired`` and ``flask backup``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..db import get_db
from ..timeutil import utcnow
from .backup import backup
from .purge import Retention, purge_expired, would_purge


@click.command("purge-expired")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@with_appcontext
def purge_expired_command(dry_run: bool) -> None:
    """Delete what may no longer be kept: end courses left active AUTO_END_DAYS after their
    last visit, delete answers without consent once their consultation is over, and erase
    patients whose courses all ended more than RETENTION_DAYS ago."""
    db, retention, now = get_db(), Retention.from_config(current_app.config), utcnow()
    days = retention.keep_days
    if dry_run:
        found = would_purge(db, retention, now)
        click.echo(f"Would end {found.ended} course(s) past their last visit, delete answers of "
                   f"{found.timepoints} timepoint(s) without consent and erase "
                   f"{found.patients} patient(s) whose courses ended over {days} days ago.")
        return
    purged = purge_expired(db, retention, now)
    click.echo(f"Ended {purged.ended} course(s) past their last visit, deleted answers of "
               f"{purged.timepoints} timepoint(s) without consent and erased "
               f"{purged.patients} patient(s) past the retention period ({days} days).")


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
