"""Pages outside any feature: the front page and the language switch."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for

from .. import queries
from ..db import get_db
from .blueprints import public_blueprint
from .redirects import local_path_or

bp = public_blueprint("web", __name__)


@bp.get("/")
def show_index():
    return render_template("index.html")


@bp.post("/language")
def change_language():
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
        if session.get("clinician_id"):  # remembered on the account for the next sign-in
            queries.save_clinician_language(get_db(), session["clinician_id"], language)
    return redirect(local_path_or(request.form.get("next"), url_for("web.show_index")))
