"""Online backup of the SQLite database, verified before it is trusted."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# Scheduled backups are named patientapp-20260302T030000Z.sqlite3: sorting by name sorts
# by time, and nothing else in the folder is ever deleted.
PREFIX, SUFFIX = "patientapp-", ".sqlite3"


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
        # The copy inherits WAL mode; a backup must be one self-contained file, with no
        # -wal or -shm beside it for the read-only check to leave behind.
        dst.execute("PRAGMA journal_mode=DELETE")
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


@dataclass(frozen=True)
class DatedBackup:
    """What one scheduled backup did: the new file, its verdict and the old files removed."""

    path: Path
    verdict: str
    removed: int


def backup_to_dir(source: str, directory: Path, keep: int, now: datetime) -> DatedBackup:
    """A verified backup named by its UTC time in ``directory``; then only the newest
    ``keep`` backups are kept. A failed backup removes nothing."""
    target = directory / f"{PREFIX}{now.astimezone(UTC):%Y%m%dT%H%M%SZ}{SUFFIX}"
    verdict = backup(source, target)
    removed = prune(directory, keep) if verdict == "ok" else 0
    return DatedBackup(target, verdict, removed)


def dated_backups(directory: Path) -> list[Path]:
    """The scheduled backups in ``directory``, oldest first (their names sort by time)."""
    return sorted(path for path in directory.glob(f"{PREFIX}*{SUFFIX}") if path.is_file())


def prune(directory: Path, keep: int) -> int:
    """Delete all but the newest ``keep`` scheduled backups; how many were deleted."""
    old = dated_backups(directory)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink()
    return len(old)
