"""Enrolment input: one check for the command line and the clinician form, and a summary.

Pure functions, no Flask or database. ``check_enrolment`` turns raw text fields into
an ``Enrolment`` or a list of problems, each naming its field, so a form can put
every message next to its field and the command line can print them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ..checks import CheckError, in_window, single_line
from ..timeutil import local_date, parse_moment, today
from .contact import N_, ContactError, normalise_email, normalise_phone

LANGUAGES = ("da", "en")
NAME_MAX = 200
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: the field and an English msgid with its values."""

    field: str
    message: str
    params: dict | None = None

    def __str__(self) -> str:
        return self.message % self.params if self.params else self.message


@dataclass(frozen=True)
class Enrolment:
    name: str
    pathway: str
    first_visit: date
    referral_date: date | None = None
    email: str = ""
    phone: str = ""
    language: str = "da"
    entry_code: str | None = None  # the baseline's service code; None: the usual one
    birth_date: date | None = None  # optional: the GP summary names the patient by it


def parse_iso_date(text: str | None) -> date:
    """A date written as YYYY-MM-DD; ValueError for anything else, impossible dates too."""
    # date.fromisoformat also takes "20260302" and week dates; only YYYY-MM-DD is meant.
    text = (text or "").strip()
    if not ISO_DATE.match(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def _check_date(raw: Mapping, field: str, format_message: str,
                problems: list[Problem]) -> date | None:
    try:
        return in_window(parse_iso_date(raw.get(field)))
    except CheckError as error:
        problems.append(Problem(field, error.message, error.params))
    except ValueError:
        problems.append(Problem(field, format_message))
    return None


def _check_dates(raw: Mapping, problems: list[Problem]) -> tuple[date | None, date | None]:
    first = _check_date(raw, "first_visit", N_(
        "Enter the date of the first consultation as YYYY-MM-DD, like 2026-03-02."), problems)
    referral = None
    if (raw.get("referral_date") or "").strip():
        referral = _check_date(raw, "referral_date", N_(
            "Enter the referral date as YYYY-MM-DD, like 2026-02-20."), problems)
    if first and referral and referral > first:
        problems.append(Problem("referral_date", N_(
            "The referral date cannot be after the first consultation.")))
    return first, referral


def _check_birth_date(raw: Mapping, problems: list[Problem]) -> date | None:
    """Optional; a real date in the past (the shared date window does not apply: a patient
    may be 90)."""
    text = (raw.get("birth_date") or "").strip()
    if not text:
        return None
    try:
        born = parse_iso_date(text)
    except ValueError:
        problems.append(Problem("birth_date", N_(
            "Enter the birth date as YYYY-MM-DD, like 1970-05-31.")))
        return None
    if not date(1900, 1, 1) <= born <= today():
        problems.append(Problem("birth_date", N_(
            "Enter a birth date between 1900 and today.")))
        return None
    return born


def _check_contact(raw: Mapping, problems: list[Problem]) -> tuple[str, str]:
    found = {}
    for name, normalise in (("email", normalise_email), ("phone", normalise_phone)):
        try:
            found[name] = normalise(raw.get(name))
        except ContactError as error:
            problems.append(Problem(name, str(error)))
            found[name] = ""
    return found["email"], found["phone"]


def _check_name_and_pathway(raw: Mapping, pathway_ids: list[str],
                            problems: list[Problem]) -> None:
    _check_name(raw, problems)
    if (raw.get("pathway") or "").strip() not in pathway_ids:
        problems.append(Problem("pathway", N_("Choose one of the courses: %(choices)s."),
                                {"choices": ", ".join(pathway_ids)}))


def _check_name(raw: Mapping, problems: list[Problem]) -> None:
    name = (raw.get("name") or "").strip()
    if not name:
        problems.append(Problem("name", N_("Enter the patient's name.")))
    elif len(name) > NAME_MAX:
        problems.append(Problem("name", N_("The name must be %(max)d characters or fewer."),
                                {"max": NAME_MAX}))
    else:
        try:
            single_line(name)
        except CheckError as error:
            problems.append(Problem("name", error.message))


def _check_language(raw: Mapping, problems: list[Problem]) -> str:
    language = (raw.get("language") or "da").strip()
    if language not in LANGUAGES:
        problems.append(Problem("language", N_("Choose Danish (da) or English (en).")))
    return language


def _check_entry_code(raw: Mapping, entry_codes: Mapping[str, Sequence[str]],
                      problems: list[Problem]) -> str | None:
    """The baseline's service code: empty means the course's usual one."""
    code = (raw.get("entry_code") or "").strip()
    pathway = (raw.get("pathway") or "").strip()
    if not code or pathway not in entry_codes:
        return None
    if code not in entry_codes[pathway]:
        problems.append(Problem("entry_code", N_(
            "The service code %(code)s does not start this course: choose one of %(choices)s."),
            {"code": code, "choices": ", ".join(entry_codes[pathway])}))
        return None
    return code


def check_enrolment(raw: Mapping[str, str | None], pathway_ids: Iterable[str],
                    entry_codes: Mapping[str, Sequence[str]] | None = None,
                    ) -> tuple[Enrolment | None, list[Problem]]:
    """Validate raw fields (name, pathway, first_visit, referral_date, email, phone, language,
    entry_code, birth_date). ``entry_codes`` maps each pathway id to the service codes its
    baseline may have (the usual one first); without it, any entry code is refused.

    Returns the cleaned enrolment and no problems, or None and every problem found.
    """
    problems: list[Problem] = []
    pathway_ids = list(pathway_ids)
    _check_name_and_pathway(raw, pathway_ids, problems)
    first, referral = _check_dates(raw, problems)
    email, phone = _check_contact(raw, problems)
    language = _check_language(raw, problems)
    codes = entry_codes if entry_codes is not None else {p: () for p in pathway_ids}
    entry_code = _check_entry_code(raw, codes, problems)
    birth_date = _check_birth_date(raw, problems)
    if problems:
        return None, problems
    return Enrolment(name=raw["name"].strip(), pathway=raw["pathway"].strip(),
                     first_visit=first, referral_date=referral, email=email, phone=phone,
                     language=language, entry_code=entry_code, birth_date=birth_date), []


def entry_codes_of(pathways: Mapping) -> dict[str, tuple[str, ...]]:
    """For check_enrolment: each pathway's allowed baseline service codes."""
    return {pathway_id: pathway.entry_codes for pathway_id, pathway in pathways.items()}


def check_contact_change(raw: Mapping[str, str | None]) -> tuple[dict, list[Problem]]:
    """Validate the contact fields that are present (email, phone, language), as enrolment does.

    Returns the cleaned changes, or {} and every problem found.
    """
    problems: list[Problem] = []
    clean: dict[str, str] = {}
    for name, normalise in (("email", normalise_email), ("phone", normalise_phone)):
        if name in raw:
            try:
                clean[name] = normalise(raw[name])
            except ContactError as error:
                problems.append(Problem(name, str(error)))
    if "language" in raw:
        # Unlike at enrolment, an empty language is not "da": a change must name one.
        clean["language"] = _check_language({"language": raw["language"] or "?"}, problems)
    return ({} if problems else clean), problems


def check_patient_details(raw: Mapping[str, str | None]) -> tuple[dict, list[Problem]]:
    """The patient's name, e-mail, phone and language, checked as at enrolment (the form
    that corrects them later). Returns the cleaned values, or {} and every problem."""
    problems: list[Problem] = []
    _check_name(raw, problems)
    email, phone = _check_contact(raw, problems)
    language = _check_language({"language": raw.get("language") or "?"}, problems)
    clean = {"name": (raw.get("name") or "").strip(), "email": email, "phone": phone,
             "language": language}
    return ({} if problems else clean), problems


def last_day(expires_at: str) -> date:
    """The last local day a link works, from the stored moment it stops (local midnight)."""
    return local_date(parse_moment(expires_at)) - timedelta(days=1)


def course_summary(course: dict, timepoints: list[dict]) -> dict:
    """The course and its dated timepoints, as ``enrol --json`` prints them."""
    return {
        "course_id": course["id"],
        "pathway": course["pathway"],
        "entry_code": course.get("entry_code"),
        "patient": {"pseudonym": course["pseudonym"]},
        "timepoints": [{
            "key": tp["key"], "code": tp["code"], "visit_date": tp["visit_date"],
            "send_on": tp["send_at"], "remind_on": tp["remind_at"],
            "expires_on": last_day(tp["expires_at"]).isoformat(),
            "questionnaires": tp["questionnaires"], "warning": tp["warning"],
        } for tp in timepoints],
    }


def pick_clinic(clinics: list[dict], wanted: str | None) -> tuple[dict | None, Problem | None]:
    """The one clinic named by id or name (any letter case), or the only one when none is.

    Names are unique, but a name may be another clinic's id ("12"): then the answer
    would be a guess, so it is refused and the ids are listed.
    """
    wanted = (wanted or "").strip()
    if wanted:
        found = {c["id"]: c for c in clinics if str(c["id"]) == wanted
                 or c["name"].strip().casefold() == wanted.casefold()}
        if len(found) == 1:
            return next(iter(found.values())), None
        if found:
            choices = ", ".join(f"{c['id']} ({c['name']})" for c in found.values())
            return None, Problem("clinic", N_(
                "'%(clinic)s' could mean more than one clinic: give the id of one of"
                " %(choices)s."), {"clinic": wanted, "choices": choices})
        return None, Problem("clinic", N_("There is no clinic with the id or name '%(clinic)s'."),
                             {"clinic": wanted})
    if len(clinics) == 1:
        return clinics[0], None
    if not clinics:
        return None, Problem("clinic", N_(
            "There is no clinic yet: create one with the create-clinician command."))
    choices = ", ".join(f"{c['id']} ({c['name']})" for c in clinics)
    return None, Problem("clinic", N_("There are several clinics: choose one of %(choices)s."),
                         {"choices": choices})
