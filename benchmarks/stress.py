"""Floods, a 429, SIGTERM mid-announcement and a backlog: issue 9's and 10's figures.

    python benchmarks/stress.py [--only flood,429,sigterm,backlog] [--bot-source DIR]

Each scenario runs the bot as `python -m bot run` (SEND_RATE_LIMIT and BROADCAST_RATE at their
defaults, 30 and 25 messages/s) against the fake Bot API in its own process (recording calls,
so every answer's time is the fake's clock), with a baseline measured in the same run:

* flood: 100 residents ("bystanders") each ask one question in a private chat, spread over
  10 s, while one group member sends 120 /tanya at once and one resident sends 500 messages
  at once. Prints the bystanders' answer time (p50, p99, max; target p99 <= 1 s) against the
  same bystanders with no flood, and what the flooders got.
* 429: Telegram answers one resident's answer with 429 retry_after=8; 40 other residents ask
  during the next 5 s. Prints their answer time (p99, max) against the same without the 429.
* sigterm: an announcement to 600 subscribers; the API takes 0.2 s, then 1.5 s, to answer
  each send; SIGTERM when a third has gone, then a restart that finishes it. Prints
  duplicates and missing (targets 0, 0).
* backlog: 10,000 questions from 10,000 residents wait at Telegram when the bot starts. Prints
  the bot's peak memory while it works through them (target < 100 MB) against its memory
  idle, and how many went unanswered (target 0).

--bot-source DIR runs the bot from another checkout (e.g. main's, for a before/after table);
the fake and this script stay the ones of this repository.
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.telegram_harness import (  # noqa: E402
    DEFAULT_TOKEN,
    BenchmarkError,
    ChildProcess,
    FakeBotAPIProcess,
    MemorySampler,
    announcement_to,
    bot_env,
    broadcast_status,
    distinct_questions,
    exit_on_sigterm,
    start_fake,
    wait_until,
)

BYSTANDER = 6_000_000
FLOODER = 7_000_001
GROUP_FLOODER = 7_000_002
GROUP = -1007000
SUBSCRIBER = 8_000_000
BACKLOG_USER = 9_000_000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def describe(values: list[float]) -> str:
    if not values:
        return "no answers"
    return (
        f"p50 {statistics.median(values):.2f} s, p99 {percentile(values, 0.99):.2f} s, "
        f"max {max(values):.2f} s ({len(values)} answers)"
    )


@contextmanager
def fake_api(record_calls: bool = False) -> Iterator[FakeBotAPIProcess]:
    fake = start_fake(extra_args=["--record-calls"] if record_calls else [])
    try:
        yield fake
    finally:
        fake.stop()


@contextmanager
def running_bot(
    fake: FakeBotAPIProcess, tmp: Path, source: Path | None, name: str, **settings: str
) -> Iterator[ChildProcess]:
    env = bot_env(fake.base_url, tmp / "bot.db", 30, DEFAULT_TOKEN, **settings)
    env.pop("SEND_RATE_LIMIT")  # the default (30/s), as in production
    if source is not None:
        env["PYTHONPATH"] = str(source)
    child = ChildProcess(name, [sys.executable, "-m", "bot", "run"], env, tmp)
    child.start()
    try:
        yield child
    finally:
        child.close()


def answer_times(fake: FakeBotAPIProcess, asked: dict[int, float]) -> list[float]:
    """Seconds from each chat's question to the first message the bot sent it."""
    first: dict[int, float] = {}
    for call in fake.control.calls("sendMessage"):
        chat = int(call["chat_id"]) if call["chat_id"] is not None else 0
        if call["status"] == 200 and chat in asked and chat not in first:
            first[chat] = call["time"]
    return [first[chat] - asked[chat] for chat in asked if chat in first]


def ask_spread(
    fake: FakeBotAPIProcess, users: range, texts: list[str], seconds: float
) -> dict[int, float]:
    """One question from each user, evenly over `seconds`; returns when each was asked."""
    asked: dict[int, float] = {}
    gap = seconds / len(users)
    for n, user in enumerate(users):
        asked[user] = time.time()
        fake.control.inject_messages([{"user_id": user, "text": texts[n]}])
        time.sleep(gap)
    return asked


def wait_answered(
    fake: FakeBotAPIProcess, child: ChildProcess, chats: list[int], timeout: float
) -> None:
    def done() -> bool:
        child.ensure_alive()
        per_chat = fake.control.stats()["sent_per_chat"]
        return all(str(chat) in per_chat for chat in chats)

    try:
        wait_until(done, timeout, "every bystander's answer", 0.2)
    except BenchmarkError as err:
        print(f"    ({err}: counting what arrived)")


# -- scenarios -----------------------------------------------------------------------------


def flood(source: Path | None, texts: list[str]) -> None:
    print("flood: bystanders' answer time while one group and one resident flood", flush=True)
    bystanders = range(BYSTANDER, BYSTANDER + 100)
    for flooding in (False, True):
        with (
            tempfile.TemporaryDirectory() as tmp,
            fake_api(record_calls=True) as fake,
        ):
            control = fake.control
            control.create_users(100, start_id=BYSTANDER)
            control.add_users(
                [
                    {"id": FLOODER, "first_name": "Banjir"},
                    {"id": GROUP_FLOODER, "first_name": "Joko"},
                ]
            )
            control.create_group(GROUP, "UKM Serpong", members=[GROUP_FLOODER])
            with running_bot(fake, Path(tmp), source, "bot-flood") as child:
                child.wait_polling(control)
                if flooding:
                    control.inject_messages(
                        [
                            {"user_id": GROUP_FLOODER, "chat_id": GROUP, "text": f"/tanya {q}"}
                            for q in texts[:120]
                        ]
                    )
                    control.inject_messages(
                        [{"user_id": FLOODER, "text": q} for q in texts[120:620]]
                    )
                asked = ask_spread(fake, bystanders, texts[700:800], 10.0)
                wait_answered(fake, child, list(bystanders), 120)
                times = answer_times(fake, asked)
                label = "with the floods" if flooding else "baseline, no flood"
                print(f"  {label}: {describe(times)}", flush=True)
                if flooding:
                    per_chat = control.stats()["sent_per_chat"]
                    print(
                        f"    the flooders got: group {per_chat.get(str(GROUP), 0)} messages for "
                        f"120 /tanya, resident {per_chat.get(str(FLOODER), 0)} for 500 messages "
                        "(by the time the bystanders were answered)",
                        flush=True,
                    )


def one_429(source: Path | None, texts: list[str]) -> None:
    print("429: other residents' answer time while one chat waits out retry_after=8", flush=True)
    others = range(BYSTANDER + 1, BYSTANDER + 41)
    for refusing in (False, True):
        with (
            tempfile.TemporaryDirectory() as tmp,
            fake_api(record_calls=True) as fake,
        ):
            control = fake.control
            control.create_users(41, start_id=BYSTANDER)
            with running_bot(fake, Path(tmp), source, "bot-429") as child:
                child.wait_polling(control)
                if refusing:
                    control.fail("sendMessage", 429, retry_after=8, chat_id=BYSTANDER)
                control.inject_messages([{"user_id": BYSTANDER, "text": texts[0]}])
                time.sleep(0.3)
                asked = ask_spread(fake, others, texts[1:41], 5.0)
                wait_answered(fake, child, [*others, BYSTANDER], 60)
                times = answer_times(fake, asked)
                label = "with the 429" if refusing else "baseline, no 429"
                print(f"  {label}: {describe(times)}", flush=True)


def answered(fake: FakeBotAPIProcess) -> int:
    """Residents' chats (not groups) that got at least one message."""
    return sum(1 for chat in fake.control.stats()["sent_per_chat"] if int(chat) > 0)


def sigterm(source: Path | None) -> None:
    print("sigterm: SIGTERM mid-announcement, then a restart", flush=True)
    for latency in (0.2, 1.5):
        sigterm_once(source, latency, recipients=600)


def sigterm_once(source: Path | None, latency: float, recipients: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name, fake_api() as fake:
        tmp = Path(tmp_name)
        db = tmp / "bot.db"
        broadcast_id = announcement_to(
            db, range(SUBSCRIBER, SUBSCRIBER + recipients), "📢 uji SIGTERM", "stress"
        )
        control = fake.control
        control.create_users(recipients, start_id=SUBSCRIBER)
        control.delay("sendMessage", latency, times=None)
        with running_bot(fake, tmp, source, "bot-sigterm") as child:
            wait_until(
                lambda: control.stats()["sent_total"] >= recipients // 3,
                120,
                "a third of the announcement",
                0.02,
            )
            assert child.process is not None
            stopped = time.monotonic()
            child.process.send_signal(signal.SIGTERM)
            child.process.wait(60)
            took = time.monotonic() - stopped
        with sqlite3.connect(db) as conn:
            left = dict(
                conn.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall()
            )

        def finished() -> bool:
            child.ensure_alive()
            return broadcast_status(db, broadcast_id) == "done"

        with running_bot(fake, tmp, source, "bot-restart") as child:
            wait_until(finished, 300, "the resumed announcement to finish", 0.2)
        per_chat = control.stats()["sent_per_chat"]
        duplicates = sum(1 for n in per_chat.values() if n > 1)
        missing = recipients - len(per_chat)
        print(
            f"  API latency {latency:g} s: stop took {took:.1f} s, left "
            f"{left.get('sending', 0)} 'sending'; after the restart: duplicates "
            f"{duplicates} (target 0), missing {missing} (target 0)",
            flush=True,
        )


def backlog(source: Path | None, texts: list[str], count: int) -> None:
    print(f"backlog: {count:,} questions waiting at Telegram when the bot starts", flush=True)
    peaks: dict[bool, float] = {}
    lost = 0
    for waiting in (False, True):
        with tempfile.TemporaryDirectory() as tmp, fake_api() as fake:
            control = fake.control
            control.create_users(count, start_id=BACKLOG_USER)
            if waiting:
                control.inject_texts(range(BACKLOG_USER, BACKLOG_USER + count), texts[:count])
            settings = {"SEND_RATE_LIMIT": "0"}
            with running_bot(fake, Path(tmp), source, "bot-backlog", **settings) as child:
                with MemorySampler(child.pid) as memory:
                    child.wait_polling(control, 120)
                    if waiting:
                        try:
                            wait_until(lambda: answered(fake) >= count, 600, "every answer", 0.5)
                        except BenchmarkError as err:
                            print(f"    ({err})")
                        lost = count - answered(fake)
                    else:
                        time.sleep(3.0)
                peaks[waiting] = memory.peak_mb
    print(
        f"  peak memory {peaks[True]:.1f} MB working through the backlog (target < 100 MB), "
        f"{peaks[False]:.1f} MB idle; unanswered {lost} (target 0)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="flood,429,sigterm,backlog")
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--bot-source", type=Path, default=None)
    args = parser.parse_args()
    exit_on_sigterm()
    texts = distinct_questions(max(args.backlog, 800))
    source = args.bot_source.resolve() if args.bot_source else None
    chosen = set(args.only.split(","))
    if "flood" in chosen:
        flood(source, texts)
    if "429" in chosen:
        one_429(source, texts)
    if "sigterm" in chosen:
        sigterm(source)
    if "backlog" in chosen:
        backlog(source, texts, args.backlog)


if __name__ == "__main__":
    main()
