"""The staff inbox: cards for unanswered questions, who is waiting on each, and where each
card was posted."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from bot.storage.area import Area


class Inbox(Area):
    """Tables inbox (a card per distinct question), inbox_askers (who waits on it) and
    card_messages (every staff-chat copy of a card, so a reply to any copy answers)."""

    def add_to_inbox(
        self,
        *,
        key: str,
        question_id: int,
        text: str,
        lang: str,
        chat_id: int,
        chat_type: str,
        user_id: int,
        first_name: str,
        message_id: int,
        best_entry_id: str | None,
        best_score: float,
    ) -> tuple[int, bool]:
        """(card id, whether the card is new): the same question asked again joins its card."""
        now = time.time()
        with self.db.conn:
            row = self.db.execute(
                "SELECT id FROM inbox WHERE status = 'open' AND key = ?", [key]
            ).fetchone()
            if row is None:
                cursor = self.db.execute(
                    "INSERT INTO inbox (key, question, lang, count, first_asked_at, last_asked_at,"
                    " best_entry_id, best_score, status) VALUES (?, ?, ?, 1, ?, ?, ?, ?, 'open')",
                    [key, text[:1000], lang, now, now, best_entry_id, round(best_score, 4)],
                )
                card_id, new = int(cursor.lastrowid or 0), True
            else:
                card_id, new = int(row[0]), False
                self.db.execute(
                    "UPDATE inbox SET count = count + 1, last_asked_at = ? WHERE id = ?",
                    [now, card_id],
                )
            self.db.execute(
                "INSERT OR IGNORE INTO inbox_askers (card_id, question_id, chat_id, chat_type,"
                " user_id, first_name, message_id, text, asked_at, answered)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                [
                    card_id,
                    question_id,
                    chat_id,
                    chat_type,
                    user_id,
                    first_name,
                    message_id,
                    text[:1000],
                    now,
                ],
            )
        return card_id, new

    def card(self, card_id: int) -> Card | None:
        row = self.row("SELECT * FROM inbox WHERE id = ?", [card_id])
        return Card.from_row(row) if row is not None else None

    def open_cards(self, limit: int = 10) -> list[Card]:
        rows = self.rows(
            "SELECT * FROM inbox WHERE status = 'open' ORDER BY count DESC, last_asked_at DESC"
            " LIMIT ?",
            [limit],
        )
        return [Card.from_row(row) for row in rows]

    def count_open_cards(self) -> int:
        return int(
            self.db.execute("SELECT COUNT(*) FROM inbox WHERE status = 'open'").fetchone()[0]
        )

    def askers(self, card_id: int, waiting_only: bool = True) -> list[Asker]:
        cursor = self.db.execute(
            "SELECT chat_id, chat_type, user_id, first_name, message_id, text, question_id"
            " FROM inbox_askers WHERE card_id = ?"
            + (" AND answered = 0" if waiting_only else "")
            + " ORDER BY asked_at",
            [card_id],
        )
        return [Asker(*row) for row in cursor.fetchall()]

    def close_card(self, card_id: int, status: str, handled_by: str) -> bool:
        """Answered / ignored / learned; only an open card can be closed (no double answers)."""
        with self.db.conn:
            cursor = self.db.execute(
                "UPDATE inbox SET status = ?, handled_by = ?, handled_at = ?"
                " WHERE id = ? AND status = 'open'",
                [status, handled_by, time.time(), card_id],
            )
            if cursor.rowcount and status in ("answered", "learned"):
                self.db.execute(
                    "UPDATE inbox_askers SET answered = 1 WHERE card_id = ?", [card_id]
                )
        return cursor.rowcount > 0

    def remember_card_message(self, chat_id: int, message_id: int, card_id: int) -> None:
        with self.db.conn:
            self.db.table("card_messages").upsert(
                {"chat_id": chat_id, "message_id": message_id, "card_id": card_id},
                pk=("chat_id", "message_id"),
            )

    def card_for_message(self, chat_id: int, message_id: int) -> int | None:
        row = self.db.execute(
            "SELECT card_id FROM card_messages WHERE chat_id = ? AND message_id = ?",
            [chat_id, message_id],
        ).fetchone()
        return int(row[0]) if row else None

    def card_messages(self, card_id: int) -> list[tuple[int, int]]:
        rows = self.db.execute(
            "SELECT chat_id, message_id FROM card_messages WHERE card_id = ?", [card_id]
        ).fetchall()
        return [(int(a), int(b)) for a, b in rows]

    def top_unanswered(self, limit: int = 5) -> list[tuple[str, int]]:
        rows = self.db.execute(
            "SELECT question, count FROM inbox WHERE status = 'open' ORDER BY count DESC LIMIT ?",
            [limit],
        ).fetchall()
        return [(str(q), int(n)) for q, n in rows]


@dataclass(frozen=True, slots=True)
class Card:
    """One unanswered question in the staff inbox (with how often it was asked)."""

    id: int
    key: str
    question: str
    lang: str
    count: int
    first_asked_at: float
    last_asked_at: float
    best_entry_id: str | None
    best_score: float
    status: str  # open | answered | ignored | learned
    handled_by: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Card:
        return cls(
            id=int(row["id"]),
            key=str(row["key"]),
            question=str(row["question"]),
            lang=str(row["lang"] or "id"),
            count=int(row["count"] or 1),
            first_asked_at=float(row["first_asked_at"] or 0),
            last_asked_at=float(row["last_asked_at"] or 0),
            best_entry_id=str(row["best_entry_id"]) if row["best_entry_id"] else None,
            best_score=float(row["best_score"] or 0),
            status=str(row["status"]),
            handled_by=str(row["handled_by"]) if row["handled_by"] else None,
        )


@dataclass(frozen=True, slots=True)
class Asker:
    chat_id: int
    chat_type: str
    user_id: int
    first_name: str
    message_id: int
    text: str
    question_id: int
