"""The audit trail: who saw or changed what, and when. Never names or answers."""

from __future__ import annotations

from sqlite_utils import Database

from . import queries


def record(db: Database, actor_type: str, actor_id: int | None, clinic_id: int | None,
           action: str, object_type: str = "", object_id: int | None = None,
           detail: str = "") -> None:
    queries.save_audit_entry(db, actor_type, actor_id, clinic_id, action, object_type,
                             object_id, detail)
