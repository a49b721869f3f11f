"""The upload form of the bulk import (the file is read and judged by csvfile)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), render_kw={"accept": ".csv,text/csv"})
