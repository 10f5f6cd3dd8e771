"""The fake as a separate process: `python -m tests.fake_bot_api`, and a runner for it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import select
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from tests.fake_bot_api.client import FakeControlClient
from tests.fake_bot_api.protocol import DEFAULT_TOKEN
from tests.fake_bot_api.server import FakeBotAPI


class FakeBotAPIProcess:
    """Run ``python -m tests.fake_bot_api`` as a child process (``with`` block or start/stop)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        port: int = 0,
        bot_username: str = "ukm_test_bot",
        rate_limit: float | None = None,
        extra_args: Sequence[str] = (),
        python: str = sys.executable,
        cwd: str | Path | None = None,
        ready_timeout: float = 20.0,
    ) -> None:
        self.token = token
        self.port = port
        self.args = [python, "-m", "tests.fake_bot_api", "--token", token, "--port", str(port)]
        self.args += ["--bot-username", bot_username]
        if rate_limit is not None:
            self.args += ["--rate-limit", str(rate_limit)]
        self.args += list(extra_args)
        # The repository root, where `-m tests.fake_bot_api` resolves.
        self.cwd = Path(cwd) if cwd is not None else Path(__file__).resolve().parents[2]
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def control(self) -> FakeControlClient:
        return FakeControlClient(self.url)

    def start(self) -> int:
        """Start the process and wait for its "READY <port>" line; returns the port."""
        self.process = subprocess.Popen(
            self.args, cwd=self.cwd, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        stdout = self.process.stdout
        assert stdout is not None
        deadline = time.monotonic() + self.ready_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"the fake Bot API process did not become ready: {self.args}")
            readable, _, _ = select.select([stdout], [], [], remaining)
            if not readable:
                continue
            line = stdout.readline()
            if line.startswith("READY "):
                self.port = int(line.split()[1])
                return self.port

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> FakeBotAPIProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeBotAPI(
        args.token,
        args.bot_username,
        host=args.host,
        port=args.port,
        strict_html=args.strict_html,
        record_calls=args.record_calls,
        can_read_all_group_messages=args.read_all_group_messages,
        supports_inline_queries=args.inline,
    )
    fake.set_rate_limit(args.rate_limit, args.per_chat_rate, args.per_group_per_minute)
    await fake.start()
    print(f"READY {fake.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: serve the fake API (plus /_fake/ control API) until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.fake_bot_api",
        description="Serve a fake Telegram Bot API on 127.0.0.1 for end-to-end tests and "
        "benchmarks; prints READY <port> when it listens.",
    )
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port (see READY line)")
    parser.add_argument("--bot-username", default="ukm_test_bot")
    parser.add_argument("--rate-limit", type=float, default=None, help="sends per second overall")
    parser.add_argument(
        "--per-chat-rate", type=float, default=None, help="sends per second per chat"
    )
    parser.add_argument("--per-group-per-minute", type=float, default=None)
    parser.add_argument("--strict-html", action="store_true", help="reject bare & in HTML")
    parser.add_argument("--record-calls", action="store_true", help="keep every Call in memory")
    parser.add_argument("--read-all-group-messages", action="store_true")
    parser.add_argument(
        "--inline", action="store_true", help="inline mode on (BotFather's /setinline)"
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
