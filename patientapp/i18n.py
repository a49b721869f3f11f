"""Language: which locale a request gets, and the ``flask translations`` commands.

Danish is the default a patient meets. A patient's choice is stored on the
patient (so every link remembers it); anyone else's in the session.
"""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, request, session
from flask.cli import AppGroup

from .config import PROJECT_ROOT

# Each language's name in itself, as a language switch or a choice of language shows it.
LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}


def language_choices() -> list[tuple[str, str]]:
    """(code, name) for every language the app is configured with, in that order."""
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]]


translations_cli = AppGroup("translations", help="Extract, update and compile message catalogs.")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    for candidate in (g.get("patient_locale"), session.get("lang"), g.get("user_locale")):
        if candidate in languages:
            return candidate
    if request.accept_languages and request.path.startswith("/clinic"):
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def stale_catalogs(directory: Path) -> list[Path]:
    """The .po files whose compiled .mo is missing or older: their texts would not show."""
    return [po for po in sorted(directory.glob("*/LC_MESSAGES/messages.po"))
            if not (mo := po.with_suffix(".mo")).exists()
            or mo.stat().st_mtime < po.stat().st_mtime]


def compile_catalogs(directory: Path, force: bool = False) -> list[Path]:
    """Compile every .po file whose .mo is missing or older; return those compiled."""
    compiled = []
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        compiled.append(po_path)
    return compiled


def init_app(app: Flask) -> None:
    # Catalogs are compiled by `flask translations compile` (and by `flask demo`), once per
    # install, never by each app: a read-only install ships them compiled, and a stale one
    # is reported by `flask check`.
    app.cli.add_command(translations_cli)


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


# Babel skips folders whose name starts with "_" unless told which to ignore, which left the
# strings of templates/_macros and templates/_partials untranslated.
IGNORE_DIRS = ".* ._ __pycache__"


def extract_args(output: Path) -> list[str]:
    """The arguments of ``pybabel extract`` that write the catalog template to ``output``."""
    return ["extract", "-F", str(PROJECT_ROOT / "babel.cfg"), "-k", "_l", "--no-location",
            "--sort-output", "--omit-header", "--ignore-dirs", IGNORE_DIRS, "-o", str(output),
            str(PROJECT_ROOT / "patientapp")]


@translations_cli.command("extract")
def extract() -> None:
    """Extract marked strings from code and templates into translations/messages.pot."""
    _babel(*extract_args(PROJECT_ROOT / "translations/messages.pot"))


@translations_cli.command("update")
def update() -> None:
    """Extract, then merge new strings into every language's messages.po."""
    extract.callback()
    _babel("update", "-i", str(PROJECT_ROOT / "translations/messages.pot"), "-d",
           str(PROJECT_ROOT / "translations"), "--no-fuzzy-matching", "--ignore-obsolete",
           "--width", "100")


@translations_cli.command("compile")
def compile_command() -> None:
    """Compile every messages.po into the messages.mo the app reads."""
    done = compile_catalogs(Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"]), force=True)
    click.echo(f"Compiled {len(done)} catalog(s).")
