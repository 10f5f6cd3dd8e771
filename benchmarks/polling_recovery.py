"""How quickly the polling bot answers again after a Bot API outage.

    python benchmarks/polling_recovery.py [--outages 5 20] [--reply-timeout 30]

Starts the fake Telegram Bot API as a standalone process (`python -m tests.fake_bot_api`)
and `ukm-bot run` against it (fresh temporary DATABASE_PATH, LOG_LEVEL=WARNING, the default
SEND_RATE_LIMIT=30), and checks that a question is answered. Then, for each outage length:
terminates the fake process, waits that many seconds, starts a new fake process on the SAME
port, injects one question as soon as it prints READY, and measures the time from READY to
the fake recording the bot's reply (the fake's own timestamp). Target: under 5 s for every
outage (the bot's getUpdates request, bot/telegram_request.py, retries every second for up
to 60 s, so about 1 s is expected).

A new fake process starts its update ids afresh (at 100000), while the bot keeps asking for
updates from the offset it reached; Telegram itself keeps counting across a network outage.
So the question is preceded, in the same injection, by as many padding messages (from a
separate user) as it takes to bring the new fake's ids up to the bot's offset: the fake
drops them when the bot confirms that offset, and the question arrives with the id the bot
expects. Were the bot to poll the new fake before the injection, it would receive (and
answer) the padding; that is reported, and the recovery time still stands.

Also printed: when the bot polled the new fake for the first time (stats polled every
20 ms), every reply that was not the expected one, and the bot's warnings/errors other
than the expected "Bot API unavailable" ones. Exit status 1 if a target was missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    questions,
    start_fake,
    wait_until,
)

TARGET = 5.0  # s from the API being back until the reply
FIRST_USER_ID = 7_000_000
PADDING_USER_ID = 6_999_999
SEND_RATE_LIMIT = 30.0  # the bot's default
EXPECTED_WARNING = "Bot API unavailable"


@dataclass
class Recovery:
    outage: float
    polled_after: float | None = None  # s from READY to the bot's first getUpdates
    reply_after: float | None = None  # s from READY to the reply
    padding: int = 0
    unexpected_replies: int = 0
    error: str | None = None


def ask_and_wait(
    control: FakeControlClient,
    user_id: int,
    text: str,
    timeout: float,
    bot: ChildProcess,
    padding: int = 0,
    ready_at: float | None = None,
) -> tuple[dict[str, Any], float | None]:
    """Inject `padding` filler messages and one question; wait until the user is answered.

    Returns the fake's stats at that moment and when (time.time()) getUpdates was first
    seen in them, if `ready_at` is given (the fake was just started).
    """
    filler = [{"user_id": PADDING_USER_ID, "text": "padding"}] * padding
    control.inject_messages([*filler, {"user_id": user_id, "text": text}])
    polled_at: float | None = None
    deadline = time.monotonic() + timeout
    while True:
        stats: dict[str, Any] = control.stats()
        if polled_at is None and ready_at is not None and stats["calls"].get("getUpdates"):
            polled_at = time.time()
        if stats["sent_per_chat"].get(str(user_id)):
            return stats, polled_at
        bot.ensure_alive()
        if time.monotonic() > deadline:
            raise BenchmarkError(
                f"no reply to user {user_id} within {timeout:g} s "
                f"(getUpdates calls: {stats['calls'].get('getUpdates', 0)}, "
                f"pending updates: {stats['pending_updates']}, sent: {stats['sent_total']})"
            )
        time.sleep(0.02)


def outage_then_question(
    fake: FakeBotAPIProcess,
    bot: ChildProcess,
    outage: float,
    next_update_id: int,
    user_id: int,
    text: str,
    timeout: float,
) -> tuple[FakeBotAPIProcess, Recovery, int]:
    """Stop the fake, wait, restart it on its port; returns the new fake and the figures."""
    result = Recovery(outage)
    port = fake.port
    fake.stop()
    down_until = time.monotonic() + outage
    while time.monotonic() < down_until:
        bot.ensure_alive()
        time.sleep(min(0.2, max(0.0, down_until - time.monotonic())))
    fake = start_fake(port=port)
    ready_at = time.time()
    control = fake.control
    # The new process counts update ids from scratch; pad up to the bot's offset.
    result.padding = max(0, next_update_id - (control.stats()["last_update_id"] + 1))
    try:
        stats, polled_at = ask_and_wait(
            control, user_id, text, timeout, bot, result.padding, ready_at
        )
    except BenchmarkError as err:
        result.error = str(err)
        return fake, result, next_update_id
    result.reply_after = stats["first_send"] - ready_at
    # Seen in 20 ms samples of the stats: an upper bound, and the poll preceded the reply.
    seen = polled_at - ready_at if polled_at is not None else result.reply_after
    result.polled_after = min(seen, result.reply_after)
    time.sleep(0.5)  # anything else the bot sends after the reply
    stats = control.stats()
    result.unexpected_replies = stats["sent_total"] - 1
    return fake, result, stats["last_update_id"] + 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--outages", type=float, nargs="+", default=[5.0, 20.0], help="outage lengths in s"
    )
    parser.add_argument("--reply-timeout", type=float, default=30, help="s to wait for a reply")
    parser.add_argument("--startup-timeout", type=float, default=60, help="s to start polling")
    args = parser.parse_args()
    if any(o < 0 for o in args.outages):
        parser.error("outages must be >= 0 s")
    exit_on_sigterm()
    texts = questions()
    results: list[Recovery] = []
    fake: FakeBotAPIProcess | None = None
    bot: ChildProcess | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="ukm-recovery-") as tmp:
            fake = start_fake()
            print(f"fake Bot API on port {fake.port}", flush=True)
            env = bot_env(fake.base_url, Path(tmp) / "bot.db", SEND_RATE_LIMIT, DEFAULT_TOKEN)
            bot = ChildProcess("ukm-bot", bot_command(), env, Path(tmp))
            bot.start()
            bot.wait_polling(fake.control, args.startup_timeout)
            started = time.time()
            stats, _ = ask_and_wait(fake.control, FIRST_USER_ID, texts[0], args.reply_timeout, bot)
            print(
                f"bot answers: first reply {stats['first_send'] - started:.2f} s after the "
                "question (API up)",
                flush=True,
            )
            # Once the bot has fetched past the question, its offset is last_update_id + 1.
            wait_until(
                lambda: fake is not None and not fake.control.stats()["pending_updates"],
                10,
                "the bot to confirm the first update",
            )
            next_update_id = stats["last_update_id"] + 1
            for i, outage in enumerate(args.outages, start=1):
                print(f"... outage of {outage:g} s", flush=True)
                fake, result, next_update_id = outage_then_question(
                    fake,
                    bot,
                    outage,
                    next_update_id,
                    FIRST_USER_ID + i,
                    texts[i % len(texts)],
                    args.reply_timeout,
                )
                results.append(result)
                if result.error:
                    print(f"    FAILED: {result.error}", flush=True)
                else:
                    print(f"    reply {result.reply_after:.2f} s after READY", flush=True)
            bot.ensure_alive()
    except BenchmarkError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        exit_code, problems, unreachable = None, [], 0
        if bot is not None:
            exit_code = bot.stop()
            problems = bot.problems()
            unreachable = sum(EXPECTED_WARNING in line for line in problems)
            problems = [line for line in problems if EXPECTED_WARNING not in line]
            bot.close()
        if fake is not None:
            fake.stop()

    print()
    header = f"{'outage':>8} {'first getUpdates':>16} {'reply after READY':>18} {'result':>7}"
    print(header)
    print("-" * len(header))
    ok = True
    for r in results:
        passed = r.error is None and r.reply_after is not None and r.reply_after < TARGET
        ok &= passed
        polled = f"{r.polled_after:.2f} s" if r.polled_after is not None else "-"
        reply = f"{r.reply_after:.2f} s" if r.reply_after is not None else "-"
        print(f"{r.outage:>6g} s {polled:>16} {reply:>18} {'PASS' if passed else 'FAIL':>7}")
    print(
        f"\ntarget: reply under {TARGET:g} s after the API is back (READY), by the fake's "
        "clock;\nfirst getUpdates: the bot's first poll of the new fake, as seen in 20 ms "
        "samples (an upper bound)."
    )
    for r in results:
        if r.unexpected_replies:
            ok = False
            print(
                f"outage {r.outage:g} s: {r.unexpected_replies} unexpected replies "
                f"({r.padding} padding messages were injected; the bot polled before them?)"
            )
    print(f"bot: {unreachable} 'Bot API unavailable' warnings; exit code {exit_code} on SIGTERM")
    if exit_code not in (0, None):
        ok = False
    if problems:
        ok = False
        print(f"bot: {len(problems)} other warning/error lines:")
        for line in problems[:10]:
            print(f"    | {line[:200]}")
    print(f"\n{'all checks passed' if ok else 'SOME CHECKS FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
