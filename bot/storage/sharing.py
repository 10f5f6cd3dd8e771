"""Answers residents shared into other chats, and the bot's @username the links point to."""

from __future__ import annotations

import time

from bot.storage.area import Area


class Sharing(Area):
    """Tables shared_answers (one row per answer chosen in inline mode: which entry, when;
    nobody's id) and bot_meta (what the running bot last knew about itself)."""

    def record_share(self, entry_id: str, lang: str, at: float | None = None) -> None:
        with self.db.conn:
            self.db.execute(
                "INSERT INTO shared_answers (entry_id, lang, shared_at) VALUES (?, ?, ?)",
                [entry_id, lang, time.time() if at is None else at],
            )

    def shares_since(self, since: float) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM shared_answers WHERE shared_at >= ?", [since]
        ).fetchone()
        return int(row[0])

    def forget_shares(self, older_than_days: int) -> int:
        """Kept as long as the question log (QUESTION_LOG_DAYS), though they name nobody."""
        cutoff = time.time() - older_than_days * 86400
        with self.db.conn:
            cursor = self.db.execute("DELETE FROM shared_answers WHERE shared_at < ?", [cutoff])
        return cursor.rowcount

    def remember_bot_username(self, username: str) -> None:
        """Kept at every start, so `ukm-bot link` can print t.me links without a token."""
        with self.db.conn:
            self.db.execute(
                "INSERT OR REPLACE INTO bot_meta (key, value) VALUES ('username', ?)", [username]
            )

    def bot_username(self) -> str | None:
        row = self.db.execute("SELECT value FROM bot_meta WHERE key = 'username'").fetchone()
        return str(row[0]) if row else None
