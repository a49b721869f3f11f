"""Reading a booking system's CSV export: the bytes, the separator, the columns, the rows.

Pure functions, no Flask or database. What Danish spreadsheets and booking systems save:
UTF-8 with or without a byte order mark, or Windows-1252; ``;`` (Danish Excel, where ``,``
is the decimal comma) or ``,`` as the separator, found from the header line; column names
in Danish or English, in any order, any letter case. Problems with the file as a whole
raise ``FileProblem`` (an English msgid marked with ``N_`` and its values), so nothing of a
file that cannot be read is ever shown as rows.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from ..checks import N_

BOM = b"\xef\xbb\xbf"
SEPARATORS = (";", ",")
MAX_CELL = 500  # longer than any field may be (as in the write API)

# Each field and the column names it is known by (compared without case, spaces, "_" or
# "-"). The first name is the English one, the second the Danish one: the template's.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "navn", "patient name", "patientnavn", "patient"),
    "email": ("email", "e-mail", "e-mail address", "email address", "e-mailadresse", "mail"),
    "phone": ("phone", "mobil", "mobile", "mobile number", "mobilnummer", "telefon",
              "telefonnummer", "tlf"),
    "language": ("language", "sprog"),
    "pathway": ("pathway", "forløb", "course"),
    "entry_code": ("entry code", "startkode", "start code"),
    "first_visit": ("first visit", "første konsultation", "first consultation",
                    "første besøg"),
    "referral_date": ("referral date", "henvisningsdato", "henvisning", "referral"),
    "external_id": ("external id", "reference", "ekstern reference", "ekstern id",
                    "external reference"),
}
REQUIRED = ("name", "pathway", "first_visit", "external_id")
# A visit date by its service code: "0243", or "visit 0243" / "besøg 0243" / "kode 0243".
VISIT_COLUMN = re.compile(r"^(?:visit|besøg|kode|code|ydelse|ydelseskode)?(\d{4})$")


class FileProblem(ValueError):
    """The file as a whole cannot be imported; ``message`` is the msgid."""

    def __init__(self, message: str, **params) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class Column:
    """One column of the file: its header as written, and what it holds."""

    header: str
    field: str | None  # a field of COLUMNS, "visit", or None (not one the import reads)
    code: str | None = None  # the service code of a visit column


@dataclass
class Table:
    """The file's columns and rows; each row is its line number and its cells."""

    columns: list[Column]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    @property
    def ignored(self) -> list[str]:
        return [c.header for c in self.columns if c.field is None and c.header]


def _key(header: str) -> str:
    return re.sub(r"[\s_\-.:]+", "", header.strip().casefold())


_KNOWN = {_key(name): field_name for field_name, names in COLUMNS.items() for name in names}


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), else Windows-1252."""
    if b"\x00" in data[:4096] or data.startswith(b"PK\x03\x04"):
        raise FileProblem(N_("This is not a CSV file. In the spreadsheet, choose Save as and "
                             "the type CSV (semicolon or comma separated)."))
    if data.startswith(BOM):
        data = data[len(BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise FileProblem(N_("The file's characters could not be read. Save it as CSV in "
                             "UTF-8 or Windows-1252.")) from None


def separator(header_line: str) -> str:
    """``;`` or ``,``: the one the header line uses more often (outside quotes)."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    return max(SEPARATORS, key=unquoted.count)


def column(header: str) -> Column:
    key = _key(header)
    if (match := VISIT_COLUMN.match(key)) is not None:
        return Column(header.strip(), "visit", match[1])
    return Column(header.strip(), _KNOWN.get(key))


def _check_columns(columns: list[Column]) -> None:
    named = [c.field for c in columns if c.field not in (None, "visit")]
    twice = sorted({c.header for c in columns if c.field not in (None, "visit")
                    and named.count(c.field) > 1})
    if twice:
        raise FileProblem(N_("These columns mean the same thing: %(columns)s. Keep one."),
                          columns=", ".join(twice))
    missing = [COLUMNS[name][0] for name in REQUIRED if name not in named]
    if missing:
        raise FileProblem(N_("The file has no column for: %(columns)s. The first line must "
                             "name the columns; the template shows how."),
                          columns=", ".join(missing))


def read_table(data: bytes, max_rows: int) -> Table:
    """The file's columns and its non-empty rows; FileProblem when it cannot be imported."""
    text = decode(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise FileProblem(N_("The file is empty. The first line must name the columns."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator(lines[0]),
                        strict=True)
    try:
        table = Table([column(h) for h in next(reader)])
        _check_columns(table.columns)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(table.rows) == max_rows:
                raise FileProblem(N_("The file has more than %(max)d rows. Import at most "
                                     "%(max)d at a time: split the file."), max=max_rows)
            table.rows.append((reader.line_num, [cell.strip()[:MAX_CELL] for cell in cells]))
    except csv.Error:
        raise FileProblem(N_("Line %(line)d could not be read: check its quotation marks."),
                          line=reader.line_num) from None
    return table
