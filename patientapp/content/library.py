"""The education and exercise library: loaded from content/<locale>/, validated at start-up.

Education modules are Markdown with YAML front matter, rendered to HTML once here, with
raw HTML, links and images switched off, so nothing in a content file can reach a page
as markup. Exercises are YAML files whose easier/harder links must point at each other
both ways, and whose illustrations must exist and be plain drawings (no script).

A module or exercise may exist in one language only: the pages then show the other
language's version with a flag (``locale`` differs from the one asked for).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup

from .instruments import LOCALES, PATHWAY_IDS, ContentError, read_yaml, require

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ILLUSTRATION = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\.svg$")
CATEGORIES = ("strength", "mobility", "endurance", "relief", "neck-shoulder")
MODULE_FIELDS = ("title", "summary")
EXERCISE_TEXTS = ("title", "purpose", "starting_position", "illustration_alt")
EXERCISE_LISTS = ("steps", "common_mistakes")
DOSAGE_SHAPES = ({"sets", "reps"}, {"sets", "hold_seconds"}, {"minutes"})
# Fields that must be the same in every language, so a plan means the same in each.
SHARED_MODULE_FIELDS = ("pathways", "unlock_week", "order")
SHARED_EXERCISE_FIELDS = ("category", "pathways", "easier", "harder", "dosage", "illustration")
# An <img> cannot run script, but a drawing opened on its own could: refuse anything active.
UNSAFE_SVG = re.compile(r"<script|<foreignObject|\son[a-z]+\s*=|javascript:"
                        r"|href\s*=\s*[\"'](?!#)", re.IGNORECASE)

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False}).disable(
    ["html_block", "html_inline", "link", "autolink", "image", "code", "fence"])


def render_markdown(text: str) -> Markup:
    """Markdown as HTML in which every '<' from the source arrives escaped."""
    return Markup(_markdown.render(text))  # nosec B704


# --- education modules -----------------------------------------------------------------

@dataclass(frozen=True)
class EducationModule:
    slug: str
    locale: str
    title: str
    summary: str
    pathways: tuple[str, ...]
    unlock_week: int
    reading_minutes: int
    order: int
    html: Markup


def split_front_matter(path: Path) -> tuple[dict, str]:
    """(front matter, body) of a Markdown file that starts with a '---' block."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, f"cannot be read ({exc})") from None
    match = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text.replace("\r\n", "\n"), re.DOTALL)
    if not match:
        raise ContentError(path, "must start with front matter between two '---' lines")
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise ContentError(path, f"the front matter cannot be read as YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ContentError(path, "the front matter must be a mapping of fields")
    return data, match.group(2)


def _pathways(path: Path, data: dict) -> tuple[str, ...]:
    pathways = require(path, data, "pathways", list)
    if not pathways:
        raise ContentError(path, "the field 'pathways' needs at least one pathway")
    if unknown := set(pathways) - set(PATHWAY_IDS):
        raise ContentError(path, f"unknown pathways {sorted(unknown)}; use "
                                 f"{', '.join(PATHWAY_IDS)}")
    return tuple(pathways)


def _whole_number(path: Path, data: dict, key: str, minimum: int) -> int:
    value = require(path, data, key, int)
    if isinstance(value, bool) or value < minimum:
        raise ContentError(path, f"the field '{key}' must be a whole number of at least "
                                 f"{minimum}")
    return value


def load_module(path: Path, locale: str) -> EducationModule:
    data, body = split_front_matter(path)
    if not SLUG.match(path.stem):
        raise ContentError(path, "the file name may hold only a-z, 0-9 and '-'")
    for key in MODULE_FIELDS:
        require(path, data, key)
    if not body.strip():
        raise ContentError(path, "the text after the front matter is empty")
    if re.search(r"^# ", body, re.MULTILINE):
        raise ContentError(path, "the title is the page's heading: use '##' for sections")
    return EducationModule(
        slug=path.stem, locale=locale, title=data["title"].strip(),
        summary=data["summary"].strip(), pathways=_pathways(path, data),
        unlock_week=_whole_number(path, data, "unlock_week", 0),
        reading_minutes=_whole_number(path, data, "reading_minutes", 1),
        order=require(path, data, "order", int), html=render_markdown(body))


# --- exercises -------------------------------------------------------------------------

@dataclass(frozen=True)
class Dosage:
    """What a plan prescribes by default: sets × reps, sets × a hold, or minutes."""

    sets: int | None = None
    reps: int | None = None
    hold_seconds: int | None = None
    minutes: int | None = None

    @property
    def kind(self) -> str:
        if self.minutes is not None:
            return "minutes"
        return "hold" if self.hold_seconds is not None else "reps"

    @property
    def fields(self) -> tuple[str, ...]:
        """The numbers a clinician sets for this kind, in the order they are shown."""
        return {"reps": ("sets", "reps"), "hold": ("sets", "hold_seconds"),
                "minutes": ("minutes",)}[self.kind]


@dataclass(frozen=True)
class Exercise:
    id: str
    locale: str
    title: str
    category: str
    pathways: tuple[str, ...]
    purpose: str
    starting_position: str
    steps: tuple[str, ...]
    common_mistakes: tuple[str, ...]
    easier: str | None
    harder: str | None
    dosage: Dosage
    illustration: str
    illustration_alt: str
    video_url: str | None


def _text_list(path: Path, data: dict, key: str) -> tuple[str, ...]:
    items = require(path, data, key, list)
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise ContentError(path, f"the field '{key}' must be a list of sentences")
    return tuple(i.strip() for i in items)


def _dosage(path: Path, data: dict) -> Dosage:
    raw = require(path, data, "dosage", dict)
    if set(raw) not in DOSAGE_SHAPES:
        raise ContentError(path, "the field 'dosage' must be {sets, reps}, "
                                 "{sets, hold_seconds} or {minutes}")
    for key in raw:
        _whole_number(path, raw, key, 1)
    return Dosage(**raw)


def _link(path: Path, data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or not SLUG.match(value)):
        raise ContentError(path, f"the field '{key}' must be an exercise id or null")
    if value == data.get("id"):
        raise ContentError(path, f"the field '{key}' cannot point at the exercise itself")
    return value


def _video(path: Path, data: dict) -> str | None:
    url = data.get("video_url")
    if url is not None and (not isinstance(url, str) or not url.startswith("https://")):
        raise ContentError(path, "the field 'video_url' must be null or an https:// address")
    return url


def load_exercise(path: Path, locale: str) -> Exercise:
    data = read_yaml(path)
    if data.get("id") != path.stem or not SLUG.match(path.stem):
        raise ContentError(path, f"'id' must match the file name ({path.stem}) and hold only "
                                 "a-z, 0-9 and '-'")
    for key in EXERCISE_TEXTS:
        require(path, data, key)
    if require(path, data, "category") not in CATEGORIES:
        raise ContentError(path, f"the field 'category' must be one of {', '.join(CATEGORIES)}")
    if not ILLUSTRATION.match(require(path, data, "illustration")):
        raise ContentError(path, "the field 'illustration' must be a file name like name.svg")
    return Exercise(
        id=data["id"], locale=locale, title=data["title"].strip(), category=data["category"],
        pathways=_pathways(path, data), purpose=data["purpose"].strip(),
        starting_position=data["starting_position"].strip(),
        steps=_text_list(path, data, "steps"),
        common_mistakes=_text_list(path, data, "common_mistakes"),
        easier=_link(path, data, "easier"), harder=_link(path, data, "harder"),
        dosage=_dosage(path, data), illustration=data["illustration"],
        illustration_alt=data["illustration_alt"].strip(), video_url=_video(path, data))


def check_illustration(path: Path, used_by: Path) -> None:
    """The drawing exists and is a plain SVG: no script, no handlers, no outside links."""
    if not path.is_file():
        raise ContentError(used_by, f"the illustration '{path.name}' is missing from "
                                    f"{path.parent}")
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.lstrip().startswith("<svg") or UNSAFE_SVG.search(text):
        raise ContentError(path, "must be a plain <svg> drawing without script, event "
                                 "handlers or outside links")


# --- the library -------------------------------------------------------------------------

@dataclass
class Library:
    """Every education module and exercise, by (id, locale)."""

    modules: dict[tuple[str, str], EducationModule]
    exercises: dict[tuple[str, str], Exercise]
    illustrations: Path

    def module(self, slug: str, locale: str) -> EducationModule | None:
        """The module in ``locale``, else in the other language, else None."""
        return _localized(self.modules, slug, locale)

    def exercise(self, exercise_id: str, locale: str) -> Exercise | None:
        """The exercise in ``locale``, else in the other language, else None."""
        return _localized(self.exercises, exercise_id, locale)

    def modules_for(self, pathway: str, locale: str) -> list[EducationModule]:
        found = [self.module(slug, locale) for slug in _ids(self.modules)]
        return sorted((m for m in found if pathway in m.pathways), key=lambda m: m.order)

    def exercises_for(self, pathway: str | None, locale: str) -> list[Exercise]:
        """The pathway's exercises (all of them for None), by category then title."""
        found = [self.exercise(i, locale) for i in _ids(self.exercises)]
        chosen = [e for e in found if pathway is None or pathway in e.pathways]
        return sorted(chosen, key=lambda e: (CATEGORIES.index(e.category), e.title.lower()))

    def illustration_path(self, name: str) -> Path | None:
        """The file behind an illustration name used by some exercise; None otherwise."""
        if not any(e.illustration == name for e in self.exercises.values()):
            return None
        return self.illustrations / name

    def missing_translations(self) -> list[str]:
        """'locale/kind/id' for every module or exercise not written in every language."""
        missing = []
        for kind, table in (("education", self.modules), ("exercises", self.exercises)):
            missing += [f"{locale}/{kind}/{item}" for item in _ids(table) for locale in LOCALES
                        if (item, locale) not in table]
        return missing


def _localized(table: dict, item: str, locale: str):
    for candidate in (locale, *LOCALES):
        if (item, candidate) in table:
            return table[(item, candidate)]
    return None


def _ids(table: dict) -> list[str]:
    return sorted({item for item, _ in table})


def _check_same_in_each_language(root: Path, kind: str, table: dict, shared: tuple) -> None:
    for item in _ids(table):
        versions = [table[(item, loc)] for loc in LOCALES if (item, loc) in table]
        for key in shared:
            if len({repr(getattr(v, key)) for v in versions}) > 1:
                raise ContentError(root / versions[0].locale / kind / _file(kind, item),
                                   f"'{key}' differs between the Danish and English files")


def _file(kind: str, item: str) -> str:
    return f"{item}.md" if kind == "education" else f"{item}.yaml"


def _check_links(root: Path, exercises: dict[tuple[str, str], Exercise]) -> None:
    """easier/harder name a known exercise, and that exercise names this one back."""
    ids = set(_ids(exercises))
    for (item, locale), exercise in exercises.items():
        path = root / locale / "exercises" / f"{item}.yaml"
        for key, back in (("easier", "harder"), ("harder", "easier")):
            target = getattr(exercise, key)
            if target is None:
                continue
            if target not in ids:
                raise ContentError(path, f"'{key}' names '{target}', which is not an exercise")
            other = _localized(exercises, target, locale)
            if getattr(other, back) != item:
                raise ContentError(path, f"'{key}' is '{target}', but '{target}' has "
                                         f"'{back}: {getattr(other, back)}' instead of "
                                         f"'{item}'")


def load_modules(root: Path) -> dict[tuple[str, str], EducationModule]:
    found = {(m.slug, m.locale): m for locale in LOCALES
             for m in (load_module(p, locale)
                       for p in sorted((root / locale / "education").glob("*.md")))}
    _check_same_in_each_language(root, "education", found, SHARED_MODULE_FIELDS)
    return found


def load_exercises(root: Path) -> dict[tuple[str, str], Exercise]:
    found = {(e.id, e.locale): e for locale in LOCALES
             for e in (load_exercise(p, locale)
                       for p in sorted((root / locale / "exercises").glob("*.yaml")))}
    _check_links(root, found)
    drawings = {e.illustration: root / e.locale / "exercises" / f"{e.id}.yaml"
                for e in found.values()}
    for name, used_by in sorted(drawings.items()):
        check_illustration(root / "exercises" / "illustrations" / name, used_by)
    _check_same_in_each_language(root, "exercises", found, SHARED_EXERCISE_FIELDS)
    return found


def load_library(root: Path) -> Library:
    """Load and validate education and exercises; raise ContentError on the first problem."""
    return Library(modules=load_modules(root), exercises=load_exercises(root),
                   illustrations=root / "exercises" / "illustrations")
