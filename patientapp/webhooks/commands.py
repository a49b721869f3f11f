"""``flask deliver``: send the webhook deliveries that are due (the worker runs it every minute).
``flask queue-webhooks``: queue questionnaires completed before the webhook was set up.

Exit codes: 0 when everything due was delivered (or nothing was due), 1 when an attempt
failed (it is retried on a later run, or shown to the clinic once its window is over),
2 for bad options or no webhook set up (queue-webhooks).
"""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from ..accounts import find_clinic
from ..checks import Day
from ..db import get_db
from ..timeutil import iso, parse_now_option, start_of_day, utcnow
from .outbox import queue_earlier_submissions
from .sending import deliver_due, setup_from_app


@click.command("deliver")
@click.option("--now", "now_text", default=None,
              help="Act as if it were this moment: ISO 8601, clinic time unless a zone is given.")
@with_appcontext
def deliver_command(now_text: str | None) -> None:
    """Send completed questionnaires to the clinic's system (PATIENTAPP_WEBHOOK_URL), retrying
    those that failed before. `flask worker` does this every minute."""
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


@click.command("queue-webhooks")
@click.option("--since", type=Day(), default=None,
              help="Only questionnaires sent on or after this day (clinic time).")
@click.option("--clinic", "clinic", default=None, help="Only this clinic (its id or name).")
@with_appcontext
def queue_webhooks_command(since: date | None, clinic: str | None) -> None:
    """Queue the completed questionnaires that were never sent to the clinic's system (for
    example those sent before PATIENTAPP_WEBHOOK_URL was set), oldest first. Consenting
    patients only; one already queued or sent is left alone. `flask deliver` sends them."""
    if not current_app.config.get("WEBHOOK_URL"):
        raise click.UsageError("PATIENTAPP_WEBHOOK_URL is not set: there is nowhere to send to.")
    clinic_id = None
    if clinic is not None:
        found, problem = find_clinic(get_db(), clinic)
        if found is None:
            raise click.BadParameter(problem, param_hint="--clinic")
        clinic_id = found["id"]
    start = None
    if since is not None:
        start = iso(start_of_day(since))
    queued, already = queue_earlier_submissions(
        get_db(), current_app.config, current_app.extensions["content"], utcnow(), start,
        clinic_id)
    click.echo(f"Queued {queued} completed questionnaire(s); {already} already queued or sent. "
               "Run `flask --app patientapp deliver` to send them now.")
