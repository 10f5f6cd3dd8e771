"""What can go wrong with the database, in words an operator can act on."""

from __future__ import annotations

import sqlite3
from typing import Literal

# Why the database cannot take a write right now:
#   locked    another process holds the write lock (a backup, `ukm-bot kb build`, a sqlite3 shell)
#   readonly  the file or its folder cannot be written (permissions, a read-only mount)
#   full      the disk (or a quota) is full
#   io        the disk failed a read or write, or the file can no longer be opened
#   damaged   the file is not a valid SQLite database any more
#   gone      the file was deleted or replaced while the bot was running
Failure = Literal["locked", "readonly", "full", "io", "damaged", "gone"]


class StorageError(Exception):
    """The database cannot be opened or written; the message names the file."""


class StorageUnavailable(StorageError):
    """A write could not be made in time (the database is locked, read-only, full, ...).
    Nothing was changed: the caller tells the resident to try again."""

    def __init__(self, failure: Failure, detail: str) -> None:
        super().__init__(f"the database cannot be written now ({failure}: {detail})")
        self.failure: Failure = failure
        self.detail = detail


class DatabaseDamaged(StorageError):
    """The file at DATABASE_PATH is not a usable SQLite database."""


def failure_of(err: BaseException) -> Failure | None:
    """Which storage failure an exception is, or None when it is not one (a bug, a
    constraint): a failure is retried later, anything else is the caller's to see."""
    if isinstance(err, StorageUnavailable):
        return err.failure
    if not isinstance(err, sqlite3.Error):
        return None
    name = getattr(err, "sqlite_errorname", "") or ""
    text = str(err).lower()
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return "locked"
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return "readonly"
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return "full"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text:
        return "damaged"
    if name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")) or "disk i/o" in text:
        return "io"
    return None


def is_storage_failure(err: BaseException) -> bool:
    """An error that says the database could not be used, not that the code is wrong."""
    return failure_of(err) is not None
