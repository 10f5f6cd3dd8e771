"""Inline answers per second against private answers, same bot, same run.

    python benchmarks/inline_speed.py [--queries 400] [--rounds 3]

The fake Telegram Bot API (tests/fake_bot_api/, inline mode on, no rate limits) runs as one
process and `ukm-bot run` (SEND_RATE_LIMIT=0, a fresh database) as another. Each round takes
2 x --queries questions residents wrote (the "q" fields of tests/data/*.jsonl, each used
once in the whole run: distinct inputs, so the inline cache never answers for the core; a
warm-up of 50 of each kind goes first, not counted): one half as private messages from
--queries different users (done at the last reply's sendMessage), the other as inline
queries "@bot QUESTION" (done at the last answerInlineQuery). Each kind gets its own
questions, as a question the other kind has just read would find the normaliser's caches
warm; the halves swap and the order alternates from round to round. A last run repeats the
last round's inline queries, to show what the one-minute cache does for a query many
residents type (a poster, an announcement): reported apart, not in the ratio.

Prints per round and the median, for each kind: answers per second of the bot's own CPU time
(user + system, from psutil: what the bot can do per core, whatever else runs on the
machine), answers per second of wall-clock time, and the fake's CPU per answer (a fake
that validates several results per inline answer costs more than one sendMessage, and on a
machine of two shared cores that slows the wall clock of both). Target: inline >= private
in the bot's answers per CPU second (ratio >= 1.0); exit status 1 below it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

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
FIELDS = ("per_cpu_second", "per_second", "fake_ms")
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


@dataclass(frozen=True)
class Rates:
    per_cpu_second: float  # answers per second of the bot's CPU time
    per_second: float  # answers per second of wall-clock time
    fake_ms: float  # the fake's CPU per answer, milliseconds


def cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def measured(
    bot: psutil.Process, fake: psutil.Process, count: int, run: Callable[[], None]
) -> Rates:
    bot_cpu, fake_cpu, started = cpu(bot), cpu(fake), time.monotonic()
    run()
    wall = time.monotonic() - started
    return Rates(
        count / max(cpu(bot) - bot_cpu, 1e-6),
        count / wall,
        1000 * (cpu(fake) - fake_cpu) / count,
    )


def private_round(control: FakeControlClient, texts: list[str]) -> None:
    before = calls(control, "sendMessage")
    users = range(FIRST_USER_ID, FIRST_USER_ID + len(texts))
    control.inject_messages([{"user_id": u, "text": t} for u, t in zip(users, texts, strict=True)])
    wait_until(
        lambda: calls(control, "sendMessage") - before >= len(texts),
        TIMEOUT,
        "every private answer",
        interval=0.05,
    )


def inline_round(control: FakeControlClient, texts: list[str]) -> None:
    before = calls(control, "answerInlineQuery")
    users = range(FIRST_USER_ID, FIRST_USER_ID + len(texts))
    control.inject_inline_queries(
        [{"user_id": u, "query": t} for u, t in zip(users, texts, strict=True)]
    )
    wait_until(
        lambda: calls(control, "answerInlineQuery") - before >= len(texts),
        TIMEOUT,
        "every inline answer",
        interval=0.05,
    )


def show(label: str, private: Rates, inline: Rates) -> float:
    ratio = inline.per_cpu_second / private.per_cpu_second
    print(
        f"{label:8} per bot CPU second: private {private.per_cpu_second:6.0f}  inline "
        f"{inline.per_cpu_second:6.0f}  ratio {ratio:.2f} | per second: private "
        f"{private.per_second:5.0f}  inline {inline.per_second:5.0f} | fake CPU per answer: "
        f"private {private.fake_ms:.1f} ms  inline {inline.fake_ms:.1f} ms"
    )
    return ratio


def fake_pid(fake: FakeBotAPIProcess) -> int:
    if fake.process is None:
        raise BenchmarkError("the fake Bot API is not running")
    return fake.process.pid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    exit_on_sigterm()
    pool = distinct_questions()
    half = args.queries
    needed = 2 * half * args.rounds
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
            bot_process, fake_process = psutil.Process(bot.pid), psutil.Process(fake_pid(fake))
            rows: list[tuple[Rates, Rates]] = []
            for n in range(args.rounds):
                # Each kind its own questions (a question the other kind just read would
                # find the normaliser's caches warm), swapped every round, order alternating.
                first = pool[2 * n * half : (2 * n + 1) * half]
                second = pool[(2 * n + 1) * half : (2 * n + 2) * half]
                mine, theirs = (first, second) if n % 2 == 0 else (second, first)

                def run_private(texts: list[str] = mine) -> None:
                    private_round(control, texts)

                def run_inline(texts: list[str] = theirs) -> None:
                    inline_round(control, texts)

                if n % 2 == 0:
                    private = measured(bot_process, fake_process, half, run_private)
                    inline = measured(bot_process, fake_process, half, run_inline)
                else:
                    inline = measured(bot_process, fake_process, half, run_inline)
                    private = measured(bot_process, fake_process, half, run_private)
                rows.append((private, inline))
                show(f"round {n + 1}", private, inline)
            ratio = show(
                "median",
                Rates(*(statistics.median(getattr(p, f) for p, _ in rows) for f in FIELDS)),
                Rates(*(statistics.median(getattr(i, f) for _, i in rows) for f in FIELDS)),
            )

            def run_again(texts: list[str] = theirs) -> None:  # the last round's, inline
                inline_round(control, texts)

            cached = measured(bot_process, fake_process, half, run_again)
            print(
                f"inline, {half} queries asked before (answered from the cache): "
                f"{cached.per_cpu_second:6.0f} per bot CPU second, {cached.per_second:5.0f}/s"
            )
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
