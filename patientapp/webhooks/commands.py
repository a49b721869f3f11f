"""``flask deliver``: send the webhook deliveries that are due; run it every few minutes.

Exit codes: 0 when everything due was delivered (or nothing was due), 1 when an attempt
failed (it is retried on a later run, or shown to the clinic once its window is over).
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_db
from ..timeutil import parse_now_option
from .sending import deliver_due, setup_from_app


@click.command("deliver")
@click.option("--now", "now_text", default=None,
              help="Act as if it were this moment: ISO 8601, clinic time unless a zone is given.")
@with_appcontext
def deliver_command(now_text: str | None) -> None:
    """Send completed questionnaires to the clinic's system (PATIENTAPP_WEBHOOK_URL), retrying
    those that failed before. Run it from cron or a systemd timer every few minutes."""
    now = parse_now_option(now_text)
    setup = setup_from_app(current_app._get_current_object())
    if setup is None:
        click.echo("PATIENTAPP_WEBHOOK_URL is not set: nothing is queued or sent.")
        return
    report = deliver_due(get_db(), setup, now)
    click.echo(f"Delivered {report.delivered}; {report.retrying} failed and will be retried; "
               f"{report.failed} failed for good and are shown to the clinic.")
    if report.retrying or report.failed:
        raise click.ClickException("some deliveries failed; see /clinic/admin/deliveries")
