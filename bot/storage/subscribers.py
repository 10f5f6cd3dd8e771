"""Residents and groups who opted in to announcements, and who is no longer reachable."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

from bot.storage.area import Area


class Subscribers(Area):
    """Table subscribers: one row per chat that ever opted in; `active` says if it still is."""

    def subscriber(self, chat_id: int) -> Subscriber | None:
        row = self.row("SELECT * FROM subscribers WHERE chat_id = ?", [chat_id])
        return Subscriber.from_row(row) if row is not None else None

    def subscribe(
        self, chat_id: int, chat_type: str, name: str, lang: str, via: str, by: int
    ) -> Subscriber:
        """Opt in (again). Topics chosen earlier are kept; [] means every topic."""
        now = time.time()
        existing = self.subscriber(chat_id)
        self.upsert(
            "subscribers",
            {
                "chat_id": chat_id,
                "chat_type": chat_type,
                "name": name,
                "lang": lang,
                "topics": json.dumps(existing.topics if existing else []),
                "active": True,
                "subscribed_at": existing.subscribed_at if existing and existing.active else now,
                "subscribed_via": via,
                "subscribed_by": by,
                "inactive_reason": None,
                "updated_at": now,
            },
            pk="chat_id",
        )
        subscriber = self.subscriber(chat_id)
        assert subscriber is not None
        return subscriber

    def resubscribe_if_blocked(self, chat_id: int, lang: str) -> bool:
        """/start after unblocking the bot: the subscription the block had stopped resumes."""
        subscriber = self.subscriber(chat_id)
        if subscriber is None or subscriber.active or subscriber.inactive_reason != "blocked":
            return False
        self.subscribe(chat_id, subscriber.chat_type, subscriber.name, lang, "start", chat_id)
        return True

    def set_topics(self, chat_id: int, topics: list[str]) -> None:
        with self.db.conn:
            self.db.execute(
                "UPDATE subscribers SET topics = ?, updated_at = ? WHERE chat_id = ?",
                [json.dumps(sorted(set(topics))), time.time(), chat_id],
            )

    def deactivate(self, chat_id: int, reason: str) -> bool:
        """Stop sending to a chat (unsubscribed, blocked the bot, chat gone)."""
        with self.db.conn:
            cursor = self.db.execute(
                "UPDATE subscribers SET active = 0, inactive_reason = ?, updated_at = ?"
                " WHERE chat_id = ? AND active = 1",
                [reason, time.time(), chat_id],
            )
        return cursor.rowcount > 0

    def count_recipients(self, topic: str | None) -> int:
        where, params = recipient_filter(topic)
        row = self.db.execute(f"SELECT COUNT(*) FROM subscribers WHERE {where}", params).fetchone()
        return int(row[0])

    def subscriber_counts(self) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT active, chat_type = 'private', COUNT(*) FROM subscribers GROUP BY 1, 2"
        ).fetchall()
        counts = {"active": 0, "inactive": 0, "groups": 0}
        for active, private, n in rows:
            counts["active" if active else "inactive"] += n
            if active and not private:
                counts["groups"] += n
        return counts


def recipient_filter(topic: str | None) -> tuple[str, list[object]]:
    """Active subscribers who want this topic ([] = every topic)."""
    if topic is None:
        return "active = 1", []
    return (
        "active = 1 AND (topics = '[]' OR EXISTS (SELECT 1 FROM json_each(subscribers.topics)"
        " WHERE json_each.value = ?))"
    ), [topic]


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A chat that opted in; topics [] means every topic."""

    chat_id: int
    chat_type: str
    name: str
    lang: str
    topics: list[str]
    active: bool
    subscribed_at: float
    inactive_reason: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Subscriber:
        return cls(
            chat_id=int(row["chat_id"]),
            chat_type=str(row["chat_type"]),
            name=str(row["name"] or ""),
            lang=str(row["lang"] or "id"),
            topics=list(json.loads(str(row["topics"] or "[]"))),
            active=bool(row["active"]),
            subscribed_at=float(row["subscribed_at"] or 0),
            inactive_reason=str(row["inactive_reason"]) if row["inactive_reason"] else None,
        )
