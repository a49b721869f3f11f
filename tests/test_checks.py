"""The shared input checks, and the hostile values that once answered 500 (issue 15).

Each case that reached a 500 (a huge paging number, a date at the edge of the calendar,
a superscript digit as a list index, CR/LF in the clinic's name) is answered 400 with a
clear message in the user's language, and nothing is written.
"""

from __future__ import annotations

import smtplib
from datetime import date

import pytest
from flask_wtf import FlaskForm
from wtforms import FieldList, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField

from patientapp import checks
from patientapp.accounts import save_clinician
from patientapp.db import connect
from patientapp.exercises.forms import plan_form
from patientapp.migrations import migrations
from patientapp.notifications.backends import DeliveryError, Email, SmtpEmail
from patientapp.web.formfields import multi_line, single_line

PASSWORD = "correct horse battery"
TODAY = date(2026, 12, 3)


# --- the pure checks -------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2000-01-01", date(2000, 1, 1)), ("2036-12-31", date(2036, 12, 31)),
    ("2026-02-28", date(2026, 2, 28)),
])
def test_a_date_in_the_window_is_taken(text, expected):
    assert checks.parse_day(text, TODAY) == expected


@pytest.mark.parametrize("text, message", [
    ("1999-12-31", checks.DATE_WINDOW), ("2037-01-01", checks.DATE_WINDOW),
    ("0001-01-01", checks.DATE_WINDOW), ("9999-12-31", checks.DATE_WINDOW),
    ("2026-02-30", checks.DATE_FORMAT), ("20260302", checks.DATE_FORMAT),
    ("2026-W10-1", checks.DATE_FORMAT), ("２０２６-０１-０１", checks.DATE_FORMAT),
    ("", checks.DATE_FORMAT), (None, checks.DATE_FORMAT),
])
def test_a_date_outside_the_window_or_form_is_refused_with_its_reason(text, message):
    with pytest.raises(checks.CheckError) as error:
        checks.parse_day(text, TODAY)
    assert error.value.message == message
    if message == checks.DATE_WINDOW:
        assert str(error.value) == "Enter a date from 2000-01-01 to 2036-12-31."


@pytest.mark.parametrize("text", ["-1", "11", "²", "٣", "1e3", "0x1", " ", "1" * 30,
                                  "99999999999999999999999"])
def test_a_whole_number_out_of_bounds_or_not_plain_digits_is_refused(text):
    with pytest.raises(checks.CheckError, match="from 0 to 10"):
        checks.whole_number(text, 0, 10)


@pytest.mark.parametrize("text", ["Fysio\r\nBcc: x@y.dk", "a\nb", "nul\x00", "tab\t",
                                  "del\x7f", "c1\x85", "sep\u2028"])
def test_a_single_line_refuses_every_control_character(text):
    with pytest.raises(checks.CheckError):
        checks.single_line(text)


def test_a_single_line_keeps_letters_of_every_language():
    assert checks.single_line("Fysio Ærø – Ørsted 🙂 \u202e") == "Fysio Ærø – Ørsted 🙂 \u202e"


def test_several_lines_may_break_and_tab_but_hold_no_other_control_character():
    assert checks.multi_line("one\r\ntwo\tthree") == "one\r\ntwo\tthree"
    with pytest.raises(checks.CheckError):
        checks.multi_line("one\x00two")


# --- the cases that once answered 500 -----------------------------------------------------

@pytest.fixture
def admin(client, db, clinic_id):
    save_clinician(db, clinic_id, "admin@clinic.example", "Admin", PASSWORD, "admin")
    assert client.post("/clinic/login", data={"email": "admin@clinic.example",
                                              "password": PASSWORD}).status_code == 302
    return client


def fingerprint(db) -> dict:
    tables = [r["name"] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table'"
                                          " AND name NOT IN ('audit_log', '_sqlite_migrations')")]
    return {t: list(db.query(f"SELECT * FROM [{t}]")) for t in tables}  # noqa: S608


@pytest.mark.parametrize("url", ["/clinic/?offset=99999999999999999999999",
                                 "/clinic/audit?offset=99999999999999999999999",
                                 "/clinic/?offset=-1", "/clinic/audit?offset=²"])
def test_a_paging_number_out_of_bounds_is_a_clear_400(admin, url):
    response = admin.get(url)
    assert response.status_code == 400
    assert "Skriv et helt tal fra 0 til" in response.page.text  # in the clinician's Danish


@pytest.mark.parametrize("url", ["/clinic/courses/99999999999999999999999",
                                 "/clinic/alerts/99999999999999999999/acknowledge"])
def test_an_id_larger_than_sqlite_stores_is_not_found(admin, url):
    assert admin.raw.open(url, method="GET" if "courses" in url else "POST").status_code == 404


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31"])
@pytest.mark.parametrize("field", ["first_visit", "referral_date"])
def test_enrolling_with_a_date_off_the_calendar_is_a_clear_400(admin, db, day, field):
    before = fingerprint(db)
    data = {"name": "Ny Patient", "pathway": "primary-low-back-pain", "language": "da",
            "first_visit": "2026-12-01", field: day}
    response = admin.post("/clinic/patients/new", data=data)
    assert response.status_code == 400
    assert response.page.select_one(f"#{field}")["value"] == day  # what was typed is kept
    assert "Skriv en dato fra 2000-01-01 til" in response.page.text
    assert fingerprint(db) == before


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_moving_a_visit_off_the_calendar_is_a_clear_400(admin, db, enrol, day):
    course_id, _ = enrol()
    before = fingerprint(db)
    response = admin.post(f"/clinic/courses/{course_id}/visits", data={"visit-final": day})
    assert response.status_code == 400
    assert "Skriv en dato fra 2000-01-01 til" in response.page.text
    assert fingerprint(db) == before


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_command_line_refuses_a_date_off_the_calendar(runner, db, clinic_id, enrol, day):
    course_id, _ = enrol()
    before = fingerprint(db)
    enrolled = runner.invoke(args=["enrol", "--pathway", "primary-low-back-pain", "--name", "X",
                                   "--first-visit", day])
    moved = runner.invoke(args=["move-visit", "--course", str(course_id), "--timepoint",
                                "final", "--date", day])
    for result in (enrolled, moved):
        assert result.exit_code == 2, result.output
        assert "Enter a date from 2000-01-01 to" in result.output
    assert fingerprint(db) == before


@pytest.mark.parametrize("option", [["export-csv", "--since"], ["export-fhir", "--since"]])
def test_every_date_option_has_the_same_window(runner, option):
    result = runner.invoke(args=[*option, "9999-12-31"])
    assert result.exit_code == 2 and "Enter a date from 2000-01-01 to" in result.output


def test_the_command_line_refuses_an_id_larger_than_sqlite_stores(runner):
    result = runner.invoke(args=["move-visit", "--course", "9" * 25, "--timepoint", "final",
                                 "--date", "2026-12-01"])
    assert result.exit_code == 2 and "--course" in result.output


@pytest.mark.parametrize("name", ["activities-²", "activities-٣", "activities-0²",
                                  "activities-99999999999999999999", "activities--1"])
def test_an_odd_list_index_in_a_field_name_is_ignored_not_a_500(client, db, enrol, name):
    _, token = enrol(consent="given", pathway="lumbar-radiculopathy")
    before = fingerprint(db)
    response = client.post(f"/q/{token}/step/psfs-activities", data={name: "Gå tur"})
    assert response.status_code == 400  # no activity at a real index: "write at least one"
    assert response.page.select_one(".error-summary")
    assert fingerprint(db) == before


def test_a_multipart_part_without_a_readable_name_is_ignored_not_a_500(client, db, enrol):
    """A part named with a bare CR reaches the form with no name at all (found by the fuzz)."""
    _, token = enrol(consent="given", pathway="lumbar-radiculopathy")
    before = fingerprint(db)
    response = client.post(f"/q/{token}/step/psfs-activities", data={"\r": "Gå tur"},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and response.page.select_one(".error-summary")
    assert fingerprint(db) == before


@pytest.mark.parametrize("field, value", [("name", "Fysio\r\nBcc: victim@example.dk"),
                                          ("name", "Fysio\x00"), ("phone", "70\n10 10 10")])
def test_a_line_break_in_the_clinic_details_is_a_clear_400(admin, db, field, value):
    before = fingerprint(db)
    data = {"name": "Fysio Nord", "phone": "70 10 10 10", "email": "", field: value}
    response = admin.post("/clinic/admin/settings", data=data)
    assert response.status_code == 400
    assert "Skriv det på én linje" in response.page.text
    assert [a["href"] for a in response.page.select(".error-summary a")] == [f"#{field}"]
    assert fingerprint(db) == before


@pytest.mark.parametrize("url, data", [
    ("/clinic/admin/clinicians", {"name": "Ny\r\nKollega", "email": "ny@clinic.example",
                                  "role": "clinician", "password": "x" * 12}),
    ("/clinic/admin/api-keys", {"name": "Journal\nsystem"}),
])
def test_every_single_line_field_refuses_a_line_break(admin, db, url, data):
    before = fingerprint(db)
    response = admin.post(url, data=data)
    assert response.status_code == 400 and "Skriv det på én linje" in response.page.text
    assert fingerprint(db) == before


def test_the_mail_layer_refuses_to_build_a_header_with_a_line_break(monkeypatch):
    connected = []
    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: connected.append(a))
    backend = SmtpEmail("127.0.0.1", 25, "skema@fysio.example", starttls=False)
    message = Email(to="p@example.dk", sender_name="Fysio\r\nBcc: victim@example.dk",
                    subject="Spørgsmål", text="t", html="<p>t</p>")
    with pytest.raises(DeliveryError, match="line break") as error:
        backend.send(message)
    assert "victim" not in str(error.value) and not connected


def test_names_stored_before_the_check_are_put_on_one_line(tmp_path):
    db = connect(str(tmp_path / "old.sqlite3"))
    pending = [m for m in migrations._migrations if m.name != "m010_single_line_names"]
    for migration in pending:
        migration.fn(db)
    db.execute("INSERT INTO clinics (name, phone, email, created_at) VALUES (?, ?, '', '')",
               ["Fysio\r\nBcc: x@y.dk", "70\n10"])
    next(m for m in migrations._migrations if m.name == "m010_single_line_names").fn(db)
    assert next(db.query("SELECT name, phone FROM clinics")) == {
        "name": "Fysio Bcc: x@y.dk", "phone": "70 10"}


def test_stored_activity_text_is_always_escaped(client, enrol):
    _, token = enrol(pathway="lumbar-radiculopathy", consent="given")
    client.post(f"/q/{token}/step/psfs-activities",
                data={"activities-0": "<script>alert(1)</script>", "fewer": "y"})
    for path in ("step/psfs-rate", "review"):
        html = client.raw.get(f"/q/{token}/{path}").get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)" not in html


def _text_fields(form_class):
    """(form, field name, unbound field) for every text field, also inside a FieldList."""
    for klass in form_class.__mro__:
        for name, unbound in vars(klass).items():
            if not isinstance(unbound, UnboundField):
                continue
            if issubclass(unbound.field_class, FieldList):
                unbound = unbound.args[0]
            if issubclass(unbound.field_class, StringField) and not issubclass(
                    unbound.field_class, (PasswordField, HiddenField)):
                yield form_class.__name__, name, unbound


def _all_subclasses(klass):
    for sub in klass.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_text_field_of_every_form_refuses_control_characters(app, content):
    """Walks every form class, the built ones too: a new text field must say which check."""
    with app.test_request_context():
        plan_form(content.library.exercises_for(None, "da"))  # built per library
        found = [(form, name, unbound) for klass in set(_all_subclasses(FlaskForm))
                 for form, name, unbound in _text_fields(klass)]
    assert len({(form, name) for form, name, _ in found}) >= 6
    for form, name, unbound in found:
        validators = unbound.kwargs.get("validators") or []
        wanted = multi_line if issubclass(unbound.field_class, TextAreaField) else single_line
        assert wanted in validators, f"{form}.{name} needs formfields.{wanted.__name__}"
