"""The database file itself: a connection to it, whether it is still the file the bot
opened, and its trouble (why writes fail, since when) told in words."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.storage.errors import Failure, StorageError

GONE = "the file at this path is no longer the one the bot opened"
# Bytes of WAL after which the writer thread checkpoints it, and the WAL file is cut back to.
WAL_SIZE_LIMIT = 4 << 20


def connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """A connection to the existing database file (never a new, empty one where a deleted
    file was); any thread may use it, one at a time."""
    uri = path.resolve().as_uri() + "?mode=rw"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=busy_timeout)
    conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at each checkpoint, fast commits
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
    return conn


def make_folder(path: Path) -> None:
    """The folder of the database file, created if missing; StorageError naming it if not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StorageError(
            f"cannot create the folder {path.parent} for the database {path} "
            f"({err.strerror or err}). Point DATABASE_PATH at a file in a folder the bot "
            "may write to."
        ) from err


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file, None when it does not exist."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


@dataclass(slots=True)
class Problem:
    """Why writes are failing, since when, and how many wait."""

    failure: Failure
    detail: str
    since: float  # monotonic
    started_at: float = field(default_factory=time.time)  # wall clock, for people
    waiting: int = 0
    alerted: bool = False
    warned_at: float | None = None

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.since


def describe(problem: Problem, path: Path, dropped: int = 0) -> str:
    """One log line: what is wrong with the database, what it means, what to do."""
    what = {
        "locked": f"has been locked by another process for {problem.seconds:.0f} s (a backup, "
        "`ukm-bot kb build`, an open sqlite3 shell?)",
        "readonly": f"cannot be written ({problem.detail}): check the permissions of the file "
        "and its folder, and whether the disk is mounted read-only",
        "full": f"cannot be written: the disk is full ({problem.detail}); free some space",
        "io": f"cannot be written: disk error ({problem.detail}); check the disk",
        "damaged": f"is damaged ({problem.detail}); stop the bot and restore the last backup "
        "(see the README, Backups)",
        "gone": "was deleted or replaced while the bot was running, so nothing more is written "
        "to it; put the file back or restart the bot",
    }[problem.failure]
    lost = f"; {dropped} dropped, too many waiting" if dropped else ""
    return (
        f"The database {path} {what}. Residents are still answered; {problem.waiting} writes "
        f"are kept and retried{lost}; subscriptions and erasures are refused with 'try again' "
        "meanwhile."
    )
