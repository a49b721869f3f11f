"""``flask worker``: everything that would otherwise need cron, in one process."""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_db, migrate
from ..notifications.backends import BackendConfigError
from ..notifications.sending import outlets_from_config
from ..timeutil import parse_now_option, utcnow
from .loop import Worker


def _clock(now_text: str | None):
    """The real clock, or one that started at ``--now`` and runs on from there."""
    if now_text is None:
        return utcnow
    offset = parse_now_option(now_text) - utcnow()
    return lambda: utcnow() + offset


@click.command("worker")
@click.option("--once", is_flag=True,
              help="Run whatever is due now and exit (for cron: every 5 minutes).")
@click.option("--now", "now_text", default=None,
              help="Act as if the clock started at this moment: ISO 8601, clinic time unless "
                   "a zone is given.")
@with_appcontext
def worker_command(once: bool, now_text: str | None) -> None:
    """Send invitations and reminders, deliver webhooks, purge expired data and back up the
    database, each when it is due. Only one worker acts at a time (a lease in the database);
    SIGTERM stops it between jobs. Exit code 1 when a job failed (--once), 2 for bad input."""
    try:
        outlets_from_config(current_app.config)
    except BackendConfigError as error:
        raise click.UsageError(str(error)) from None
    db = get_db()
    migrate(db)
    worker = Worker(current_app._get_current_object(), db, _clock(now_text))
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    if not once:
        worker.serve()
        return
    try:
        outcomes = worker.run_once()
    finally:
        worker.release()
    if outcomes is None:
        click.echo("Another worker holds the lease: nothing done.")
        return
    failed = [o.job for o in outcomes if not o.ok]
    click.echo(f"Ran {len(outcomes)} job(s) that were due"
               + (f"; failed: {', '.join(failed)}." if failed else "."))
    if failed:
        raise click.ClickException("see the log for what went wrong")
