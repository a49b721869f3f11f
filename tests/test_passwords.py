"""Passwords that are hard to guess, and no control characters in what is stored."""

from __future__ import annotations

from datetime import date

import pytest

from patientapp.clinician.passwords import has_control_characters, password_problem
from patientapp.demo import create_demo

PASSWORD = "correct horse battery"
HINTS = ["Jens Hansen", "jens.hansen@fysio-nord.dk", "Fysio Nord"]
GUESSABLE = ["password1234", "Password1234", "123456789012", "aaaaaaaaaaaa", "abcabcabcabc",
             "qwertyuiopas", "iloveyou1234", "kodeord12345", "Sommerferie2024",
             "adgangskode1", "Fysioterapi2026", "Jens Hansen 1980", "111111111111",
             "abcdefghijkl", "p@ssw0rd1234"]
STRONG = [PASSWORD, "a sturdy passphrase 42", "tre grønne æbler på bordet", "kaffe-kop-lampe-vind"]
CONTROLS = ["a long enough\x00password", "a long enough\tpassword", "a long enough\npassword",
            "a long enough\x1bpassword", "a long enough\x7fpassword", "a long enough\x85password",
            "a long enough\u2028password"]


@pytest.mark.parametrize("password", GUESSABLE)
def test_common_and_repetitive_passwords_are_refused(password):
    assert password_problem(password, HINTS) == "guessable"


@pytest.mark.parametrize("password", STRONG)
def test_unrelated_words_are_fine(password):
    assert password_problem(password, HINTS) is None


@pytest.mark.parametrize("password", CONTROLS)
def test_control_characters_are_refused_in_a_password(password):
    assert password_problem(password, HINTS) == "control"


def test_short_is_short():
    assert password_problem("kaffe-kop", HINTS) == "short"


@pytest.mark.parametrize("text, multiline, bad", [
    ("Linje et\nLinje to\r\n\tindrykket", True, False),
    ("Linje et\nLinje to", False, True),
    ("nul\x00tegn", True, True), ("escape\x1b[31m", True, True), ("c1\x9b", True, True),
    ("Søren Ærø – “citat”", False, False), ("", False, False), (None, False, False),
])
def test_which_texts_hold_control_characters(text, multiline, bad):
    assert has_control_characters(text, multiline) is bad


@pytest.fixture
def admin(client, db, content):
    create_demo(db, content, "http://localhost", date.today(), PASSWORD)
    client.post("/clinic/login", data={"email": "demo@clinic.example", "password": PASSWORD})
    return client


def _count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


@pytest.mark.parametrize("password", GUESSABLE[:4] + CONTROLS[:2])
def test_an_admin_cannot_give_a_weak_first_password(admin, db, password):
    before = _count(db, "clinicians")
    response = admin.post("/clinic/admin/clinicians", data={
        "name": "Ny Kollega", "email": "ny@clinic.example", "role": "clinician",
        "password": password})
    assert response.status_code == 400
    assert response.page.select_one(".error-summary a")["href"] == "#password"
    assert response.page.select_one("#name")["value"] == "Ny Kollega"  # the rest is kept
    assert _count(db, "clinicians") == before


def test_the_persons_own_name_makes_a_weak_password(admin, db):
    response = admin.post("/clinic/admin/clinicians", data={
        "name": "Karoline Vestergaard", "email": "kv@clinic.example", "role": "clinician",
        "password": "karolinevestergaard"})
    assert response.status_code == 400


@pytest.mark.parametrize("new", ["password1234", "aaaaaaaaaaaa", "a long enough\x00password"])
def test_a_new_password_must_be_strong_too(admin, db, new):
    before = next(db.query("SELECT password_hash FROM clinicians"))["password_hash"]
    response = admin.post("/clinic/account/password",
                          data={"current": PASSWORD, "new": new, "repeat": new})
    assert response.status_code == 400
    assert response.page.select_one(".error-summary a")["href"] == "#new"
    assert next(db.query("SELECT password_hash FROM clinicians"))["password_hash"] == before


@pytest.mark.parametrize("password, words", [
    ("password1234", "too easy to guess"), ("short", "at least 12"),
    ("a long enough\x00password", "control characters"),
])
def test_create_clinician_refuses_weak_passwords(runner, db, password, words):
    result = runner.invoke(args=["create-clinician", "--email", "a@clinic.dk", "--name", "A",
                                 "--clinic", "Ny Klinik", "--password", password])
    assert result.exit_code == 2 and words in result.output
    assert _count(db, "clinicians") == 0 and _count(db, "clinics") == 0


@pytest.mark.parametrize("option, value", [
    ("--name", "Ny\x00Admin"), ("--name", "Ny\x1b[2JAdmin"), ("--email", "a\x00@clinic.dk"),
    ("--clinic", "Klinik\x00"),
])
def test_create_clinician_refuses_control_characters(runner, db, option, value):
    args = {"--email": "a@clinic.dk", "--name": "A", "--clinic": "Ny Klinik",
            "--password": PASSWORD}
    args[option] = value
    result = runner.invoke(args=["create-clinician", *[x for kv in args.items() for x in kv]])
    assert result.exit_code == 2
    assert _count(db, "clinicians") == 0


def test_create_api_key_refuses_control_characters(runner, db, clinic_id):
    result = runner.invoke(args=["create-api-key", "--clinic", str(clinic_id),
                                 "--name", "System\x00"])
    assert result.exit_code == 2 and _count(db, "api_keys") == 0


def test_the_gp_note_refuses_control_characters_and_keeps_the_text(admin, db):
    course_id = next(db.query("SELECT id FROM courses"))["id"]
    note = "Godt forløb.\nSe ODI.\x00"
    response = admin.post(f"/clinic/courses/{course_id}/summary", data={"note": note})
    assert response.status_code == 400
    kept = response.page.select_one("#note").text
    assert "Godt forløb." in kept and "Se ODI." in kept
    ok = admin.post(f"/clinic/courses/{course_id}/summary",
                    data={"note": "Godt forløb.\r\nSe ODI.\tTak"})
    assert ok.status_code == 302
