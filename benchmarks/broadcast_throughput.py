"""Broadcast delivery against a fake Bot API that enforces a global limit, as Telegram does.

    python benchmarks/broadcast_throughput.py [--recipients 3000] [--large 30000]

The fake Bot API runs in its own process, enforcing 300 messages/s overall (answering 429
with retry_after beyond that). The bot runs as `ukm-bot run` in another process with
BROADCAST_RATE=290 and SEND_RATE_LIMIT=0, and resumes a broadcast prepared in its
database (as if Kirim had just been pressed). 5 % of recipients have blocked the bot.

Prints, for --recipients (targets from the issue):
  * delivered rate, over the first to the last send (target >= 0.95 x 290 = 275.5/s),
  * share of sends answered 429 (target < 1 %), duplicates (target 0), missing (target 0),
  * peak resident memory of the bot process;
then the same peak memory for --large recipients, in the same run: it should stay flat
(the outbox is read from SQLite 200 rows at a time, never loaded whole).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.storage import Storage  # noqa: E402
from tests.fake_bot_api import DEFAULT_TOKEN, FakeBotAPIProcess  # noqa: E402

RATE = 290
API_LIMIT = 300
FIRST_ID = 5_000_000


def prepare(db: Path, recipients: int) -> int:
    storage = Storage(db)
    with storage.db.conn:
        storage.db.table("subscribers").insert_all(
            {
                "chat_id": FIRST_ID + i,
                "chat_type": "private",
                "name": f"Warga {i}",
                "lang": "id",
                "topics": "[]",
                "active": True,
                "subscribed_at": time.time(),
                "subscribed_via": "benchmark",
                "subscribed_by": 0,
                "updated_at": time.time(),
            }
            for i in range(recipients)
        )
    broadcast_id = storage.create_broadcast(
        created_by=1,
        kind="text",
        html="📢 Pengumuman uji",
        photo=None,
        topic=None,
        scheduled_for=None,
    )
    assert storage.confirm_broadcast(broadcast_id) is not None
    storage.close()
    return broadcast_id


class PeakMemory(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.05)


def run_once(recipients: int, blocked: float) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeBotAPIProcess(DEFAULT_TOKEN, rate_limit=API_LIMIT) as fake,
    ):
        db = Path(tmp) / "bot.db"
        broadcast_id = prepare(db, recipients)
        fake.control.create_users(recipients, start_id=FIRST_ID, blocked_fraction=blocked, seed=1)
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_BASE_URL": fake.base_url,
            "DATABASE_PATH": str(db),
            "BROADCAST_RATE": str(RATE),
            "SEND_RATE_LIMIT": "0",
            "LOG_LEVEL": "WARNING",
        }
        started = time.monotonic()
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        memory = PeakMemory(bot.pid)
        memory.start()
        try:
            while True:
                with sqlite3.connect(db) as conn:
                    status = conn.execute(
                        "SELECT status FROM broadcasts WHERE id = ?", [broadcast_id]
                    ).fetchone()[0]
                if status == "done":
                    break
                if bot.poll() is not None:
                    assert bot.stderr is not None  # stderr=PIPE above
                    raise SystemExit(f"the bot stopped:\n{bot.stderr.read().decode()[-3000:]}")
                if time.monotonic() - started > recipients / RATE * 3 + 60:
                    raise SystemExit("the broadcast did not finish in time")
                time.sleep(0.2)
        finally:
            memory.running = False
            bot.terminate()
            bot.wait(20)
        stats = fake.control.stats()
        with sqlite3.connect(db) as conn:
            counts = dict(
                conn.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall()
            )
    sends = stats["calls"].get("sendMessage", 0)
    per_chat = stats["sent_per_chat"]
    duration = (stats["last_send"] or 0) - (stats["first_send"] or 0)
    delivered = counts.get("sent", 0)
    expected = recipients - counts.get("blocked", 0)
    return {
        "recipients": recipients,
        "delivered": delivered,
        "blocked": counts.get("blocked", 0),
        "failed": counts.get("failed", 0),
        "rate": (sends - 1) / duration if duration > 0 else 0.0,
        "share_429": stats["rate_limited"] / sends if sends else 0.0,
        "duplicates": sum(1 for n in per_chat.values() if n > 1),
        "missing": expected - sum(1 for n in per_chat.values() if n >= 1),
        "peak_mb": memory.peak / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--large", type=int, default=30000)
    parser.add_argument("--blocked", type=float, default=0.05)
    args = parser.parse_args()
    small = run_once(args.recipients, args.blocked)
    print(f"{small['recipients']:,} recipients ({small['blocked']:,} blocked the bot):")
    print(
        f"  delivered {small['delivered']:,}, failed {small['failed']:,}, "
        f"missing {small['missing']:,} (target 0), duplicates {small['duplicates']:,} (target 0)"
    )
    print(
        f"  rate {small['rate']:.1f} messages/s = {small['rate'] / RATE:.3f} of "
        f"BROADCAST_RATE={RATE} (target >= 0.95); 429 answers: {small['share_429']:.2%} of "
        "sends (target < 1 %)"
    )
    print(f"  peak memory of the bot: {small['peak_mb']:.1f} MB")
    if args.large:
        large = run_once(args.large, args.blocked)
        print(
            f"{large['recipients']:,} recipients: peak memory {large['peak_mb']:.1f} MB "
            f"(x{large['peak_mb'] / small['peak_mb']:.2f} of {small['recipients']:,}); rate "
            f"{large['rate']:.1f}/s, missing {large['missing']}, duplicates {large['duplicates']}"
        )


if __name__ == "__main__":
    main()
