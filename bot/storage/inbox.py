"""The staff inbox: cards for unanswered questions, who is waiting on each, where each card
was posted, and the queue of cards still to post."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from bot.storage.area import Area


class Inbox(Area):
    """Tables inbox (a card per distinct question), inbox_askers (who waits on it),
    card_messages (every staff-chat copy of a card, so a reply to any copy answers) and
    digest_lines (the numbered cards of each digest message).

    Posting goes through the database: a new card is `queued` until a copy of it (alone or
    in a digest) is in the staff group, so a restart posts what was still waiting. A card
    over the per-resident cap is `held`: open and listed by /belumterjawab, never posted.
    """

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
        now: float | None = None,
        queue: bool = True,
        cap_per_hour: int | None = None,
    ) -> tuple[int, bool]:
        """(card id, whether the card is new): the same question asked again joins its card.

        A new card is queued for the staff group when `queue` (there is one), unless its
        asker already opened `cap_per_hour` posted cards in the last hour: it is then held.
        """
        now = time.time() if now is None else now
        with self.db.conn:
            row = self.db.execute(
                "SELECT id FROM inbox WHERE status = 'open' AND key = ?", [key]
            ).fetchone()
            if row is None:
                state = "queued" if queue else "none"
                if queue and cap_per_hour is not None and user_id:
                    opened = self._cards_opened_by(user_id, since=now - 3600)
                    state = "held" if opened >= cap_per_hour else state
                cursor = self.db.execute(
                    "INSERT INTO inbox (key, question, lang, count, first_asked_at, last_asked_at,"
                    " best_entry_id, best_score, status, post_state, refresh)"
                    " VALUES (?, ?, ?, 1, ?, ?, ?, ?, 'open', ?, 0)",
                    [key, text[:1000], lang, now, now, best_entry_id, round(best_score, 4), state],
                )
                card_id, new = int(cursor.lastrowid or 0), True
            else:
                card_id, new = int(row[0]), False
                # Posted copies now show an old count: the poster redraws them when the
                # staff group's budget allows (many askers joining make one edit, not many).
                self.db.execute(
                    "UPDATE inbox SET count = count + 1, last_asked_at = ?,"
                    " refresh = (post_state = 'posted') WHERE id = ?",
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

    def _cards_opened_by(self, user_id: int, since: float) -> int:
        """Cards (not held) this user was the first to ask since `since`."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM inbox_askers a JOIN inbox i ON i.id = a.card_id"
            " WHERE a.user_id = ? AND a.asked_at >= ? AND i.first_asked_at = a.asked_at"
            " AND i.post_state != 'held'",
            [user_id, since],
        ).fetchone()
        return int(row[0])

    # -- the posting queue

    def queued_cards(self, limit: int) -> list[Card]:
        """Open cards waiting to be posted to the staff group, oldest first."""
        rows = self.rows(
            "SELECT * FROM inbox WHERE post_state = 'queued' AND status = 'open'"
            " ORDER BY id LIMIT ?",
            [limit],
        )
        return [Card.from_row(row) for row in rows]

    def count_queued_cards(self) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM inbox WHERE post_state = 'queued' AND status = 'open'"
        ).fetchone()
        return int(row[0])

    def count_held_cards(self) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM inbox WHERE post_state = 'held' AND status = 'open'"
        ).fetchone()
        return int(row[0])

    def mark_posted(self, card_ids: list[int]) -> None:
        with self.db.conn:
            self.db.conn.executemany(
                "UPDATE inbox SET post_state = 'posted', refresh = 0 WHERE id = ?",
                [(card_id,) for card_id in card_ids],
            )

    def cards_to_refresh(self, limit: int) -> list[int]:
        """Posted cards whose copies show an old count, longest waiting first."""
        rows = self.db.execute(
            "SELECT id FROM inbox WHERE refresh = 1 ORDER BY last_asked_at LIMIT ?", [limit]
        ).fetchall()
        return [int(r[0]) for r in rows]

    def refreshed(self, card_id: int) -> None:
        with self.db.conn:
            self.db.execute("UPDATE inbox SET refresh = 0 WHERE id = ?", [card_id])

    def remember_digest(self, chat_id: int, message_id: int, card_ids: list[int]) -> None:
        """A digest message lists these cards, numbered from 1 in this order."""
        with self.db.conn:
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO digest_lines (chat_id, message_id, number, card_id)"
                " VALUES (?, ?, ?, ?)",
                [(chat_id, message_id, n, card_id) for n, card_id in enumerate(card_ids, 1)],
            )

    def digest_cards(self, chat_id: int, message_id: int) -> list[int]:
        """The cards a digest message lists, in their numbered order ([]: not a digest)."""
        rows = self.db.execute(
            "SELECT card_id FROM digest_lines WHERE chat_id = ? AND message_id = ?"
            " ORDER BY number",
            [chat_id, message_id],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def digests_with(self, card_id: int) -> list[tuple[int, int]]:
        """(chat id, message id) of every digest listing the card."""
        rows = self.db.execute(
            "SELECT DISTINCT chat_id, message_id FROM digest_lines WHERE card_id = ?", [card_id]
        ).fetchall()
        return [(int(a), int(b)) for a, b in rows]

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

    def unreminded_cards(self, asked_before: float) -> list[Card]:
        """Open cards first asked before `asked_before` that had no reminder yet: the only
        ones that can be past a working-hours target (working time is never longer)."""
        rows = self.rows(
            "SELECT * FROM inbox WHERE status = 'open' AND reminded_at IS NULL"
            " AND first_asked_at < ? ORDER BY first_asked_at",
            [asked_before],
        )
        return [Card.from_row(row) for row in rows]

    def mark_reminded(self, card_ids: list[int], at: float) -> None:
        with self.db.conn:
            self.db.conn.executemany(
                "UPDATE inbox SET reminded_at = ? WHERE id = ?", [(at, i) for i in card_ids]
            )

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
    post_state: str = "posted"  # queued | posted | held (over the per-resident cap) | none

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
            post_state=str(row["post_state"] or "posted"),
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
