"""The one SQLite database behind one facade, `Storage`; each area of it in its own module.

chats.py        per-chat settings, reply links, supergroup migration
subscribers.py  who opted in to announcements
outbox.py       announcements and their deliveries
questions.py    the question log, its retention, the figures of /statistik
inbox.py        the staff inbox's cards and askers, and the queue of cards to post
requests.py     the questions residents sent to the office, tracked to an answer
sharing.py      answers residents shared in inline mode; the bot's @username for links
learned.py      phrasings staff taught
personal.py     a resident's own data across areas (/hapusdata, retention)
migrations.py   the schema
writer.py       the thread every write of the running bot goes through
database_file.py  the file itself: connecting, noticing it replaced, its trouble in words
instance.py     one running bot per database
errors.py       what can go wrong, in words
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import ParamSpec, TypeVar, cast

import sqlite_utils

from bot.storage.chats import Chats
from bot.storage.database_file import WAL_SIZE_LIMIT, Problem, make_folder
from bot.storage.errors import (
    DatabaseDamaged,
    StorageError,
    StorageUnavailable,
    failure_of,
    is_storage_failure,
)
from bot.storage.inbox import Asker, Card, Inbox
from bot.storage.learned import Learned
from bot.storage.migrations import MIGRATIONS
from bot.storage.outbox import Broadcast, Outbox
from bot.storage.personal import PersonalData, Retention
from bot.storage.questions import LoggedQuestion, QuestionLog
from bot.storage.requests import Request, RequestFigures, Requests
from bot.storage.sharing import Sharing
from bot.storage.subscribers import Subscriber, Subscribers
from bot.storage.writer import Writer

__all__ = [
    "Asker",
    "Broadcast",
    "Card",
    "DatabaseDamaged",
    "LoggedQuestion",
    "Problem",
    "Request",
    "RequestFigures",
    "Retention",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "Subscriber",
    "is_storage_failure",
]

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

WRITE_TIMEOUT = 10.0  # seconds a resident may wait for a write they are told about (/langganan)
CLOSE_WAIT = 10.0  # seconds the writes still queued at shutdown may take
# Seconds a patient write waits through another process's lock before StorageUnavailable.
# A file that cannot be written at all (deleted, read-only, full, damaged) fails it at once
# instead (writer.py): waiting would hold its caller, and a stop, for nothing.
PATIENCE = 600.0


class Storage(
    Outbox, PersonalData, QuestionLog, Chats, Subscribers, Inbox, Learned, Requests, Sharing
):
    """Owns the SQLite file. WAL mode so readers never wait for the writer.

    Every area's methods are the facade's own (callers only ever need `Storage`); an area
    that builds on another inherits it (the outbox follows migrating chats; erasing a
    resident's data builds on the question log). Each method also works synchronously on
    the calling thread (the command line, tests); the running bot makes its writes through
    the writer thread instead: `await storage.write(storage.subscribe, ...)`, so an answer
    never waits for the database (see writer.py).

    `busy_timeout`: how long a write on the calling thread waits for another process's
    lock; the command line waits patiently, the running bot (whose own writes go through
    the writer) keeps it short so no leftover synchronous write can stall the event loop.
    `check`: verify the whole file at start (PRAGMA quick_check): `ukm-bot run` does, so a
    damaged file stops start-up rather than failing later, one page at a time.
    """

    def __init__(self, path: Path | str, *, busy_timeout: float = 30.0, check: bool = False):
        self.path = Path(path)
        self._pending_lock = threading.Lock()
        self._pending_questions = {}
        self._pending_votes = {}
        self._pending_replies = {}
        self._pending_recent = {}
        self._next_question_id = None
        self.erased_cards = []
        make_folder(self.path)
        try:
            db = sqlite_utils.Database(sqlite3.connect(self.path, check_same_thread=False))
        except sqlite3.Error as err:
            raise opening_error(self.path, err) from err
        try:
            db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA journal_mode=WAL")
            # Checkpoints (which sync the disk) are the writer thread's, never a commit's on
            # the event loop; the last connection to close folds the WAL in as well.
            db.execute("PRAGMA wal_autocheckpoint = 0")
            db.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
            if check:
                verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
                if verdict != "ok":
                    raise sqlite3.DatabaseError(f"database disk image is malformed: {verdict}")
            MIGRATIONS.apply(db)
        except sqlite3.Error as err:
            db.close()
            raise opening_error(self.path, err) from err
        self._main_db = db
        self.writer = Writer(self.path, db, busy_timeout)

    @property
    def on_problem(self) -> Callable[[Problem | None], None] | None:
        """Told (on the writer thread) when writes start failing and when they work again."""
        return self.writer.on_problem

    @on_problem.setter
    def on_problem(self, callback: Callable[[Problem | None], None] | None) -> None:
        self.writer.on_problem = callback

    async def write(self, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a storage method on the writer thread, in order after the writes already
        queued; StorageUnavailable when the database cannot take it within WRITE_TIMEOUT
        seconds (nothing was changed: tell the resident to try again)."""
        return await self.write_within(WRITE_TIMEOUT, method, *args, **kwargs)

    def write_within(
        self, timeout: float | None, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> asyncio.Future[T]:
        """`write` with another deadline (None: kept until written). Queued at once, in
        the order of the call; the result is awaited when the caller is ready for it."""
        future = self.writer.submit(functools.partial(method, *args, **kwargs), timeout)
        return cast("asyncio.Future[T]", asyncio.wrap_future(future))

    def flush_queued(self) -> None:
        """Commit the queued writes now if that needs no waiting (the bot's job does this
        every second); otherwise the writer thread does it. Never blocks."""
        self.writer.flush_soon()

    async def written(self) -> None:
        """Wait until every write queued so far is in the file (StorageUnavailable after
        WRITE_TIMEOUT): for a reader that must see them there, not only in memory."""
        await self.write_within(WRITE_TIMEOUT, lambda: None)

    def write_now(self, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a storage method here and now if the database takes it without waiting;
        StorageUnavailable otherwise, with nothing changed (queue it with `write_within`)."""
        return self.writer.run_now(functools.partial(method, *args, **kwargs))

    async def write_patiently(
        self, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """A write the bot's own work on the event loop cannot do without (an announcement's
        delivery rows, a card marked posted, a reloaded knowledge base): here and now when
        the database takes it without waiting (the common case, no thread hop); otherwise
        queued for the writer thread and awaited while another process holds the lock (a
        backup, `ukm-bot kb build`, an sqlite3 shell; up to PATIENCE). The caller pauses
        and then goes on; the event loop, and every resident's answer, never wait. Once
        queued, the write is made even if its caller is cancelled (a stop): nothing the bot
        did is left unrecorded when the lock is released in time. A file that cannot be
        written at all raises StorageUnavailable, as a direct write would."""
        try:
            return self.writer.run_now(functools.partial(method, *args, **kwargs), in_order=True)
        except StorageUnavailable:
            return await self.write_queued(method, *args, **kwargs)

    async def write_queued(self, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`write_patiently` always on the writer thread: for a method that must run there
        (one that waits for the queued writes before it, as a supergroup's migration does)."""
        future = self.writer.submit(functools.partial(method, *args, **kwargs), PATIENCE)
        return await asyncio.shield(cast("asyncio.Future[T]", asyncio.wrap_future(future)))

    def write_later(self, method: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
        """Run a storage method on the writer thread when the database takes it, nobody
        waiting (a chat that blocked the bot, a group that migrated): kept and retried like
        the question log. A method that fails by itself is logged."""
        future = self.writer.submit(functools.partial(method, *args, **kwargs), None)
        future.add_done_callback(_log_failure)

    def close(self) -> None:
        """Write what is still queued (at most CLOSE_WAIT seconds), then close the file."""
        self.writer.close(CLOSE_WAIT)
        self._main_db.close()


def _log_failure(future: Future[object]) -> None:
    if not future.cancelled() and (error := future.exception()) is not None:
        log.error("A database write failed", exc_info=error)


def opening_error(path: Path, err: sqlite3.Error) -> StorageError:
    """One line on why the file cannot be used, and what to do."""
    failure = failure_of(err)
    if failure == "damaged":
        return DatabaseDamaged(
            f"the database {path} is damaged ({err}). Restore the last backup over it (see "
            "the README, Backups), or move it aside to start with an empty one: the knowledge "
            "base is rebuilt by itself, but subscribers, announcements, the inbox and the "
            "question log live in that file."
        )
    if failure == "readonly":
        return StorageError(
            f"the database {path} cannot be written ({err}): give the bot write permission "
            "on the file and its folder (SQLite also writes files beside it), or point "
            "DATABASE_PATH elsewhere."
        )
    if failure == "locked":
        return StorageError(
            f"the database {path} is locked by another process ({err}): wait for it (a "
            "backup, `ukm-bot kb build`) or stop it, then start again."
        )
    return StorageError(
        f"cannot use the database {path} ({err}). Point DATABASE_PATH at a file in a folder "
        "the bot may write to."
    )
