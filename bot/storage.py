"""The one SQLite database: schema in sqlite-utils migrations, and every query the bot runs."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
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


@migrations()
def m003_subscriptions_and_broadcasts(db: sqlite_utils.Database) -> None:
    """Opt-in subscribers, and the announcement outbox: one row per (broadcast, chat)."""
    db.table("subscribers").create(
        {
            "chat_id": int,
            "chat_type": str,
            "name": str,
            "lang": str,
            "topics": str,
            "active": bool,
            "subscribed_at": float,
            "subscribed_via": str,
            "subscribed_by": int,
            "inactive_reason": str,
            "updated_at": float,
        },
        pk="chat_id",
        defaults={"topics": "[]", "active": True},
    )
    db.table("subscribers").create_index(["active"])
    db.table("broadcasts").create(
        {
            "id": int,
            "created_by": int,
            "created_at": float,
            "kind": str,
            "html": str,
            "photo": str,
            "topic": str,
            "status": str,
            "scheduled_for": float,
            "started_at": float,
            "finished_at": float,
            "total": int,
            "control_chat_id": int,
            "control_message_id": int,
        },
        pk="id",
    )
    db.table("broadcasts").create_index(["status"])
    db.table("deliveries").create(
        {
            "broadcast_id": int,
            "chat_id": int,
            "status": str,
            "attempts": int,
            "last_error": str,
            "updated_at": float,
        },
        pk=("broadcast_id", "chat_id"),
        foreign_keys=[("broadcast_id", "broadcasts", "id")],
        defaults={"status": "pending", "attempts": 0},
    )
    db.table("deliveries").create_index(["broadcast_id", "status"])


@migrations()
def m004_question_log_and_inbox(db: sqlite_utils.Database) -> None:
    """Every question asked; the staff inbox of unanswered ones; phrasings staff taught."""
    db.table("questions").create(
        {
            "id": int,
            "asked_at": float,
            "chat_id": int,
            "chat_type": str,
            "user_id": int,
            "lang": str,
            "text": str,
            "status": str,
            "reason": str,
            "entry_id": str,
            "score": float,
            "helpful": int,
        },
        pk="id",
    )
    # Covering index: the statistics read only these columns, never the table itself.
    db.table("questions").create_index(["asked_at", "status", "entry_id", "helpful"])
    db.table("questions").create_index(["user_id"])
    db.table("inbox").create(
        {
            "id": int,
            "key": str,
            "question": str,
            "lang": str,
            "count": int,
            "first_asked_at": float,
            "last_asked_at": float,
            "best_entry_id": str,
            "best_score": float,
            "status": str,
            "handled_by": str,
            "handled_at": float,
        },
        pk="id",
        defaults={"count": 1, "status": "open"},
    )
    db.table("inbox").create_index(["status", "key"])
    db.table("inbox_askers").create(
        {
            "card_id": int,
            "question_id": int,
            "chat_id": int,
            "chat_type": str,
            "user_id": int,
            "first_name": str,
            "message_id": int,
            "text": str,
            "asked_at": float,
            "answered": bool,
        },
        pk=("card_id", "question_id"),
        foreign_keys=[("card_id", "inbox", "id")],
        defaults={"answered": False},
    )
    db.table("inbox_askers").create_index(["user_id"])
    db.table("card_messages").create(
        {"chat_id": int, "message_id": int, "card_id": int}, pk=("chat_id", "message_id")
    )
    db.table("card_messages").create_index(["card_id"])
    db.table("kb_learned").create(
        {
            "id": int,
            "entry_id": str,
            "text": str,
            "lang": str,
            "added_by": str,
            "added_at": float,
            "card_id": int,
        },
        pk="id",
    )


@migrations()
def m005_entry_speaker(db: sqlite_utils.Database) -> None:
    """Who the report quotes for an entry (JSON {id, en}), shown beside the source."""
    db.table("kb_entries").add_column("said_by", str)


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
            self._log_buffer: list[tuple[object, ...]] = []
            self.erased_cards: list[int] = []  # cards the last erasure touched
            self._next_question_id: int | None = None
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
        self.flush_log()
        self.db.close()

    # -- knowledge taught by staff --------------------------------------------------

    def learned_variants(self) -> dict[str, list[str]]:
        """Phrasings staff added to entries from the inbox, by entry id."""
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
        return [
            ("chats", "id"),
            ("replies", "chat_id"),
            ("subscribers", "chat_id"),
            ("deliveries", "chat_id"),
        ]

    # -- replies ------------------------------------------------------------------------

    def remember_reply(
        self, chat_id: int, message_id: int, reply_ids: list[int], entry_id: str | None
    ) -> None:
        # Plain SQL: this runs for every answer, and sqlite-utils' upsert reads the table's
        # schema each time.
        with self.db.conn:
            self.db.execute(
                "INSERT OR REPLACE INTO replies (chat_id, message_id, reply_ids, entry_id, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [chat_id, message_id, json.dumps(reply_ids), entry_id, time.time()],
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

    # -- subscribers --------------------------------------------------------------------

    def subscriber(self, chat_id: int) -> Subscriber | None:
        row = self.db.execute("SELECT * FROM subscribers WHERE chat_id = ?", [chat_id]).fetchone()
        if row is None:
            return None
        cols = [d[0] for d in self.db.execute("SELECT * FROM subscribers LIMIT 0").description]
        return Subscriber.from_row(dict(zip(cols, row, strict=True)))

    def subscribe(
        self, chat_id: int, chat_type: str, name: str, lang: str, via: str, by: int
    ) -> Subscriber:
        """Opt in (again). Topics chosen earlier are kept; [] means every topic."""
        now = time.time()
        existing = self.subscriber(chat_id)
        with self.db.conn:
            self.db.table("subscribers").upsert(
                {
                    "chat_id": chat_id,
                    "chat_type": chat_type,
                    "name": name,
                    "lang": lang,
                    "topics": json.dumps(existing.topics if existing else []),
                    "active": True,
                    "subscribed_at": existing.subscribed_at
                    if existing and existing.active
                    else now,
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
        where, params = _recipient_filter(topic)
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

    # -- broadcasts -----------------------------------------------------------------------

    def create_broadcast(
        self,
        *,
        created_by: int,
        kind: str,
        html: str,
        photo: str | None,
        topic: str | None,
        scheduled_for: float | None,
    ) -> int:
        with self.db.conn:
            # A staff member's newer preview replaces the older ones still waiting for Kirim.
            self.db.execute(
                "UPDATE broadcasts SET status = 'superseded' WHERE created_by = ? AND status = 'draft'",
                [created_by],
            )
            cursor = self.db.execute(
                "INSERT INTO broadcasts (created_by, created_at, kind, html, photo, topic, status,"
                " scheduled_for, total) VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, 0)",
                [created_by, time.time(), kind, html, photo, topic, scheduled_for],
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def broadcast(self, broadcast_id: int) -> Broadcast | None:
        cursor = self.db.execute("SELECT * FROM broadcasts WHERE id = ?", [broadcast_id])
        row = cursor.fetchone()
        if row is None:
            return None
        cols = [d[0] for d in cursor.description]
        return Broadcast.from_row(dict(zip(cols, row, strict=True)))

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
        where, params = _recipient_filter(topic)
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
        cursor = self.db.execute(
            "SELECT * FROM broadcasts WHERE status != 'superseded' ORDER BY id DESC LIMIT ?",
            [limit],
        )
        cols = [d[0] for d in cursor.description]
        return [Broadcast.from_row(dict(zip(cols, r, strict=True))) for r in cursor.fetchall()]

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

    # -- the question log -------------------------------------------------------------------
    #
    # Rows are buffered and written in one transaction per FLUSH_EVERY questions or
    # seconds: a commit per question would add about a tenth to the answering core's own
    # time. Ids are handed out here, so a buffered question can already carry feedback
    # buttons. A crash loses at most the last unwritten second of the log, nothing else.

    FLUSH_EVERY = 200

    def log_question(
        self,
        *,
        chat_id: int,
        chat_type: str,
        user_id: int,
        lang: str,
        text: str,
        status: str,
        reason: str,
        entry_id: str | None,
        score: float,
    ) -> int:
        if self._next_question_id is None:
            row = self.db.execute("SELECT COALESCE(MAX(id), 0) FROM questions").fetchone()
            self._next_question_id = int(row[0]) + 1
        question_id = self._next_question_id
        self._next_question_id += 1
        self._log_buffer.append(
            (
                question_id,
                time.time(),
                chat_id,
                chat_type,
                user_id,
                lang,
                text[:1000],
                status,
                reason,
                entry_id,
                round(score, 4),
            )
        )
        if len(self._log_buffer) >= self.FLUSH_EVERY:
            self.flush_log()
        return question_id

    def flush_log(self) -> int:
        if not self._log_buffer:
            return 0
        rows, self._log_buffer = self._log_buffer, []
        with self.db.conn:
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO questions (id, asked_at, chat_id, chat_type, user_id, lang,"
                " text, status, reason, entry_id, score) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
        return len(rows)

    def question(self, question_id: int) -> LoggedQuestion | None:
        self.flush_log()
        row = self.db.execute(
            "SELECT id, chat_id, chat_type, user_id, text FROM questions WHERE id = ?",
            [question_id],
        ).fetchone()
        return (
            LoggedQuestion(int(row[0]), int(row[1]), str(row[2]), int(row[3]), str(row[4]))
            if row
            else None
        )

    def set_helpful(self, question_id: int, helpful: bool) -> bool:
        self.flush_log()
        with self.db.conn:
            cursor = self.db.execute(
                "UPDATE questions SET helpful = ? WHERE id = ?", [int(helpful), question_id]
            )
        return cursor.rowcount > 0

    def forget_questions(self, older_than_days: int) -> int:
        """The retention rule (QUESTION_LOG_DAYS): older questions are deleted."""
        self.flush_log()
        cutoff = time.time() - older_than_days * 86400
        with self.db.conn:
            cursor = self.db.execute("DELETE FROM questions WHERE asked_at < ?", [cutoff])
            self.db.execute(
                "DELETE FROM inbox_askers WHERE asked_at < ? AND card_id IN"
                " (SELECT id FROM inbox WHERE status != 'open')",
                [cutoff],
            )
        return cursor.rowcount

    # -- the inbox --------------------------------------------------------------------------

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
        cursor = self.db.execute("SELECT * FROM inbox WHERE id = ?", [card_id])
        row = cursor.fetchone()
        if row is None:
            return None
        return Card.from_row(dict(zip([d[0] for d in cursor.description], row, strict=True)))

    def open_cards(self, limit: int = 10) -> list[Card]:
        cursor = self.db.execute(
            "SELECT * FROM inbox WHERE status = 'open' ORDER BY count DESC, last_asked_at DESC"
            " LIMIT ?",
            [limit],
        )
        names = [d[0] for d in cursor.description]
        return [Card.from_row(dict(zip(names, r, strict=True))) for r in cursor.fetchall()]

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

    # -- what staff taught the bot -----------------------------------------------------------

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

    # -- a resident's own data (UU PDP) -------------------------------------------------------

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
        """Everything kept about one resident: questions, inbox entries, subscription, links."""
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
            self.db.execute("DELETE FROM replies WHERE chat_id = ?", [user_id])
            self.db.execute("DELETE FROM deliveries WHERE chat_id = ?", [user_id])
            # Cards only this resident had asked are gone with them.
            # Cards only this resident had asked are deleted; their staff messages are kept
            # as (chat, message) pairs only, so the bot can blank them (see privacy.py).
            self.db.execute("DELETE FROM inbox WHERE id NOT IN (SELECT card_id FROM inbox_askers)")
        return counts

    # -- statistics -------------------------------------------------------------------------

    def question_counts(self, since: float) -> dict[str, int]:
        self.flush_log()
        rows = self.db.execute(
            "SELECT status, COUNT(*) FROM questions WHERE asked_at >= ? GROUP BY status", [since]
        ).fetchall()
        return {str(s): int(n) for s, n in rows}

    def helpful_votes(self, since: float) -> tuple[int, int]:
        row = self.db.execute(
            "SELECT COALESCE(SUM(helpful = 1), 0), COALESCE(SUM(helpful = 0), 0) FROM questions"
            " WHERE asked_at >= ? AND helpful IS NOT NULL",
            [since],
        ).fetchone()
        return int(row[0]), int(row[1])

    def top_entries(self, since: float, limit: int = 5) -> list[tuple[str, int]]:
        rows = self.db.execute(
            "SELECT entry_id, COUNT(*) AS n FROM questions WHERE asked_at >= ? AND status = 'answer'"
            " GROUP BY entry_id ORDER BY n DESC LIMIT ?",
            [since, limit],
        ).fetchall()
        return [(str(e), int(n)) for e, n in rows]

    def top_unanswered(self, limit: int = 5) -> list[tuple[str, int]]:
        rows = self.db.execute(
            "SELECT question, count FROM inbox WHERE status = 'open' ORDER BY count DESC LIMIT ?",
            [limit],
        ).fetchall()
        return [(str(q), int(n)) for q, n in rows]

    def daily_counts(self, since: float, utc_offset: float) -> list[tuple[str, str, int]]:
        """(day in local time YYYY-MM-DD, status, questions) per day and decision."""
        rows = self.db.execute(
            "SELECT date(asked_at + ?, 'unixepoch') AS day, status, COUNT(*) FROM questions"
            " WHERE asked_at >= ? GROUP BY day, status ORDER BY day",
            [utc_offset, since],
        ).fetchall()
        return [(str(d), str(s), int(n)) for d, s, n in rows]


def _recipient_filter(topic: str | None) -> tuple[str, list[object]]:
    """Active subscribers who want this topic ([] = every topic)."""
    if topic is None:
        return "active = 1", []
    return (
        "active = 1 AND (topics = '[]' OR EXISTS (SELECT 1 FROM json_each(subscribers.topics)"
        " WHERE json_each.value = ?))"
    ), [topic]


@dataclass(frozen=True, slots=True)
class Subscriber:
    chat_id: int
    chat_type: str
    name: str
    lang: str
    topics: list[str]
    active: bool
    subscribed_at: float
    inactive_reason: str | None

    @classmethod
    def from_row(cls, row: dict[str, object]) -> Subscriber:
        return cls(
            chat_id=int(row["chat_id"]),  # type: ignore[call-overload]
            chat_type=str(row["chat_type"]),
            name=str(row["name"] or ""),
            lang=str(row["lang"] or "id"),
            topics=list(json.loads(str(row["topics"] or "[]"))),
            active=bool(row["active"]),
            subscribed_at=float(row["subscribed_at"] or 0),  # type: ignore[arg-type]
            inactive_reason=str(row["inactive_reason"]) if row["inactive_reason"] else None,
        )


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

    @classmethod
    def from_row(cls, row: dict[str, object]) -> Broadcast:
        def num(key: str) -> float | None:
            value = row[key]
            return float(value) if value is not None else None  # type: ignore[arg-type]

        def whole(key: str) -> int | None:
            value = row[key]
            return int(value) if value is not None else None  # type: ignore[call-overload]

        return cls(
            id=int(row["id"]),  # type: ignore[call-overload]
            created_by=int(row["created_by"]),  # type: ignore[call-overload]
            created_at=float(row["created_at"]),  # type: ignore[arg-type]
            kind=str(row["kind"]),
            html=str(row["html"]),
            photo=str(row["photo"]) if row["photo"] else None,
            topic=str(row["topic"]) if row["topic"] else None,
            status=str(row["status"]),
            scheduled_for=num("scheduled_for"),
            started_at=num("started_at"),
            finished_at=num("finished_at"),
            total=int(row["total"] or 0),  # type: ignore[call-overload]
            control_chat_id=whole("control_chat_id"),
            control_message_id=whole("control_message_id"),
        )


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
    def from_row(cls, row: dict[str, object]) -> Card:
        return cls(
            id=int(row["id"]),  # type: ignore[call-overload]
            key=str(row["key"]),
            question=str(row["question"]),
            lang=str(row["lang"] or "id"),
            count=int(row["count"] or 1),  # type: ignore[call-overload]
            first_asked_at=float(row["first_asked_at"] or 0),  # type: ignore[arg-type]
            last_asked_at=float(row["last_asked_at"] or 0),  # type: ignore[arg-type]
            best_entry_id=str(row["best_entry_id"]) if row["best_entry_id"] else None,
            best_score=float(row["best_score"] or 0),  # type: ignore[arg-type]
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


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """A question from the log, as feedback on its answer needs it."""

    id: int
    chat_id: int
    chat_type: str
    user_id: int
    text: str
