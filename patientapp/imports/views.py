"""The admin's pages for the bulk import: upload, preview, confirm, and the template file.

Thin: the file is read by csvfile, each row judged by rows/preview, the database touched
by queries. Nothing is written before the confirmation; the confirmation judges the rows
again against the database as it is then, and writes that in one transaction.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import timedelta

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..courses import queries as courses
from ..db import get_db
from ..fhir.appointments import course_codes
from ..timeutil import utcnow
from ..web.clinic import audit
from . import bp, queries
from .csvfile import COLUMNS, FileProblem, Table, read_table
from .forms import UploadForm
from .preview import counts, preview, references


def _pathways() -> dict:
    return current_app.extensions["content"].pathways


def _render_upload(errors: dict[str, list[str]] | None = None):
    form = UploadForm(formdata=None)
    form.file.errors = (errors or {}).get("file", [])
    return render_template("imports/upload.html", form=form,
                           max_rows=current_app.config["IMPORT_MAX_ROWS"],
                           max_mb=current_app.config["IMPORT_MAX_BYTES"] / 1024 / 1024,
                           pathways=_pathways().values(), visit_codes=visit_codes()), \
        400 if errors else 200


def visit_codes() -> list[str]:
    """Every service code a visit column may have, in the pathways' order."""
    return list(dict.fromkeys(code for pathway in _pathways().values()
                              for entry in pathway.entry_codes
                              for code in course_codes(pathway, entry).keys))


@bp.get("")
def show_upload():
    return _render_upload()


@bp.post("")
def upload_file():
    upload = request.files.get("file")
    data = upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1) if upload else b""
    if not upload or not upload.filename:
        return _render_upload({"file": [_("Choose the CSV file to import.")]})
    if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
        size = "%g" % (current_app.config["IMPORT_MAX_BYTES"] / 2**20)
        return _render_upload({"file": [_(
            "The file is larger than %(size)s MB. Import at most %(rows)d rows at a time: "
            "split the file.", size=size, rows=current_app.config["IMPORT_MAX_ROWS"])]})
    try:
        table = read_table(data, current_app.config["IMPORT_MAX_ROWS"])
    except FileProblem as problem:
        return _render_upload({"file": [_(problem.message, **problem.params)]})
    keep = timedelta(minutes=float(current_app.config["IMPORT_PREVIEW_MINUTES"]))
    upload_id = queries.save_upload(get_db(), g.clinician["clinic_id"], g.clinician["id"],
                                    g.clinician["session_id"], hashlib.sha256(data).hexdigest(),
                                    table, utcnow(), keep)
    audit("import-upload", detail=str(len(table.rows)))
    return redirect(url_for(".show_preview", upload_id=upload_id))


def _judge(table: Table) -> list:
    db = get_db()
    existing = queries.list_courses_by_reference(db, g.clinician["clinic_id"],
                                                 references(table))
    timepoints = queries.list_timepoints_of(db, [c["id"] for c in existing.values()])
    return preview(table, _pathways(), existing, timepoints)


def _upload_or_none(upload_id: str):
    return queries.get_upload(get_db(), upload_id[:64], g.clinician["clinic_id"],
                              g.clinician["session_id"], utcnow())


def _gone():
    flash(_("This import is no longer waiting: it was confirmed, it expired, or it was "
            "uploaded on another device. Upload the file again."), "error")
    return redirect(url_for(".show_upload"))


def _column_names(table: Table) -> dict[str, str]:
    """Each problem field's column, as the file names it."""
    names = {f"visit:{i}": c.header for i, c in enumerate(table.columns)}
    names.update({c.field: c.header for c in table.columns if c.field not in (None, "visit")})
    return names


FIELD_NAMES = {"name": _l("Name"), "email": _l("E-mail address"), "phone": _l("Mobile number"),
               "language": _l("Language")}


def problem_texts(outcome, columns: dict[str, str]) -> list[str]:
    """The row's problems in the admin's language, each naming its column."""
    texts = []
    for problem in outcome.problems:
        message = _(problem.message, **(problem.params or {}))
        column = columns.get(problem.field)
        texts.append(_("Column “%(column)s”: %(problem)s", column=column, problem=message)
                     if column else message)
    return texts


@bp.get("/<upload_id>")
def show_preview(upload_id: str):
    found = _upload_or_none(upload_id)
    if found is None:
        return _gone()
    upload, table = found
    outcomes = _judge(table)
    audit("import-preview", detail=str(len(outcomes)))
    return render_template("imports/preview.html", upload_id=upload_id, outcomes=outcomes,
                           counts=counts(outcomes), field_names=FIELD_NAMES,
                           problems={o.line: problem_texts(o, _column_names(table))
                                     for o in outcomes},
                           ignored=table.ignored, expires_at=upload["expires_at"])


@bp.post("/<upload_id>")
def confirm_import(upload_id: str):
    found = _upload_or_none(upload_id)
    if found is None:
        return _gone()
    outcomes = _judge(found[1])
    try:
        done = queries.apply_import(get_db(), upload_id, g.clinician["session_id"],
                                    g.clinician["clinic_id"], g.clinician["id"], outcomes,
                                    _pathways())
    except (courses.CourseError, sqlite3.IntegrityError):  # changed since it was judged
        flash(_("A course in the file changed while the import was being written, so "
                "nothing was imported. Check the preview again."), "error")
        return redirect(url_for(".show_preview", upload_id=upload_id))
    if not done:
        return _gone()
    found_counts = counts(outcomes)
    audit("import-confirm", detail=", ".join(f"{k} {v}" for k, v in found_counts.items()))
    flash(_("Imported: %(new)d new, %(update)d updated, %(unchanged)d unchanged. "
            "%(error)d rows with errors were not imported.", **found_counts))
    return redirect(url_for(".show_upload"))


@bp.get("/template.csv")
def download_template():
    """The columns the import reads, named in the admin's language, and the visit codes."""
    which = 1 if str(get_locale()) == "da" else 0
    headers = [names[which] for names in COLUMNS.values()] + visit_codes()
    body = "\ufeff" + ";".join(headers) + "\r\n"  # Excel opens a BOM'd file as UTF-8
    name = "import-skabelon.csv" if which else "import-template.csv"
    return Response(body.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
