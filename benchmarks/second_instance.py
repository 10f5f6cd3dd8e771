"""A second `ukm-bot run` on the same database during an announcement.

    python benchmarks/second_instance.py [--recipients 200] [--rate 20]

A standalone fake Bot API, `--recipients` subscribers, an announcement already confirmed
(Kirim pressed). The first bot sends it at `--rate`; when about a tenth is out, a second
`ukm-bot run` is started on the same DATABASE_PATH. Prints (issue 9's figures): whether the
second copy was refused, how fast, with which message; then, once the announcement is done,
how many subscribers got it twice (target 0) and how many not at all (target 0). Before the
one-copy lock, the second copy resumed the announcement and reset the first one's rows in
flight: 155 of 200 subscribers got two copies.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make `benchmarks` importable

from benchmarks.telegram_harness import (  # noqa: E402
    DEFAULT_TOKEN,
    ChildProcess,
    announcement_to,
    bot_command,
    bot_env,
    broadcast_status,
    exit_on_sigterm,
    start_fake,
    wait_until,
)

FIRST_ID = 3_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--recipients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    args = parser.parse_args()
    exit_on_sigterm()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bot.db"
        broadcast_id = announcement_to(
            database, range(FIRST_ID, FIRST_ID + args.recipients), "📢 uji dua salinan", "test"
        )
        fake = start_fake()
        first = second = None
        try:
            fake.control.create_users(args.recipients, start_id=FIRST_ID)
            env = bot_env(fake.base_url, database, 0, DEFAULT_TOKEN)
            env.update(BROADCAST_RATE=f"{args.rate:g}", LOG_LEVEL="INFO")
            first = ChildProcess("first copy", bot_command(), env=env, cwd=Path(tmp))
            first.start()
            wait_until(
                lambda: fake.control.stats()["sent_total"] >= args.recipients // 10,
                60,
                "a tenth of the announcement",
            )
            second = ChildProcess("second copy", bot_command(), env=env, cwd=Path(tmp))
            started = time.monotonic()
            second.start()
            assert second.process is not None
            code = second.process.wait(60)
            refused_in = time.monotonic() - started
            message = second.output().strip().splitlines()[-1:] or ["(nothing)"]
            first_alive = first.alive()
            wait_until(
                lambda: broadcast_status(database, broadcast_id) == "done",
                args.recipients / args.rate * 3 + 30,
                "the announcement to finish",
            )
            per_chat = {int(k): v for k, v in fake.control.stats()["sent_per_chat"].items()}
        finally:
            for child in (second, first):
                if child is not None:
                    child.close()
            fake.stop()
    recipients = range(FIRST_ID, FIRST_ID + args.recipients)
    twice = sum(1 for c in recipients if per_chat.get(c, 0) > 1)
    missing = sum(1 for c in recipients if per_chat.get(c, 0) == 0)
    verdict = "refused" if code != 0 else "NOT refused"
    print(f"second copy on the same database: {verdict} (exit {code}) in {refused_in:.1f} s")
    print(f"  it said: {message[0]}")
    print(f"  the first copy kept running: {first_alive}")
    print(
        f"announcement to {args.recipients}: duplicates {twice} (target 0), "
        f"missing {missing} (target 0); before the lock: 155 duplicates of 200"
    )
    sys.exit(0 if code != 0 and twice == 0 and missing == 0 else 1)


if __name__ == "__main__":
    main()
