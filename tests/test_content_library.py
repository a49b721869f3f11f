"""The education and exercise library: every file valid, both languages complete, safe HTML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from patientapp.config import PROJECT_ROOT
from patientapp.content import LOCALES, PATHWAY_IDS, ContentError, load_content
from patientapp.content.library import load_exercise, load_module, render_markdown

CONTENT = PROJECT_ROOT / "content"
MODULE_FILES = sorted(CONTENT.glob("*/education/*.md"))
EXERCISE_FILES = sorted(CONTENT.glob("*/exercises/*.yaml"))


def _relative(path: Path) -> str:
    return str(path.relative_to(CONTENT))


@pytest.fixture
def content_copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- every shipped file ------------------------------------------------------------------

@pytest.mark.parametrize("path", MODULE_FILES, ids=_relative)
def test_every_education_module_is_valid_and_readable(path):
    module = load_module(path, path.parts[-3])
    assert module.title and module.summary and module.pathways
    assert 1 <= module.reading_minutes <= 15
    assert "<h2>" in module.html  # sections, under the page's own <h1>


@pytest.mark.parametrize("path", EXERCISE_FILES, ids=_relative)
def test_every_exercise_is_complete_and_illustrated(path):
    exercise = load_exercise(path, path.parts[-3])
    assert exercise.purpose and exercise.starting_position and exercise.steps
    assert exercise.common_mistakes and exercise.illustration_alt
    assert (CONTENT / "exercises" / "illustrations" / exercise.illustration).is_file()


def test_both_languages_have_the_same_modules_and_exercises(content):
    found = content.library
    assert found.missing_translations() == []
    for kind in ("education", "exercises"):
        names = [{p.stem for p in (CONTENT / locale / kind).iterdir()} for locale in LOCALES]
        assert names[0] == names[1], kind


def test_the_library_is_as_large_as_the_issue_asks(content):
    found = content.library
    assert len({slug for slug, _ in found.modules}) >= 10
    assert len({exercise for exercise, _ in found.exercises}) >= 24


@pytest.mark.parametrize("pathway", PATHWAY_IDS)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_pathway_has_a_reading_list_and_enough_exercises(content, pathway, locale):
    found = content.library
    assert len(found.modules_for(pathway, locale)) >= 8
    exercises = found.exercises_for(pathway, locale)
    assert len(exercises) >= 12
    assert {e.locale for e in exercises} == {locale}
    assert any(m.unlock_week == 0 for m in found.modules_for(pathway, locale))


def test_easier_and_harder_links_point_both_ways(content):
    found = content.library
    for (exercise_id, locale), exercise in found.exercises.items():
        if exercise.harder:
            assert found.exercise(exercise.harder, locale).easier == exercise_id
        if exercise.easier:
            assert found.exercise(exercise.easier, locale).harder == exercise_id


# --- broken files stop start-up, naming the file -------------------------------------------

BROKEN = [
    ("en/exercises/bridge.yaml", "purpose:", "porpoise:", "bridge.yaml", "'purpose' is missing"),
    ("da/exercises/bridge.yaml", "easier: pelvic-tilt-lying", "easier: pelvic-tilt-standing",
     "bridge.yaml", "not an exercise"),
    ("en/exercises/plank.yaml", "easier: plank-on-knees", "easier: bridge",
     "plank-on-knees.yaml", "'plank' has 'easier: bridge' instead of 'plank-on-knees'"),
    ("en/exercises/bridge.yaml", "illustration: bridge.svg", "illustration: bridge-2.svg",
     "bridge.yaml", "'bridge-2.svg' is missing"),
    ("en/exercises/bridge.yaml", "illustration: bridge.svg", "illustration: ../../x.svg",
     "bridge.yaml", "file name like name.svg"),
    ("en/exercises/bridge.yaml", "dosage: {sets: 3, reps: 10}", "dosage: {sets: 3, laps: 10}",
     "bridge.yaml", "'dosage' must be"),
    ("en/exercises/bridge.yaml", "dosage: {sets: 3, reps: 10}", "dosage: {sets: 0, reps: 10}",
     "bridge.yaml", "at least 1"),
    ("en/exercises/bridge.yaml", "category: strength", "category: yoga", "bridge.yaml",
     "'category' must be"),
    ("en/exercises/bridge.yaml", "id: bridge", "id: bro", "bridge.yaml", "match the file name"),
    ("en/exercises/bridge.yaml", "video_url: null", "video_url: http://example.com/v",
     "bridge.yaml", "https://"),
    ("en/exercises/bridge.yaml", "steps:\n", "steps: []\nold_steps:\n", "bridge.yaml",
     "list of sentences"),
    ("da/exercises/bridge.yaml", "pathways: [primary-low-back-pain, lumbar-radiculopathy]",
     "pathways: [primary-low-back-pain]", "bridge.yaml", "'pathways' differs"),
    ("en/exercises/bridge.yaml", "pathways: [primary-low-back-pain, lumbar-radiculopathy]",
     "pathways: [hip-pain]", "bridge.yaml", "unknown pathways"),
    ("en/exercises/bridge.yaml", "title:", "title: [unclosed", "bridge.yaml",
     "cannot be read as YAML"),
    ("en/education/good-prognosis.md", "reading_minutes:", "reading_time:", "good-prognosis.md",
     "'reading_minutes' is missing"),
    ("da/education/good-prognosis.md", "unlock_week: 0", "unlock_week: 3", "good-prognosis.md",
     "'unlock_week' differs"),
    ("en/education/good-prognosis.md", "unlock_week: 0", "unlock_week: -1", "good-prognosis.md",
     "at least 0"),
    ("en/education/good-prognosis.md", "---\ntitle:", "title:", "good-prognosis.md",
     "front matter"),
    ("en/education/good-prognosis.md", "\n## ", "\n# ", "good-prognosis.md", "use '##'"),
]


@pytest.mark.parametrize("file, old, new, named, problem", BROKEN,
                         ids=[f"{b[0]}:{b[4]}" for b in BROKEN])
def test_a_broken_library_file_stops_start_up_naming_file_and_problem(content_copy, file, old,
                                                                      new, named, problem):
    _edit(content_copy / file, old, new)
    with pytest.raises(ContentError) as error:
        load_content(content_copy)
    assert error.value.path.endswith(named)
    assert problem in error.value.problem


def test_a_missing_illustration_file_is_named(content_copy):
    (content_copy / "exercises/illustrations/plank.svg").unlink()
    with pytest.raises(ContentError, match=r"plank\.yaml: the illustration 'plank\.svg'"):
        load_content(content_copy)


@pytest.mark.parametrize("active", [
    '<script>alert(1)</script>', '<g onload="alert(1)"/>', '<a href="https://x.dk"><g/></a>',
    '<foreignObject><div/></foreignObject>'])
def test_an_illustration_with_anything_active_is_refused(content_copy, active):
    path = content_copy / "exercises/illustrations/bridge.svg"
    _edit(path, "</svg>", f"{active}</svg>")
    with pytest.raises(ContentError) as error:
        load_content(content_copy)
    assert error.value.path.endswith("bridge.svg")


def test_an_exercise_missing_in_one_language_falls_back_to_the_other(content_copy):
    (content_copy / "da/exercises/plank.yaml").unlink()
    (content_copy / "da/education/sleep-and-stress.md").unlink()
    found = load_content(content_copy).library
    assert found.exercise("plank", "da").locale == "en"
    assert found.exercise("plank", "en").locale == "en"
    assert found.module("sleep-and-stress", "da").locale == "en"
    assert found.missing_translations() == ["da/education/sleep-and-stress",
                                            "da/exercises/plank"]
    assert found.exercise("nothing-like-this", "da") is None


# --- safe rendering --------------------------------------------------------------------------

@pytest.mark.parametrize("source, forbidden", [
    ("<script>alert(1)</script>", "<script"),
    ('Text <img src=x onerror="alert(1)">', "<img"),
    ("[click](javascript:alert(1))", "<a"),
    ("<https://example.com>", "<a"),
    ("![pic](https://example.com/x.png)", "<img"),
    ('<div onclick="alert(1)">x</div>', "<div"),
])
def test_markdown_never_passes_html_links_or_images_through(source, forbidden):
    html = str(render_markdown(source))
    assert forbidden not in html
    assert "&lt;" in html or "[" in html or "!" in html


def test_markdown_keeps_the_formatting_modules_use():
    html = str(render_markdown("## Heading\n\n- **bold** and *soft*\n\n1. one\n"))
    assert "<h2>Heading</h2>" in html and "<strong>bold</strong>" in html
    assert "<em>soft</em>" in html and "<ol>" in html


def test_a_script_in_a_module_body_reaches_the_page_escaped(content_copy):
    path = content_copy / "en/education/good-prognosis.md"
    _edit(path, "\n## ", "\n<script>alert('x')</script>\n\n## ")
    module = load_content(content_copy).library.module("good-prognosis", "en")
    assert "<script" not in module.html
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in module.html
