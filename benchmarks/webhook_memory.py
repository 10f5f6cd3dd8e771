"""Peak memory of `ukm-bot run --webhook` under eight simultaneous 95 MB POSTs.

    python benchmarks/webhook_memory.py [--clients 8] [--mb 95]

A standalone fake Bot API; the bot serves webhooks on 127.0.0.1. Eight clients at once each
POST a 95 MB body: first without the secret header, then with the right secret (a body
over the limit). The process's resident memory is sampled every 10 ms; printed: idle and
peak, and how much of each body the server took before refusing it (target: peak under
150 MB). The same-run baseline is PTB's own webhook server (tornado, `run_webhook`) with
the same secret, which reads a whole body before it checks the secret (before the change:
71 -> 1,103 MB); skipped when PTB's webhooks extra (tornado) is not installed.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make `benchmarks` importable

from benchmarks.telegram_harness import (  # noqa: E402
    DEFAULT_TOKEN,
    ChildProcess,
    MemorySampler,
    bot_command,
    bot_env,
    exit_on_sigterm,
    start_fake,
    wait_until,
)

SECRET = "bench-Secret_123"
PATH = "/telegram/webhook"
CHUNK = b" " * (1 << 20)

# The baseline: PTB's own webhook server, as the bot ran it before (updater.start_webhook).
PTB_WEBHOOK_BOT = """
import sys
from telegram.ext import ApplicationBuilder
base_url, token, port, secret, path = sys.argv[1:6]
app = ApplicationBuilder().token(token).base_url(base_url).build()
app.run_webhook(listen="127.0.0.1", port=int(port), url_path=path.lstrip("/"),
                webhook_url="https://bot.example" + path, secret_token=secret)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(port: int, size: int, secret: str | None, taken: list[int]) -> None:
    """Send a POST of `size` bytes as fast as the server takes them; record how many it
    took before it answered or closed."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as conn:
        head = [f"POST {PATH} HTTP/1.1", "Host: bot", f"Content-Length: {size}"]
        if secret is not None:
            head.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
        try:
            conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
            while sent < size:
                conn.sendall(CHUNK[: min(len(CHUNK), size - sent)])
                sent += min(len(CHUNK), size - sent)
            conn.settimeout(60)
            conn.recv(100)
        except OSError:
            pass  # refused and closed mid-upload: what a server should do
    taken.append(sent)


def flood(port: int, clients: int, size: int, secret: str | None) -> list[int]:
    taken: list[int] = []
    threads = [
        threading.Thread(target=post, args=(port, size, secret, taken)) for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return taken


def measure(name: str, child: ChildProcess, port: int, clients: int, size: int) -> None:
    wait_until(lambda: listening(port), 60, f"{name} to listen")
    time.sleep(1)
    child.ensure_alive()
    with MemorySampler(child.pid, interval=0.01) as idle:
        time.sleep(0.5)
    print(f"{name}: idle {idle.peak_mb:.0f} MB")
    for label, secret in (("without the secret", None), ("with the secret", SECRET)):
        with MemorySampler(child.pid, interval=0.01) as memory:
            started = time.monotonic()
            taken = flood(port, clients, size, secret)
            elapsed = time.monotonic() - started
            time.sleep(0.3)
        read = sum(taken) / 2**20
        print(
            f"  {clients} x {size / 2**20:.0f} MB {label}: peak {memory.peak_mb:.0f} MB "
            f"(target < 150 MB); the clients got {read:.0f} MB out before being cut off, in "
            f"{elapsed:.1f} s"
        )


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--mb", type=float, default=95.0)
    args = parser.parse_args()
    size = int(args.mb * 2**20)
    exit_on_sigterm()
    fake = start_fake()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            env = bot_env(fake.base_url, Path(tmp) / "bot.db", 0, DEFAULT_TOKEN)
            env.update(
                WEBHOOK_URL=f"https://bot.example{PATH}",
                WEBHOOK_SECRET=SECRET,
                LISTEN="127.0.0.1",
                PORT=str(port),
            )
            bot = ChildProcess("ukm-bot run --webhook", [*bot_command(), "--webhook"], env=env)
            bot.start()
            try:
                measure("ukm-bot run --webhook (aiohttp)", bot, port, args.clients, size)
            finally:
                bot.close()
        try:
            import tornado  # noqa: F401
        except ImportError:
            print("PTB's webhook server: not installed (python-telegram-bot[webhooks]); skipped")
            return
        port = free_port()
        arguments = [fake.base_url, DEFAULT_TOKEN, str(port), SECRET, PATH]
        baseline = ChildProcess(
            "PTB run_webhook (tornado)",
            [sys.executable, "-c", PTB_WEBHOOK_BOT, *arguments],
            env={**os.environ},
        )
        baseline.start()
        try:
            measure("baseline, PTB's run_webhook (tornado)", baseline, port, args.clients, size)
        finally:
            baseline.close()
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
