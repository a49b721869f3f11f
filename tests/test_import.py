"""Bulk import from the booking system: real CSV bytes in each encoding, separator and date
format go through upload, preview and confirm; every row is new / update / unchanged /
error with the column named; nothing is written before the confirmation; a second import
of the same file changes nothing; a clinic never sees or touches another clinic's courses.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from patientapp.accounts import save_clinic, save_clinician
from patientapp.courses import queries as courses
from patientapp.imports.csvfile import FileProblem, read_table, separator
from patientapp.imports.rows import parse_date

PASSWORD = "correct horse battery"
FIRST = date.today() + timedelta(days=20)
HEADERS = {
    "en": ["Name", "E-mail", "Phone", "Language", "Pathway", "First visit", "Referral date",
           "External ID", "0243"],
    "da": ["Navn", "E-mail", "Mobil", "Sprog", "Forløb", "Første konsultation",
           "Henvisningsdato", "Reference", "0243"],
}
DATE_FORMATS = {"iso": "%Y-%m-%d", "dashes": "%d-%m-%Y", "dots": "%d.%m.%Y"}


def csv_bytes(rows: list[list[str]], headers: list[str] | None = None, sep: str = ";",
              encoding: str = "utf-8-sig") -> bytes:
    lines = [sep.join(headers or HEADERS["da"])] + [sep.join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def row(ref="BK-1", name="Søren Ærø", first=FIRST, fmt="%d.%m.%Y", week2="", **cells) -> list:
    values = {"name": name, "email": "soeren@example.dk", "phone": "12345678", "language": "da",
              "pathway": "lumbar-radiculopathy", "first": first.strftime(fmt),
              "referral": (first - timedelta(days=3)).strftime(fmt), "ref": ref,
              "week2": week2, **cells}
    return [values[k] for k in ("name", "email", "phone", "language", "pathway", "first",
                                "referral", "ref", "week2")]


@pytest.fixture
def admin(client, db, clinic_id):
    save_clinician(db, clinic_id, "admin@clinic.example", "Admin", PASSWORD, "admin")
    assert client.post("/clinic/login", data={"email": "admin@clinic.example",
                                              "password": PASSWORD}).status_code == 302
    return client


def upload(client, data: bytes, name: str = "export.csv"):
    return client.post("/clinic/admin/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def preview_of(client, data: bytes):
    """Upload; the preview page and its address."""
    response = upload(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page, response.headers["Location"]


def results(page) -> dict[str, tuple[str, str]]:
    """Reference -> (result, details) for every row of the preview's table (a reference
    seen before gets "#2")."""
    found = {}
    for tr in page.page.select("tbody tr"):
        cells = tr.find_all(["td", "th"])
        ref = cells[1].get_text(strip=True)
        found[ref if ref not in found else f"{ref}#2"] = (cells[3].get_text(strip=True),
                                                          cells[4].get_text(" ", strip=True))
    return found


def import_file(client, data: bytes):
    page, address = preview_of(client, data)
    response = client.post(address)
    assert response.status_code == 302
    return page, client.follow(response)


def snapshot(db) -> dict:
    return {table: list(db.query(f"SELECT * FROM {table} ORDER BY id"))  # noqa: S608
            for table in ("patients", "courses", "timepoints")}


# --- the file: encodings, separators, date formats, headers -----------------------------------

@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1252"])
@pytest.mark.parametrize("sep", [";", ","])
@pytest.mark.parametrize("fmt", DATE_FORMATS.values(), ids=DATE_FORMATS.keys())
def test_a_file_in_each_encoding_separator_and_date_format_imports(admin, db, encoding, sep,
                                                                    fmt):
    week2 = FIRST + timedelta(days=16)
    data = csv_bytes([row(fmt=fmt, week2=week2.strftime(fmt))], sep=sep, encoding=encoding)
    if encoding == "cp1252":
        assert "Søren Ærø".encode("cp1252") in data and b"\xc3" not in data
    before = snapshot(db)
    page, _ = preview_of(admin, data)
    assert results(page) == {"BK-1": ("Ny", results(page)["BK-1"][1])}
    assert snapshot(db) == before  # the preview writes nothing
    import_file(admin, data)  # a second upload of the same file, confirmed
    course_id = courses.find_course_by_external_id(db, 1, "BK-1")
    course = courses.get_course(db, course_id)
    assert course["patient_name"] == "Søren Ærø" and course["first_visit"] == FIRST.isoformat()
    assert course["referral_date"] == (FIRST - timedelta(days=3)).isoformat()
    assert course["phone"] == "+4512345678"
    visits = {tp["key"]: tp["visit_date"] for tp in courses.list_timepoints(db, course_id)}
    assert visits["week-2"] == week2.isoformat()


def test_english_headers_and_names_of_pathways_and_languages(admin, db):
    cells = row(language="English", pathway="Nerve-root pain from the lower back", fmt="%Y-%m-%d")
    import_file(admin, csv_bytes([cells], HEADERS["en"], sep=","))
    course = courses.get_course(db, courses.find_course_by_external_id(db, 1, "BK-1"))
    assert course["language"] == "en" and course["pathway"] == "lumbar-radiculopathy"


@pytest.mark.parametrize("text, expected", [("2026-03-02", date(2026, 3, 2)),
                                            ("02-03-2026", date(2026, 3, 2)),
                                            ("2.3.2026", date(2026, 3, 2)),
                                            ("02.03.2026", date(2026, 3, 2))])
def test_the_date_formats(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["03/02/2026", "2026-02-30", "32.01.2026", "tomorrow", ""])
def test_other_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("line, expected", [("a;b,c;d", ";"), ("a,b,c;d", ","),
                                            ('"x;y",b,c', ",")])
def test_the_separator_is_the_header_lines(line, expected):
    assert separator(line) == expected


@pytest.mark.parametrize("data, says", [
    (b"", "empty"),
    (b"PK\x03\x04\x00\x00binary", "not a CSV"),
    ("Navn;Forløb\r\nA;B\r\n".encode(), "no column for"),
    ("Navn;Name;Forløb;Første konsultation;Reference\r\n".encode(), "mean the same"),
    (('Navn;Forløb;Første konsultation;Reference\r\n"A;lumbar\r\n').encode(), "quotation"),
])
def test_a_file_that_cannot_be_read_is_refused_with_why(data, says):
    with pytest.raises(FileProblem) as error:
        read_table(data, 100)
    assert says in str(error.value)


def test_the_row_limit_is_said_clearly(admin, app, db):
    app.config["IMPORT_MAX_ROWS"] = 2
    response = upload(admin, csv_bytes([row(f"BK-{n}") for n in range(3)]))
    assert response.status_code == 400
    assert "højst 2" in response.page.select_one(".error-summary").get_text()
    assert list(db.query("SELECT * FROM bulk_imports")) == []


def test_the_size_limit_is_said_clearly(admin, app, db):
    app.config["IMPORT_MAX_BYTES"] = 1000
    response = upload(admin, csv_bytes([row(f"BK-{n}") for n in range(30)]))
    assert response.status_code == 400
    assert "MB" in response.page.select_one(".error-summary").get_text()


def test_a_file_larger_than_the_usual_request_limit_is_read(admin, app, db):
    rows = [row(f"BK-{n}", name=f"Patient {n}") for n in range(1000)]
    data = csv_bytes(rows)
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    page, _ = preview_of(admin, data)
    assert len(page.page.select("tbody tr")) == 1000


def test_no_file_is_asked_for(admin):
    response = admin.post("/clinic/admin/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and response.page.select_one(".error-summary")


def test_the_upload_page_and_the_template(admin):
    page = admin.get("/clinic/admin/import")
    assert page.status_code == 200 and page.page.find("input", type="file")
    template = admin.get("/clinic/admin/import/template.csv")
    assert template.mimetype == "text/csv" and template.data.startswith(b"\xef\xbb\xbf")
    table = read_table(template.data, 10)  # the template is a file the import reads
    assert {c.field for c in table.columns} >= {"name", "pathway", "first_visit",
                                                "external_id", "visit"}
    assert table.rows == [] and table.ignored == []


# --- every row: new, update, unchanged, error -------------------------------------------------

def test_each_row_is_new_update_unchanged_or_error_with_its_column(admin, db, content):
    courses.enrol(db, courses.NewPatient(1, "Bo Berg", email="bo@example.dk",
                                                    phone="+4587654321"),
                             content.pathway("lumbar-radiculopathy"), FIRST,
                             FIRST - timedelta(days=3), external_id="BK-2")
    courses.enrol(db, courses.NewPatient(1, "Søren Ærø", email="soeren@example.dk",
                                                phone="+4512345678"),
                         content.pathway("lumbar-radiculopathy"), FIRST,
                         FIRST - timedelta(days=3), external_id="BK-3")
    data = csv_bytes([
        row("BK-1"),
        row("BK-2", name="Bo Berg", email="bo.berg@example.dk", phone="87 65 43 21"),
        row("BK-3"),
        row("BK-4", email="not an address", first=FIRST, fmt="%m/%d/%Y"),
        row("", name="No Reference"),
        row("BK-1", name="Twice"),
        row("BK-5", pathway="knee"),
    ])
    before = snapshot(db)
    page, _ = preview_of(admin, data)
    found = results(page)
    assert found["BK-1"][0] == "Ny" and found["BK-3"][0] == "Uændret"
    assert found["BK-2"] == ("Opdatering", "E-mailadresse: bo.berg@example.dk")
    kind, why = found["BK-4"]
    assert kind == "Fejl" and "Kolonnen “E-mail”" in why and "“Første konsultation”" in why
    assert "Kolonnen “Reference”" in found["–"][1]
    assert found["BK-1#2"][0] == "Fejl" and "Linje 2" in found["BK-1#2"][1]
    assert "Kolonnen “Forløb”" in found["BK-5"][1]
    assert snapshot(db) == before
    assert {r["action"] for r in db.query("SELECT action FROM audit_log")} >= {
        "import-upload", "import-preview"}


def test_confirming_writes_what_the_preview_said_and_a_second_import_changes_nothing(
        admin, db, content):
    courses.enrol(db, courses.NewPatient(1, "Bo Berg", email="bo@example.dk"),
                  content.pathway("lumbar-radiculopathy"), FIRST, FIRST - timedelta(days=3),
                  external_id="BK-2")
    week2 = FIRST + timedelta(days=17)
    data = csv_bytes([row("BK-1", week2=week2.strftime("%d.%m.%Y")),
                      row("BK-2", name="Bo Berg", email="", phone="",
                          week2=week2.strftime("%d-%m-%Y")),
                      row("BK-9", email="wrong")])
    _, done = import_file(admin, data)
    assert "1 nye, 1 opdateret, 0 uændrede" in done.page.get_text()
    bo = courses.get_course(db, courses.find_course_by_external_id(db, 1, "BK-2"))
    assert bo["email"] == "bo@example.dk"  # an empty cell removes nothing
    assert {tp["key"]: tp["visit_date"] for tp in courses.list_timepoints(db, bo["id"])
            }["week-2"] == week2.isoformat()
    assert courses.find_course_by_external_id(db, 1, "BK-9") is None
    actions = [r["action"] for r in db.query("SELECT action FROM audit_log")]
    assert {"import-enrol-patient", "import-update-course", "import-confirm"} <= set(actions)
    before = snapshot(db)
    page, address = preview_of(admin, data)
    assert [kind for kind, _ in results(page).values()] == ["Uændret", "Uændret", "Fejl"]
    assert page.page.find("form", action=address) is None  # nothing to confirm
    assert admin.post(address).status_code == 302
    assert snapshot(db) == before


def test_a_visit_that_cannot_move_is_an_error_naming_its_column(admin, db, content):
    course_id = courses.enrol(db, courses.NewPatient(1, "Bo Berg"),
                              content.pathway("lumbar-radiculopathy"), FIRST,
                              external_id="BK-2")
    courses.end_course(db, course_id)
    early = FIRST - timedelta(days=1)
    data = csv_bytes([row("BK-2", name="Bo Berg", referral="", email="", phone="",
                          week2=(FIRST + timedelta(days=15)).strftime("%d.%m.%Y")),
                      row("BK-3", week2=early.strftime("%d.%m.%Y"))])
    found = results(preview_of(admin, data)[0])
    assert found["BK-2"][0] == "Fejl" and "Kolonnen “0243”" in found["BK-2"][1]
    assert "afsluttet" in found["BK-2"][1]
    assert found["BK-3"][0] == "Fejl" and "første konsultation" in found["BK-3"][1]


def test_a_code_of_another_pathway_is_an_error(admin, db):
    headers = [*HEADERS["da"][:-1], "0267"]
    found = results(preview_of(admin, csv_bytes([row(week2="01.01.2030")], headers))[0])
    assert found["BK-1"][0] == "Fejl" and "Kolonnen “0267”" in found["BK-1"][1]


def test_enrolment_fields_that_differ_are_errors_not_changes(admin, db, content):
    courses.enrol(db, courses.NewPatient(1, "Bo Berg"), content.pathway("lumbar-radiculopathy"),
                  FIRST, external_id="BK-2")
    data = csv_bytes([row("BK-2", name="Bo Berg", first=FIRST + timedelta(days=1))])
    found = results(preview_of(admin, data)[0])
    assert found["BK-2"][0] == "Fejl" and "Første konsultation" in found["BK-2"][1]


# --- who may see and confirm an upload ----------------------------------------------------------

def test_another_clinics_courses_are_neither_seen_nor_changed(admin, db, content):
    other = save_clinic(db, "Anden Klinik", alert_emails="vagt@anden.example")
    theirs = courses.enrol(db, courses.NewPatient(other, "Fremmed", email="f@example.dk"),
                           content.pathway("lumbar-radiculopathy"), FIRST, external_id="BK-1")
    before = courses.get_course(db, theirs)
    found = results(preview_of(admin, csv_bytes([row("BK-1")]))[0])
    assert found["BK-1"][0] == "Ny"  # this clinic has no BK-1
    import_file(admin, csv_bytes([row("BK-1")]))
    assert courses.get_course(db, theirs) == before
    assert courses.find_course_by_external_id(db, 1, "BK-1") not in (None, theirs)


def test_an_upload_is_only_for_the_device_it_was_made_on(admin, app, db, clinic_id):
    _, address = preview_of(admin, csv_bytes([row()]))
    save_clinician(db, clinic_id, "other@clinic.example", "Other", PASSWORD, "admin")
    other = app.test_client()
    other.post("/clinic/login", data={"email": "other@clinic.example", "password": PASSWORD})
    assert other.get(address).headers["Location"].endswith("/clinic/admin/import")
    assert other.post(address).status_code == 302
    assert courses.find_course_by_external_id(db, 1, "BK-1") is None


def test_a_plain_clinician_cannot_import(client, db, clinic_id):
    save_clinician(db, clinic_id, "c@clinic.example", "C", PASSWORD, "clinician")
    client.post("/clinic/login", data={"email": "c@clinic.example", "password": PASSWORD})
    assert upload(client, csv_bytes([row()])).status_code in (403, 404)
    assert list(db.query("SELECT * FROM bulk_imports")) == []


def test_an_expired_upload_cannot_be_confirmed(admin, db):
    _, address = preview_of(admin, csv_bytes([row()]))
    db.execute("UPDATE bulk_imports SET expires_at = '2000-01-01T00:00:00+00:00'")
    assert admin.post(address).headers["Location"].endswith("/clinic/admin/import")
    assert courses.find_course_by_external_id(db, 1, "BK-1") is None


def test_confirming_twice_imports_once(admin, db):
    _, address = preview_of(admin, csv_bytes([row()]))
    admin.post(address)
    admin.post(address)
    assert next(db.query("SELECT count(*) AS n FROM courses"))["n"] == 1
    assert list(db.query("SELECT * FROM bulk_imports")) == []
