"""Per-chat settings (automatic answers in groups), which bot messages answered which
resident messages, and a group that became a supergroup."""

from __future__ import annotations

import json
import time

from bot.storage.area import Area


class Chats(Area):
    """Table chats (per-chat settings) and replies (which bot messages answered which
    resident message, so an edit updates the answer and a group gets a pointer, not a repeat)."""

    def auto_answer(self, chat_id: int) -> bool:
        row = self.db.execute("SELECT auto_answer FROM chats WHERE id = ?", [chat_id]).fetchone()
        return bool(row and row[0])

    def set_auto_answer(self, chat_id: int, on: bool, by: int, chat_type: str, title: str) -> None:
        with self.db.conn:
            self.db.table("chats").upsert(
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
        ]

    def remember_reply(
        self, chat_id: int, message_id: int, reply_ids: list[int], entry_id: str | None
    ) -> None:
        # Plain SQL: this runs for every answer, and sqlite-utils' upsert reads the table's
        # schema each time.
        with self.db.conn:
            self.db.execute(
                "INSERT OR REPLACE INTO replies (chat_id, message_id, reply_ids, entry_id, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [chat_id, message_id, json.dumps(reply_ids), entry_id, time.time()],
            )

    def replies_to(self, chat_id: int, message_id: int) -> list[int]:
        row = self.db.execute(
            "SELECT reply_ids FROM replies WHERE chat_id = ? AND message_id = ?",
            [chat_id, message_id],
        ).fetchone()
        return list(json.loads(row[0])) if row else []

    def recent_answer(self, chat_id: int, entry_id: str, within: float) -> int | None:
        """The bot's message that answered `entry_id` in this chat less than `within` s ago."""
        row = self.db.execute(
            "SELECT reply_ids FROM replies WHERE chat_id = ? AND entry_id = ? AND created_at > ?"
            " ORDER BY created_at DESC LIMIT 1",
            [chat_id, entry_id, time.time() - within],
        ).fetchone()
        return int(json.loads(row[0])[0]) if row else None

    def forget_replies(self, older_than: float) -> int:
        with self.db.conn:
            cursor = self.db.execute(
                "DELETE FROM replies WHERE created_at < ?", [time.time() - older_than]
            )
        return cursor.rowcount
