"""``/healthz``, ``/readyz`` and ``/metrics`` for load balancers, orchestrators and Prometheus."""

from __future__ import annotations

import hmac

from flask import Response, abort, current_app, request

from ..db import get_db
from ..timeutil import utcnow
from ..web.access import metrics_token
from . import bp, metrics
from .readiness import OK, run_checks


@bp.get("/healthz")
def show_health():
    """The process is up and answers (nothing else is checked: see /readyz)."""
    return {"status": "ok"}


@bp.get("/readyz")
def show_readiness():
    """503 with the failing checks named when this process should not take traffic."""
    checks = run_checks(current_app._get_current_object(), get_db, utcnow())
    failing = [name for name, verdict in checks.items() if verdict != OK]
    body = {"status": "failing" if failing else "ok", "failing": failing, "checks": checks}
    return body, 503 if failing else 200


def _authorised() -> bool:
    token = str(current_app.config["METRICS_TOKEN"])
    offered = request.headers.get("Authorization", "")
    return hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())


@bp.get("/metrics")
@metrics_token
def show_metrics():
    """Prometheus text, for a scraper that sends Authorization: Bearer METRICS_TOKEN."""
    if not current_app.config.get("METRICS_TOKEN"):
        abort(404)
    if not _authorised():
        return Response("A valid bearer token is needed.\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    return Response(metrics.render(current_app._get_current_object()),
                    mimetype="text/plain", headers={"Cache-Control": "no-store"})
