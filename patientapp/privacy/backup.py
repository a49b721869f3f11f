"""Online backup of the SQLite database, verified before it is trusted."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def backup(source: str, target: Path) -> str:
    """Copy the live database to ``target`` consistently; return integrity_check's verdict.

    sqlite3's backup API copies page by page while other connections keep writing, and
    restarts if a page changes, so the copy is a consistent snapshot.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    verdict = verify(partial)
    if verdict == "ok":
        partial.replace(target)
    return verdict


def verify(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()
