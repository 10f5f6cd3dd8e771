"""Inline answers per second against private answers, same bot, same run.

    python benchmarks/inline_speed.py [--queries 500] [--rounds 3]

The fake Telegram Bot API (tests/fake_bot_api/, inline mode on, no rate limits) runs as one
process and `ukm-bot run` (SEND_RATE_LIMIT=0, a fresh database) as another. Each round takes
--queries questions residents wrote (the "q" fields of tests/data/*.jsonl, each used once in
the whole run: distinct inputs, so the inline cache never answers for the core; a warm-up
of 50 of each goes first, not counted) and sends
them twice, from --queries different users each time: as private messages (the clock stops
at the last reply's sendMessage), and as inline queries "@bot QUESTION" (the clock stops at
the last answerInlineQuery). The two alternate which goes first from round to round. A last
run repeats one round's inline queries, to show what the one-minute cache does for a query
many residents type (a poster, an announcement): reported apart, not in the ratio.

Prints per round and the median: private answers per second, inline answers per second, and
their ratio (target: inline >= private, ratio >= 1.0). Exit status 1 below it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make `benchmarks` importable

from benchmarks.telegram_harness import (  # noqa: E402
    DEFAULT_TOKEN,
    BenchmarkError,
    ChildProcess,
    FakeBotAPIProcess,
    FakeControlClient,
    bot_command,
    bot_env,
    exit_on_sigterm,
    wait_until,
)

FIRST_USER_ID = 7_000_000
TIMEOUT = 300.0
WARM_UP = 50  # questions of each kind before the clock runs


def distinct_questions() -> list[str]:
    """Every question of the shipped test sets, once each, in a fixed order."""
    seen: dict[str, None] = {}
    for path in sorted((ROOT / "tests" / "data").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            question = item.get("q") if isinstance(item, dict) else None
            if isinstance(question, str) and 0 < len(question) <= 256:  # Telegram's limit
                seen.setdefault(question.strip(), None)
    return list(seen)


def calls(control: FakeControlClient, method: str) -> int:
    return int(control.stats()["calls"].get(method, 0))


def private_round(control: FakeControlClient, texts: list[str]) -> float:
    before = calls(control, "sendMessage")
    users = range(FIRST_USER_ID, FIRST_USER_ID + len(texts))
    started = time.monotonic()
    control.inject_messages([{"user_id": u, "text": t} for u, t in zip(users, texts, strict=True)])
    wait_until(
        lambda: calls(control, "sendMessage") - before >= len(texts),
        TIMEOUT,
        "every private answer",
        interval=0.02,
    )
    return len(texts) / (time.monotonic() - started)


def inline_round(control: FakeControlClient, texts: list[str]) -> float:
    before = calls(control, "answerInlineQuery")
    users = range(FIRST_USER_ID, FIRST_USER_ID + len(texts))
    started = time.monotonic()
    control.inject_inline_queries(
        [{"user_id": u, "query": t} for u, t in zip(users, texts, strict=True)]
    )
    wait_until(
        lambda: calls(control, "answerInlineQuery") - before >= len(texts),
        TIMEOUT,
        "every inline answer",
        interval=0.02,
    )
    return len(texts) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    exit_on_sigterm()
    pool = distinct_questions()
    needed = args.queries * args.rounds
    if len(pool) < needed + WARM_UP:
        raise BenchmarkError(f"only {len(pool)} distinct questions for {needed}")
    fake = FakeBotAPIProcess(DEFAULT_TOKEN, extra_args=["--inline"], cwd=ROOT)
    fake.start()
    bot: ChildProcess | None = None
    try:
        control = fake.control
        control.create_users(args.queries, start_id=FIRST_USER_ID)
        with tempfile.TemporaryDirectory() as folder:
            env = bot_env(fake.base_url, Path(folder) / "bot.db", 0, DEFAULT_TOKEN)
            bot = ChildProcess("ukm-bot", bot_command(), env=env, cwd=ROOT)
            bot.start()
            wait_until(lambda: calls(control, "getUpdates") > 0, 60, "the bot polling")
            # A first small round of each, not counted: imports, caches, connections.
            warm_up = pool[needed : needed + WARM_UP]
            private_round(control, warm_up)
            inline_round(control, warm_up)
            rows = []
            for n in range(args.rounds):
                texts = pool[n * args.queries : (n + 1) * args.queries]
                if n % 2 == 0:
                    private = private_round(control, texts)
                    inline = inline_round(control, texts)
                else:
                    inline = inline_round(control, texts)
                    private = private_round(control, texts)
                rows.append((private, inline))
                print(
                    f"round {n + 1}: private {private:7.1f}/s  inline {inline:7.1f}/s  "
                    f"ratio {inline / private:.2f}"
                )
            cached = inline_round(control, pool[: args.queries])
            private_median = statistics.median(p for p, _ in rows)
            inline_median = statistics.median(i for _, i in rows)
            ratio = inline_median / private_median
            print(
                f"median:  private {private_median:7.1f}/s  inline {inline_median:7.1f}/s  "
                f"ratio {ratio:.2f} (target >= 1.0)"
            )
            print(f"inline, the same {args.queries} queries again (cached): {cached:7.1f}/s")
            problems = bot.problems()
            if problems:
                print("the bot logged:\n  " + "\n  ".join(problems[:10]))
            if ratio < 1.0:
                sys.exit(1)
    finally:
        if bot is not None and bot.alive() and bot.process is not None:
            bot.process.terminate()
            bot.process.wait(10)
        fake.stop()


if __name__ == "__main__":
    main()
