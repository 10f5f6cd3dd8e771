"""The question log (every question asked, its decision and vote), its retention, and the
figures /statistik shows."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.storage.area import Area


class QuestionLog(Area):
    """Table questions. Rows are buffered and written in one transaction per FLUSH_EVERY
    questions or seconds (app.py flushes every second): a commit per question would add
    about a tenth to the answering core's own time. Ids are handed out here, so a buffered
    question can already carry feedback buttons. A crash loses at most the last unwritten
    second of the log, nothing else. Every read flushes first."""

    FLUSH_EVERY = 200
    _log_buffer: list[tuple[object, ...]]
    _next_question_id: int | None  # None until the first question after start-up

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
        row = self.row(
            "SELECT id, chat_id, chat_type, user_id, text FROM questions WHERE id = ?",
            [question_id],
        )
        return LoggedQuestion(*row) if row is not None else None

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

    # The figures of /statistik (see stats.py).

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

    def daily_counts(self, since: float, utc_offset: float) -> list[tuple[str, str, int]]:
        """(day in local time YYYY-MM-DD, status, questions) per day and decision."""
        rows = self.db.execute(
            "SELECT date(asked_at + ?, 'unixepoch') AS day, status, COUNT(*) FROM questions"
            " WHERE asked_at >= ? GROUP BY day, status ORDER BY day",
            [utc_offset, since],
        ).fetchall()
        return [(str(d), str(s), int(n)) for d, s, n in rows]


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """A question from the log, as feedback on its answer needs it."""

    id: int
    chat_id: int
    chat_type: str
    user_id: int
    text: str
