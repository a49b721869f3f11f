"""``flask check``: every setting in force, secrets masked, and what is unsafe about them.

A deploy runs it first: it exits 1 when a setting is an error (the app would refuse to
start, or could not work), and 0 with warnings for settings that work but are unsafe or
incomplete for real patients. ``review`` is pure apart from the database probe.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..config import DEV_SECRET_KEY, ConfigurationError, check_production, defaults
from ..db import get_db
from ..i18n import stale_catalogs
from ..notifications.backends import BackendConfigError, console_allowed
from ..notifications.sending import NOTHING_CONFIGURED, can_send, outlets_from_config
from ..timeutil import utcnow
from .readiness import OK, run_checks

SECRET = re.compile(r"(SECRET|PASSWORD|_TOKEN$|^TOKEN$)")
ENV_PREFIX = "PATIENTAPP_"
DERIVED = {"SESSION_COOKIE_SECURE": "from BASE_URL"}


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    setting: str
    message: str


def masked(name: str, value) -> str:
    """What may be printed of a setting: secrets only as set/unset, URLs without passwords."""
    if name == "SECRET_KEY" and value == DEV_SECRET_KEY:
        return "the development key (refused in production)"
    if SECRET.search(name):
        return f"set ({len(str(value))} characters)" if value else "unset"
    if isinstance(value, str) and "@" in value and "://" in value:
        parts = urlsplit(value)
        if parts.password:
            host = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port
                                                              else "")
            return urlunsplit(parts._replace(netloc=host))
    return repr(value) if not isinstance(value, str) else value


def source(name: str, value, default) -> str:
    if ENV_PREFIX + name in os.environ:
        return "environment"
    if name in DERIVED and default is None:
        return DERIVED[name]
    return "default" if value == default else "configured"


def settings(app: Flask) -> list[tuple[str, str, str]]:
    """(name, printable value, where it came from) for every setting the app has."""
    base = defaults(app.instance_path)
    return [(name, masked(name, app.config.get(name)), source(name, app.config.get(name),
                                                              base[name]))
            for name in sorted(base)]


def _production(config: Mapping, app: Flask) -> list[Finding]:
    try:
        check_production(app)
    except ConfigurationError as error:
        return [Finding("error", "SECRET_KEY", str(error))]
    if not str(config["BASE_URL"]).startswith("https://"):
        return [Finding("warning", "BASE_URL", "is not https:// although a production secret "
                        "key is set: patient links and sign-ins would travel unencrypted")]
    return []


def _sending(config: Mapping) -> list[Finding]:
    try:
        outlets = outlets_from_config(config)
    except BackendConfigError as error:
        return [Finding("error", "SMTP_HOST", str(error))]
    if not can_send(outlets):
        return [Finding("error", "SMTP_HOST", NOTHING_CONFIGURED)]
    if not console_allowed(config):  # production: a missing channel sends nothing at all
        return [Finding("warning", setting, f"is not set: {what} are not sent; patients with "
                        "only that contact detail get no invitation")
                for setting, what in (("SMTP_HOST", "e-mails"), ("SMS_URL", "text messages"))
                if not config.get(setting)]
    found = []
    if not config.get("SMTP_HOST"):
        found.append(Finding("warning", "SMTP_HOST", "is not set: e-mails are printed to "
                             "standard output, addresses and links included, and never sent"))
    if not config.get("SMS_URL"):
        found.append(Finding("warning", "SMS_URL", "is not set: text messages are printed to "
                             "standard output, numbers and links included, and never sent"))
    return found


def _backups(config: Mapping) -> list[Finding]:
    directory, keep = config.get("BACKUP_DIR"), config.get("BACKUP_KEEP")
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        return [Finding("error", "BACKUP_KEEP", f"must be a whole number of at least 1 "
                        f"(got {keep!r})")]
    if not directory:
        return [Finding("warning", "BACKUP_DIR", "is not set: the worker makes no backups")]
    path = Path(directory)
    parent = next((p for p in (path, *path.parents) if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK):
        return [Finding("error", "BACKUP_DIR", f"{directory} cannot be created or written to")]
    if Path(config["DATABASE"]).parent in (path, *path.parents):
        return [Finding("warning", "BACKUP_DIR", "is on the database's own folder: a lost "
                        "disk takes the backups with it")]
    return []


def _network(config: Mapping) -> list[Finding]:
    found = []
    if str(config["BASE_URL"]).startswith("https://") and config["PROXY_COUNT"] == 0:
        found.append(Finding(
            "warning", "PROXY_COUNT", "is 0 with an https BASE_URL: if a reverse proxy (Caddy, "
            "nginx) terminates TLS, set it to 1, or every patient shares the proxy's address "
            "in the rate limits and the audit log"))
    if not config.get("RATELIMIT_ENABLED"):
        found.append(Finding("warning", "RATELIMIT_ENABLED", "is off: link guessing and "
                             "password guessing are not slowed down"))
    if config.get("DEMO_PASSWORD"):
        found.append(Finding("warning", "DEMO_PASSWORD", "is set: the demo command would give "
                             "the demo clinician a known password"))
    token = config.get("METRICS_TOKEN")
    if token and len(str(token)) < 32:
        found.append(Finding("warning", "METRICS_TOKEN", "is shorter than 32 characters"))
    lease = config.get("WORKER_LEASE_SECONDS")
    if isinstance(lease, bool) or not isinstance(lease, int | float) or lease <= 0:
        found.append(Finding("error", "WORKER_LEASE_SECONDS",
                             f"must be a positive number of seconds (got {lease!r})"))
    return found


def _database(app: Flask) -> list[Finding]:
    checks = run_checks(app, get_db, utcnow())
    found = []
    if checks["database"] != OK:
        found.append(Finding("error", "DATABASE", f"{app.config['DATABASE']}: "
                             f"{checks['database']}"))
    elif checks["migrations"] != OK:
        found.append(Finding("warning", "DATABASE", checks["migrations"]))
    if checks["content"] != OK:
        found.append(Finding("error", "CONTENT_DIR", checks["content"]))
    return found


def _catalogs(config) -> list[Finding]:
    stale = stale_catalogs(Path(config["BABEL_TRANSLATION_DIRECTORIES"]))
    return [Finding("error", "BABEL_TRANSLATION_DIRECTORIES",
                    f"{po.parent.parent.name}: the compiled catalog is missing or older than "
                    "messages.po; run `flask --app patientapp translations compile`")
            for po in stale]


def review(app: Flask) -> list[Finding]:
    """Every problem with the settings in force, errors first."""
    config = app.config
    found = [*_production(config, app), *_sending(config), *_backups(config),
             *_network(config), *_database(app), *_catalogs(config)]
    return sorted(found, key=lambda f: f.level != "error")


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Print every setting in force (secrets masked) and warn about unsafe ones; exit code 1
    when a setting is an error. Run it before starting or upgrading the app."""
    app = current_app._get_current_object()
    rows = settings(app)
    width = max(len(name) for name, _, _ in rows)
    click.echo("Settings in force (secrets masked):")
    for name, value, origin in rows:
        click.echo(f"  {name:<{width}}  {value}  [{origin}]")
    findings = review(app)
    for finding in findings:
        click.echo(f"{finding.level.upper()}: {finding.setting} {finding.message}",
                   err=finding.level == "error")
    errors = sum(f.level == "error" for f in findings)
    click.echo(f"{errors} error(s), {len(findings) - errors} warning(s).")
    if errors:
        raise click.exceptions.Exit(1)
