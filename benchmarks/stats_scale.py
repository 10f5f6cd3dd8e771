"""The question log at scale: /statistik time, the upgrade that adds the hourly figures,
and the database's growth per million questions; what logging adds to each answer.

    python benchmarks/stats_scale.py [--questions 5000000]

One database is filled with --questions logged questions spread over 90 days, in the schema
before the hourly figures (migration m005). In the same run, on the same rows:

  * baseline: the figures of /statistik as they were queried before (GROUP BY over the
    log with its covering index), median of 3, with the chart;
  * the upgrade (migration m009 counts the existing log into question_stats): its time;
  * now: the same figures from question_stats (target: under 0.2 s at 5,000,000), median
    of 3, with the chart; both must give the same numbers;
  * the file's size before and after (compacted with VACUUM INTO), per million questions;
  * the answering core alone and with logging through the storage's writer thread
    (interleaved rounds; target: logging adds less than 5 %).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlite_utils  # noqa: E402
from sqlite_utils import Migrations  # noqa: E402

from bot.assistant import Assistant  # noqa: E402
from bot.knowledge import default_knowledge_dir, load_knowledge  # noqa: E402
from bot.stats import Stats, collect_stats  # noqa: E402
from bot.storage import Storage  # noqa: E402
from bot.storage import migrations as schema  # noqa: E402

STATUSES = ["answer"] * 6 + ["clarify", "fallback", "fallback", "smalltalk"]
DAY = 86400


def questions() -> list[str]:
    found = []
    for path in sorted((ROOT / "tests" / "data").glob("eval_*.jsonl")):
        found += [json.loads(line)["q"] for line in path.read_text().splitlines() if line]
    return found


def old_database(path: Path) -> None:
    """The schema as the bot left it before the hourly figures (m001..m005)."""
    older = Migrations("ukm_bot")
    for step in (
        schema.m001_knowledge,
        schema.m002_chats_and_replies,
        schema.m003_subscriptions_and_broadcasts,
        schema.m004_question_log_and_inbox,
        schema.m005_entry_speaker,
    ):
        older()(step)
    db = sqlite_utils.Database(sqlite3.connect(path))
    db.execute("PRAGMA journal_mode=WAL")
    older.apply(db)
    db.close()


def fill(path: Path, count: int, texts: list[str], entries: list[str]) -> None:
    rng = random.Random(3)
    now = time.time()
    conn = sqlite3.connect(path)
    batch = []
    for i in range(count):
        status = rng.choice(STATUSES)
        batch.append(
            (
                i + 1,
                now - rng.random() * 90 * DAY,
                1_000_000 + rng.randrange(50_000),
                "private",
                1_000_000 + rng.randrange(50_000),
                "id",
                rng.choice(texts),
                status,
                "match" if status == "answer" else "no_match",
                rng.choice(entries) if status == "answer" else None,
                round(rng.random(), 4),
                rng.choice((None, None, None, 1, 0)),
            )
        )
        if len(batch) == 100_000 or i == count - 1:
            with conn:
                conn.executemany("INSERT INTO questions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch)
            batch = []
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


class OldFigures:
    """The queries /statistik ran before the hourly figures (the same-run baseline)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def question_counts(self, since: float) -> dict[str, int]:
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
            "SELECT entry_id, COUNT(*) AS n FROM questions WHERE asked_at >= ?"
            " AND status = 'answer' GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?",
            [since, limit],
        ).fetchall()
        return [(str(e), int(n)) for e, n in rows]

    def daily_counts(self, since: float, utc_offset: float) -> list[tuple[str, str, int]]:
        rows = self.db.execute(
            "SELECT date(asked_at + ?, 'unixepoch') AS day, status, COUNT(*) FROM questions"
            " WHERE asked_at >= ? GROUP BY day, status ORDER BY day, status",
            [utc_offset, since],
        ).fetchall()
        return [(str(d), str(s), int(n)) for d, s, n in rows]

    # The small tables, read as they still are.

    def top_unanswered(self, limit: int = 5) -> list[tuple[str, int]]:
        rows = self.db.execute(
            "SELECT question, count FROM inbox WHERE status = 'open' ORDER BY count DESC LIMIT ?",
            [limit],
        ).fetchall()
        return [(str(q), int(n)) for q, n in rows]

    def count_open_cards(self) -> int:
        return int(
            self.db.execute("SELECT COUNT(*) FROM inbox WHERE status = 'open'").fetchone()[0]
        )

    def subscriber_counts(self) -> dict[str, int]:
        return {"active": 0, "inactive": 0, "groups": 0}

    def broadcast_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM broadcasts").fetchone()[0])


def timed_stats(source: object, legends: dict[str, str], now: float) -> tuple[float, Stats]:
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        figures = collect_stats(source, now)  # type: ignore[arg-type]
        figures.chart(legends)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), figures


def size_of(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20


def compacted(storage: Storage, target: Path) -> float:
    storage.db.execute("VACUUM INTO ?", [str(target)])
    return target.stat().st_size / 2**20


def per_question(
    assistant: Assistant, storage: Storage | None, texts: list[str], rounds: int
) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            decision = assistant.decide(text)
            assistant.renderer.decision(decision)
            if storage is not None:
                storage.log_question(
                    chat_id=1,
                    chat_type="private",
                    user_id=1,
                    lang=decision.lang,
                    text=text,
                    status=decision.status,
                    reason=decision.reason,
                    entry_id=decision.entry.id if decision.entry else None,
                    score=decision.score,
                )
    if storage is not None:
        storage.flush_log()
    return (time.perf_counter() - start) / (rounds * len(texts)) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--questions", type=int, default=5_000_000)
    args = parser.parse_args()
    millions = args.questions / 1e6
    kb = load_knowledge(default_knowledge_dir())
    assistant = Assistant(kb)
    legends = assistant.renderer.chart_legends("id")
    texts = questions()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bot.db"
        old_database(db)
        empty = size_of(db)
        started = time.perf_counter()
        fill(db, args.questions, texts, [e.id for e in kb.entries if not e.gap])
        print(
            f"log of {args.questions:,} questions written in {time.perf_counter() - started:.0f} s"
        )
        raw = sqlite_utils.Database(sqlite3.connect(db))
        now = time.time()
        old_time, old_figures = timed_stats(OldFigures(raw), legends, now)
        old_size = size_of(db)
        raw.close()

        started = time.perf_counter()
        storage = Storage(db)  # applies m009: counts the log into question_stats
        upgrade = time.perf_counter() - started
        new_time, new_figures = timed_stats(storage, legends, now)
        same = (
            old_figures.periods == new_figures.periods
            and old_figures.helpful == new_figures.helpful
            and old_figures.top_entries == new_figures.top_entries
            and old_figures.daily == new_figures.daily
        )
        new_size = compacted(storage, Path(tmp) / "compact.db")
        storage.close()
        print(
            f"  /statistik figures + chart, before (GROUP BY over the log): median "
            f"{old_time:.2f} s"
        )
        print(
            f"  /statistik figures + chart, now (hourly figures): median {new_time:.3f} s "
            f"(target < 0.2 s); {old_time / new_time:.0f}x faster; same figures: {same}"
        )
        print(f"  upgrade of an existing database (migration m009): {upgrade:.1f} s")
        print(
            f"  database: {old_size:.0f} MB before ({(old_size - empty) / millions:.0f} MB "
            f"per million questions), {new_size:.0f} MB now compacted "
            f"({(new_size - empty) / millions:.0f} MB per million)"
        )

        log_db = Storage(Path(tmp) / "log.db")
        per_question(assistant, None, texts, 1)  # warm the caches
        core, logged = [], []
        for _ in range(5):  # interleaved, so machine noise hits both alike
            core.append(per_question(assistant, None, texts, 2))
            logged.append(per_question(assistant, log_db, texts, 2))
        base, with_log = statistics.median(core), statistics.median(logged)
        print(
            f"  answering core: {base:.0f} us/question; with logging through the writer: "
            f"{with_log:.0f} us (+{(with_log / base - 1):.1%}, target < 5 %)"
        )
        log_db.close()


if __name__ == "__main__":
    main()
