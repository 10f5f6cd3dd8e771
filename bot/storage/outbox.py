"""The announcement outbox: broadcasts and one delivery row per (broadcast, chat).

The states each row goes through, and the crash window, are described in broadcast.py.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from bot.storage.chats import Chats
from bot.storage.subscribers import recipient_filter


class Outbox(Chats):
    """Tables broadcasts and deliveries. A chat that migrates mid-broadcast is followed,
    hence the chats area underneath."""

    def create_broadcast(
        self,
        *,
        created_by: int,
        kind: str,
        html: str,
        photo: str | None,
        topic: str | None,
        scheduled_for: float | None,
        button: tuple[str, str] | None = None,
    ) -> int:
        """A draft announcement; `button` (label, url) goes under it ("Tanya soal ini")."""
        with self.db.conn:
            # A staff member's newer preview replaces the older ones still waiting for Kirim.
            self.db.execute(
                "UPDATE broadcasts SET status = 'superseded' WHERE created_by = ? AND status = 'draft'",
                [created_by],
            )
            cursor = self.db.execute(
                "INSERT INTO broadcasts (created_by, created_at, kind, html, photo, topic, status,"
                " scheduled_for, total, button_text, button_url)"
                " VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, 0, ?, ?)",
                [
                    created_by,
                    time.time(),
                    kind,
                    html,
                    photo,
                    topic,
                    scheduled_for,
                    button[0] if button else None,
                    button[1] if button else None,
                ],
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def broadcast(self, broadcast_id: int) -> Broadcast | None:
        row = self.row("SELECT * FROM broadcasts WHERE id = ?", [broadcast_id])
        return Broadcast.from_row(row) if row is not None else None

    def set_control_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        with self.db.conn:
            self.db.execute(
                "UPDATE broadcasts SET control_chat_id = ?, control_message_id = ? WHERE id = ?",
                [chat_id, message_id, broadcast_id],
            )

    def confirm_broadcast(self, broadcast_id: int) -> Broadcast | None:
        """Kirim: fix the recipients and move draft -> sending/scheduled, exactly once.

        The status change and the recipient rows are one transaction guarded by
        `status = 'draft'`, so a second tap, or a tap on an old preview, changes nothing
        and returns None.
        """
        now = time.time()
        with self.db.conn:
            current = self.broadcast(broadcast_id)
            if current is None or current.status != "draft":
                return None
            scheduled = current.scheduled_for is not None and current.scheduled_for > now
            new_status = "scheduled" if scheduled else "sending"
            cursor = self.db.execute(
                "UPDATE broadcasts SET status = ?, started_at = ? WHERE id = ? AND status = 'draft'",
                [new_status, None if scheduled else now, broadcast_id],
            )
            if cursor.rowcount != 1:
                return None
            if not scheduled:
                self._fix_recipients(broadcast_id, current.topic, now)
        return self.broadcast(broadcast_id)

    def _fix_recipients(self, broadcast_id: int, topic: str | None, now: float) -> None:
        where, params = recipient_filter(topic)
        self.db.execute(
            "INSERT OR IGNORE INTO deliveries (broadcast_id, chat_id, status, attempts, updated_at)"
            f" SELECT ?, chat_id, 'pending', 0, ? FROM subscribers WHERE {where}",
            [broadcast_id, now, *params],
        )
        self.db.execute(
            "UPDATE broadcasts SET total = (SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ?)"
            " WHERE id = ?",
            [broadcast_id, broadcast_id],
        )

    def start_due_broadcasts(self) -> list[int]:
        """Scheduled broadcasts whose time has come: fix their recipients, mark them sending."""
        now = time.time()
        started = []
        with self.db.conn:
            rows = self.db.execute(
                "SELECT id, topic FROM broadcasts WHERE status = 'scheduled' AND scheduled_for <= ?",
                [now],
            ).fetchall()
            for broadcast_id, topic in rows:
                self.db.execute(
                    "UPDATE broadcasts SET status = 'sending', started_at = ? WHERE id = ?",
                    [now, broadcast_id],
                )
                self._fix_recipients(broadcast_id, topic, now)
                started.append(int(broadcast_id))
        return started

    def cancel_broadcast(self, broadcast_id: int) -> str | None:
        """Batal / cancel: a draft or scheduled one never sends; a running one stops."""
        with self.db.conn:
            current = self.broadcast(broadcast_id)
            if current is None or current.status not in {"draft", "scheduled", "sending"}:
                return None
            self.db.execute(
                "UPDATE broadcasts SET status = 'cancelled', finished_at = ? WHERE id = ?",
                [time.time(), broadcast_id],
            )
            self.db.execute(
                "UPDATE deliveries SET status = 'cancelled' WHERE broadcast_id = ? AND status = 'pending'",
                [broadcast_id],
            )
        return current.status

    def unfinished_broadcasts(self) -> list[int]:
        """Broadcasts a crash or restart interrupted. Rows left in 'sending' are the few that
        were in flight: they go back to 'pending' and are sent again (see broadcast.py)."""
        with self.db.conn:
            ids = [
                int(r[0])
                for r in self.db.execute(
                    "SELECT id FROM broadcasts WHERE status = 'sending' ORDER BY id"
                ).fetchall()
            ]
            self.db.execute("UPDATE deliveries SET status = 'pending' WHERE status = 'sending'")
        return ids

    def next_recipients(self, broadcast_id: int, limit: int) -> list[int]:
        rows = self.db.execute(
            "SELECT chat_id FROM deliveries WHERE broadcast_id = ? AND status = 'pending'"
            " ORDER BY rowid LIMIT ?",
            [broadcast_id, limit],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def mark_delivery(
        self, broadcast_id: int, chat_id: int, status: str, error: str | None = None
    ) -> None:
        with self.db.conn:
            self.db.execute(
                "UPDATE deliveries SET status = ?, last_error = COALESCE(?, last_error),"
                " attempts = attempts + (? = 'sending'), updated_at = ?"
                " WHERE broadcast_id = ? AND chat_id = ?",
                [status, error, status, time.time(), broadcast_id, chat_id],
            )

    def move_delivery(self, broadcast_id: int, old_chat: int, new_chat: int) -> None:
        """A recipient group became a supergroup mid-broadcast."""
        with self.db.conn:
            self.db.execute(
                "UPDATE OR IGNORE deliveries SET chat_id = ? WHERE broadcast_id = ? AND chat_id = ?",
                [new_chat, broadcast_id, old_chat],
            )
        self.migrate_chat(old_chat, new_chat)

    def delivery_counts(self, broadcast_id: int) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT status, COUNT(*) FROM deliveries WHERE broadcast_id = ? GROUP BY status",
            [broadcast_id],
        ).fetchall()
        return {str(status): int(n) for status, n in rows}

    def finish_broadcast(self, broadcast_id: int) -> None:
        with self.db.conn:
            self.db.execute(
                "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? AND status = 'sending'",
                [time.time(), broadcast_id],
            )

    def recent_broadcasts(self, limit: int = 10) -> list[Broadcast]:
        rows = self.rows(
            "SELECT * FROM broadcasts WHERE status != 'superseded' ORDER BY id DESC LIMIT ?",
            [limit],
        )
        return [Broadcast.from_row(row) for row in rows]

    def undelivered(self, broadcast_id: int, limit: int = 30) -> list[tuple[int, str, str, str]]:
        """Who did not get an announcement and why: (chat id, name, status, last error)."""
        rows = self.db.execute(
            "SELECT d.chat_id, COALESCE(s.name, ''), d.status, COALESCE(d.last_error, '')"
            " FROM deliveries d LEFT JOIN subscribers s ON s.chat_id = d.chat_id"
            " WHERE d.broadcast_id = ? AND d.status IN ('blocked', 'failed', 'cancelled')"
            " ORDER BY d.status, d.chat_id LIMIT ?",
            [broadcast_id, limit],
        ).fetchall()
        return [(int(a), str(b), str(c), str(d)) for a, b, c, d in rows]

    def broadcast_count(self) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM broadcasts WHERE status = 'done'").fetchone()
        return int(row[0])


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    created_by: int
    created_at: float
    kind: str  # text | photo
    html: str
    photo: str | None
    topic: str | None
    status: str  # draft | scheduled | sending | done | cancelled | superseded
    scheduled_for: float | None
    started_at: float | None
    finished_at: float | None
    total: int
    control_chat_id: int | None
    control_message_id: int | None
    button_text: str | None = None  # a button under the announcement, opening the bot
    button_url: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Broadcast:
        def num(key: str) -> float | None:
            value = row[key]
            return float(value) if value is not None else None

        def whole(key: str) -> int | None:
            value = row[key]
            return int(value) if value is not None else None

        return cls(
            id=int(row["id"]),
            created_by=int(row["created_by"]),
            created_at=float(row["created_at"]),
            kind=str(row["kind"]),
            html=str(row["html"]),
            photo=str(row["photo"]) if row["photo"] else None,
            topic=str(row["topic"]) if row["topic"] else None,
            status=str(row["status"]),
            scheduled_for=num("scheduled_for"),
            started_at=num("started_at"),
            finished_at=num("finished_at"),
            total=int(row["total"] or 0),
            control_chat_id=whole("control_chat_id"),
            control_message_id=whole("control_message_id"),
            button_text=row["button_text"],
            button_url=row["button_url"],
        )
