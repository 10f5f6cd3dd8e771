"""One running bot per database: an OS lock on a file beside it, held while the bot runs.

Two copies on one database both resumed an announcement and reset each other's rows in
flight: 155 of 200 subscribers got it twice. `flock` is the kernel's: it is released when
the process ends however it ends (kill -9 included), so a crashed bot never leaves a stale
lock behind, and the pid and start time written into the file are only there to tell the
second copy whom it met.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from pathlib import Path
from types import TracebackType

from bot.storage.database_file import make_folder
from bot.storage.errors import StorageError


class AlreadyRunning(StorageError):
    """Another bot holds the database; the message names the database and that process."""


def lock_path(database: Path) -> Path:
    """The lock file: `bot.db.lock` beside `bot.db`."""
    return database.with_name(database.name + ".lock")


class InstanceLock:
    """Held from `acquire()` until `release()` or the end of the process."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = lock_path(database)
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        """Take the lock at once, or raise AlreadyRunning (it never waits)."""
        make_folder(self.database)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise StorageError(
                f"cannot create the lock file {self.path} beside the database "
                f"({err.strerror or err}). Point DATABASE_PATH at a folder the bot may write to."
            ) from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise AlreadyRunning(
                f"another ukm-bot is already running on the database {self.database}"
                f" ({describe_holder(holder)}). Stop it first, or give this one its own "
                "DATABASE_PATH: two copies on one database would send announcements twice."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(_holder()).encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        """Let go (the file stays: removing it could let two copies lock two files)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the descriptor releases the flock
        self._fd = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _holder() -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
    }


def _read_holder(fd: int) -> dict[str, object]:
    with contextlib.suppress(OSError, ValueError):
        found = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
        if isinstance(found, dict):
            return found
    return {}


def describe_holder(holder: dict[str, object]) -> str:
    if not holder.get("pid"):
        return "its process id is not recorded"
    where = f" on {holder['host']}" if holder.get("host") else ""
    since = f", started {holder['started']}" if holder.get("started") else ""
    return f"pid {holder['pid']}{where}{since}"
