"""The question log at scale: /statistik time and database size for 1,000,000 questions,
and what logging adds to each answer.

    python benchmarks/stats_scale.py [--questions 1000000]

Prints (targets from the issue):
  * the time to collect every /statistik figure and draw the chart over a log of
    --questions rows spread over 90 days (target: under 2 s), median of 3 runs;
  * the database file size for that log (target: under 300 MB);
  * the per-question time of the answering core alone and with logging, measured in
    the same run over the same questions (target: logging adds less than 5 %).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import Assistant  # noqa: E402
from bot.knowledge import default_knowledge_dir, load_knowledge  # noqa: E402
from bot.stats import collect_stats  # noqa: E402
from bot.storage import Storage  # noqa: E402

STATUSES = ["answer"] * 6 + ["clarify", "fallback", "fallback", "smalltalk"]


def questions() -> list[str]:
    found = []
    for path in sorted((ROOT / "tests" / "data").glob("eval_*.jsonl")):
        found += [json.loads(line)["q"] for line in path.read_text().splitlines() if line]
    return found


def fill(storage: Storage, count: int, texts: list[str], entries: list[str]) -> None:
    rng = random.Random(3)
    now = time.time()
    batch = []
    with storage.db.conn:
        for i in range(count):
            status = rng.choice(STATUSES)
            batch.append(
                (
                    i + 1,
                    now - rng.random() * 90 * 86400,
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
            if len(batch) == 50_000:
                storage.db.conn.executemany(
                    "INSERT INTO questions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch
                )
                batch = []
        if batch:
            storage.db.conn.executemany(
                "INSERT INTO questions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch
            )


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=1_000_000)
    args = parser.parse_args()
    kb = load_knowledge(default_knowledge_dir())
    assistant = Assistant(kb)
    texts = questions()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bot.db"
        storage = Storage(db)
        started = time.perf_counter()
        fill(storage, args.questions, texts, [e.id for e in kb.entries if not e.gap])
        storage.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(
            f"log of {args.questions:,} questions written in {time.perf_counter() - started:.1f} s"
        )
        size = sum(p.stat().st_size for p in Path(tmp).glob("bot.db*")) / 2**20
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            figures = collect_stats(storage)
            figures.chart(assistant.renderer.chart_legends("id"))
            timings.append(time.perf_counter() - start)
        print(
            f"  /statistik figures + chart: median {statistics.median(timings):.2f} s "
            f"(target < 2 s); 30-day total {figures.periods[2].total:,}"
        )
        print(f"  database size: {size:.0f} MB (target < 300 MB)")
        storage.close()

        log_db = Storage(Path(tmp) / "log.db")
        per_question(assistant, None, texts, 1)  # warm the caches
        core, logged = [], []
        for _ in range(5):  # interleaved, so machine noise hits both alike
            core.append(per_question(assistant, None, texts, 2))
            logged.append(per_question(assistant, log_db, texts, 2))
        base, with_log = statistics.median(core), statistics.median(logged)
        print(
            f"  answering core: {base:.0f} us/question; with logging: {with_log:.0f} us "
            f"(+{(with_log / base - 1):.1%}, target < 5 %)"
        )
        log_db.close()


if __name__ == "__main__":
    main()
