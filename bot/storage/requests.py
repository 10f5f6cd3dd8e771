"""Requests: the questions residents sent to the office, tracked to an answer."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from bot.storage.area import Area


class Requests(Area):
    """Table requests: one row per resident and question sent to the staff inbox, numbered
    (the resident's reference), with its due time, state, answer and vote. A request is
    waiting while its card is open; answered or closed (ignored) with it."""

    def open_request(
        self,
        *,
        card_id: int,
        question_id: int,
        chat_id: int,
        chat_type: str,
        user_id: int,
        lang: str,
        text: str,
        asked_at: float,
        due_at: float,
    ) -> Request:
        """The request for this question on this card: a new one, or the one it already is
        (a 👎 pressed again files the same question, it opens no second request)."""
        with self.db.conn:
            self.db.execute(
                "INSERT OR IGNORE INTO requests (card_id, question_id, chat_id, chat_type,"
                " user_id, lang, text, asked_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    card_id,
                    question_id,
                    chat_id,
                    chat_type,
                    user_id,
                    lang,
                    text[:1000],
                    asked_at,
                    due_at,
                ],
            )
        found = self.row(
            "SELECT * FROM requests WHERE card_id = ? AND question_id = ?", [card_id, question_id]
        )
        assert found is not None
        return Request.from_row(found)

    def request(self, request_id: int) -> Request | None:
        row = self.row("SELECT * FROM requests WHERE id = ?", [request_id])
        return Request.from_row(row) if row is not None else None

    def request_for(self, card_id: int, question_id: int) -> Request | None:
        row = self.row(
            "SELECT * FROM requests WHERE card_id = ? AND question_id = ?", [card_id, question_id]
        )
        return Request.from_row(row) if row is not None else None

    def requests_of(self, user_id: int, limit: int = 10) -> list[Request]:
        """A resident's requests, newest first."""
        rows = self.rows(
            "SELECT * FROM requests WHERE user_id = ? ORDER BY asked_at DESC, id DESC LIMIT ?",
            [user_id, limit],
        )
        return [Request.from_row(row) for row in rows]

    def count_requests_of(self, user_id: int) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM requests WHERE user_id = ?", [user_id])
        return int(row.fetchone()[0])

    def waiting_requests(self, card_id: int) -> list[Request]:
        rows = self.rows(
            "SELECT * FROM requests WHERE card_id = ? AND status = 'waiting' ORDER BY id",
            [card_id],
        )
        return [Request.from_row(row) for row in rows]

    def answer_request(
        self, request_id: int, *, at: float, by: str, answer: str, response_hours: float
    ) -> bool:
        """A waiting request gets its answer (once: a request is answered only the first time)."""
        with self.db.conn:
            cursor = self.db.execute(
                "UPDATE requests SET status = 'answered', answered_at = ?, answered_by = ?,"
                " answer = ?, response_hours = ? WHERE id = ? AND status = 'waiting'",
                [at, by, answer[:4000], round(response_hours, 4), request_id],
            )
        return cursor.rowcount > 0

    def close_requests(self, card_id: int, at: float, by: str) -> int:
        """The card was set aside (Abaikan): its waiting requests are closed unanswered."""
        with self.db.conn:
            cursor = self.db.execute(
                "UPDATE requests SET status = 'closed', answered_at = ?, answered_by = ?"
                " WHERE card_id = ? AND status = 'waiting'",
                [at, by, card_id],
            )
        return cursor.rowcount

    def vote_on_request(self, request_id: int, helpful: bool) -> bool:
        """The resident's one vote on the staff answer; False when they already voted."""
        with self.db.conn:
            cursor = self.db.execute(
                "UPDATE requests SET vote = ? WHERE id = ? AND vote IS NULL AND status = 'answered'",
                [int(helpful), request_id],
            )
        return cursor.rowcount > 0

    def request_rows(self, since: float) -> list[RequestFigures]:
        """What the statistics read of each request asked since `since` (nothing personal)."""
        rows = self.db.execute(
            "SELECT asked_at, status, response_hours, vote FROM requests WHERE asked_at >= ?"
            " ORDER BY asked_at",
            [since],
        ).fetchall()
        return [
            RequestFigures(float(a), str(s), None if h is None else float(h), v)
            for a, s, h, v in rows
        ]

    def forget_requests(self, older_than_days: int, now: float | None = None) -> int:
        """The retention rule (QUESTION_LOG_DAYS) for requests, as for the question log."""
        cutoff = (time.time() if now is None else now) - older_than_days * 86400
        with self.db.conn:
            cursor = self.db.execute("DELETE FROM requests WHERE asked_at < ?", [cutoff])
        return cursor.rowcount

    def erase_requests(self, user_id: int) -> int:
        """/hapusdata: every request of the resident."""
        with self.db.conn:
            cursor = self.db.execute("DELETE FROM requests WHERE user_id = ?", [user_id])
        return cursor.rowcount


@dataclass(frozen=True, slots=True)
class Request:
    """A question a resident sent to the office, as they and the staff follow it."""

    id: int
    card_id: int
    question_id: int
    chat_id: int
    chat_type: str
    user_id: int
    lang: str
    text: str
    asked_at: float
    due_at: float
    status: str  # waiting | answered | closed
    answered_at: float | None
    answered_by: str | None
    answer: str | None
    response_hours: float | None
    vote: int | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Request:
        return cls(
            id=int(row["id"]),
            card_id=int(row["card_id"]),
            question_id=int(row["question_id"]),
            chat_id=int(row["chat_id"]),
            chat_type=str(row["chat_type"]),
            user_id=int(row["user_id"]),
            lang=str(row["lang"]),
            text=str(row["text"]),
            asked_at=float(row["asked_at"]),
            due_at=float(row["due_at"]),
            status=str(row["status"]),
            answered_at=None if row["answered_at"] is None else float(row["answered_at"]),
            answered_by=row["answered_by"],
            answer=row["answer"],
            response_hours=None if row["response_hours"] is None else float(row["response_hours"]),
            vote=None if row["vote"] is None else int(row["vote"]),
        )


@dataclass(frozen=True, slots=True)
class RequestFigures:
    asked_at: float
    status: str
    response_hours: float | None
    vote: int | None
