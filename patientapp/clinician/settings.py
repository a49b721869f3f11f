"""The clinic's settings (name, phone, e-mail, where alarm notifications go), checked.

Pure: no Flask or database. Like enrolment, every problem is a ``Problem`` naming its
field with an English msgid, so the form shows each next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..checks import CheckError, single_line
from ..courses.contact import N_, ContactError, normalise_email
from ..courses.enrolment import Problem
from ..notifications import addresses

NAME_MAX, PHONE_MAX = 200, 40


def check_clinic_settings(raw: Mapping[str, str | None]) -> tuple[dict, list[Problem]]:
    """Returns the cleaned settings, or {} and every problem found."""
    problems: list[Problem] = []
    clean = {"name": (raw.get("name") or "").strip(), "phone": (raw.get("phone") or "").strip()}
    if not clean["name"] or len(clean["name"]) > NAME_MAX:
        problems.append(Problem("name", N_("Enter the clinic's name.")))
    if len(clean["phone"]) > PHONE_MAX:
        problems.append(Problem("phone", N_("Enter a phone number of at most 40 characters.")))
    for field in ("name", "phone"):
        try:
            single_line(clean[field])  # the name is the sender of every e-mail: no header
        except CheckError as error:
            problems.append(Problem(field, error.message, error.params))
    try:
        clean["email"] = normalise_email(raw.get("email"))
    except ContactError as error:
        problems.append(Problem("email", str(error)))
    for field, normalise in (("alert_emails", addresses.normalise_emails),
                             ("alert_phones", addresses.normalise_phones)):
        try:
            clean[field] = normalise(raw.get(field) or "")
        except addresses.BadAddress as error:
            problems.append(Problem(field, N_("“%(address)s”: %(problem)s"),
                                    {"address": error.address, "problem": str(error)}))
        except ContactError:
            problems.append(Problem(field, N_("Enter at most %(num)d addresses, separated by "
                                              "commas."), {"num": addresses.MAX_ADDRESSES}))
    if not problems and not (clean["alert_emails"] or clean["alert_phones"]):
        problems.append(Problem("alert_emails", N_(
            "Enter at least one e-mail address or mobile number for alarm notifications: "
            "until then, no patient gets a link.")))
    return ({} if problems else clean), problems
