"""Clinics and clinician accounts: creation and password hashing (werkzeug's scrypt).

The SQL is in ``patientapp/queries.py``; this is the accounts' rules around it.
"""

from __future__ import annotations

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from . import queries
from .courses.enrolment import pick_clinic

ROLES = ("clinician", "admin")


def save_clinic(db: Database, name: str, phone: str = "", email: str = "",
                alert_emails: str = "", alert_phones: str = "") -> int:
    """A new clinic. Its patients get links only once alert addresses are set."""
    return queries.save_clinic(db, name, phone, email, alert_emails, alert_phones)


def get_clinic_by_name(db: Database, name: str) -> dict | None:
    """The clinic with this name, in any letter case (names are unique that way)."""
    wanted = name.strip().casefold()
    found = next((c for c in queries.list_clinics(db)
                  if c["name"].strip().casefold() == wanted), None)
    return queries.get_clinic(db, found["id"]) if found else None


def list_clinics(db: Database) -> list[dict]:
    return queries.list_clinics(db)


def find_clinic(db: Database, wanted: str) -> tuple[dict | None, str | None]:
    """(clinic, None) when ``wanted`` (an id or a name) names exactly one clinic, else
    (None, what is wrong) – for the commands' ``--clinic`` option."""
    if not wanted.strip():
        return None, "give the clinic's id or name"
    clinic, problem = pick_clinic(list_clinics(db), wanted)
    return clinic, None if clinic else str(problem)


def name_taken(db: Database, clinic_id: int, name: str) -> bool:
    """Another clinic already has this name (in any letter case)."""
    other = get_clinic_by_name(db, name)
    return other is not None and other["id"] != clinic_id


def get_clinician_by_email(db: Database, email: str) -> dict | None:
    return queries.get_clinician_by_email(db, email.strip())


def save_clinician(db: Database, clinic_id: int, email: str, name: str, password: str,
                   role: str = "clinician", language: str = "da") -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    return queries.save_clinician(db, clinic_id, email.strip(), name, hash_password(password),
                                  role, language)


# werkzeug's scrypt: deliberately slow. The test suite sets a cheap method here, once, so
# that its hundreds of sign-ins do not spend minutes hashing (tests/conftest.py).
HASH_METHOD = "scrypt"


def hash_password(password: str) -> str:
    """Deliberately slow: hash before opening a write transaction."""
    return generate_password_hash(password, method=HASH_METHOD)


def set_password(db: Database, clinician_id: int, password: str) -> None:
    queries.save_password_hash(db, clinician_id, hash_password(password))


def password_matches(clinician: dict, password: str) -> bool:
    return check_password_hash(clinician["password_hash"], password)
