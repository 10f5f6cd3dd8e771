"""The question log (every question asked, its decision and vote), its retention, and the
figures /statistik shows."""

from __future__ import annotations

import functools
import time
from collections import Counter
from dataclasses import dataclass

from bot.storage.area import Area

HOUR = 3600

# A question as logged: id, asked_at, chat_id, chat_type, user_id, lang, text, status,
# reason, entry_id, score (the columns of `questions`, in order, without `helpful`).
QuestionRow = tuple[int, float, int, str, int, str, str, str, str, str | None, float]

_INSERT = (
    "INSERT INTO questions (id, asked_at, chat_id, chat_type, user_id, lang, text,"
    " status, reason, entry_id, score) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)
_COUNT = (
    "INSERT INTO question_stats (hour, status, entry_id, questions) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (hour, status, entry_id) DO UPDATE SET questions = questions + excluded.questions"
)
_VOTE = (
    "INSERT INTO question_stats (hour, status, entry_id, questions, helpful_up, helpful_down)"
    " SELECT CAST(asked_at / 3600 AS INTEGER), status, COALESCE(entry_id, ''), 0, ?, ?"
    " FROM questions WHERE id = ?"
    " ON CONFLICT (hour, status, entry_id) DO UPDATE SET"
    " helpful_up = helpful_up + excluded.helpful_up,"
    " helpful_down = helpful_down + excluded.helpful_down"
)


class QuestionLog(Area):
    """Tables questions and question_stats.

    A question is queued for the writer thread (writer.py) and committed with the others
    of the same second: a commit per question would add about a tenth to the answering
    core's own time, and no answer may wait for the disk. Until it is committed it is read
    from memory (`_pending_questions`), so feedback buttons work at once; ids are handed
    out here for the same reason. A crash loses at most the last second of the log.

    question_stats keeps, per hour, decision and entry, how many questions were asked and
    voted 👍/👎, updated in the same transaction as the log: /statistik sums a few
    thousand of these rows instead of scanning millions of questions, and only the first,
    partial hour of a period is read from the log itself (so periods stay exact).
    """

    FLUSH_EVERY = 200  # questions: the writer commits sooner when this many wait
    _pending_questions: dict[int, QuestionRow]
    _pending_votes: dict[int, bool]
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
        logged: QuestionRow = (
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
        with self._pending_lock:
            self._pending_questions[question_id] = logged
        self.writer.later(
            self._insert_questions,
            logged,
            done=functools.partial(self._written_question, question_id),
        )
        return question_id

    def _insert_questions(self, rows: list[QuestionRow]) -> None:
        """The queued questions, and their hours' figures, in the writer's transaction."""
        conn = self.db.conn
        conn.executemany(_INSERT, rows)
        hours = Counter((int(row[1] // HOUR), row[7], row[9] or "") for row in rows)
        conn.executemany(_COUNT, [(*key, n) for key, n in hours.items()])

    def _written_question(self, question_id: int, written: bool) -> None:
        with self._pending_lock:
            self._pending_questions.pop(question_id, None)

    def question(self, question_id: int) -> LoggedQuestion | None:
        with self._pending_lock:
            pending = self._pending_questions.get(question_id)
        if pending is not None:
            return LoggedQuestion(pending[0], pending[2], pending[3], pending[4], pending[6])
        row = self.row(
            "SELECT id, chat_id, chat_type, user_id, text FROM questions WHERE id = ?",
            [question_id],
        )
        return LoggedQuestion(*row) if row is not None else None

    def set_helpful(self, question_id: int, helpful: bool) -> bool:
        """Record a resident's 👍/👎; one vote per question: False when it was voted on
        before (a second tap, or the same button pressed again), or does not exist."""
        with self._pending_lock:
            if question_id in self._pending_votes:
                return False
            pending = question_id in self._pending_questions
        if not pending:
            row = self.db.execute(
                "SELECT helpful FROM questions WHERE id = ?", [question_id]
            ).fetchone()
            if row is None or row[0] is not None:
                return False
        with self._pending_lock:
            self._pending_votes[question_id] = helpful
        self.writer.later(
            self._record_votes,
            (question_id, helpful),
            phase=2,  # after the questions of the same commit
            done=functools.partial(self._written_vote, question_id),
        )
        return True

    def _record_votes(self, votes: list[tuple[int, bool]]) -> None:
        conn = self.db.conn
        for question_id, helpful in votes:
            cursor = conn.execute(
                "UPDATE questions SET helpful = ? WHERE id = ? AND helpful IS NULL",
                [int(helpful), question_id],
            )
            if cursor.rowcount:
                conn.execute(_VOTE, [int(helpful), int(not helpful), question_id])

    def _written_vote(self, question_id: int, written: bool) -> None:
        with self._pending_lock:
            self._pending_votes.pop(question_id, None)

    def forget_questions(self, older_than_days: int) -> int:
        """The retention rule (QUESTION_LOG_DAYS): older questions are deleted. The hourly
        figures stay: they hold no text and no id, only counts."""
        self.flush_log()
        cutoff = time.time() - older_than_days * 86400
        with self.db.conn:
            cursor = self.db.execute("DELETE FROM questions WHERE asked_at < ?", [cutoff])
        return cursor.rowcount

    def recount_question_stats(self) -> None:
        """Rebuild the hourly figures from the log (after rows were put into it directly).
        Questions already deleted by retention or erasure then no longer count."""
        with self.db.conn:
            self.db.execute("DELETE FROM question_stats")
            self.db.execute(RECOUNT)

    # The figures of /statistik (see stats.py): whole hours from question_stats, the first
    # partial hour of the period from the log, and the questions and votes still queued.

    def _queued_since(self, since: float) -> list[QuestionRow]:
        with self._pending_lock:
            return [q for q in self._pending_questions.values() if q[1] >= since]

    def _queued_votes_since(self, since: float) -> list[bool]:
        with self._pending_lock:
            votes = dict(self._pending_votes)
            asked = {i: q[1] for i, q in self._pending_questions.items() if i in votes}
        for question_id in votes.keys() - asked.keys():
            row = self.db.execute(
                "SELECT asked_at FROM questions WHERE id = ? AND helpful IS NULL", [question_id]
            ).fetchone()
            if row is not None:  # not written yet (else it is counted already)
                asked[question_id] = float(row[0])
        return [vote for i, vote in votes.items() if asked.get(i, -1.0) >= since]

    def question_counts(self, since: float) -> dict[str, int]:
        hour = first_whole_hour(since)
        counts: Counter[str] = Counter()
        for status, n in self.db.execute(
            "SELECT status, SUM(questions) FROM question_stats WHERE hour >= ? GROUP BY status",
            [hour],
        ):
            counts[str(status)] += int(n)
        for status, n in self.db.execute(
            "SELECT status, COUNT(*) FROM questions WHERE asked_at >= ? AND asked_at < ?"
            " GROUP BY status",
            [since, hour * HOUR],
        ):
            counts[str(status)] += int(n)
        counts.update(q[7] for q in self._queued_since(since))
        return {status: n for status, n in counts.items() if n}

    def helpful_votes(self, since: float) -> tuple[int, int]:
        hour = first_whole_hour(since)
        whole = self.db.execute(
            "SELECT COALESCE(SUM(helpful_up), 0), COALESCE(SUM(helpful_down), 0)"
            " FROM question_stats WHERE hour >= ?",
            [hour],
        ).fetchone()
        edge = self.db.execute(
            "SELECT COALESCE(SUM(helpful = 1), 0), COALESCE(SUM(helpful = 0), 0) FROM questions"
            " WHERE asked_at >= ? AND asked_at < ? AND helpful IS NOT NULL",
            [since, hour * HOUR],
        ).fetchone()
        queued = self._queued_votes_since(since)
        up = int(whole[0]) + int(edge[0]) + sum(queued)
        return up, int(whole[1]) + int(edge[1]) + len(queued) - sum(queued)

    def top_entries(self, since: float, limit: int = 5) -> list[tuple[str, int]]:
        hour = first_whole_hour(since)
        counts: Counter[str] = Counter()
        for entry_id, n in self.db.execute(
            "SELECT entry_id, SUM(questions) FROM question_stats"
            " WHERE hour >= ? AND status = 'answer' AND entry_id != '' GROUP BY entry_id",
            [hour],
        ):
            counts[str(entry_id)] += int(n)
        for entry_id, n in self.db.execute(
            "SELECT entry_id, COUNT(*) FROM questions WHERE asked_at >= ? AND asked_at < ?"
            " AND status = 'answer' AND entry_id IS NOT NULL GROUP BY entry_id",
            [since, hour * HOUR],
        ):
            counts[str(entry_id)] += int(n)
        counts.update(q[9] for q in self._queued_since(since) if q[7] == "answer" and q[9])
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [(entry_id, n) for entry_id, n in ranked[:limit] if n]

    def daily_counts(self, since: float, utc_offset: float) -> list[tuple[str, str, int]]:
        """(day in local time YYYY-MM-DD, status, questions) per day and decision.
        `utc_offset` must be whole hours (Jakarta's is 7): hours then fall in one day."""
        assert utc_offset % HOUR == 0, "hourly figures cannot be split between days"
        hour = first_whole_hour(since)
        counts: Counter[tuple[str, str]] = Counter()
        for day, status, n in self.db.execute(
            "SELECT date(hour * 3600 + ?, 'unixepoch') AS day, status, SUM(questions)"
            " FROM question_stats WHERE hour >= ? GROUP BY day, status",
            [utc_offset, hour],
        ):
            counts[str(day), str(status)] += int(n)
        for day, status, n in self.db.execute(
            "SELECT date(asked_at + ?, 'unixepoch') AS day, status, COUNT(*) FROM questions"
            " WHERE asked_at >= ? AND asked_at < ? GROUP BY day, status",
            [utc_offset, since, hour * HOUR],
        ):
            counts[str(day), str(status)] += int(n)
        counts.update(
            (time.strftime("%Y-%m-%d", time.gmtime(q[1] + utc_offset)), q[7])
            for q in self._queued_since(since)
        )
        return [(day, status, n) for (day, status), n in sorted(counts.items()) if n]


# The hourly figures from the log (the migration that adds them runs the same statement).
RECOUNT = (
    "INSERT INTO question_stats (hour, status, entry_id, questions, helpful_up, helpful_down)"
    " SELECT CAST(asked_at / 3600 AS INTEGER), status, COALESCE(entry_id, ''), COUNT(*),"
    " COALESCE(SUM(helpful = 1), 0), COALESCE(SUM(helpful = 0), 0)"
    " FROM questions WHERE true GROUP BY 1, 2, 3"
)


def first_whole_hour(since: float) -> int:
    """The first hour (hours since the epoch) that lies wholly at or after `since`."""
    return -int(-since // HOUR)


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """A question from the log, as feedback on its answer needs it."""

    id: int
    chat_id: int
    chat_type: str
    user_id: int
    text: str
