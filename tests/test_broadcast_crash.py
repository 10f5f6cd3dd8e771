"""A broadcast survives `kill -9`: restarted, it finishes; only in-flight rows repeat."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.broadcast import MAX_IN_FLIGHT
from bot.storage import Storage
from tests.fake_bot_api import DEFAULT_TOKEN, FakeBotAPIProcess

RECIPIENTS = 400
FIRST_ID = 2_000_000


def start_bot(db: Path, base_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_BASE_URL": base_url,
        "DATABASE_PATH": str(db),
        "BROADCAST_RATE": "80",
        "SEND_RATE_LIMIT": "0",
        "LOG_LEVEL": "INFO",
    }
    with log.open("ab") as stderr:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=db.parent,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_kill_9_halfway_then_restart_finishes_without_skipping(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    log = tmp_path / "bot.log"
    storage = Storage(db)
    for chat_id in range(FIRST_ID, FIRST_ID + RECIPIENTS):
        storage.subscribe(chat_id, "private", f"Warga {chat_id}", "id", "test", chat_id)
    broadcast_id = storage.create_broadcast(
        created_by=1,
        kind="text",
        html="📢 uji kill -9",
        photo=None,
        topic=None,
        scheduled_for=None,
    )
    assert storage.confirm_broadcast(broadcast_id) is not None  # Kirim was pressed
    storage.close()

    with FakeBotAPIProcess(DEFAULT_TOKEN) as fake:
        fake.control.create_users(RECIPIENTS, start_id=FIRST_ID)
        bot = start_bot(db, fake.base_url, log)
        try:
            wait(
                lambda: fake.control.stats()["sent_total"] >= RECIPIENTS // 3,
                30,
                "a third of the broadcast",
            )
            os.kill(bot.pid, signal.SIGKILL)
            bot.wait(10)
        finally:
            if bot.poll() is None:
                bot.kill()
        with sqlite3.connect(db) as conn:
            in_flight = conn.execute(
                "SELECT COUNT(*) FROM deliveries WHERE status = 'sending'"
            ).fetchone()[0]
            sent_before = conn.execute(
                "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"
            ).fetchone()[0]
        assert 0 < sent_before < RECIPIENTS, "the kill must land in the middle"
        assert in_flight <= MAX_IN_FLIGHT

        bot = start_bot(db, fake.base_url, log)
        try:

            def finished() -> bool:
                with sqlite3.connect(db) as conn:
                    row = conn.execute(
                        "SELECT status FROM broadcasts WHERE id = ?", [broadcast_id]
                    ).fetchone()
                return bool(row and row[0] == "done")

            wait(finished, 60, "the resumed broadcast to finish")
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(15)
            except subprocess.TimeoutExpired:
                bot.kill()
        per_chat = {int(k): v for k, v in fake.control.stats()["sent_per_chat"].items()}

    recipients = range(FIRST_ID, FIRST_ID + RECIPIENTS)
    missing = [c for c in recipients if per_chat.get(c, 0) == 0]
    duplicated = [c for c in recipients if per_chat.get(c, 0) > 1]
    assert missing == [], f"skipped recipients: {missing[:10]}\n{log.read_text()[-2000:]}"
    assert all(per_chat[c] <= 2 for c in recipients)
    assert len(duplicated) <= in_flight, (len(duplicated), in_flight)
