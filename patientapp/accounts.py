"""Clinics and clinician accounts: creation and password hashing (werkzeug's scrypt).

The SQL is in ``patientapp/queries.py``; this is the accounts' rules around it.
"""

from __future__ import annotations

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from . import queries

ROLES = ("clinician", "admin")


def save_clinic(db: Database, name: str, phone: str = "", email: str = "",
                alert_emails: str = "", alert_phones: str = "") -> int:
    """A new clinic. Its patients get links only once alert addresses are set."""
    return queries.save_clinic(db, name, phone, email, alert_emails, alert_phones)


def get_clinic_by_name(db: Database, name: str) -> dict | None:
    return queries.get_clinic_by_name(db, name)


def get_clinician_by_email(db: Database, email: str) -> dict | None:
    return queries.get_clinician_by_email(db, email.strip())


def save_clinician(db: Database, clinic_id: int, email: str, name: str, password: str,
                   role: str = "clinician", language: str = "da") -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    return queries.save_clinician(db, clinic_id, email.strip(), name, hash_password(password),
                                  role, language)


def hash_password(password: str) -> str:
    """Deliberately slow (scrypt): hash before opening a write transaction."""
    return generate_password_hash(password)


def set_password(db: Database, clinician_id: int, password: str) -> None:
    queries.save_password_hash(db, clinician_id, hash_password(password))


def password_matches(clinician: dict, password: str) -> bool:
    return check_password_hash(clinician["password_hash"], password)
