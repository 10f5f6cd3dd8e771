"""Shared plumbing for the end-to-end Telegram benchmarks (not a benchmark itself).

Starts `ukm-bot run` (or benchmarks/echo_bot.py) as a child process against a standalone
fake Bot API (tests/fake_bot_api/), waits for it to poll, samples its memory, watches the
fake's /_fake/stats, and collects what the bot wrote to stderr.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.config import SETTING_NAMES  # noqa: E402
from bot.storage import Storage  # noqa: E402
from tests.fake_bot_api import (  # noqa: E402
    DEFAULT_TOKEN,
    FakeBotAPIProcess,
    FakeControlClient,
)

__all__ = [
    "DEFAULT_TOKEN",
    "ROOT",
    "BenchmarkError",
    "ChildProcess",
    "FakeBotAPIProcess",
    "FakeControlClient",
    "MemorySampler",
    "bot_command",
    "bot_env",
    "distinct_questions",
    "echo_command",
    "exit_on_sigterm",
    "questions",
    "start_fake",
    "wait_until",
]

# Settings the bot reads from the environment (the one list, bot/config.py); cleared so the
# caller's shell cannot leak in.
_BOT_SETTINGS = SETTING_NAMES


class BenchmarkError(RuntimeError):
    """The benchmark could not be run (bot did not start, timed out, ...)."""


def questions(path: Path = ROOT / "tests" / "data" / "dev.jsonl") -> list[str]:
    """The residents' questions of a test file (its "q" fields), in file order."""
    found = [json.loads(line)["q"] for line in path.read_text().splitlines() if line.strip()]
    if not found:
        raise BenchmarkError(f"no questions in {path}")
    return found


# Ways residents open a message; used to make more distinct questions than the test sets hold.
OPENINGS = (
    "",
    "halo min, ",
    "permisi kak, ",
    "mau tanya, ",
    "pagi min, ",
    "siang kak, ",
    "sore min, ",
    "malam kak, ",
)


# The question sets the benchmarks draw from, fixed so figures stay comparable as sets are
# added (short and everyday questions; the long multi-part ones of later sets are not here).
QUESTION_SETS = (
    "dev",
    "eval_blind",
    "eval_calibration",
    "eval_check",
    "eval_final",
    "eval_fresh",
    "eval_holdout",
    "eval_unseen",
)


def distinct_questions(count: int, folder: Path = ROOT / "tests" / "data") -> list[str]:
    """`count` different questions, as residents wrote them: every "q" of QUESTION_SETS
    (about 1,600 distinct ones, in that order), then the same with a greeting in front
    ("halo min, ..."), so no two texts are the same (no help from repetition)."""
    seen: dict[str, None] = {}
    for name in QUESTION_SETS:
        for text in questions(folder / f"{name}.jsonl"):
            seen.setdefault(text.strip(), None)
    base = list(seen)
    found = [opening + q for opening in OPENINGS for q in base]
    if count > len(found):
        raise BenchmarkError(f"only {len(found)} distinct questions available, {count} asked")
    return found[:count]


def bot_command() -> list[str]:
    """`ukm-bot run` from the same environment as this interpreter."""
    script = Path(sys.executable).parent / "ukm-bot"
    if script.exists():
        return [str(script), "run"]
    found = shutil.which("ukm-bot")
    return [found, "run"] if found else [sys.executable, "-m", "bot", "run"]


def echo_command(
    base_url: str, token: str, rate_limit: float, pool: int = 0, concurrency: int = 1
) -> list[str]:
    script = Path(__file__).resolve().parent / "echo_bot.py"
    extra = ["--pool", str(pool)] if pool else []
    extra += ["--concurrency", str(concurrency)]
    return [
        sys.executable,
        str(script),
        "--base-url",
        base_url,
        "--token",
        token,
        "--rate-limit",
        f"{rate_limit:g}",
        *extra,
    ]


def bot_env(
    base_url: str, database: Path, send_rate_limit: float, token: str, **settings: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _BOT_SETTINGS}
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_BASE_URL=base_url,
        DATABASE_PATH=str(database),
        SEND_RATE_LIMIT=f"{send_rate_limit:g}",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def start_fake(
    port: int = 0, rate_limit: float | None = None, extra_args: Sequence[str] = ()
) -> FakeBotAPIProcess:
    fake = FakeBotAPIProcess(
        DEFAULT_TOKEN,
        port=port,
        rate_limit=rate_limit,
        extra_args=extra_args,
        python=sys.executable,
        cwd=ROOT,
    )
    try:
        fake.start()
    except RuntimeError as err:
        raise BenchmarkError(f"{err} (is port {port} free?)") from err
    return fake


def exit_on_sigterm() -> None:
    """SIGTERM raises SystemExit, so `finally` blocks still stop the child processes."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def confirmed_announcement(storage: Storage, html: str) -> int:
    """A text announcement, confirmed as staff would with Kirim: sent when a bot runs."""
    broadcast_id = storage.create_broadcast(
        created_by=1, kind="text", html=html, photo=None, topic=None, scheduled_for=None
    )
    assert storage.confirm_broadcast(broadcast_id) is not None
    return broadcast_id


def announcement_to(database: Path, chat_ids: range, html: str, via: str) -> int:
    """A database whose private subscribers are `chat_ids`, with one confirmed announcement."""
    storage = Storage(database)
    for chat_id in chat_ids:
        storage.subscribe(chat_id, "private", f"Warga {chat_id}", "id", via, chat_id)
    broadcast_id = confirmed_announcement(storage, html)
    storage.close()
    return broadcast_id


def broadcast_status(database: Path, broadcast_id: int) -> str:
    """'sending', 'done', ... read with the standard sqlite3 module, beside the running bot."""
    with sqlite3.connect(database) as conn:
        row = conn.execute("SELECT status FROM broadcasts WHERE id = ?", [broadcast_id]).fetchone()
    return str(row[0]) if row else "?"


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Call `check` until it returns something truthy; BenchmarkError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise BenchmarkError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


@dataclass
class ChildProcess:
    """A bot under test: its output goes to a temporary file, read back on demand."""

    name: str
    args: Sequence[str]
    env: dict[str, str] | None = None
    cwd: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _log: Any = field(default=None, init=False)

    def start(self) -> None:
        prefix = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.name).strip("-") + "-"
        self._log = tempfile.NamedTemporaryFile(prefix=prefix, suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            list(self.args),
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        if self.process is None:
            raise BenchmarkError(f"{self.name} was not started")
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        if self._log is None:
            return ""
        return Path(self._log.name).read_text(errors="replace")

    def problems(self, ignore: Sequence[str] = ()) -> list[str]:
        """Lines of its output that look like warnings, errors or tracebacks."""
        markers = (" WARNING ", " ERROR ", " CRITICAL ", "Traceback", "Error:")
        return [
            line
            for line in self.output().splitlines()
            if any(m in line for m in markers) and not any(i in line for i in ignore)
        ]

    def ensure_alive(self) -> None:
        if not self.alive():
            code = self.process.returncode if self.process is not None else None
            raise BenchmarkError(
                f"{self.name} exited (code {code}). Its output:\n{self.output() or '(none)'}"
            )

    def wait_polling(self, control: FakeControlClient, timeout: float = 60.0) -> None:
        """Until the bot has called getUpdates once (its startup calls are done by then)."""

        def polling() -> bool:
            self.ensure_alive()
            return bool(control.stats()["calls"].get("getUpdates"))

        try:
            wait_until(polling, timeout, f"{self.name} to start polling", 0.1)
        except BenchmarkError as err:
            if "timed out" in str(err):
                raise BenchmarkError(f"{err}. Its output so far:\n{self.output()}") from None
            raise

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM (PTB shuts down cleanly on it), then SIGKILL; returns the exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        return process.returncode

    def close(self) -> None:
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None


class MemorySampler:
    """Peak resident memory of a process (and its children), sampled in a thread."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20

    def _run(self) -> None:
        try:
            process = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            try:
                rss = process.memory_info().rss
                for child in process.children(recursive=True):
                    rss += child.memory_info().rss
            except psutil.Error:
                return  # the process is gone
            self.peak = max(self.peak, rss)
            self.samples += 1
            self._stop.wait(self.interval)
