"""Admin pages under /clinic/admin: API keys (create, shown once; revoke) and the CSV download."""

from __future__ import annotations

import io

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..db import get_db, write_transaction
from ..exports import write_csv
from ..queries import list_score_rows
from ..timeutil import today
from ..web.clinic import audit
from . import admin_bp, queries
from .forms import ApiKeyForm


@admin_bp.route("/api-keys", methods=["GET", "POST"])
def manage_api_keys():
    db = get_db()
    form = ApiKeyForm()
    if form.validate_on_submit():
        with write_transaction(db):  # the key and its audit entry together
            key_id, key = queries.save_api_key(db, g.clinician["clinic_id"], form.name.data,
                                               g.clinician["id"], form.scope.data)
            audit("create-api-key", "api-key", key_id, form.scope.data)
        # Shown on this response only: the key itself is never stored.
        return render_template("api/key_created.html", key=key, name=form.name.data,
                               api_url=url_for("api.show_openapi", _external=True))
    if request.method == "GET":
        form.scope.data = "read"
    return render_template("api/keys.html", form=form,
                           keys=queries.list_api_keys(db, g.clinician["clinic_id"])), \
        400 if request.method == "POST" else 200


@admin_bp.post("/api-keys/<int:key_id>/revoke")
def revoke_api_key(key_id: int):
    db = get_db()
    if key_id not in {k["id"] for k in queries.list_api_keys(db, g.clinician["clinic_id"])}:
        audit("denied-api-key", "api-key", key_id)
        abort(404)
    with write_transaction(db):
        revoked = queries.revoke_api_key(db, g.clinician["clinic_id"], key_id)
        if revoked:
            audit("revoke-api-key", "api-key", key_id)
    if revoked:
        flash(_("The key has been revoked. Systems using it can no longer read data."))
    return redirect(url_for(".manage_api_keys"))


@admin_bp.get("/export.csv")
def download_scores():
    """The clinic's scores with the same columns as ``flask export-csv``."""
    out = io.StringIO()
    count = write_csv(list_score_rows(get_db(), clinic_id=g.clinician["clinic_id"]), out)
    audit("export-csv", detail=str(count))
    filename = f"scores-{today().isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
