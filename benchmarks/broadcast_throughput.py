"""Broadcast delivery against a fake Bot API that enforces a global limit, as Telegram does.

    python benchmarks/broadcast_throughput.py [--recipients 3000] [--large 100000]

The fake Bot API runs in its own process, enforcing 300 messages/s overall (answering 429
with retry_after beyond that, and refusing every send until that retry_after has passed,
as Telegram does). The bot runs as `ukm-bot run` in another process with
BROADCAST_RATE=290 and SEND_RATE_LIMIT=0, and resumes a broadcast prepared in its
database (as if Kirim had just been pressed). 5 % of recipients have blocked the bot.

Prints, for --recipients and for --large recipients (issue 10: 100,000):
  * rate: recipients handled per second (sends not refused with 429, blocked ones included),
    over the first to the last delivered send (target >= 0.95 x 290 = 275.5/s),
  * share of sends answered 429 (target < 1 %), how many of them for the overall limit,
  * duplicates (target 0), missing (target 0),
  * CPU of the bot process per send (from its first send to its last), peak resident memory
    (flat: the outbox is read from SQLite 200 rows at a time, never loaded whole).
The same-run baseline (--baseline-recipients, default the --large count): a bare PTB sender,
benchmarks/ptb_broadcaster.py (AIORateLimiter at 290/s, 3 retries, 64 in flight, no database),
against the same fake: what PTB's own rate limiter does at that size.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.telegram_harness import confirmed_announcement  # noqa: E402
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
    broadcast_id = confirmed_announcement(storage, "📢 Pengumuman uji")
    storage.close()
    return broadcast_id


class Watch(threading.Thread):
    """Peak memory of a process, and its CPU time when the first and the last send happen."""

    def __init__(self, pid: int, fake: FakeBotAPIProcess) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.fake = fake
        self.peak = 0
        self.running = True
        self.cpu_first: float | None = None
        self.cpu_last = 0.0

    def cpu(self) -> float:
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def run(self) -> None:
        control = self.fake.control
        while self.running:
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
                if self.cpu_first is None and control.stats()["first_send"] is not None:
                    self.cpu_first = self.cpu()
                self.cpu_last = self.cpu()
            except psutil.Error:
                return
            time.sleep(0.05)


@dataclass
class Result:
    who: str
    recipients: int
    delivered: int
    blocked: int
    failed: int
    rate: float
    share_429: float
    overall_429: int
    duplicates: int
    missing: int
    cpu_ms_per_send: float
    peak_mb: float


def run_once(
    recipients: int, blocked: float, baseline: bool = False, source: Path | None = None
) -> Result:
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeBotAPIProcess(DEFAULT_TOKEN, rate_limit=API_LIMIT) as fake,
    ):
        db = Path(tmp) / "bot.db"
        fake.control.create_users(recipients, start_id=FIRST_ID, blocked_fraction=blocked, seed=1)
        if baseline:
            args = [
                sys.executable,
                str(ROOT / "benchmarks" / "ptb_broadcaster.py"),
                "--base-url",
                fake.base_url,
                "--token",
                DEFAULT_TOKEN,
                "--first",
                str(FIRST_ID),
                "--count",
                str(recipients),
                "--rate",
                str(RATE),
            ]
            env = dict(os.environ)
        else:
            broadcast_id = prepare(db, recipients)
            args = [sys.executable, "-m", "bot", "run"]
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
                "TELEGRAM_BASE_URL": fake.base_url,
                "DATABASE_PATH": str(db),
                "BROADCAST_RATE": str(RATE),
                "SEND_RATE_LIMIT": "0",
                "LOG_LEVEL": "WARNING",
            }
            if source is not None:  # another checkout's bot (before/after tables)
                env["PYTHONPATH"] = str(source)
        started = time.monotonic()
        child = subprocess.Popen(
            args, env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        watch = Watch(child.pid, fake)
        watch.start()
        counts: dict[str, int] = {}
        try:
            while True:
                if baseline:
                    if child.poll() is not None:
                        break
                else:
                    with sqlite3.connect(db) as conn:
                        status = conn.execute(
                            "SELECT status FROM broadcasts WHERE id = ?", [broadcast_id]
                        ).fetchone()[0]
                    if status == "done":
                        break
                    if child.poll() is not None:
                        assert child.stderr is not None  # stderr=PIPE above
                        tail = child.stderr.read().decode()[-3000:]
                        raise SystemExit(f"the bot stopped:\n{tail}")
                if time.monotonic() - started > recipients / RATE * 3 + 60:
                    raise SystemExit("the broadcast did not finish in time")
                time.sleep(0.2)
            watch.running = False
            watch.join(5)
        finally:
            watch.running = False
            if child.poll() is None:
                child.terminate()
            output, _ = child.communicate(timeout=30)
        stats = fake.control.stats()
        if baseline:
            sent_failed = json.loads(output.decode().strip().splitlines()[-1])
            counts = {"sent": int(sent_failed["sent"]), "failed": int(sent_failed["failed"])}
        else:
            with sqlite3.connect(db) as conn:
                counts = dict(
                    conn.execute(
                        "SELECT status, COUNT(*) FROM deliveries GROUP BY status"
                    ).fetchall()
                )
    sends = stats["calls"].get("sendMessage", 0)
    per_chat = stats["sent_per_chat"]
    duration = (stats["last_send"] or 0) - (stats["first_send"] or 0)
    blocked_users = int(stats["blocked"])
    delivered = sum(1 for n in per_chat.values() if n >= 1)
    cpu = watch.cpu_last - (watch.cpu_first or 0.0)
    return Result(
        who="bare PTB sender (AIORateLimiter)" if baseline else "ukm-bot",
        recipients=recipients,
        delivered=delivered,
        blocked=int(counts.get("blocked", blocked_users)),
        failed=counts.get("failed", 0),
        # Recipients handled per second: every send but those refused with 429 (a blocked
        # recipient costs a send, as on Telegram).
        rate=(sends - stats["rate_limited"] - 1) / duration if duration > 0 else 0.0,
        share_429=stats["rate_limited"] / sends if sends else 0.0,
        overall_429=stats["rate_limited_overall"],
        duplicates=sum(1 for n in per_chat.values() if n > 1),
        missing=recipients - blocked_users - delivered,
        cpu_ms_per_send=cpu * 1000 / sends if sends else 0.0,
        peak_mb=watch.peak / 2**20,
    )


def show(result: Result) -> None:
    print(
        f"{result.who}, {result.recipients:,} recipients ({result.blocked:,} blocked the bot):\n"
        f"  delivered {result.delivered:,}, failed {result.failed:,}, missing "
        f"{result.missing:,} (target 0), duplicates {result.duplicates:,} (target 0)\n"
        f"  rate {result.rate:.1f} messages/s = {result.rate / RATE:.3f} of {RATE} "
        f"(target >= 0.95); 429 answers: {result.share_429:.2%} of sends (target < 1 %), "
        f"{result.overall_429:,} of them for the overall limit\n"
        f"  CPU {result.cpu_ms_per_send:.2f} ms per send; peak memory {result.peak_mb:.1f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--blocked", type=float, default=0.05)
    parser.add_argument(
        "--baseline-recipients",
        type=int,
        default=None,
        help="recipients for the bare PTB baseline (default: --large; 0 skips it)",
    )
    parser.add_argument(
        "--bot-source", type=Path, default=None, help="run the bot from another checkout"
    )
    args = parser.parse_args()
    source = args.bot_source.resolve() if args.bot_source else None
    small = run_once(args.recipients, args.blocked, source=source)
    show(small)
    if args.large:
        large = run_once(args.large, args.blocked, source=source)
        show(large)
        print(
            f"  memory flat: {large.peak_mb:.1f} MB at {large.recipients:,} = "
            f"x{large.peak_mb / small.peak_mb:.2f} of {small.recipients:,}"
        )
    baseline = args.large if args.baseline_recipients is None else args.baseline_recipients
    if baseline:
        show(run_once(baseline, args.blocked, baseline=True))


if __name__ == "__main__":
    main()
