"""What every storage area shares: the connections, and the writes still on their way."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence

import sqlite_utils

from bot.storage.writer import Writer


class Area:
    """A part of the Storage facade; each area owns some tables and the queries on them.

    `db` is the connection of the calling thread: the writer thread's own (writer.py) for
    the writes the running bot makes through it, the main one for everything else (reads
    on the event loop, and the command line's plain synchronous use). Every write is its
    own short transaction (`with self.db.conn:`) and no transaction is ever held across an
    await. Writes queued with `writer.later` are visible before they are committed through
    the areas' in-memory copies, guarded by `_pending_lock`.
    """

    _main_db: sqlite_utils.Database
    writer: Writer
    _pending_lock: threading.Lock

    @property
    def db(self) -> sqlite_utils.Database:
        writer = self.writer
        return writer.db if writer.in_writer_thread() else self._main_db

    def flush_log(self) -> int:
        """Write every queued write now (the question log, reply links, votes); returns how
        many were waiting. It blocks, so it is for tests and the command line, never for the
        event loop (the bot commits the queue once a second with `flush_queued`, which never
        waits). On the writer thread it returns at once: everything queued before the
        running job is written by then."""
        waiting = self.writer.pending()
        self.writer.drain(timeout=30)
        return waiting

    def upsert(self, table: str, record: dict[str, object], pk: str) -> None:
        """Insert the row, or update the one with its key, in a transaction of its own (a
        chat's settings, a subscription: one row per chat, written whole)."""
        with self.db.conn:
            self.db.table(table).upsert(record, pk=pk)

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        """A query's rows as sqlite3.Row (by column name). Not sqlite-utils' `query()`: it
        wraps every read in a savepoint, a transaction of its own, which the outbox's reads
        between sends cannot afford (measured: a 30,000-recipient broadcast a third slower)."""
        cursor = self.db.execute(sql, list(params))
        cursor.row_factory = sqlite3.Row
        return list(cursor.fetchall())

    def row(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        cursor = self.db.execute(sql, list(params))
        cursor.row_factory = sqlite3.Row
        found: sqlite3.Row | None = cursor.fetchone()
        return found
