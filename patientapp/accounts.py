"""Clinics and clinician accounts: creation and password hashing (werkzeug's scrypt)."""

from __future__ import annotations

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from .db import now

ROLES = ("clinician", "admin")


def save_clinic(db: Database, name: str, phone: str = "", email: str = "",
                alert_emails: str = "", alert_phones: str = "") -> int:
    """A new clinic. Its patients get links only once alert addresses are set."""
    return db.execute(
        "INSERT INTO clinics (name, phone, email, alert_emails, alert_phones, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [name, phone, email, alert_emails, alert_phones, now()]).lastrowid


def get_clinic(db: Database, clinic_id: int) -> dict:
    return next(db.query("SELECT * FROM clinics WHERE id = ?", [clinic_id]))


def save_clinic_settings(db: Database, clinic_id: int, values: dict) -> None:
    """What an admin sets under Clinic settings: name, contact and alert addresses."""
    db.execute("UPDATE clinics SET name = ?, phone = ?, email = ?, alert_emails = ?,"
               " alert_phones = ? WHERE id = ?",
               [values["name"], values["phone"], values["email"], values["alert_emails"],
                values["alert_phones"], clinic_id])


def get_clinic_by_name(db: Database, name: str) -> dict | None:
    rows = list(db.query("SELECT * FROM clinics WHERE name = ?", [name]))
    return rows[0] if rows else None


def get_clinician_by_email(db: Database, email: str) -> dict | None:
    rows = list(db.query("SELECT * FROM clinicians WHERE email = ?", [email.strip()]))
    return rows[0] if rows else None


def save_clinician(db: Database, clinic_id: int, email: str, name: str, password: str,
                   role: str = "clinician", language: str = "da") -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    return db.execute(
        "INSERT INTO clinicians (clinic_id, email, name, password_hash, role, language,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [clinic_id, email.strip(), name, generate_password_hash(password), role, language,
         now()]).lastrowid


def set_password(db: Database, clinician_id: int, password: str) -> None:
    db.execute("UPDATE clinicians SET password_hash = ?, failed_logins = 0, locked_until = NULL"
               " WHERE id = ?", [generate_password_hash(password), clinician_id])


def password_matches(clinician: dict, password: str) -> bool:
    return check_password_hash(clinician["password_hash"], password)
