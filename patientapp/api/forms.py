"""The admin form for API keys. Whitespace is stripped; messages say what to do."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..clinician.forms import strip

NAME_MAX = 100


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Name of the key"), filters=[strip], validators=[
        DataRequired(message=_l("Enter a name for the key, for example the system that will "
                                "use it.")),
        Length(max=NAME_MAX, message=_l("The name must be %(max)d characters or fewer.",
                                        max=NAME_MAX))])
