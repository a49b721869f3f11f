"""``/readyz``: may this process take traffic? Each check answers "ok" or says what is wrong."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlite_utils import Database

from ..timeutil import parse_moment
from . import queries

WORKER_SEEN_WITHIN = timedelta(minutes=10)
OK = "ok"


def check_database(app: Flask, db: Database, now: datetime) -> str:
    queries.probe_write(db)
    return OK


def check_migrations(app: Flask, db: Database, now: datetime) -> str:
    pending = queries.pending_migrations(db)
    if pending:
        return (f"{len(pending)} migration(s) not applied ({', '.join(pending)}): "
                "run `flask --app patientapp init-db`")
    return OK


def check_content(app: Flask, db: Database, now: datetime) -> str:
    content = app.extensions.get("content")
    if content is None or not content.pathways or not content.questionnaires:
        return "no courses or questionnaires are loaded from PATIENTAPP_CONTENT_DIR"
    return OK


def check_worker(app: Flask, db: Database, now: datetime) -> str:
    seen = queries.worker_last_seen(db)
    if seen is None:
        return "no worker has run yet: start `flask --app patientapp worker`"
    if now - parse_moment(seen) > WORKER_SEEN_WITHIN:
        return (f"no worker seen since {seen} (more than "
                f"{WORKER_SEEN_WITHIN.seconds // 60} minutes)")
    return OK


CHECKS: dict[str, Callable[[Flask, Database, datetime], str]] = {
    "database": check_database, "migrations": check_migrations, "content": check_content,
    "worker": check_worker}
WITHOUT_DATABASE = {"content"}


def run_checks(app: Flask, open_db: Callable[[], Database], now: datetime) -> dict[str, str]:
    """Every check's verdict; a database error fails the checks that need it, not the
    request."""
    try:
        db, problem = open_db(), None
    except sqlite3.Error as error:
        db, problem = None, f"database error: {error}"
    results = {}
    for name, check in CHECKS.items():
        if db is None and name not in WITHOUT_DATABASE:
            results[name] = problem
            continue
        try:
            results[name] = check(app, db, now)
        except sqlite3.Error as error:
            results[name] = f"database error: {error}"
    return results
