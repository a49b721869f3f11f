"""Loaders for everything under ``content/``: validated once at start-up, then cached.

A malformed file stops the app with a ContentError that names the file and the
problem, so a clinic editing wording finds its mistake before a patient does.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

LOCALES = ("da", "en")
SECTION_IDS = {
    "odi": ["pain_intensity", "personal_care", "lifting", "walking", "sitting", "standing",
            "sleeping", "sex_life", "social_life", "travelling"],
    "ndi": ["pain_intensity", "personal_care", "lifting", "reading", "headaches",
            "concentration", "work", "driving", "sleeping", "recreation"],
}
NPRS_SITES = ("back", "leg", "neck", "arm")
SAFETY_LEVELS = ("emergency", "urgent")
INSTRUMENT_KINDS = {"odi": "sections", "ndi": "sections", "nprs": "nprs", "psfs": "psfs",
                    "risk": "risk", "gpe": "gpe", "safety": "safety"}
# The questionnaires a pathway file may name at a timepoint (the safety check is always added).
ASKED_INSTRUMENTS = ("odi", "ndi", "nprs", "psfs", "risk", "gpe")
# The risk and work questionnaire: its items, their answer type and their answer ids, in
# order. The ids are fixed because the risk profile's rules (courses/risk.py) read them;
# the wording of every item and answer is the content file's.
RISK_ITEMS = {
    "pain_sites": ("sites", ("head", "neck", "upper_back", "low_back", "shoulders_arms",
                             "hands", "hips", "legs", "feet")),
    "work_status": ("choice", ("working", "sick_leave_part", "sick_leave_full", "unemployed",
                               "student", "retired", "other")),
    "sick_leave_days": ("days", ()),
    "work_strain": ("choice", ("no_job", "no", "somewhat", "much")),
    "worry": ("choice", ("not_at_all", "a_little", "moderately", "very", "extremely")),
    "movement_harm": ("choice", ("disagree_strongly", "disagree", "unsure", "agree",
                                 "agree_strongly")),
    "low_mood": ("choice", ("not_at_all", "some_days", "most_days", "every_day")),
    "lost_interest": ("choice", ("not_at_all", "some_days", "most_days", "every_day")),
    "sleep": ("choice", ("not_at_all", "a_little", "quite_a_lot", "very_much")),
    "expectation": ("choice", ("very_likely", "likely", "unsure", "unlikely",
                               "very_unlikely")),
}
# The screens the risk questionnaire's items are asked on, in order: related questions share
# one screen so the baseline stays short on a phone (every item exactly once, in order).
RISK_SCREENS = (("pain_sites",), ("work_status", "sick_leave_days"), ("work_strain",),
                ("worry", "movement_harm"), ("low_mood", "lost_interest"),
                ("sleep", "expectation"))
RISK_MAX_DAYS = 92  # "the last 3 months": at most 92 days
GPE_POINTS = 7  # the global perceived effect: 1 = much better … 7 = much worse
COMMON_FIELDS = ("title", "short_title", "version", "source", "copyright", "rendering_note",
                 "intro")
KIND_FIELDS = {
    "sections": ("score_label",),
    "nprs": ("low_anchor", "high_anchor"),
    "psfs": ("activities_question", "activities_hint", "activity_label", "rerate_intro",
             "rating_question", "low_anchor", "high_anchor", "activity_name_label",
             "score_label"),
    "risk": (),
    "gpe": ("question",),
    "safety": (),
}
PATHWAY_IDS = ("primary-low-back-pain", "lumbar-radiculopathy", "cervical-radiculopathy")


class ContentError(ValueError):
    """A content file is missing, malformed or inconsistent."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


def read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContentError(path, f"cannot be read as YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ContentError(path, "must be a mapping of fields")
    return data


def require(path: Path, data: dict, key: str, kind: type | tuple = str) -> Any:
    """Return ``data[key]`` or raise a ContentError naming the file and field."""
    if key not in data or data[key] is None:
        raise ContentError(path, f"the field '{key}' is missing")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise ContentError(path, f"the field '{key}' is empty or of the wrong type")
    return value


# --- questionnaires -----------------------------------------------------------

@dataclass(frozen=True)
class Questionnaire:
    """One instrument in one language, as written in its content file."""

    id: str
    locale: str
    kind: str
    data: dict = field(repr=False, hash=False, compare=False)
    # The declared version plus a fingerprint of both languages' files (content_version()):
    # what a response records, so a later edit of the wording is a new version.
    content_version: str = ""

    def __getattr__(self, name: str) -> Any:
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None

    def section(self, number: int) -> dict:
        return self.data["sections"][number - 1]

    def safety_items(self, pathway: str, timepoint: str | None = None) -> list[dict]:
        """The safety questions a pathway asks; at ``timepoint`` only those meant for it.

        Some questions (a history of cancer) only make sense once: asked again at every
        timepoint, a yes would raise the same alert over and over.
        """
        if self.kind != "safety":
            return []  # the risk questionnaire's items are not safety questions
        return [item for item in self.data.get("items", []) if pathway in item["pathways"]
                and (timepoint is None or timepoint in item.get("timepoints", [timepoint]))]


def _check_sections(path: Path, data: dict) -> None:
    sections = require(path, data, "sections", list)
    expected = SECTION_IDS[data["id"]]
    ids = [s.get("id") if isinstance(s, dict) else None for s in sections]
    if ids != expected:
        raise ContentError(path, f"sections must be, in order: {', '.join(expected)}")
    for section in sections:
        require(path, section, "title")
        options = require(path, section, "options", list)
        if len(options) != 6 or not all(isinstance(o, str) and o.strip() for o in options):
            raise ContentError(path, f"section '{section['id']}' needs exactly 6 statements")
        if "not_applicable" in section:
            require(path, section, "not_applicable")


def _check_nprs(path: Path, data: dict) -> None:
    sites = require(path, data, "sites", dict)
    for site in NPRS_SITES:
        if not isinstance(sites.get(site), dict):
            raise ContentError(path, f"the pain site '{site}' is missing")
        require(path, sites[site], "label")
        require(path, sites[site], "question")


def _check_safety(path: Path, data: dict) -> None:
    items = require(path, data, "items", list)
    advice = require(path, data, "advice", dict)
    for level in SAFETY_LEVELS:
        require(path, advice, level)
    seen = set()
    for item in items:
        item_id = require(path, item, "id")
        if item_id in seen:
            raise ContentError(path, f"the item id '{item_id}' is used twice")
        seen.add(item_id)
        require(path, item, "question")
        if item.get("level") not in SAFETY_LEVELS:
            raise ContentError(path, f"item '{item_id}' needs a level: emergency or urgent")
        if not isinstance(item.get("timepoints", []), list):
            raise ContentError(path, f"item '{item_id}': timepoints must be a list of keys")
        pathways = require(path, item, "pathways", list)
        if unknown := set(pathways) - set(PATHWAY_IDS):
            raise ContentError(path, f"item '{item_id}' names unknown pathways {sorted(unknown)}")


def _check_risk(path: Path, data: dict) -> None:
    items = require(path, data, "items", list)
    ids = [i.get("id") if isinstance(i, dict) else None for i in items]
    if ids != list(RISK_ITEMS):
        raise ContentError(path, f"items must be, in order: {', '.join(RISK_ITEMS)}")
    for item in items:
        answer_type, option_ids = RISK_ITEMS[item["id"]]
        require(path, item, "question")
        if item.get("type") != answer_type:
            raise ContentError(path, f"item '{item['id']}' must have type: {answer_type}")
        if "hint" in item:
            require(path, item, "hint")
        if answer_type == "choice":  # names the question in the error summary
            require(path, item, "error")
        options = item.get("options", [])
        found = [o.get("id") if isinstance(o, dict) else None for o in options]
        if found != list(option_ids):
            raise ContentError(path, f"item '{item['id']}' needs the answers, in order: "
                                     f"{', '.join(option_ids) or 'none'}")
        for option in options:
            require(path, option, "label")


def _check_gpe(path: Path, data: dict) -> None:
    options = require(path, data, "options", list)
    if len(options) != GPE_POINTS or not all(isinstance(o, str) and o.strip() for o in options):
        raise ContentError(path, f"options must be exactly {GPE_POINTS} answers, from much "
                                 "better to much worse")


KIND_CHECKS = {"sections": _check_sections, "nprs": _check_nprs, "safety": _check_safety,
               "psfs": lambda path, data: None, "risk": _check_risk, "gpe": _check_gpe}


def load_questionnaire(path: Path) -> Questionnaire:
    data = read_yaml(path)
    instrument, _, locale = path.stem.partition(".")
    if data.get("id") != instrument or data.get("locale") != locale:
        raise ContentError(path, f"'id' and 'locale' must match the file name ({instrument}, "
                                 f"{locale})")
    kind = INSTRUMENT_KINDS.get(instrument)
    if kind is None or data.get("kind") != kind:
        raise ContentError(path, f"unknown instrument or kind; expected kind '{kind}'")
    for key in COMMON_FIELDS + KIND_FIELDS[kind]:
        require(path, data, key)
    KIND_CHECKS[kind](path, data)
    return Questionnaire(id=instrument, locale=locale, kind=kind, data=data)


# What must be the same in every language, per kind (the other kinds' wording may differ).
KIND_SHAPES = {
    "sections": lambda q: [(s["id"], "not_applicable" in s) for s in q.sections],
    "safety": lambda q: [(i["id"], i["level"], tuple(i["pathways"]),
                          tuple(i.get("timepoints", ()))) for i in q.items],
    "gpe": lambda q: len(q.options),  # risk: the loader already fixes ids and answers
}


def _check_same_structure(by_locale: dict[str, Questionnaire]) -> None:
    """Both languages must ask the same questions, so answers mean the same in each."""
    shapes = [KIND_SHAPES.get(q.kind, lambda q: None)(q) for q in by_locale.values()]
    if len({repr(s) for s in shapes}) > 1:
        first = next(iter(by_locale.values()))
        raise ContentError(first.id, "the Danish and English files ask different questions")


# --- pathways -------------------------------------------------------------------

SERVICE_CODE = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class EntryCode:
    """Another service code the course may start with, instead of the baseline's own one
    (e.g. 0262 instead of 0261). ``offset_days`` None keeps the baseline's offset."""

    code: str
    names: dict
    offset_days: int | None = None


@dataclass(frozen=True)
class TimepointSpec:
    key: str
    code: str
    names: dict
    anchor: str
    offset_days: int
    questionnaires: tuple[str, ...]
    send_days_before: int
    remind_days_before: int | None
    expires_days_after: int
    final: bool = False
    follow_up: bool = False
    entry_codes: tuple[EntryCode, ...] = ()


@dataclass(frozen=True)
class Pathway:
    id: str
    names: dict
    nprs_sites: tuple[str, ...]
    timepoints: tuple[TimepointSpec, ...]
    follow_up_limit_months: int = 12
    # The service code of the consultation the course is agreed in (0110), when it is not
    # itself a timepoint: on the day it falls on, appointments with it mean that visit.
    first_consultation_code: str | None = None

    def timepoint(self, key: str) -> TimepointSpec:
        return next(t for t in self.timepoints if t.key == key)

    @property
    def usual_entry_code(self) -> str:
        """The service code the course usually starts with: the baseline's own."""
        return self.timepoints[0].code

    @property
    def entry_codes(self) -> tuple[str, ...]:
        """Every service code the baseline consultation may have, the usual one first."""
        return (self.usual_entry_code, *(e.code for e in self.timepoints[0].entry_codes))

    def baseline_for(self, entry_code: str | None) -> TimepointSpec:
        """The baseline timepoint as it is for a course started with ``entry_code`` (None:
        the usual code): its code, names and offset. ValueError for a code not allowed."""
        baseline = self.timepoints[0]
        if entry_code in (None, "", baseline.code):
            return baseline
        entry = next((e for e in baseline.entry_codes if e.code == entry_code), None)
        if entry is None:
            raise ValueError(f"{entry_code!r} is not a service code that starts {self.id}")
        offset = baseline.offset_days if entry.offset_days is None else entry.offset_days
        return replace(baseline, code=entry.code, names=entry.names, offset_days=offset,
                       entry_codes=())

    def timepoints_for(self, entry_code: str | None) -> tuple[TimepointSpec, ...]:
        """The timepoints of a course started with ``entry_code``. A code the clinic has
        since removed from the pathway file falls back to the usual one, so an old course
        still shows and re-plans."""
        known = entry_code if entry_code in self.entry_codes else None
        return (self.baseline_for(known), *self.timepoints[1:])


def _load_timepoint(path: Path, raw: dict) -> TimepointSpec:
    if not isinstance(raw, dict):
        raise ContentError(path, "each timepoint must be a mapping")
    key = require(path, raw, "key")
    names = require(path, raw, "names", dict)
    if set(names) != set(LOCALES):
        raise ContentError(path, f"timepoint '{key}' needs names in {', '.join(LOCALES)}")
    if raw.get("anchor") not in ("first_visit", "final"):
        raise ContentError(path, f"timepoint '{key}': anchor must be first_visit or final")
    questionnaires = require(path, raw, "questionnaires", list)
    if unknown := set(questionnaires) - set(ASKED_INSTRUMENTS):
        raise ContentError(path, f"timepoint '{key}' names unknown questionnaires "
                                 f"{sorted(unknown)}")
    for number in ("offset_days", "send_days_before", "expires_days_after"):
        if require(path, raw, number, int) < 0:
            raise ContentError(path, f"timepoint '{key}': {number} cannot be negative")
    remind = raw.get("remind_days_before")
    if remind is not None and (not isinstance(remind, int) or remind >= raw["send_days_before"]):
        raise ContentError(path, f"timepoint '{key}': remind_days_before must be a whole "
                                 "number smaller than send_days_before")
    code = str(require(path, raw, "code"))
    if not SERVICE_CODE.match(code):
        raise ContentError(path, f"timepoint '{key}': code must be a 4-digit service code")
    return TimepointSpec(
        key=key, code=code, names=names, anchor=raw["anchor"],
        offset_days=raw["offset_days"], questionnaires=tuple(questionnaires),
        send_days_before=raw["send_days_before"], remind_days_before=remind,
        expires_days_after=raw["expires_days_after"], final=bool(raw.get("final")),
        follow_up=bool(raw.get("follow_up")), entry_codes=_load_entry_codes(path, key, raw),
    )


def _load_entry_codes(path: Path, key: str, raw: dict) -> tuple[EntryCode, ...]:
    """The optional ``entry_codes`` of the baseline timepoint (see primary-low-back-pain.yaml)."""
    found = raw.get("entry_codes") or []
    if found and key != "baseline":
        raise ContentError(path, f"timepoint '{key}': only the baseline may have entry_codes")
    if not isinstance(found, list):
        raise ContentError(path, "entry_codes must be a list")
    entries = []
    for entry in found:
        if not isinstance(entry, dict):
            raise ContentError(path, "each entry code must be a mapping with code and names")
        code = str(require(path, entry, "code"))
        names = require(path, entry, "names", dict)
        if not SERVICE_CODE.match(code) or set(names) != set(LOCALES):
            raise ContentError(path, f"entry code '{code}' needs a 4-digit code and names in "
                                     f"{', '.join(LOCALES)}")
        offset = entry.get("offset_days")
        if offset is not None and (not isinstance(offset, int) or offset < 0):
            raise ContentError(path, f"entry code '{code}': offset_days must be a whole "
                                     "number of days, 0 or more")
        entries.append(EntryCode(code=code, names=names, offset_days=offset))
    codes = [raw.get("code"), *(e.code for e in entries)]
    if len(set(map(str, codes))) != len(codes):
        raise ContentError(path, "the baseline's service codes must all be different")
    return tuple(entries)


def load_pathway(path: Path) -> Pathway:
    data = read_yaml(path)
    pathway_id = require(path, data, "id")
    if pathway_id != path.stem:
        raise ContentError(path, f"'id' must match the file name ({path.stem})")
    names = require(path, data, "names", dict)
    if set(names) != set(LOCALES):
        raise ContentError(path, f"'names' needs {', '.join(LOCALES)}")
    sites = require(path, data, "nprs_sites", list)
    if not sites or set(sites) - set(NPRS_SITES):
        raise ContentError(path, f"'nprs_sites' must be taken from {', '.join(NPRS_SITES)}")
    timepoints = tuple(_load_timepoint(path, t) for t in require(path, data, "timepoints", list))
    keys = [t.key for t in timepoints]
    if len(set(keys)) != len(keys) or not timepoints or keys[0] != "baseline":
        raise ContentError(path, "timepoint keys must be unique and start with 'baseline'")
    finals = [t for t in timepoints if t.final]
    if len(finals) != 1:
        raise ContentError(path, "exactly one timepoint must be marked final: true")
    if any(t.anchor == "final" and not t.follow_up for t in timepoints):
        raise ContentError(path, "only follow-up timepoints may be anchored on the final visit")
    first = data.get("first_consultation_code")
    if first is not None and (not SERVICE_CODE.match(str(first)) or str(first) in
                              {c for t in timepoints for c in (t.code, *(e.code for e in
                                                                         t.entry_codes))}):
        raise ContentError(path, "first_consultation_code must be a 4-digit service code that "
                                 "no timepoint has")
    return Pathway(id=pathway_id, names=names, nprs_sites=tuple(sites), timepoints=timepoints,
                   follow_up_limit_months=int(data.get("follow_up_limit_months", 12)),
                   first_consultation_code=str(first) if first is not None else None)


# --- loading every file of a kind ----------------------------------------------

def load_questionnaires(root: Path) -> dict[tuple[str, str], Questionnaire]:
    folder = root / "questionnaires"
    found = {}
    for path in sorted(folder.glob("*.yaml")):
        q = load_questionnaire(path)
        found[(q.id, q.locale)] = q
    for instrument in INSTRUMENT_KINDS:
        by_locale = {loc: found[(instrument, loc)] for loc in LOCALES
                     if (instrument, loc) in found}
        if set(by_locale) != set(LOCALES):
            raise ContentError(folder, f"'{instrument}' needs a file in each of "
                                       f"{', '.join(LOCALES)}")
        _check_same_structure(by_locale)
        version = content_version(by_locale)
        for loc, q in by_locale.items():
            found[(instrument, loc)] = replace(q, content_version=version)
    return found


def version_token(version: str) -> str:
    """A declared version as it may appear in a canonical URL (no spaces, no '|')."""
    return re.sub(r"[^A-Za-z0-9.\-]+", "-", version).strip("-") or "0"


def content_version(by_locale: dict[str, Questionnaire]) -> str:
    """``<declared version>-<fingerprint>``: the same for both languages of an instrument,
    and new whenever a word in either file changes (even when the declared version is
    left as it was), so a response names the exact wording it was answered on."""
    first = by_locale[min(by_locale)]
    payload = json.dumps({loc: q.data for loc, q in sorted(by_locale.items())},
                         sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:10]
    return f"{version_token(str(first.data['version']))[:40]}-{digest}"


def load_pathways(root: Path) -> dict[str, Pathway]:
    pathways = {p.id: p for p in map(load_pathway, sorted((root / "pathways").glob("*.yaml")))}
    if missing := set(PATHWAY_IDS) - set(pathways):
        raise ContentError(root / "pathways", f"missing pathways: {sorted(missing)}")
    return pathways
