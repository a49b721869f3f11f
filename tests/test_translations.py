"""The message catalogs: Danish is complete, placeholders survive translation, and
translations/messages.pot is not stale (CI fails until `flask translations update` is run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from patientapp.config import PROJECT_ROOT
from patientapp.i18n import extract_args

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def danish():
    return catalog(PROJECT_ROOT / "translations/da/LC_MESSAGES/messages.po")


def messages(cat):
    return [m for m in cat if m.id]


def test_every_string_has_a_danish_translation(danish):
    missing = [m.id for m in messages(danish)
               if not (m.string if isinstance(m.string, str) else all(m.string))]
    assert not missing, f"untranslated: {missing[:10]}"


def test_no_translation_is_marked_fuzzy(danish):
    assert not [m.id for m in messages(danish) if m.fuzzy]


def test_placeholders_survive_translation(danish):
    wrong = []
    for m in messages(danish):
        sources = [m.id] if isinstance(m.id, str) else list(m.id)
        targets = [m.string] if isinstance(m.string, str) else list(m.string)
        expected = sorted(PLACEHOLDER.findall(sources[0]))
        for target in targets:
            if sorted(PLACEHOLDER.findall(target)) != expected:
                wrong.append((sources[0], target))
    assert not wrong, wrong[:5]


def test_the_template_is_up_to_date(tmp_path):
    """Run the same extraction as `flask translations extract` and compare."""
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", *extract_args(fresh)])
    extracted = {m.id for m in messages(catalog(fresh))}
    committed = {m.id for m in messages(catalog(PROJECT_ROOT / "translations/messages.pot"))}
    assert extracted == committed, (
        "translations/messages.pot is stale: run `flask --app patientapp translations update` "
        f"(new: {sorted(map(str, extracted - committed))[:5]}, "
        f"gone: {sorted(map(str, committed - extracted))[:5]})")


TEMPLATES = sorted(p for p in (PROJECT_ROOT / "patientapp/templates").rglob("*")
                   if p.suffix in (".html", ".txt"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_template_is_extracted(path):
    """Each template's marked strings are in the catalog template, in every folder (Babel
    leaves out folders starting with "_", such as _macros, unless told otherwise)."""
    with path.open("rb") as handle:
        found = {m[2] if isinstance(m[2], str) else m[2][0] for m in babel_extract(
            handle, ("_", "gettext", "ngettext"), [], {"trimmed": "false"})}
    committed = {m.id if isinstance(m.id, str) else m.id[0]
                 for m in messages(catalog(PROJECT_ROOT / "translations/messages.pot"))}
    assert found <= committed, sorted(found - committed)


def test_danish_catalog_has_every_string_of_the_template(danish):
    template = {m.id for m in messages(catalog(PROJECT_ROOT / "translations/messages.pot"))}
    assert template <= {m.id for m in messages(danish)}


@pytest.mark.parametrize("language, winter, summer, score", [
    ("da", "25. nov. 2026 20.47", "1. jul. 2026 12.00", "4,5"),
    ("en", "25 Nov 2026, 20:47", "1 Jul 2026, 12:00", "4.5"),  # the British way
])
def test_moments_and_numbers_are_written_the_local_way(app, language, winter, summer, score):
    """Clinic time (summer time too), the month named so 7/1 cannot be misread, no seconds;
    a decimal comma in Danish."""
    from flask_babel import force_locale

    from patientapp.web.templating import local_datetime, score_text

    with app.test_request_context(), force_locale(language):
        assert local_datetime("2026-11-25T19:47:05+00:00") == winter
        assert local_datetime("2026-07-01T10:00:00+00:00") == summer
        assert score_text("psfs", 4.45) == score


@pytest.mark.parametrize("setting", [{"da": "da_DK", "en": "en_XX_nonsense"}, "en_GB"])
def test_a_wrong_format_locale_stops_the_start_up_plainly(tmp_path, setting):
    from patientapp import create_app
    from patientapp.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="PATIENTAPP_FORMAT_LOCALES"):
        create_app({"DATABASE": str(tmp_path / "x.sqlite3"), "FORMAT_LOCALES": setting})
