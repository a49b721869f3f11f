"""patientapp: questionnaires, scores and home exercise for Danish physiotherapy courses."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, db, i18n
from .content import load_content
from .extensions import babel, csrf
from .web import errors, fragments, labels, logs, params, ratelimit, security, templating


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, content, then features."""
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    logs.init_app(app)
    if hops := app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    _make_instance_folder(app)
    _init_extensions(app)
    app.extensions["content"] = load_content(app.config["CONTENT_DIR"])
    _register_features(app)
    return app


def _make_instance_folder(app: Flask) -> None:
    from pathlib import Path

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def _init_extensions(app: Flask) -> None:
    params.init_app(app)  # before any route is added: every <int:…> is bounded
    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    security.init_app(app)
    ratelimit.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    fragments.init_app(app)
    labels.init_app(app)


def _register_features(app: Flask) -> None:
    from . import (
        api,
        cli,
        consultation,
        education,
        exercises,
        imports,
        monitoring,
        privacy,
        progress,
        risk,
        webhooks,
        worker,
    )
    from .clinician import bp as clinician_bp
    from .privacy import cli as privacy_cli
    from .questionnaires import bp as questionnaires_bp
    from .web import pages

    app.register_blueprint(pages.bp)
    monitoring.init_app(app)
    app.register_blueprint(questionnaires_bp)
    app.register_blueprint(clinician_bp)
    api.init_app(app)
    webhooks.init_app(app)
    education.init_app(app)
    exercises.init_app(app)
    consultation.init_app(app)
    risk.init_app(app)
    privacy.init_app(app)
    imports.init_app(app)
    progress.init_app(app)
    cli.init_app(app)
    privacy_cli.init_app(app)
    worker.init_app(app)
