"""The one SQLite database behind one facade, `Storage`; each area of it in its own module.

chats.py        per-chat settings, reply links, supergroup migration
subscribers.py  who opted in to announcements
outbox.py       announcements and their deliveries
questions.py    the question log, its retention, the figures of /statistik
inbox.py        the staff inbox's cards and askers, and the queue of cards to post
requests.py     the questions residents sent to the office, tracked to an answer
sharing.py      answers residents shared in inline mode; the bot's @username for links
learned.py      phrasings staff taught
personal.py     a resident's own data across areas (/hapusdata)
migrations.py   the schema
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from bot.storage.chats import Chats
from bot.storage.inbox import Asker, Card, Inbox
from bot.storage.learned import Learned
from bot.storage.migrations import MIGRATIONS
from bot.storage.outbox import Broadcast, Outbox
from bot.storage.personal import PersonalData
from bot.storage.questions import LoggedQuestion, QuestionLog
from bot.storage.requests import Request, RequestFigures, Requests
from bot.storage.sharing import Sharing
from bot.storage.subscribers import Subscriber, Subscribers

__all__ = [
    "Asker",
    "Broadcast",
    "Card",
    "LoggedQuestion",
    "Request",
    "RequestFigures",
    "Storage",
    "StorageError",
    "Subscriber",
]


class StorageError(Exception):
    """The database cannot be opened or written; the message names the file."""


class Storage(
    Outbox, Chats, Subscribers, PersonalData, QuestionLog, Inbox, Learned, Requests, Sharing
):
    """Owns the SQLite file. WAL mode so readers never wait for the writer.

    Every area's methods are the facade's own (callers only ever need `Storage`); an area
    that builds on another inherits it (the outbox follows migrating chats; erasing a
    resident's data flushes the question log first).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            else:
                conn = sqlite3.connect(":memory:", check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self._log_buffer = []
            self.erased_cards = []
            self._next_question_id = None
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            MIGRATIONS.apply(self.db)
        except (OSError, sqlite3.Error) as err:
            raise StorageError(
                f"cannot use the database at {path}: {err}. Check DATABASE_PATH points to a "
                "writable location."
            ) from err

    def close(self) -> None:
        self.flush_log()
        self.db.close()
