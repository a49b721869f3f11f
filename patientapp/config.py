"""Configuration: defaults, then ``instance/config.py``, then ``PATIENTAPP_*`` variables.

Every path is absolute. ``check_production`` refuses a production start that still
uses the development secret key.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from .timeutil import DEFAULT_TIMEZONE, zone

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")  # nosec B104: names refused
DEV_SECRET_KEY = "dev-only-not-secret"  # nosec B105  # noqa: S105 - a marker, refused in production


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete for the way the app was started."""


def defaults(instance_path: str) -> dict:
    """Settings that work for a demo on one machine."""
    return {
        "SECRET_KEY": DEV_SECRET_KEY,
        "DATABASE": str(Path(instance_path) / "patientapp.sqlite3"),
        "BASE_URL": "http://127.0.0.1:5000",
        "CONTENT_DIR": str(PROJECT_ROOT / "content"),
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "BABEL_DEFAULT_LOCALE": "da",
        # The clinic's time zone: what "today", "due" and "expired" mean on both sides,
        # and the zone times are shown in (BABEL_DEFAULT_TIMEZONE follows it).
        "TIMEZONE": DEFAULT_TIMEZONE,
        "LANGUAGES": ["da", "en"],
        # How dates, times and numbers are written in each language: British English day
        # order and 24-hour clock for a Danish clinic's English readers.
        "FORMAT_LOCALES": {"da": "da_DK", "en": "en_GB"},
        # A questionnaire page posts a few hundred bytes; nothing legitimate is near this.
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # Patients may leave a page open for hours; the token lives as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": None,  # None: Secure exactly when BASE_URL is https
        "SESSION_COOKIE_NAME": "patientapp_session",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "CLINICIAN_SESSION_MINUTES": 30,
        "TOKEN_BYTES": 32,  # nosec B105
        "DEMO_PASSWORD": None,  # nosec B105
        # Finished courses are erased this many days after they ended (purge-expired).
        "RETENTION_DAYS": 730,
        # An active course ends by itself this many days after its last planned visit (its
        # last follow-up), so that the retention period above reaches it; 0: never.
        "AUTO_END_DAYS": 90,
        # The worker (flask worker): a verified backup a day into BACKUP_DIR (unset: no
        # backups), keeping the newest BACKUP_KEEP; a worker that stops renewing its lease
        # for WORKER_LEASE_SECONDS is taken over by the next.
        "BACKUP_DIR": None,
        "BACKUP_KEEP": 14,
        "WORKER_LEASE_SECONDS": 60,
        # Logs on standard error: "text" lines, or "json" (one object per line).
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "INFO",
        # GET /metrics answers only with "Authorization: Bearer METRICS_TOKEN"; unset: 404.
        "METRICS_TOKEN": None,  # nosec B105
        # Per minute per client address. Failures are counted across all server processes
        # in a small file of their own (default: next to DATABASE, ".ratelimit" before the
        # suffix); PATIENT_RATE_LIMIT counts every page, per process (see ratelimit.py).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_DATABASE": None,
        # Reverse proxies in front of the app (nginx, Caddy: 1). Their X-Forwarded-For and
        # X-Forwarded-Proto are trusted that many hops deep, so rate limits and the audit
        # log see the patient's address, not the proxy's. 0: the headers are ignored.
        "PROXY_COUNT": 0,
        "PATIENT_RATE_LIMIT": 300,  # generous: phones behind one carrier address share it
        "BAD_LINK_LIMIT": 20,  # unknown or expired links: someone guessing tokens
        "SIGN_IN_FAILURE_LIMIT": 20,
        # Wrong passwords for one e-mail address from one client address in 15 minutes
        # before that pair is paused (the account itself is never locked).
        "SIGN_IN_PAUSE_AFTER": 5,
        # Wrong two-factor codes for one account in 15 minutes (on the sign-in step, and
        # when switching it off) before that account's codes are paused.
        "TWO_FACTOR_FAILURE_LIMIT": 5,
        # Wrong answers to "the last four digits of your phone" before the patient's own
        # data is handed over: per address a minute, and per course an hour (10 000
        # possible answers at 10 an hour outlast any link).
        "MY_DATA_CHECK_LIMIT": 5,
        "MY_DATA_CHECK_HOURLY_LIMIT": 10,
        # Invitations and reminders: without SMTP_HOST / SMS_URL they are printed instead.
        "SMTP_HOST": None,
        "SMTP_PORT": 587,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,  # nosec B105
        "SMTP_STARTTLS": True,
        "MAIL_FROM": None,
        "SMS_URL": None,
        "SMS_USERNAME": None,
        "SMS_PASSWORD": None,  # nosec B105
        "SMS_TOKEN": None,  # nosec B105
        "SMS_FROM": None,
        # An alarm answer is sent to the clinic's alert addresses straight away, by a
        # background thread (send-due retries whatever it could not send).
        "ALARM_SEND_ON_SAVE": True,
        # Sending scores to the clinic's system (README): FHIR, the webhook and the read API.
        "FHIR_BASE": "https://patientapp.dk/fhir",
        "FHIR_INCLUDE_NAMES": False,
        "WEBHOOK_URL": None,
        "WEBHOOK_SECRET": None,  # nosec B105
        "WEBHOOK_TIMEOUT": 5,
        "WEBHOOK_RETRY_HOURS": 48,
        "WEBHOOK_SEND_ON_SUBMIT": True,
        "API_RATE_LIMIT": 120,  # requests per minute per key
        "API_AUTH_FAILURE_LIMIT": 20,  # failed attempts per minute per client address
        "API_IDEMPOTENCY_HOURS": 24,  # how long a POST's answer is kept for its retries
        # The admin's CSV import from the booking system: the largest file and the most
        # rows at a time, and how long an upload waits for its confirmation.
        "IMPORT_MAX_BYTES": 2 * 1024 * 1024,
        "IMPORT_MAX_ROWS": 5000,
        "IMPORT_PREVIEW_MINUTES": 30,
    }


def load(app: Flask, test_config: dict | None) -> None:
    """Apply the configuration layers in order; later layers win."""
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PATIENTAPP")
    if test_config:
        app.config.from_mapping(test_config)
    proxies = app.config["PROXY_COUNT"]
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        raise ConfigurationError("PATIENTAPP_PROXY_COUNT must be a whole number: how many "
                                 f"reverse proxies stand in front of the app (got {proxies!r}).")
    try:
        app.config["BABEL_DEFAULT_TIMEZONE"] = zone(app.config["TIMEZONE"]).key
    except ValueError:
        raise ConfigurationError("PATIENTAPP_TIMEZONE must be a time zone name such as "
                                 f"Europe/Copenhagen (got {app.config['TIMEZONE']!r}).") from None
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    for key in ("DATABASE", "CONTENT_DIR", "BABEL_TRANSLATION_DIRECTORIES", "BACKUP_DIR"):
        if app.config[key] not in (":memory:", None, ""):
            app.config[key] = str(Path(app.config[key]).expanduser().resolve())


def check_production(app: Flask) -> None:
    """Refuse to serve real patients with settings that are only fit for a demo."""
    if app.config["SECRET_KEY"] in (DEV_SECRET_KEY, "", None):
        raise ConfigurationError(
            "PATIENTAPP_SECRET_KEY is not set. Generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'` and set it in the "
            "environment before starting the production server."
        )
    if len(str(app.config["SECRET_KEY"])) < 32:
        raise ConfigurationError("PATIENTAPP_SECRET_KEY must be at least 32 characters long.")
    host = (urlsplit(str(app.config["BASE_URL"])).hostname or "").lower()
    if host in LOCAL_HOSTS or host.endswith(".localhost"):
        raise ConfigurationError(
            f"PATIENTAPP_BASE_URL is {app.config['BASE_URL']}: every patient link would point "
            "at this machine itself. Set it to the address patients open, such as "
            "https://skema.your-clinic.dk.")
