"""The documentation in docs/: it stays inside the repository and agrees with the code.

Walks every file of the repository (not a list), so a file added later is covered: none may
point outside the repository, and every relative Markdown link must lead to a file (and
heading) that exists. The tables in the docs that restate rules are read back and checked
against the code and content they describe.
"""

from __future__ import annotations

import re
import subprocess  # nosec B404 - runs git only, with fixed arguments
from pathlib import Path

import pytest
import yaml
from sqlite_utils import Database

from patientapp import scoring
from patientapp.content import load_pathways
from patientapp.db import migrate

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".hypothesis",
             ".ruff_cache", "instance", "test-artifacts", "build", "dist"}
# Written in two parts so that this file does not trip its own check.
OUTSIDE = re.compile(r"\.\./" + r"shared|(?<![\w.-])shared/(?:INSTRUMENTS|PATHWAYS|STYLE|seeds)"
                     r"|(?<![\w/])/wor" r"k/")
MD_NAME = re.compile(r"(?<![\w.-])([\w./-]*[\w-]\.md)\b")
PARENT_PATH = re.compile(r"(?<![\w.])((?:\.\./)+[\w./-]*)")
# Where a path up the tree is a reference to read. In code it can be test data (a path
# traversal attempt), which the Markdown link check and OUTSIDE still cover.
DOCUMENT_SUFFIXES = {".md", ".txt", ".yaml", ".yml", ".toml", ".cfg", ".ini"}
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~)")
NPM_LICENSE = re.compile(r'"license": "[^"]*"')


def repository_files(root: Path = ROOT) -> list[Path]:
    """Every file of the repository: git's tracked and not-ignored files, or a walk."""
    try:
        listed = subprocess.run(  # nosec B603 B607 - fixed arguments
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=root, capture_output=True, check=True, text=True).stdout
        files = [root / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        files = [p for p in root.rglob("*")
                 if p.is_file() and not SKIP_DIRS & set(p.relative_to(root).parts)]
    return sorted(p for p in files if p.is_file() and ".egg-info" not in str(p))


def text_of(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # a binary file (an image) refers to nothing


FILES = repository_files()
TEXT = {p: t for p in FILES if (t := text_of(p)) is not None}
MARKDOWN = sorted(p for p in TEXT if p.suffix == ".md")
NAMES = {p.name for p in FILES}


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def inside(path: Path, root: Path = ROOT) -> bool:
    return path.resolve().is_relative_to(root.resolve())


# --- nothing points outside the repository --------------------------------------------

def outside_references(path: Path, text: str, root: Path = ROOT) -> list[str]:
    """What in ``text`` refers to something that is not in the repository."""
    found = [f"{m.group(0)!r}" for m in OUTSIDE.finditer(text)]
    for match in PARENT_PATH.finditer(text) if path.suffix in DOCUMENT_SUFFIXES else ():
        target = (path.parent / match.group(1)).resolve()
        if not inside(target, root) or not target.exists():
            found.append(f"{match.group(1)!r} (leads to nothing in the repository)")
    # An npm lock file's "license": "SEE LICENSE IN <file>" names a file of that package.
    names_text = NPM_LICENSE.sub("", text) if path.name == "package-lock.json" else text
    for match in MD_NAME.finditer(names_text):
        name = match.group(1)
        candidates = [path.parent / name, root / name]
        if not any(c.exists() and inside(c, root) for c in candidates) \
                and Path(name).name not in NAMES:
            found.append(f"{name!r} (no such file in the repository)")
    return found


def test_the_walk_finds_the_repository():
    names = {rel(p) for p in FILES}
    assert {"README.md", "docs/README.md", "patientapp/scoring.py", "tests/test_docs.py"} <= names
    assert not any(part in SKIP_DIRS for p in FILES for part in p.relative_to(ROOT).parts)


@pytest.mark.parametrize("path", sorted(TEXT), ids=rel)
def test_no_file_refers_to_anything_outside_the_repository(path):
    assert not outside_references(path, TEXT[path]), \
        f"{rel(path)} refers outside the repository: {outside_references(path, TEXT[path])}"


# Spelled in pieces, like OUTSIDE, so that this file does not refer outside itself.
UP, MD = ".." + "/", "." + "md"


@pytest.mark.parametrize("text", [
    f"computed as {UP}shared" f"/INSTRUMENTS{MD} specifies",
    f"see INSTRUMENTS{MD}, section 2",
    f"# Source: shared" f"/PATHWAYS{MD} section 3",
    "the team's notes in /wor" "k/shared",
    f"a link [there]({UP}{UP}elsewhere/notes.txt)",
])
def test_the_outside_check_catches(tmp_path, text):
    (tmp_path / "README.md").write_text("x")
    assert outside_references(tmp_path / "README.md", text, tmp_path)


def test_the_outside_check_lets_repository_paths_through(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "scoring.md").write_text("x")
    (tmp_path / "README.md").write_text("x")
    text = f"See [scoring](scoring.md), [home]({UP}README.md) and docs/scoring.md; shared limits."
    assert outside_references(tmp_path / "docs" / "scoring.md", text, tmp_path) == []


# --- every relative Markdown link resolves ---------------------------------------------

def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks, with inline code removed."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.lstrip()):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(re.sub(r"`[^`]*`", "", line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    lines, fenced = [], False
    for line in text.splitlines():  # headings keep their inline code, so not prose_lines()
        if FENCE.match(line.lstrip()):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    for line in lines:
        if match := re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line):
            base, n = slug(match.group(1)), 0
            name = base
            while name in found:
                n += 1
                name = f"{base}-{n}"
            found.add(name)
    return found


def broken_links(path: Path, text: str, root: Path = ROOT) -> list[str]:
    """Relative links in a Markdown text that lead to no file, or to no heading."""
    broken = []
    for line in prose_lines(text):
        for target in LINK.findall(line):
            if re.match(r"[a-z][a-z+.-]*:", target):  # https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            resolved = (path.parent / file_part).resolve() if file_part else path
            if not inside(resolved, root) or not resolved.exists():
                broken.append(f"{target} (no such file)")
            elif anchor and resolved.suffix == ".md" and anchor not in anchors(
                    resolved.read_text(encoding="utf-8")):
                broken.append(f"{target} (no such heading)")
    return broken


def test_the_docs_are_linked_from_the_readme():
    linked = {t.partition("#")[0] for line in prose_lines(TEXT[ROOT / "README.md"])
              for t in LINK.findall(line)}
    missing = [rel(p) for p in sorted(DOCS.glob("*.md")) if rel(p) not in linked]
    assert not missing, f"README.md does not link to {missing}"


@pytest.mark.parametrize("path", MARKDOWN, ids=rel)
def test_every_relative_markdown_link_leads_to_a_file(path):
    assert not broken_links(path, TEXT[path]), \
        f"{rel(path)}: broken links {broken_links(path, TEXT[path])}"


def test_the_link_check_catches_a_broken_link(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "scoring.md").write_text("# Alerts: what each `one` means\n")
    page = tmp_path / "docs" / "pathways.md"
    gone, out = f"missing{MD}", f"{UP}{UP}x{MD}"
    text = (f"[fine](scoring.md#alerts-what-each-one-means) [gone]({gone}) [out]({out})\n"
            f"[no heading](scoring.md#nowhere) [web](https://example.org/a{MD})\n"
            f"```\n[in code](ignored{MD})\n```\n")
    assert broken_links(page, text, tmp_path) == [
        f"{gone} (no such file)", f"{out} (no such file)", "scoring.md#nowhere (no such heading)"]


# --- the docs agree with the code -------------------------------------------------------

def tables(text: str, heading_prefix: str) -> list[list[list[str]]]:
    """The tables under the first heading that starts with ``heading_prefix`` (up to the next
    heading): each a list of rows of cells, its header and separator rows left out."""
    found: list[list[list[str]]] = []
    within, current = False, None
    for line in text.splitlines():
        if line.startswith("#"):
            if within and found:
                break
            within = line.lstrip("# ").startswith(heading_prefix)
            continue
        if not (within and line.startswith("|")):
            current = None
            continue
        if current is None:
            current = []
            found.append(current)
        current.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return [[row for row in table[1:] if not re.fullmatch(r"[-: ]+", row[0])]
            for table in found]


def table_rows(text: str, heading_prefix: str, header: str | None = None) -> list[list[str]]:
    """The rows of every table under the heading (or of those whose first header cell starts
    with ``header``)."""
    rows = []
    for table in tables(text, heading_prefix):
        rows += table
    if header is None:
        return rows
    return [row for table, head in zip(tables(text, heading_prefix),
                                        _headers(text, heading_prefix), strict=True)
            if head.startswith(header) for row in table]


def _headers(text: str, heading_prefix: str) -> list[str]:
    heads, within, previous = [], False, ""
    for line in text.splitlines():
        if line.startswith("#"):
            if within and heads:
                break
            within = line.lstrip("# ").startswith(heading_prefix)
        elif within and line.startswith("|") and not previous.startswith("|"):
            heads.append(line.strip().strip("|").split("|")[0].strip())
        previous = line
    return heads


SCORING = (DOCS / "scoring.md").read_text(encoding="utf-8")
PATHWAYS = (DOCS / "pathways.md").read_text(encoding="utf-8")
OPERATIONS = (DOCS / "operations.md").read_text(encoding="utf-8")
DATA_MODEL = (DOCS / "data-model.md").read_text(encoding="utf-8")


def _answers(cell: str) -> list[int | None]:
    return [None if a == "-" else int(a) for a in cell.split()]


WORKED, CHANGES = tables(SCORING, "Worked examples")


def test_the_worked_examples_are_found():
    assert len(WORKED) >= 8 and len(CHANGES) >= 10


@pytest.mark.parametrize("instrument, answers, value, shown, band", WORKED,
                         ids=[f"{r[0]} {r[1]}" for r in WORKED])
def test_worked_example_in_the_docs_is_what_the_code_computes(instrument, answers, value,
                                                              shown, band):
    key = instrument.lower()
    result = scoring.score(key, _answers(answers))
    if value == "invalid":
        assert not result.valid and result.value is None
        return
    assert result.valid and round(result.value, 2) == float(value)
    assert scoring.display_score(key, result.value) == shown
    assert (result.band or "–") == band


@pytest.mark.parametrize("instrument, before, after, expected", CHANGES,
                         ids=[" ".join(r) for r in CHANGES])
def test_change_example_in_the_docs_is_what_the_code_classifies(instrument, before, after,
                                                                expected):
    assert scoring.classify_change(instrument.lower(), float(before), float(after)) == expected


def test_the_missing_sections_rule_in_the_docs_is_the_codes():
    assert scoring.MAX_MISSING_SECTIONS == 1
    assert "at most **one** may be missing" in SCORING


def test_the_safety_items_in_the_docs_are_the_content_files():
    content = yaml.safe_load((ROOT / "content/questionnaires/safety.en.yaml").read_text())
    documented = {r[0].strip("`"): r for r in table_rows(SCORING, "Safety check")}
    assert set(documented) == {item["id"] for item in content["items"]}
    for item in content["items"]:
        row = documented[item["id"]]
        assert row[1] == item["level"]
        assert ("baseline only" in row[2]) == (item.get("timepoints") == ["baseline"])


def test_the_risk_items_in_the_docs_are_the_codes():
    from patientapp.content import RISK_ITEMS, RISK_SCREENS
    rows = table_rows(SCORING, "Risk and work questionnaire")
    documented = {r[0].strip("`"): (r[1], re.findall(r"`(\w+)`", r[2])) for r in rows}
    assert documented == {item: (kind, list(answers))
                          for item, (kind, answers) in RISK_ITEMS.items()}
    screens = {item: n for n, items in enumerate(RISK_SCREENS, start=1) for item in items}
    assert {r[0].strip("`"): int(r[3]) for r in rows} == screens
    assert f"{len(RISK_ITEMS)} questions on {len(RISK_SCREENS)} screens" in SCORING


def test_the_risk_factors_in_the_docs_are_the_rules():
    from patientapp.risk import rules
    rows = table_rows(SCORING, "Risk profile")
    assert {r[0].strip("`"): r[1] for r in rows} == rules.FACTORS
    text = " ".join(r[2] for r in rows)
    assert f"NPRS {rules.STRONG_PAIN} or more" in text
    assert f"{rules.MANY_SITES} or more places" in text


SECTION_PATHWAY = {"1.": "primary-low-back-pain", "2.": "lumbar-radiculopathy",
                   "3.": "cervical-radiculopathy"}


@pytest.mark.parametrize("number, pathway_id", SECTION_PATHWAY.items())
def test_the_schedule_tables_in_the_docs_are_the_pathway_files(number, pathway_id):
    pathway = load_pathways(ROOT / "content")[pathway_id]
    rows = {r[0].strip("`"): r for r in table_rows(PATHWAYS, number)}
    assert list(rows) == [t.key for t in pathway.timepoints]
    for spec in pathway.timepoints:
        key, code, _name, when, asked, send, remind, until = rows[spec.key]
        anchor = "first visit" if spec.anchor == "first_visit" else "final"
        assert code == spec.code
        assert when.startswith(anchor if not spec.offset_days
                               else f"{anchor} + {spec.offset_days} days"), when
        names = re.findall(r"\b(NPRS|ODI|NDI|PSFS|Risk|GPE)\b", asked)
        assert [n.lower() for n in names] == list(spec.questionnaires)
        sites = re.search(r"NPRS \(([^)]*)\)", asked)
        assert sites and sites.group(1).split(", ") == list(pathway.nprs_sites)
        assert _days(send, "before") == spec.send_days_before
        assert _days(remind, "before") == spec.remind_days_before
        assert _days(until, "after") == spec.expires_days_after


def _days(cell: str, direction: str) -> int:
    match = re.fullmatch(rf"(\d+) days? {direction}", cell)
    assert match, cell
    return int(match.group(1))


@pytest.fixture(scope="module")
def schema() -> Database:
    db = Database(memory=True)
    migrate(db)
    return db


def test_every_table_is_in_the_data_model(schema):
    documented = set(re.findall(r"^\| `(\w+)` \|", DATA_MODEL, re.MULTILINE))
    tables = {t for t in schema.table_names() if not t.startswith("_")}
    assert tables <= documented, f"not in docs/data-model.md: {sorted(tables - documented)}"
    assert documented <= tables, f"no longer in the schema: {sorted(documented - tables)}"


def _check_values(schema: Database, table: str, column: str) -> set[str]:
    sql = schema[table].schema
    match = re.search(rf"\b{column} TEXT NOT NULL[^,]*?CHECK \({column} IN \(([^)]*)\)\)", sql)
    assert match, f"no CHECK on {table}.{column}"
    return set(re.findall(r"'([^']+)'", match.group(1)))


def test_every_alert_kind_and_level_is_explained(schema):
    rows = table_rows(OPERATIONS, "Alerts: what each one means")
    kinds = {re.match(r"`(\w+)`", r[0]).group(1) for r in rows}
    assert kinds == _check_values(schema, "alerts", "kind")
    levels = {r[1].strip("`") for r in rows}
    # 'info' is allowed by the schema but nothing raises it yet.
    assert levels == _check_values(schema, "alerts", "level") - {"info"}


@pytest.mark.parametrize("table", ["outbox", "webhook_deliveries"])
def test_every_queue_state_is_explained(schema, table):
    states = {r[0].strip("`") for r in table_rows(OPERATIONS, "Monitoring", header=table)}
    assert states == _check_values(schema, table, "status")
