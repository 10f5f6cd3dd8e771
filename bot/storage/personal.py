"""A resident's own data across every area: what is kept, and erasing it (UU PDP 2022)."""

from __future__ import annotations

from bot.storage.questions import QuestionLog


class PersonalData(QuestionLog):
    """What is kept about one resident, across the areas' tables, and erasing all of it."""

    erased_cards: list[int]  # the cards the last erasure touched (their staff copies change)

    def personal_data(self, user_id: int) -> dict[str, int]:
        self.flush_log()
        questions = self.db.execute(
            "SELECT COUNT(*) FROM questions WHERE user_id = ?", [user_id]
        ).fetchone()[0]
        inbox = self.db.execute(
            "SELECT COUNT(*) FROM inbox_askers WHERE user_id = ?", [user_id]
        ).fetchone()[0]
        subscribed = self.db.execute(
            "SELECT COUNT(*) FROM subscribers WHERE chat_id = ?", [user_id]
        ).fetchone()[0]
        return {"questions": int(questions), "inbox": int(inbox), "subscription": int(subscribed)}

    def erase_personal_data(self, user_id: int) -> dict[str, int]:
        """Everything kept about one resident: questions, inbox entries and the requests they
        are, subscription, links."""
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
            # Cards this resident shared with others now show another asker's words.
            self.db.execute(
                "UPDATE inbox SET count = (SELECT COUNT(*) FROM inbox_askers a WHERE a.card_id = inbox.id),"
                " question = (SELECT text FROM inbox_askers a WHERE a.card_id = inbox.id ORDER BY asked_at LIMIT 1)"
                " WHERE id IN (SELECT card_id FROM inbox_askers)"
            )
            self.db.execute("DELETE FROM requests WHERE user_id = ?", [user_id])
            self.db.execute("DELETE FROM replies WHERE chat_id = ?", [user_id])
            self.db.execute("DELETE FROM deliveries WHERE chat_id = ?", [user_id])
            # Cards only this resident had asked are deleted; their staff messages are kept
            # as (chat, message) pairs only, so the bot can blank them (see handlers/cards.py).
            self.db.execute("DELETE FROM inbox WHERE id NOT IN (SELECT card_id FROM inbox_askers)")
        return counts
