"""A resident's own data across every area: what is kept, erasing it (UU PDP 2022), and
deleting it after QUESTION_LOG_DAYS."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.storage.chats import Chats
from bot.storage.questions import QuestionLog

DAY = 86400


@dataclass(frozen=True, slots=True)
class Retention:
    """What one run of the retention rule deleted."""

    questions: int
    replies: int  # links between a resident's message and the bot's answer
    inbox: int  # residents' entries on inbox cards (their words, first name, chat)
    cards: list[int]  # cards whose text changed or that are gone: their staff copies change


class PersonalData(QuestionLog, Chats):
    """What is kept about one resident, across the areas' tables, and erasing all of it."""

    erased_cards: list[int]  # the cards the last erasure or retention touched

    def personal_data(self, user_id: int) -> dict[str, int]:
        with self._pending_lock:
            queued = sum(1 for q in self._pending_questions.values() if q[4] == user_id)
        questions = self.db.execute(
            "SELECT COUNT(*) FROM questions WHERE user_id = ?", [user_id]
        ).fetchone()[0]
        inbox = self.db.execute(
            "SELECT COUNT(*) FROM inbox_askers WHERE user_id = ?", [user_id]
        ).fetchone()[0]
        subscribed = self.db.execute(
            "SELECT COUNT(*) FROM subscribers WHERE chat_id = ?", [user_id]
        ).fetchone()[0]
        return {
            "questions": int(questions) + queued,
            "inbox": int(inbox),
            "subscription": int(subscribed),
        }

    def erase_personal_data(self, user_id: int) -> dict[str, int]:
        """Everything kept about one resident: questions, inbox entries and the requests they
        are, subscription, links, and their id where they acted for a group (who subscribed
        it, who set /otomatis)."""
        self.flush_log()
        self.erased_cards = [
            int(r[0])
            for r in self.db.execute(
                "SELECT DISTINCT card_id FROM inbox_askers WHERE user_id = ?", [user_id]
            ).fetchall()
        ]
        with self.db.conn:
            counts = {
                "questions": self.db.execute(
                    "DELETE FROM questions WHERE user_id = ?", [user_id]
                ).rowcount,
                "inbox": self.db.execute(
                    "DELETE FROM inbox_askers WHERE user_id = ?", [user_id]
                ).rowcount,
                "subscription": self.db.execute(
                    "DELETE FROM subscribers WHERE chat_id = ?", [user_id]
                ).rowcount,
            }
            # A group's subscription and settings stay (they are the group's); who in it
            # asked for them does not.
            self.db.execute(
                "UPDATE subscribers SET subscribed_by = NULL WHERE subscribed_by = ?", [user_id]
            )
            self.db.execute(
                "UPDATE chats SET auto_answer_by = NULL WHERE auto_answer_by = ?", [user_id]
            )
            self.db.execute("DELETE FROM requests WHERE user_id = ?", [user_id])
            self.db.execute("DELETE FROM replies WHERE chat_id = ?", [user_id])
            self.db.execute("DELETE FROM deliveries WHERE chat_id = ?", [user_id])
            self._redraw_cards(self.erased_cards)
        return counts

    def apply_retention(self, older_than_days: int) -> Retention:
        """QUESTION_LOG_DAYS: questions, reply links and what the inbox keeps of a resident
        (their words, first name, chat and message) older than that are deleted, whether
        the card is closed or still open. An open card keeps its newer askers and shows the
        oldest remaining one's words; a card nobody is left on is deleted. The cards
        touched are in the result (and `erased_cards`): their staff copies are redrawn."""
        questions = self.forget_questions(older_than_days)
        replies = self.forget_replies(older_than=older_than_days * DAY)
        cutoff = time.time() - older_than_days * DAY
        cards = [
            int(r[0])
            for r in self.db.execute(
                "SELECT DISTINCT card_id FROM inbox_askers WHERE asked_at < ?", [cutoff]
            ).fetchall()
        ]
        with self.db.conn:
            askers = self.db.execute(
                "DELETE FROM inbox_askers WHERE asked_at < ?", [cutoff]
            ).rowcount
            self._redraw_cards(cards)
        self.erased_cards = cards
        return Retention(questions, replies, askers, cards)

    def _redraw_cards(self, cards: list[int]) -> None:
        """Cards that lost askers: the count and words of those still waiting, or, with
        nobody left, no card at all. Their staff messages are kept as (chat, message)
        pairs only, so the bot can blank them (see handlers/cards.py)."""
        for card_id in cards:
            self.db.execute(
                "UPDATE inbox SET"
                " count = (SELECT COUNT(*) FROM inbox_askers a WHERE a.card_id = inbox.id),"
                " question = COALESCE((SELECT text FROM inbox_askers a WHERE a.card_id = inbox.id"
                " ORDER BY asked_at LIMIT 1), question) WHERE id = ?",
                [card_id],
            )
            self.db.execute(
                "DELETE FROM inbox WHERE id = ? AND NOT EXISTS"
                " (SELECT 1 FROM inbox_askers a WHERE a.card_id = inbox.id)",
                [card_id],
            )
