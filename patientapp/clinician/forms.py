"""Forms on the clinic side. Whitespace is stripped; messages say what to do."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, Regexp

from ..formfields import multi_line, radio, single_line, strip

MESSAGES = {
    "email": _l("Enter your e-mail address."),
    "email_format": _l("Enter an e-mail address in the form name@example.dk."),
    "password": _l("Enter your password."),
    "new_password": _l("Choose a password of at least 12 characters."),
    "password_match": _l("The two passwords must match."),
    "name": _l("Enter the person's name."),
    "role": _l("Choose a role."),
    "note": _l("The note must be %(max)d characters or fewer.", max=4000),
    "consent": _l("Choose what the patient decided."),
    "language": _l("Choose Danish or English."),
}




class SignInForm(FlaskForm):
    email = StringField(_l("E-mail address"), filters=[strip],
                        validators=[DataRequired(message=MESSAGES["email"]), single_line,
                                    Length(max=254, message=MESSAGES["email_format"])])
    password = PasswordField(_l("Password"),
                             validators=[InputRequired(message=MESSAGES["password"]),
                                         Length(max=1024, message=MESSAGES["password"])])


class GpNoteForm(FlaskForm):
    note = TextAreaField(_l("Note for the GP"), filters=[strip],
                         validators=[Optional(), multi_line,
                                     Length(max=4000, message=MESSAGES["note"])])


class PaperConsentForm(FlaskForm):
    consent = radio(_l("The patient's decision, given on paper or in person"),
                    [("given", _l("Consent given")), ("refused", _l("Consent refused")),
                     ("withdrawn", _l("Consent withdrawn"))], MESSAGES["consent"])


class ClinicianForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip],
                       validators=[DataRequired(message=MESSAGES["name"]), single_line,
                                   Length(max=200)])
    email = StringField(_l("E-mail address"), filters=[strip],
                        validators=[DataRequired(message=MESSAGES["email"]), single_line,
                                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                           message=MESSAGES["email_format"]),
                                    Length(max=254)])
    role = radio(_l("Role"), [("clinician", _l("Clinician")), ("admin", _l("Clinic admin"))],
                 MESSAGES["role"])
    password = PasswordField(_l("First password"),
                             validators=[InputRequired(message=MESSAGES["new_password"]),
                                         Length(min=12, max=1024,
                                                message=MESSAGES["new_password"])])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[InputRequired(message=MESSAGES["password"])])
    new = PasswordField(_l("New password"),
                        validators=[InputRequired(message=MESSAGES["new_password"]),
                                    Length(min=12, max=1024, message=MESSAGES["new_password"])])
    repeat = PasswordField(_l("Repeat the new password"),
                           validators=[EqualTo("new", message=MESSAGES["password_match"])])
