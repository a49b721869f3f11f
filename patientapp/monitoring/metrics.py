"""``/metrics``: Prometheus text from the prometheus_client library.

Request counts and latencies are counted as requests finish, by endpoint name (never the
URL: patient links hold tokens). Everything about the data (outbox, deliveries, alerts,
submissions, the worker) is read from the database at scrape time, so every process
reports the same figures.

With several gunicorn processes, set PROMETHEUS_MULTIPROC_DIR (an empty folder; the
project's gunicorn.conf.py clears it at start and tidies after each process) and the
request figures are summed over all processes. Without it, each scrape sees only the
process that answered it.
"""

from __future__ import annotations

import os
import time

from flask import Flask, current_app, g, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from ..db import get_db
from ..timeutil import parse_moment, utcnow
from ..web.logs import endpoint_name
from . import queries

# The *_created series would double every counter's lines for a figure nobody graphs.
disable_created_metrics()


class RequestMetrics:
    """The request counter and latency histogram of one app."""

    def __init__(self) -> None:
        self.requests = Counter("patientapp_http_requests", "HTTP requests finished",
                                ["endpoint", "method", "status"], registry=None)
        self.latency = Histogram("patientapp_http_request_duration_seconds",
                                 "Time to answer a request", ["endpoint"], registry=None)

    def collect(self):
        yield from self.requests.collect()
        yield from self.latency.collect()


class DataCollector:
    """Figures read from the database when Prometheus scrapes."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        db, now = get_db(), utcnow()
        yield _family("patientapp_outbox_messages", "Patient messages in the outbox by status",
                      "status", queries.outbox_by_status(db))
        yield _family("patientapp_webhook_deliveries", "Webhook deliveries by status",
                      "status", queries.deliveries_by_status(db))
        oldest = queries.oldest_open_delivery(db)
        yield GaugeMetricFamily(
            "patientapp_webhook_oldest_pending_age_seconds",
            "Age of the oldest webhook delivery still to be sent (0: none waiting)",
            value=(now - parse_moment(oldest)).total_seconds() if oldest else 0)
        yield GaugeMetricFamily("patientapp_submissions",
                                "Questionnaire visits submitted (held in the database)",
                                value=queries.count_submissions(db))
        yield _family("patientapp_alerts_open", "Alerts not yet acknowledged by kind", "kind",
                      queries.open_alerts_by_kind(db))
        seen = queries.worker_last_seen(db)
        if seen is not None:
            yield GaugeMetricFamily("patientapp_worker_last_seen_seconds",
                                    "Seconds since a worker last renewed its lease",
                                    value=(now - parse_moment(seen)).total_seconds())
        jobs = GaugeMetricFamily("patientapp_worker_job_last_success_timestamp_seconds",
                                 "When each worker job last finished without error",
                                 labels=["job"])
        for name, at in sorted(queries.job_successes(db).items()):
            jobs.add_metric([name], parse_moment(at).timestamp())
        yield jobs


def _family(name: str, documentation: str, label: str, counts: dict[str, int]):
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value, count in counts.items():
        family.add_metric([value], count)
    return family


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render(app: Flask) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(app.extensions["request_metrics"])
    registry.register(DataCollector(app))
    return generate_latest(registry)


def count_request(response):
    started = g.get("request_started")  # set by logs.start_request
    if started is not None:
        endpoint = endpoint_name()
        metrics = current_app.extensions["request_metrics"]
        metrics.requests.labels(endpoint, request.method, str(response.status_code)).inc()
        metrics.latency.labels(endpoint).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    app.extensions["request_metrics"] = RequestMetrics()
    app.after_request(count_request)
