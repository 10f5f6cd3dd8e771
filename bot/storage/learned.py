"""Phrasings staff taught the bot from the inbox (table kb_learned), kept across rebuilds."""

from __future__ import annotations

import time

from bot.storage.area import Area


class Learned(Area):
    """Table kb_learned: phrasings staff added to entries from the inbox."""

    def learned_variants(self) -> dict[str, list[str]]:
        """Phrasings staff added to entries from the inbox, by entry id."""
        learned: dict[str, list[str]] = {}
        for row in self.db.table("kb_learned").rows_where(order_by="id"):
            learned.setdefault(row["entry_id"], []).append(row["text"])
        return learned

    def learn_variant(
        self, entry_id: str, text: str, lang: str, added_by: str, card_id: int | None
    ) -> None:
        with self.db.conn:
            self.db.table("kb_learned").insert(
                {
                    "entry_id": entry_id,
                    "text": text.strip()[:300],
                    "lang": lang,
                    "added_by": added_by,
                    "added_at": time.time(),
                    "card_id": card_id,
                }
            )
