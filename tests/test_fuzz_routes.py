"""Every route the app registers, as every role that may reach it, fed hostile input.

The routes come from the app's own route map and their access class from
``route_map.ACCESS``, so a new route is fuzzed without anyone listing it. For each route
hypothesis builds query strings and form bodies from the fields of the forms that post
to it (read from the pages the app renders: WTForms and hand-written forms alike) and
from every query parameter the views read, then spoils them: unknown, duplicated and
missing fields, field names with odd list indices and characters, huge and negative
numbers, dates at the edges of the calendar, NUL and CR/LF, 100 KB strings, invalid
UTF-8 and the wrong content type; now and then a path parameter is spoilt too.

The property, for every answer:
- never a 5xx;
- nothing written to the database on a 4xx (the audit log and an API key's "last used"
  excepted: refused attempts are logged on purpose);
- an HTML answer is in the user's language (``<html lang>``, and on a Danish page no
  English sentence from the catalogues), and never echoes markup unescaped.

``HYPOTHESIS_PROFILE=long`` runs a few thousand examples per route (see bench/README.md).
"""

from __future__ import annotations

import html
import inspect
import json
import os
import re
import sqlite3
from pathlib import Path
from tempfile import gettempdir
from urllib.parse import quote, urlencode

import pytest
import wtforms
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from route_map import (
    ACCESS,
    API_KEY,
    DESIGNED,
    PATIENT,
    PATIENTS,
    ROLES,
    build_world,
    form_fields,
    make_app,
)
from route_map import methods as rule_methods
from route_map import rules as app_rules

from patientapp.api import openapi
from patientapp.config import PROJECT_ROOT

# Per route, method and role: a few in the normal run (about a minute and a half in all,
# on two cores), the profile's count (2000) with HYPOTHESIS_PROFILE=long.
DEFAULT_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
EXAMPLES = settings().max_examples if os.environ.get("HYPOTHESIS_PROFILE") == "long" \
    else DEFAULT_EXAMPLES

_APP = make_app(Path(gettempdir()), DATABASE=":memory:")
CASES = [(rule.endpoint, method, role) for rule in app_rules(_APP)
         for method in rule_methods(rule) for role in ROLES[ACCESS.get(rule.endpoint, "?")]
         if rule.endpoint in ACCESS]


def _query_names(app) -> list[str]:
    """Every query parameter a view reads, and every one the API document names."""
    names = set()
    for view in app.view_functions.values():
        try:
            source = inspect.getsource(inspect.getmodule(inspect.unwrap(view)))
        except (OSError, TypeError):
            continue
        names |= set(re.findall(r"(?:args\.get(?:list)?|int_arg|_page)\(\"(\w+)\"", source))
    for item in openapi.document()["paths"].values():
        names |= {p["name"] for operation in item.values()
                  for p in operation.get("parameters", []) if p["in"] == "query"}
    return sorted(names | {"limit", "offset", "_count", "_offset"})


QUERY_NAMES = _query_names(_APP)


def _english_only() -> set[str]:
    """Sentences that must not appear on a Danish page: our English msgids whose Danish
    differs, and WTForms' built-in messages (it has no Danish catalogue of its own). Single
    words are left out: "active" on the audit log is a code, not a sentence."""
    with (PROJECT_ROOT / "translations/da/LC_MESSAGES/messages.po").open("rb") as po:
        ours = {m.id for m in read_po(po) if isinstance(m.id, str) and " " in m.id
                and m.string and m.string != m.id and "%(" not in m.id}
    with (Path(wtforms.__file__).parent / "locale/wtforms.pot").open("rb") as pot:
        theirs = {m.id for m in read_po(pot) if isinstance(m.id, str) and m.id
                  and "%(" not in m.id}
    return ours | theirs


ENGLISH_ONLY = _english_only()

# --- hostile values --------------------------------------------------------------------

LONG = "x" * 100_000
EDGE_DATES = ["9999-12-31", "0001-01-01", "0000-00-00", "1999-12-31", "2000-01-01",
              "2036-12-31", "2037-01-01", "2026-02-29", "2024-02-29", "2026-13-01",
              "+99999-01-01", "2026-W10-1", "20260302", "２０２６-０１-０１", "2026-01-01T25:00"]
NUMBERS = ["-1", "0", "-0", "1e309", "NaN", "inf", "0x10", "²", "٣", "1.5", " 1",
           "99999999999999999999999", "-99999999999999999999999", str(2**63), str(-2**63 - 1),
           str(2**64)]
NASTY = ["", " ", "\x00", "a\x00b", "\r\n", "Fysio\r\nBcc: victim@example.dk", "\u2028",
         "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "'; DROP TABLE x; --",
         "../../etc/passwd", "%00", "{{7*7}}", "ﬀ\u202e\u200bÆØÅ🙂", "null", "[]", "{}",
         "é" * 30_000]
ODD_SUFFIXES = ["-²", "-٣", "-99999999999999999999", "--1", "-0-x", "-", "[]", "[0]", " ",
                "\x00", "\r\n", "-00", "-1e3", ".0"]
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def values(samples: list[str]):
    hostile = st.one_of(st.sampled_from(EDGE_DATES + NUMBERS + NASTY), text,
                        st.integers().map(str), st.just(LONG))
    return st.one_of(st.sampled_from(samples), hostile) if samples else hostile


def names(known: list[str]):
    bases = sorted({re.sub(r"-\d+$", "", name) for name in known}) or ["field"]
    odd = st.builds(lambda base, suffix: base + suffix, st.sampled_from(bases),
                    st.sampled_from(ODD_SUFFIXES))
    unknown = st.one_of(text.filter(bool), st.sampled_from(["csrf_token", "action", "next",
                                                            "__proto__", "return"]))
    return st.one_of(st.sampled_from(known), odd, unknown) if known else st.one_of(odd, unknown)


@st.composite
def fields(draw, known: dict[str, list[str]]):
    """A complete form (every field, a page's own value or a hostile one), a random pick of
    its fields (some repeated), and a few odd or unknown ones."""
    listed = list(known)
    if listed and draw(st.booleans()):
        pairs = [(name, draw(values(known[name]))) for name in listed]
    else:
        pairs = draw(st.lists(st.tuples(st.sampled_from(listed), values([])),
                              max_size=2 * len(listed))) if listed else []
    extra = draw(st.lists(st.tuples(names(listed), values([])), max_size=3))
    return pairs + extra


def _encode(pairs, invalid_utf8: bool) -> str:
    body = urlencode(pairs)
    return body + "&" + quote(b"\xff\xfe", safe="") + "=%c3%28" if invalid_utf8 else body


@st.composite
def requests(draw, world, rule, method: str, language: str):
    """The keyword arguments of one test-client request to ``rule``."""
    spoilt = None
    if rule.arguments and draw(st.integers(0, 9)) == 0:
        spoilt = draw(st.sampled_from(sorted(rule.arguments)))
        value = quote(draw(st.sampled_from(NUMBERS + NASTY[:12]) | text.filter(bool)), safe="")
        path = world.url(rule, language, **{spoilt: value})
    else:
        path = world.url(rule, language)
    query = draw(st.lists(st.tuples(names(QUERY_NAMES), values([])), max_size=4))
    kwargs = {"path": path, "method": method, "spoilt": spoilt,
              "query_string": _encode(query, draw(st.integers(0, 9)) == 0)}
    if method == "POST":
        pairs = draw(fields(form_fields(world, rule, language)))
        encoding = draw(st.sampled_from(["form"] * 4 + ["multipart", "bytes", "json", "text",
                                                          "none"]))
        if encoding == "form":
            kwargs.update(data=_encode(pairs, False),
                          content_type="application/x-www-form-urlencoded")
        elif encoding == "multipart":
            kwargs.update(data=dict(pairs), content_type="multipart/form-data")
        elif encoding == "bytes":
            kwargs.update(data=_encode(pairs, True).encode("latin-1", "replace") + b"\xff\xc3(",
                          content_type="application/x-www-form-urlencoded; charset=utf-8")
        elif encoding == "json":
            kwargs.update(data=json.dumps(dict(pairs)), content_type="application/json")
        elif encoding == "text":
            kwargs.update(data=_encode(pairs, False), content_type="text/plain")
    if draw(st.integers(0, 4)) == 0:
        kwargs["headers"] = {"Accept": draw(st.sampled_from(["application/json", "*/*",
                                                             "text/html;q=0", "\x00"]))}
    return kwargs


# --- the property ------------------------------------------------------------------------

class Database:
    """Tells whether anything but the audit log was written since the last look.

    ``PRAGMA data_version`` changes only when another connection commits, so the
    common case (nothing written) costs one pragma; a full comparison follows only then.
    """

    def __init__(self, path: str):
        self.connection = sqlite3.connect(path)
        self.version, self.rows = None, None

    def _version(self) -> int:
        return self.connection.execute("PRAGMA data_version").fetchone()[0]

    def _rows(self) -> dict:
        tables = [name for (name,) in self.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'audit_log'")]
        rows = {table: self.connection.execute(f"SELECT * FROM [{table}]").fetchall()  # noqa: S608
                for table in tables}
        # When a key was last used is noted before its request is checked, like the audit log.
        rows["api_keys"] = self.connection.execute(
            "SELECT id, clinic_id, name, key_hash, prefix, revoked_at FROM api_keys").fetchall()
        return rows

    def patient_language(self, name: str) -> str:
        return self.connection.execute("SELECT language FROM patients WHERE name = ?",
                                       [name]).fetchone()[0]

    def look(self) -> None:
        if self._version() != self.version:
            self.version, self.rows = self._version(), self._rows()

    def unchanged(self) -> bool:
        if self._version() == self.version:
            return True
        return self._rows() == self.rows


def check_answer(response, languages: set[str], role: str, endpoint: str) -> None:
    assert response.status_code < 500 or (endpoint, response.status_code) in DESIGNED, \
        response.status_code
    if response.mimetype != "text/html" or role in ("api", "metrics") or \
            300 <= response.status_code < 400:
        return  # a redirect's body is werkzeug's, never shown
    page = response.get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x onerror" not in page
    lang = re.search(r"<html[^>]*\slang=\"([\w-]+)\"", page)
    assert lang and lang[1] in languages, (lang and lang[1], languages)
    if lang[1] == "da":
        shown = {html.unescape(t).strip() for t in re.findall(r">([^<>]+)<", page)}
        english = shown & ENGLISH_ONLY
        assert not english, f"English on a Danish page: {sorted(english)}"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def database(world):
    return Database(world.app.config["DATABASE"])


@pytest.mark.parametrize("endpoint, method, role", CASES)
def test_no_hostile_input_reaches_a_500_or_writes_on_a_refusal(world, database, endpoint,
                                                               method, role):
    rule = next(r for r in world.app.url_map.iter_rules() if r.endpoint == endpoint)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data(), language=st.sampled_from(["da", "en"]))
    def run(data, language):
        request = data.draw(requests(world, rule, method, language))
        spoilt = request.pop("spoilt")
        client = world.client(role, language)
        database.look()
        response = client.open(headers={**world.headers.get(role, {}),
                                        **request.pop("headers", {})}, **request)
        # A patient's pages are in the patient's language, which a fuzzed language switch may
        # have changed; a link that is not one, or an address no route matches, in Danish.
        if role == "patient":
            language = database.patient_language(PATIENTS[language])
        expected = {language, "da"} if spoilt and response.status_code == 404 else {language}
        check_answer(response, expected, role, endpoint)
        if 400 <= response.status_code < 500:
            assert database.unchanged(), f"a {response.status_code} wrote to the database"

    run()


def test_every_route_is_fuzzed(world):
    fuzzed = {endpoint for endpoint, _, _ in CASES}
    assert fuzzed == {rule.endpoint for rule in world.app.url_map.iter_rules()}
    assert {role for _, _, role in CASES} == {"anonymous", "pending", "patient", "clinician",
                                             "admin", "api", "metrics"}
    assert any(ACCESS[e] == API_KEY for e, _, _ in CASES)
    assert any(ACCESS[e] == PATIENT and form_fields(world, r) for e, _, _ in CASES
               for r in world.app.url_map.iter_rules() if r.endpoint == e)
