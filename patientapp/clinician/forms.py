"""Forms on the clinic side. Whitespace is stripped; messages say what to do.

Passwords are checked by ``passwords`` (zxcvbn, no control characters)."""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
)

from ..web.formfields import multi_line, radio, single_line, strip
from . import passwords

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
    "password_control": _l("A password cannot hold control characters such as a tab or a "
                           "line break."),
    "password_guessable": _l("This password is too easy to guess. Avoid common passwords, "
                             "names, dates and repeated or keyboard patterns: four or five "
                             "unrelated words work well."),
    "note_control": _l("The note holds invisible control characters. Remove them, or type "
                       "the text again instead of pasting it."),
}


class StrongPassword:
    """A password zxcvbn judges hard to guess, with the person's own words as hints.

    ``hints`` names the form fields (name, e-mail) an attacker would try first; the
    signed-in clinician's name, e-mail and clinic are added when there is one.
    """

    def __init__(self, *hints: str):
        self.hints = hints

    def __call__(self, form, field) -> None:
        if field.errors:  # too short or too long already said
            return
        hints = [getattr(form, name).data for name in self.hints]
        if g.get("clinician"):
            hints += [g.clinician["name"], g.clinician["email"], g.get("clinic_name")]
        problem = passwords.password_problem(field.data or "", hints)
        if problem == "control":
            raise StopValidation(MESSAGES["password_control"])
        if problem == "guessable":
            raise StopValidation(MESSAGES["password_guessable"])
        if problem == "short":
            raise StopValidation(MESSAGES["new_password"])


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
                                                message=MESSAGES["new_password"]),
                                         StrongPassword("name", "email")])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[InputRequired(message=MESSAGES["password"])])
    new = PasswordField(_l("New password"),
                        validators=[InputRequired(message=MESSAGES["new_password"]),
                                    Length(min=12, max=1024, message=MESSAGES["new_password"]),
                                    StrongPassword()])
    repeat = PasswordField(_l("Repeat the new password"),
                           validators=[EqualTo("new", message=MESSAGES["password_match"])])
