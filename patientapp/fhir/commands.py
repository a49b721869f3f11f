"""``flask export-fhir``: every completed questionnaire as one FHIR Bundle on standard output."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from ..checks import Day
from ..db import get_db, now
from ..timeutil import since_day
from . import queries
from .bundles import export_bundle, to_json
from .resources import FhirSettings


@click.command("export-fhir")
@click.option("--since", type=Day(), default=None,
              help="Only questionnaires submitted on or after this day, in clinic time "
                   "(YYYY-MM-DD).")
@with_appcontext
def export_fhir_command(since: date | None) -> None:
    """Write a FHIR R4 Bundle (type collection) as JSON: every questionnaire version in use
    (today's and each one a response was answered on), patients (pseudonyms only),
    responses, scores and alerts of consenting patients."""
    content = current_app.extensions["content"]
    submissions = queries.list_submissions(get_db(),
                                           queries.SubmissionFilter(since=since_day(since)),
                                           content)
    bundle = export_bundle(FhirSettings.from_config(current_app.config), content, submissions,
                           now())
    click.echo(to_json(bundle).decode("utf-8"))
