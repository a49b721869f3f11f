"""The one form of the privacy pages: what only the patient knows, before their data."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField

from ..web.formfields import cap, single_line, strip
from . import identity


class MyDataForm(FlaskForm):
    answer = StringField(filters=[strip, cap], validators=[single_line])

    def ask(self, question: str) -> MyDataForm:
        """Label and keyboard for the question asked of this patient (phone or e-mail)."""
        if question == identity.PHONE:
            self.answer.label.text = _("The last four digits of your mobile number")
            self.answer.render_kw = {"inputmode": "numeric"}
        else:
            self.answer.label.text = _("Your e-mail address")
            self.answer.render_kw = {"type": "email", "inputmode": "email"}
        return self
