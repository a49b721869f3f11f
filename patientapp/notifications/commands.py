"""``flask send-due``: send the invitations and reminders that are due (the worker runs it).

Exit codes: 0 when every message due was handed over (or none was due), 1 when a send
failed (it is retried on a later run), 2 for bad input or configuration.
"""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_db
from ..timeutil import clinic_tz, parse_now_option
from . import due
from .backends import BackendConfigError
from .sending import NOTHING_CONFIGURED, Report, can_send, outlets_from_config, send_due


def _describe(report: Report, now: datetime) -> list[str]:
    lines = []
    if report.alarms.sent or report.alarms.failed:
        lines.append(f"Alarm notifications to clinics: {report.alarms.sent} sent, "
                     f"{report.alarms.retrying} failed and will be retried, "
                     f"{report.alarms.given_up} given up.")
    if report.held_back:
        ids = ", ".join(str(clinic_id) for clinic_id in report.held_back)
        lines.append(f"Links held back for clinic(s) {ids}: no alert address for alarm "
                     "notifications is set. An admin sets one under Clinic settings.")
    if report.interrupted:
        lines.append(f"{report.interrupted} message(s) left unfinished by an earlier run were "
                     "not sent again (delivery unknown); the clinic is shown them.")
    if report.outside_hours:
        local = now.astimezone(clinic_tz()).strftime("%H:%M")
        lines.append(f"It is {local} in {clinic_tz().key}, outside sending hours "
                     f"({due.SEND_FROM:%H:%M}-{due.SEND_UNTIL:%H:%M}): nothing sent.")
        return lines
    lines.append(f"Sent {report.sent} message(s); {report.retrying} failed and will be retried; "
                 f"{report.given_up} given up after {due.MAX_ATTEMPTS} attempts.")
    return lines


@click.command("send-due")
@click.option("--now", "now_text", default=None,
              help="Act as if it were this moment: ISO 8601, clinic time unless a zone is given.")
@with_appcontext
def send_due_command(now_text: str | None) -> None:
    """Send the invitations and reminders that are due now (`flask worker` does this every
    5 minutes; run it by hand to send at once)."""
    now = parse_now_option(now_text)
    try:
        outlets = outlets_from_config(current_app.config)
    except BackendConfigError as error:
        raise click.UsageError(str(error)) from None
    if not can_send(outlets):
        raise click.UsageError(NOTHING_CONFIGURED)
    report = send_due(get_db(), now, outlets)
    for line in _describe(report, now):
        click.echo(line)
    if report.failed:
        raise click.ClickException(f"{report.failed} message(s) could not be sent; "
                                   "see the outbox.")
