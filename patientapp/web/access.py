"""Who may reach a view: the names, and the marks a view carries when it differs from its
blueprint's rule (``web/blueprints.py``)."""

PUBLIC, PATIENT, CLINICIAN, ADMIN, API_KEY, METRICS = "public", "patient link", "clinician", \
    "admin", "API key", "metrics token"


def public(view):
    """Open to anyone, on a blueprint that otherwise checks (sign-in, the API's document)."""
    view.access = PUBLIC
    return view


def admin_only(view):
    """A clinic admin's only, on a clinic blueprint for every clinician."""
    view.access = ADMIN
    return view


def metrics_token(view):
    """Checked by the view itself against the configured bearer token (``/metrics``)."""
    view.access = METRICS
    return view


def marked(view) -> str | None:
    return getattr(view, "access", None)
