"""Privacy pages: the patient's own data behind their link, and erasure by a clinic admin.

The patient's pages hang on a patient blueprint (the link is checked before they run),
the admin's on an admin-only clinic blueprint.
"""

from __future__ import annotations

import json

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..audit import record
from ..db import get_db, write_transaction
from ..web.clinic import audit, clinic_course
from ..web.errors import too_many_requests
from ..web.ratelimit import too_many
from . import admin_bp, identity, patient_bp, queries
from .forms import MyDataForm


def _json_download(data: dict, filename: str) -> Response:
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@patient_bp.get("/my-data")
def show_my_data():
    return _my_data_page(MyDataForm(formdata=None))


def _my_data_page(form: MyDataForm, status: int = 200):
    contact = queries.get_contact(get_db(), g.invitation["patient_id"])
    question = identity.question_for(**contact)
    return render_template("privacy/my_data.html", form=form.ask(question) if question else form,
                           question=question), status


@patient_bp.post("/my-data.json")
def download_my_data():
    """The download, once the patient has answered what only they know (rate-limited)."""
    course_key = f"course-{g.invitation['course_id']}"
    wait = too_many("my-data", "MY_DATA_CHECK_LIMIT", count=False) or \
        too_many("my-data", "MY_DATA_CHECK_HOURLY_LIMIT", count=False, key=course_key,
                 window=3600)
    if wait:
        return too_many_requests(wait)
    db = get_db()
    contact = queries.get_contact(db, g.invitation["patient_id"])
    question = identity.question_for(**contact)
    form = MyDataForm()
    form.validate()
    answer = form.answer.data or ""
    if not identity.answer_is_right(question, contact["email"], contact["phone"], answer):
        too_many("my-data", "MY_DATA_CHECK_LIMIT")
        too_many("my-data", "MY_DATA_CHECK_HOURLY_LIMIT", key=course_key, window=3600)
        record(db, "patient", None, g.invitation["clinic_id"], "my-data-check-failed",
               "course", g.invitation["course_id"])
        message = _("Enter the last four digits of your mobile number.") \
            if question == identity.PHONE else _("Enter the e-mail address the clinic has "
                                                  "for you.")
        if answer.strip():
            message = _("That does not match what the clinic has on file. Check it and try "
                        "again.")
        form.answer.errors = [message]
        return _my_data_page(form, 400)
    record(db, "patient", None, g.invitation["clinic_id"], "download-own-data", "course",
           g.invitation["course_id"])
    return _json_download(queries.patient_data(db, g.invitation["patient_id"]),
                          "my-data.json")


@admin_bp.get("/courses/<int:course_id>/export.json")
def export_patient(course_id: int):
    course = clinic_course(course_id)
    audit("export-patient", "course", course_id)
    return _json_download(queries.patient_data(get_db(), course["patient_id"]),
                          f"patient-{course['pseudonym']}.json")


@admin_bp.route("/courses/<int:course_id>/erase", methods=["GET", "POST"])
def erase_patient(course_id: int):
    course = clinic_course(course_id)
    if request.method == "GET":
        return render_template("privacy/erase.html", course=course)
    if request.form.get("confirm", "").strip() != course["patient_name"]:
        flash(_("Type the patient's name exactly as shown to confirm."), "error")
        return render_template("privacy/erase.html", course=course,
                               typed=request.form.get("confirm", "")), 400
    with write_transaction(get_db()):  # erased and recorded together, or neither
        queries.erase_patient(get_db(), course["patient_id"])
        audit("erase-patient")  # no link to the erased course: nothing points at it
    flash(_("The patient and all their data have been erased."))
    return redirect(url_for("clinician.list_patients"))
