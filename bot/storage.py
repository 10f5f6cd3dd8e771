"""The one SQLite database: schema in sqlite-utils migrations, and every query the bot runs."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("ukm_bot")


@migrations()
def m001_knowledge(db: sqlite_utils.Database) -> None:
    """The compiled knowledge base (rebuilt from knowledge/ by knowledge.save_knowledge)."""
    db.table("kb_topics").create(
        {"id": str, "position": int, "label": str, "intro": str, "gap": bool}, pk="id"
    )
    db.table("kb_entries").create(
        {
            "id": str,
            "position": int,
            "topic": str,
            "gap": bool,
            "answer_id": str,
            "answer_en": str,
            "keywords": str,
            "related": str,
            "show_contact": bool,
        },
        pk="id",
    )
    db.table("kb_questions").create(
        {"entry_id": str, "lang": str, "position": int, "text": str},
        pk=("entry_id", "lang", "position"),
    )
    db.table("kb_meta").create({"key": str, "value": str}, pk="key")


@migrations()
def m002_chats_and_replies(db: sqlite_utils.Database) -> None:
    """Per-chat settings, and which bot messages answered which resident messages."""
    db.table("chats").create(
        {
            "id": int,
            "type": str,
            "title": str,
            "auto_answer": bool,
            "auto_answer_by": int,
            "updated_at": float,
        },
        pk="id",
        defaults={"auto_answer": False},
    )
    db.table("replies").create(
        {
            "chat_id": int,
            "message_id": int,
            "reply_ids": str,
            "entry_id": str,
            "created_at": float,
        },
        pk=("chat_id", "message_id"),
    )
    db.table("replies").create_index(["chat_id", "entry_id", "created_at"])
    db.table("replies").create_index(["created_at"])


class StorageError(Exception):
    """The database cannot be opened or written; the message names the file."""


class Storage:
    """Owns the SQLite file. WAL mode so readers never wait for the writer."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            else:
                conn = sqlite3.connect(":memory:", check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            migrations.apply(self.db)
        except (OSError, sqlite3.Error) as err:
            raise StorageError(
                f"cannot use the database at {path}: {err}. Check DATABASE_PATH points to a "
                "writable location."
            ) from err

    def close(self) -> None:
        self.db.close()

    # -- knowledge taught by staff --------------------------------------------------

    def learned_variants(self) -> dict[str, list[str]]:
        """Phrasings staff added to entries from the inbox, by entry id."""
        if not self.db.table("kb_learned").exists():
            return {}
        learned: dict[str, list[str]] = {}
        for row in self.db.table("kb_learned").rows_where(order_by="id"):
            learned.setdefault(row["entry_id"], []).append(row["text"])
        return learned

    # -- chats ------------------------------------------------------------------------

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
        return [("chats", "id"), ("replies", "chat_id")]

    # -- replies ------------------------------------------------------------------------

    def remember_reply(
        self, chat_id: int, message_id: int, reply_ids: list[int], entry_id: str | None
    ) -> None:
        with self.db.conn:
            self.db.table("replies").upsert(
                {
                    "chat_id": chat_id,
                    "message_id": message_id,
                    "reply_ids": json.dumps(reply_ids),
                    "entry_id": entry_id,
                    "created_at": time.time(),
                },
                pk=("chat_id", "message_id"),
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
