"""Per-chat settings (automatic answers in groups), which bot messages answered which
resident messages, and a group that became a supergroup."""

from __future__ import annotations

import functools
import json
import time

from bot.storage.area import Area

# A reply link waiting for the writer: (bot message ids, entry id, when).
PendingReply = tuple[list[int], str | None, float]


class Chats(Area):
    """Table chats (per-chat settings) and replies (which bot messages answered which
    resident message, so an edit updates the answer and a group gets a pointer, not a repeat).

    A reply link is queued for the writer thread with the question log (one commit a
    second for both) and read from memory until then (`_pending_replies`, and the newest
    answer per chat and entry in `_pending_recent`)."""

    _pending_replies: dict[tuple[int, int], PendingReply]
    _pending_recent: dict[tuple[int, str], tuple[float, int]]

    def auto_answer(self, chat_id: int) -> bool:
        row = self.db.execute("SELECT auto_answer FROM chats WHERE id = ?", [chat_id]).fetchone()
        return bool(row and row[0])

    def set_auto_answer(self, chat_id: int, on: bool, by: int, chat_type: str, title: str) -> None:
        self.upsert(
            "chats",
            {
                "id": chat_id,
                "type": chat_type,
                "title": title,
                "auto_answer": on,
                "auto_answer_by": by,
                "updated_at": time.time(),
            },
            pk="id",
        )

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: everything kept for the old id moves to the new."""
        self.flush_log()  # questions and reply links still queued move too
        with self.db.conn:
            for table, column in self.chat_columns():
                if not self.db.table(table).exists():
                    continue
                self.db.execute(
                    f"UPDATE OR REPLACE [{table}] SET [{column}] = ? WHERE [{column}] = ?",
                    [new_id, old_id],
                )

    @staticmethod
    def chat_columns() -> list[tuple[str, str]]:
        """Every (table, column) that holds a chat id; migration rewrites them all."""
        return [
            ("chats", "id"),
            ("replies", "chat_id"),
            ("subscribers", "chat_id"),
            ("deliveries", "chat_id"),
            ("questions", "chat_id"),
            ("inbox_askers", "chat_id"),  # a staff answer reaches the supergroup
            ("requests", "chat_id"),  # and so does the request's
            ("card_messages", "chat_id"),  # the staff group itself may migrate
            ("digest_lines", "chat_id"),
        ]

    def remember_reply(
        self, chat_id: int, message_id: int, reply_ids: list[int], entry_id: str | None
    ) -> None:
        key = (chat_id, message_id)
        pending: PendingReply = (list(reply_ids), entry_id, time.time())
        with self._pending_lock:
            self._pending_replies[key] = pending
            if entry_id is not None and reply_ids:
                self._pending_recent[chat_id, entry_id] = (pending[2], reply_ids[0])
        self.writer.later(
            self._insert_replies,
            (key, pending),
            phase=1,
            done=functools.partial(self._written_reply, key, pending),
        )

    def _insert_replies(self, replies: list[tuple[tuple[int, int], PendingReply]]) -> None:
        # Plain SQL: this runs for every answer, and sqlite-utils' upsert reads the table's
        # schema each time.
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO replies (chat_id, message_id, reply_ids, entry_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (*key, json.dumps(reply_ids), entry_id, created_at)
                for key, (reply_ids, entry_id, created_at) in replies
            ],
        )

    def _written_reply(self, key: tuple[int, int], pending: PendingReply, written: bool) -> None:
        with self._pending_lock:
            if self._pending_replies.get(key) is pending:  # not replaced by a newer one
                del self._pending_replies[key]
            recent = (key[0], pending[1] or "")
            if (
                pending[1] is not None
                and self._pending_recent.get(recent, (0.0, 0))[0] == (pending[2])
            ):
                del self._pending_recent[recent]

    def replies_to(self, chat_id: int, message_id: int) -> list[int]:
        with self._pending_lock:
            pending = self._pending_replies.get((chat_id, message_id))
        if pending is not None:
            return list(pending[0])
        row = self.db.execute(
            "SELECT reply_ids FROM replies WHERE chat_id = ? AND message_id = ?",
            [chat_id, message_id],
        ).fetchone()
        return list(json.loads(row[0])) if row else []

    def recent_answer(self, chat_id: int, entry_id: str, within: float) -> int | None:
        """The bot's message that answered `entry_id` in this chat less than `within` s ago."""
        since = time.time() - within
        with self._pending_lock:
            pending = self._pending_recent.get((chat_id, entry_id))
        if pending is not None and pending[0] > since:
            return pending[1]
        row = self.db.execute(
            "SELECT reply_ids FROM replies WHERE chat_id = ? AND entry_id = ? AND created_at > ?"
            " ORDER BY created_at DESC LIMIT 1",
            [chat_id, entry_id, since],
        ).fetchone()
        return int(json.loads(row[0])[0]) if row else None

    def forget_replies(self, older_than: float) -> int:
        with self.db.conn:
            cursor = self.db.execute(
                "DELETE FROM replies WHERE created_at < ?", [time.time() - older_than]
            )
        return cursor.rowcount
