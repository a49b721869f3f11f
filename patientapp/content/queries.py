"""Content snapshots: each questionnaire version's wording, kept from the first time it is used.

A response records the ``content_version`` it was answered on; the snapshot keeps that
version's text in every language, so FHIR exports and reads render the response with the
words the patient saw even after the file has been edited. Rows are only ever added.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlite_utils import Database

from ..db import now
from .instruments import Questionnaire

# (instrument, content_version) -> {locale: Questionnaire}
Versions = dict[tuple[str, str], dict[str, Questionnaire]]


# The JSON of each questionnaire version's wording, made once per process: every answer
# save offers the snapshot again (the database keeps only the first), and encoding the
# whole questionnaire in both languages was a fifth of a save (measured). Content only.
_ENCODED: dict[tuple[str, str, str], str] = {}


def _encoded(q: Questionnaire) -> str:
    key = (q.id, q.locale, q.content_version)
    if not q.content_version:  # no fingerprint to know the wording by
        return json.dumps(q.data, ensure_ascii=False, default=str)
    if key not in _ENCODED:
        if len(_ENCODED) > 1000:  # edited content in a long-running process: start over
            _ENCODED.clear()
        _ENCODED[key] = json.dumps(q.data, ensure_ascii=False, default=str)
    return _ENCODED[key]


def save_snapshots(db: Database, questionnaires: Iterable[Questionnaire],
                   version: str | None = None) -> None:
    """Keep these questionnaires under their content version (or ``version``), unless that
    version is already kept: the first wording stored for a version stays."""
    stamp = now()
    for q in questionnaires:
        db.execute("INSERT INTO content_snapshots (instrument, content_version, locale, kind,"
                   " data, first_used_at) VALUES (?, ?, ?, ?, ?, ?)"
                   " ON CONFLICT (instrument, content_version, locale) DO NOTHING",
                   [q.id, version or q.content_version, q.locale, q.kind,
                    _encoded(q), stamp])


def _questionnaire(row: dict) -> Questionnaire:
    return Questionnaire(id=row["instrument"], locale=row["locale"], kind=row["kind"],
                         data=json.loads(row["data"]), content_version=row["content_version"])


def _grouped(rows: Iterable[dict]) -> Versions:
    found: Versions = {}
    for row in rows:
        found.setdefault((row["instrument"], row["content_version"]), {})[row["locale"]] = \
            _questionnaire(row)
    return found


def get_snapshots(db: Database, keys: Iterable[tuple[str, str]]) -> Versions:
    """The kept versions among ``keys`` ((instrument, content_version) pairs)."""
    wanted = json.dumps([list(key) for key in set(keys)])
    return _grouped(db.query(
        "SELECT * FROM content_snapshots WHERE (instrument, content_version) IN"
        " (SELECT value ->> 0, value ->> 1 FROM json_each(?)) ORDER BY locale", [wanted]))


def list_snapshots(db: Database) -> Versions:
    """Every kept version, oldest first."""
    return _grouped(db.query("SELECT * FROM content_snapshots"
                             " ORDER BY first_used_at, instrument, content_version, locale"))
