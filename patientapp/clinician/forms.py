"""Forms on the clinic side. Whitespace is stripped; messages say what to do.

Passwords are checked by ``passwords`` (zxcvbn, no control characters)."""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
)

from ..courses.enrolment import Problem, check_enrolment, check_patient_details, entry_codes_of
from ..i18n import language_choices
from ..web.formfields import cap, multi_line, radio, single_line, strip
from . import passwords
from .settings import check_clinic_settings

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
    "course": _l("Choose the patient's course."),
    "code": _l("Enter the 6-digit code from your authenticator app, or a recovery code."),
    "setup_code": _l("Enter the 6-digit code your authenticator app shows now."),
    "confirm": _l("Enter your password or a current code from your authenticator app."),
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
    note = TextAreaField(_l("The physiotherapist's assessment"), filters=[strip],
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


# --- forms checked by the shared pure checks ----------------------------------------------

class CheckedForm(FlaskForm):
    """A form whose rules are one of the pure checks the command line and the API share.

    ``check(values)`` returns (clean values, problems); each problem's message goes to its
    field, so the error summary and the fields show it like any WTForms error, and the
    form keeps what was typed. After ``validate()``, ``clean`` holds the checked values.
    """

    clean = None
    renamed: dict[str, str] = {}  # field -> MESSAGES key, where the form says it better

    def check(self, values: dict) -> tuple[object, list[Problem]]:
        raise NotImplementedError

    def values(self) -> dict[str, str]:
        return {name: field.data or "" for name, field in self._fields.items()
                if name != "csrf_token"}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        clean, problems = self.check(self.values())
        for problem in problems:
            field, message = self._fields[problem.field], self.message_for(problem)
            if message not in field.errors:  # a field validator may have said it already
                field.errors = [*field.errors, message]
        self.clean = clean if valid and not problems else None
        return self.clean is not None

    def message_for(self, problem: Problem) -> str:
        if problem.field in self.renamed:
            return str(MESSAGES[self.renamed[problem.field]])
        params = {key: _(value) if key == "problem" else value
                  for key, value in (problem.params or {}).items()}
        return _(problem.message, **params)


def _text(label, **render_kw) -> StringField:
    return StringField(label, filters=[strip, cap], validators=[single_line],
                       render_kw=render_kw or None)


class PatientDetailsForm(CheckedForm):
    """The patient's name, contact details and language (also the start of enrolment)."""

    name = _text(_l("Name"))
    email = _text(_l("E-mail address (optional)"), type="email", inputmode="email")
    phone = _text(_l("Mobile number (optional)"), type="tel", inputmode="tel")
    language = RadioField(_l("The patient's language"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()

    def check(self, values):
        return check_patient_details(values)


class EnrolForm(PatientDetailsForm):
    birth_date = _text(_l("Birth date (optional)"), type="date")
    pathway = RadioField(_l("Course"), validate_choice=False)
    entry_code = RadioField(_l("Service code of the first consultation with questionnaires"),
                            validate_choice=False)
    first_visit = _text(_l("Date of the first consultation"), type="date")
    referral_date = _text(_l("Referral date (optional)"), type="date")
    renamed = {"pathway": "course"}  # the check names the course ids, for the command line

    def __init__(self, pathways, pathway_options, entry_options, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pathways = pathways
        self.pathway.choices, self.entry_code.choices = pathway_options, entry_options

    def check(self, values):
        return check_enrolment(values, self.pathways, entry_codes_of(self.pathways))


class ClinicSettingsForm(CheckedForm):
    name = _text(_l("Clinic name"))
    phone = _text(_l("Phone number"), type="tel", inputmode="tel")
    email = _text(_l("E-mail address (optional)"), type="email", inputmode="email")
    # Lists: one per line or separated by commas, so a pasted column works too.
    alert_emails = TextAreaField(_l("E-mail addresses for alarm notifications"),
                                 filters=[strip, cap], validators=[multi_line],
                                 render_kw={"rows": 2, "inputmode": "email"})
    alert_phones = TextAreaField(_l("Mobile numbers for alarm notifications (SMS)"),
                                 filters=[strip, cap], validators=[multi_line],
                                 render_kw={"rows": 2, "inputmode": "tel"})
    require_admin_two_factor = BooleanField(_l("Require two-factor sign-in for admins"))

    def check(self, values):
        return check_clinic_settings(values)


def visit_field(key: str) -> str:
    return f"visit-{key}"


class VisitDatesForm(FlaskForm):
    keys: tuple[str, ...] = ()

    def dates(self) -> dict[str, str]:
        """The date typed for each visit, by timepoint key."""
        return {key: self[visit_field(key)].data or "" for key in self.keys}


def visit_dates_form(visits: list[tuple[str, str, str]]) -> type[VisitDatesForm]:
    """A form class with a date field per (timepoint key, label, current date)."""
    fields = {visit_field(key): StringField(label, default=current, filters=[strip, cap],
                                            validators=[single_line], render_kw={"type": "date"})
              for key, label, current in visits}
    return type("VisitDates", (VisitDatesForm,), {**fields,
                                                  "keys": tuple(key for key, _, _ in visits)})


class SecondStepForm(FlaskForm):
    """The second step of signing in: a code from the app, or one recovery code."""
    code = StringField(_l("Code"), filters=[strip],
                       validators=[DataRequired(message=MESSAGES["code"]), single_line,
                                   Length(max=64, message=MESSAGES["code"])])


class SetupCodeForm(FlaskForm):
    code = StringField(_l("Code from the app"), filters=[strip],
                       validators=[DataRequired(message=MESSAGES["setup_code"]), single_line,
                                   Length(max=64, message=MESSAGES["setup_code"])])
    password = PasswordField(_l("Your password"),
                             validators=[InputRequired(message=MESSAGES["password"]),
                                         Length(max=1024, message=MESSAGES["password"])])


class ConfirmIdentityForm(FlaskForm):
    """Before two-factor sign-in is switched off or new recovery codes are made."""
    confirm = PasswordField(_l("Your password or a current code"),
                            validators=[InputRequired(message=MESSAGES["confirm"]),
                                        Length(max=1024, message=MESSAGES["confirm"])])
