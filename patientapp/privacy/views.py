"""Privacy pages: the patient's own data behind their link, and erasure by a clinic admin.

The routes hang on the questionnaires and clinician blueprints so that they share
their token handling and sign-in checks.
"""

from __future__ import annotations

import json

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..audit import record
from ..clinician import bp as clinician_bp
from ..clinician.auth import admin_required
from ..clinician.views import audit, clinic_course
from ..db import get_db
from ..questionnaires import bp as patient_bp
from . import queries


def _json_download(data: dict, filename: str) -> Response:
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@patient_bp.get("/<token>/my-data")
def show_my_data():
    return render_template("privacy/my_data.html")


@patient_bp.get("/<token>/my-data.json")
def download_my_data():
    db = get_db()
    record(db, "patient", None, g.invitation["clinic_id"], "download-own-data", "course",
           g.invitation["course_id"])
    return _json_download(queries.patient_data(db, g.invitation["patient_id"]),
                          "my-data.json")


@clinician_bp.get("/courses/<int:course_id>/export.json")
@admin_required
def export_patient(course_id: int):
    course = clinic_course(course_id)
    audit("export-patient", "course", course_id)
    return _json_download(queries.patient_data(get_db(), course["patient_id"]),
                          f"patient-{course['pseudonym']}.json")


@clinician_bp.route("/courses/<int:course_id>/erase", methods=["GET", "POST"])
@admin_required
def erase_patient(course_id: int):
    course = clinic_course(course_id)
    if request.method == "GET":
        return render_template("privacy/erase.html", course=course)
    if request.form.get("confirm", "").strip() != course["patient_name"]:
        flash(_("Type the patient's name exactly as shown to confirm."), "error")
        return render_template("privacy/erase.html", course=course,
                               typed=request.form.get("confirm", "")), 400
    queries.erase_patient(get_db(), course["patient_id"])
    audit("erase-patient")
    flash(_("The patient and all their data have been erased."))
    return redirect(url_for("clinician.list_patients"))
