"""Logging: one line per event on standard error, as plain text (the default) or JSON.

Everything the app logs goes through the ``patientapp`` logger (Flask's ``app.logger``
and every ``patientapp.*`` module logger). Each request gets a random request id, sent
back in the ``X-Request-ID`` header and attached to every line logged while it runs, and
one access line: method, endpoint name, status and duration. Never the URL (patient links
hold tokens), never names, contact details or answers: messages name rows by id and count.

``PATIENTAPP_LOG_FORMAT=json`` writes one JSON object per line, with the request's and the
worker's fields as keys of their own, for a log collector to index.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

LOGGER = "patientapp"
FORMATS = ("text", "json")
PLAIN = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
NO_REQUEST = "-"
UNMATCHED = "unmatched"  # the endpoint of a URL no route answers (404), whatever was asked
# Record attributes that become JSON keys when present (set with ``extra=``).
FIELDS = ("request_id", "method", "endpoint", "status", "duration_ms", "event", "job",
          "outcome", "counts")

access = logging.getLogger("patientapp.requests")


class RequestContext(logging.Filter):
    """Adds the request id (or "-") to every record this handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = (g.get("request_id", NO_REQUEST) if has_request_context()
                                 else NO_REQUEST)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record; a traceback is one string field, not extra lines."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
                     timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is not None and value != NO_REQUEST:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _handler(log_format: str) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(PLAIN))
    handler.addFilter(RequestContext())
    handler.patientapp = True  # ours: replaced, not added again, by the next create_app
    return handler


def endpoint_name() -> str:
    """The route's name for logs and metrics: never the URL, which may hold a token."""
    return request.url_rule.endpoint if request.url_rule else UNMATCHED


def start_request() -> None:
    g.request_id = secrets.token_hex(8)
    g.request_started = time.perf_counter()


def finish_request(response):
    """The access line, and the request id for the user to quote when reporting a fault."""
    started = g.get("request_started")
    if started is not None:
        duration = round((time.perf_counter() - started) * 1000, 1)
        endpoint = endpoint_name()
        access.info("%s %s %s in %.1f ms", request.method, endpoint, response.status_code,
                    duration, extra={"method": request.method, "endpoint": endpoint,
                                     "status": response.status_code, "duration_ms": duration})
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def init_app(app: Flask) -> None:
    """Set up the ``patientapp`` logger before Flask adds its own default handler."""
    log_format = str(app.config["LOG_FORMAT"]).lower()
    if log_format not in FORMATS:
        from ..config import ConfigurationError

        raise ConfigurationError(f"PATIENTAPP_LOG_FORMAT must be one of {', '.join(FORMATS)} "
                                 f"(got {app.config['LOG_FORMAT']!r}).")
    logger = logging.getLogger(LOGGER)
    for old in [h for h in logger.handlers if getattr(h, "patientapp", False)]:
        logger.removeHandler(old)
    logger.addHandler(_handler(log_format))
    logger.setLevel(app.config["LOG_LEVEL"])
    app.before_request(start_request)
    app.after_request(finish_request)
