"""The one SQLite database: schema in sqlite-utils migrations, and every query the bot runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("ukm_bot")


@migrations()
def m001_knowledge(db: sqlite_utils.Database) -> None:
    """The compiled knowledge base (rebuilt from knowledge/ by knowledge.save_knowledge)."""
    db["kb_topics"].create(
        {"id": str, "position": int, "label": str, "intro": str, "gap": bool}, pk="id"
    )
    db["kb_entries"].create(
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
    db["kb_questions"].create(
        {"entry_id": str, "lang": str, "position": int, "text": str},
        pk=("entry_id", "lang", "position"),
    )
    db["kb_meta"].create({"key": str, "value": str}, pk="key")


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
        if not self.db["kb_learned"].exists():
            return {}
        learned: dict[str, list[str]] = {}
        for row in self.db["kb_learned"].rows_where(order_by="id"):
            learned.setdefault(row["entry_id"], []).append(row["text"])
        return learned
