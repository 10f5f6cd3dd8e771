"""Residents' answers while another process holds the database's write lock for 40 s.

    python benchmarks/database_lock.py [--lock 40] [--rate 5]

`ukm-bot run` (a child process, STAFF_CHAT_ID set so unanswered questions file inbox cards)
against the fake Bot API (in this process). Residents ask at `--rate` questions a second,
each from a new resident, a mix of answerable and unanswerable ones, for 10 s; then another
process (a plain sqlite3 connection, as a backup, `ukm-bot kb build` or an open sqlite3
shell would) takes the write lock for `--lock` seconds while they keep asking, and a few
residents send /langganan; then 10 s more after it lets go.

Prints, for each phase, the answer time (question sent -> answer received) p50 / p99 / max:
the phase before the lock is the same-run baseline (target while locked: p99 within 1 s;
before the writer, one answer waited 39 s). Then what /langganan said while locked (a
subscription cannot be saved: "try again", never a false ✅), and whether every question
asked reached the question log and every inbox card the staff group once the lock was gone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make `benchmarks` importable

from benchmarks.telegram_harness import bot_command, bot_env, questions  # noqa: E402
from tests.fake_bot_api import FakeBotAPI, running_fake  # noqa: E402

TOKEN = "123456:BENCH-token-for-the-fake-api"
STAFF_GROUP = -100555
UNKNOWN = [
    "Berapa bunga KUR untuk modal usaha warung saya nomor {n}?",
    "Kapan pasar malam UMKM ke-{n} dibuka di Serpong?",
]
HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
print("released", flush=True)
"""


class Residents:
    """Each question from a new resident; when it was asked and when it was answered."""

    def __init__(self, fake: FakeBotAPI, texts: list[str]) -> None:
        self.fake = fake
        self.texts = texts
        self.next_id = 5_000_000
        self.asked: dict[int, tuple[str, float]] = {}  # chat id -> (phase, sent at)

    def ask(self, phase: str, text: str | None = None) -> int:
        user = self.next_id
        self.next_id += 1
        n = len(self.asked)
        if text is None:
            text = UNKNOWN[n % 2].format(n=n) if n % 4 == 3 else self.texts[n % len(self.texts)]
        self.fake.user(user, f"Warga {user}")
        self.fake.private_chat(user)
        self.asked[user] = (phase, time.time())
        self.fake.send_text(user, None, text)
        return user

    def answer_times(self) -> dict[str, list[float]]:
        first: dict[int, float] = {}
        for call in self.fake.calls:
            chat = call.params.get("chat_id") if call.method == "sendMessage" else None
            if chat is not None and int(chat) in self.asked and int(chat) not in first:
                first[int(chat)] = call.time
        times: dict[str, list[float]] = {}
        for chat, (phase, sent) in self.asked.items():
            times.setdefault(phase, []).append(first.get(chat, float("inf")) - sent)
        return times


def figures(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    unanswered = sum(1 for t in times if t == float("inf"))
    tail = f", {unanswered} unanswered" if unanswered else ""
    return (
        f"{len(times)} questions: p50 {statistics.median(times):.2f} s, p99 {p99:.2f} s, "
        f"max {max(times):.2f} s{tail}"
    )


async def phase(residents: Residents, name: str, seconds: float, rate: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        residents.ask(name)
        await asyncio.sleep(1 / rate)


async def run(lock_seconds: float, rate: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bot.db"
        async with running_fake(TOKEN, "ukm_bench_bot") as fake:
            fake.group(STAFF_GROUP, "Staf UKM", "supergroup", bot_status="administrator")
            env = bot_env(fake.base_url, database, 0, TOKEN)
            env.update(STAFF_CHAT_ID=str(STAFF_GROUP), LOG_LEVEL="WARNING")
            log_path = Path(tmp) / "bot.log"
            with log_path.open("wb") as log:
                bot = await asyncio.create_subprocess_exec(
                    *bot_command(), env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT
                )
            try:
                await fake.wait_until(lambda: fake.waiting_polls > 0, 120, what="the bot")
                residents = Residents(fake, questions())
                await phase(residents, "before the lock", 10, rate)
                holder = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-c",
                    HOLD_LOCK,
                    str(database),
                    str(lock_seconds),
                    stdout=subprocess.PIPE,
                )
                assert holder.stdout is not None
                await holder.stdout.readline()  # "locked"
                locked_at = time.monotonic()
                subscribers = [residents.ask("subscribe", "/langganan") for _ in range(3)]
                await phase(residents, "while locked", lock_seconds - 2, rate)
                await holder.wait()
                held = time.monotonic() - locked_at
                await phase(residents, "after the lock", 10, rate)
                await asyncio.sleep(3)  # the last answers, and the writes kept meanwhile
                times = residents.answer_times()
                said = [m["text"] for chat in subscribers for m in fake.sent(chat) if "text" in m]
                cards = len(fake.sent(STAFF_GROUP))
            finally:
                # SIGTERM; the kill after 15 s is for a shutdown that waits on the staff
                # group's backlog of cards (20 messages a minute), not a figure here.
                with contextlib.suppress(ProcessLookupError):
                    bot.terminate()
                try:
                    await asyncio.wait_for(bot.wait(), 15)
                except TimeoutError:
                    bot.kill()
                    await bot.wait()
            warnings = [
                line
                for line in log_path.read_text(errors="replace").splitlines()
                if " WARNING " in line or " ERROR " in line
            ]
        with sqlite3.connect(database) as conn:
            # Each question came from a resident of its own (a message may log several parts).
            logged = conn.execute("SELECT COUNT(DISTINCT chat_id) FROM questions").fetchone()[0]
            filed = conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
    asked = len(residents.asked) - len(subscribers)
    print(f"write lock held by another process for {held:.0f} s; {rate:g} questions/s")
    for name in ("before the lock", "while locked", "after the lock"):
        print(f"  {name:16} {figures(times[name])}")
    waited = max(times["subscribe"])
    print(
        f"  /langganan while locked, {len(subscribers)} residents, answered within {waited:.1f} s:"
    )
    for text in sorted(set(said)):
        print(f"    {text.splitlines()[0][:100]}")
    print(
        f"  question log: {logged} of {asked} residents' questions "
        f"(none lost: {logged == asked}); inbox: {filed} cards, {cards} posted to the staff group"
    )
    print(f"  log lines at WARNING or above: {len(warnings)}")
    for line in warnings[:5]:
        print(f"    {line[:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--lock", type=float, default=40.0, help="seconds the lock is held")
    parser.add_argument("--rate", type=float, default=5.0, help="questions per second")
    args = parser.parse_args()
    os.chdir(ROOT)
    asyncio.run(run(args.lock, args.rate))


if __name__ == "__main__":
    main()
