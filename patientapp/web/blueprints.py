"""Blueprints that carry their access check: a page cannot be added without one.

Each feature makes its blueprints here, by who may reach them:

- ``public_blueprint``: anyone (the front page, health checks, drawings);
- ``patient_blueprint``: the holder of a patient link; its URL prefix carries ``<token>``,
  and the link is resolved before any view runs (``web/patient_link.py``);
- ``clinic_blueprint``: a signed-in clinician, or with ``admin=True`` a clinic admin; a
  view marked ``@public`` (sign-in) or ``@admin_only`` differs from the blueprint's rule
  (``web/clinic.py``);
- ``api_blueprint``: the holder of an API key, checked by the hook the API passes in.

Who may reach an endpoint is then a fact the app can state: ``access_of`` gives it, and
the route-map test compares it with its own table for every route.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Blueprint, Flask

from . import clinic, patient_link
from .access import ADMIN, API_KEY, CLINICIAN, PATIENT, PUBLIC, marked


class AccessBlueprint(Blueprint):
    """A blueprint that knows who may reach its views (``access``)."""

    access: str = PUBLIC


def _make(name: str, import_name: str, access: str, **options) -> AccessBlueprint:
    bp = AccessBlueprint(name, import_name, **options)
    bp.access = access
    return bp


def public_blueprint(name: str, import_name: str, **options) -> AccessBlueprint:
    return _make(name, import_name, PUBLIC, **options)


def patient_blueprint(name: str, import_name: str, url_prefix: str,
                      **options) -> AccessBlueprint:
    """Views under a patient link: ``url_prefix`` must hold ``<token>``."""
    if "<token>" not in url_prefix:
        raise ValueError(f"{name}: a patient blueprint's prefix must hold <token>")
    bp = _make(name, import_name, PATIENT, url_prefix=url_prefix, **options)
    bp.url_value_preprocessor(patient_link.pull_token)
    bp.url_defaults(patient_link.add_token)
    bp.before_request(patient_link.load_invitation)
    return bp


def clinic_blueprint(name: str, import_name: str, url_prefix: str = "/clinic",
                     admin: bool = False, **options) -> AccessBlueprint:
    """Views for signed-in clinicians (every view an admin's when ``admin``)."""
    access = ADMIN if admin else CLINICIAN
    bp = _make(name, import_name, access, url_prefix=url_prefix, **options)
    bp.before_request(partial(clinic.check_access, access))
    return bp


def api_blueprint(name: str, import_name: str, check: Callable, url_prefix: str,
                  **options) -> AccessBlueprint:
    """Views for API keys: ``check`` runs first and answers when the key does not do."""
    bp = _make(name, import_name, API_KEY, url_prefix=url_prefix, **options)
    bp.before_request(check)
    return bp


def access_of(app: Flask, endpoint: str) -> str:
    """Who may reach ``endpoint``: the view's own mark, else its blueprint's rule."""
    if mark := marked(app.view_functions[endpoint]):
        return mark
    blueprint = app.blueprints.get(endpoint.rpartition(".")[0]) if "." in endpoint else None
    return blueprint.access if isinstance(blueprint, AccessBlueprint) else PUBLIC
