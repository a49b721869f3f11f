"""The admin form for API keys. Whitespace is stripped; messages say what to do."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..web.formfields import radio, single_line, strip

NAME_MAX = 100


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Name of the key"), filters=[strip], validators=[
        single_line,
        DataRequired(message=_l("Enter a name for the key, for example the system that will "
                                "use it.")),
        Length(max=NAME_MAX, message=_l("The name must be %(max)d characters or fewer.",
                                        max=NAME_MAX))])
    scope = radio(_l("What the key may do"), [
        ("read", _l("Read: courses and scores of patients who consented")),
        ("write", _l("Read and write: also enrol patients and change their courses (for the "
                     "clinic's booking system)"))],
        _l("Choose what the key may do."))
