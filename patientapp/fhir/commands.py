"""``flask export-fhir``: every completed questionnaire as one FHIR Bundle on standard output."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_db, now
from . import queries
from .bundles import export_bundle, to_json
from .resources import FhirSettings


@click.command("export-fhir")
@click.option("--since", default=None, help="Only questionnaires submitted on or after this "
                                            "date (YYYY-MM-DD).")
@with_appcontext
def export_fhir_command(since: str | None) -> None:
    """Write a FHIR R4 Bundle (type collection) as JSON: questionnaires, patients (pseudonyms
    only), responses, scores and alerts of consenting patients."""
    if since:
        try:
            date.fromisoformat(since)
        except ValueError:
            raise click.BadParameter("use the form YYYY-MM-DD", param_hint="--since") from None
    submissions = queries.list_submissions(get_db(), queries.SubmissionFilter(since=since))
    bundle = export_bundle(FhirSettings.from_config(current_app.config),
                           current_app.extensions["content"], submissions, now())
    click.echo(to_json(bundle).decode("utf-8"))
