"""A bare PTB announcement sender: the baseline of benchmarks/broadcast_throughput.py.

    python benchmarks/ptb_broadcaster.py --base-url URL --token TOKEN --first ID --count N

Sends one message to each of N private chats (ids FIRST..FIRST+N-1) the way PTB's own tools
suggest: an ExtBot with AIORateLimiter(overall_max_rate=RATE, max_retries=3) and, like the
bot, at most 64 requests in flight. No database. Prints one JSON line: sent, failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os

os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot

IN_FLIGHT = 64


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rate", type=float, default=290)
    args = parser.parse_args()
    limiter = AIORateLimiter(overall_max_rate=args.rate, overall_time_period=1, max_retries=3)
    bot: ExtBot[int] = ExtBot(args.token, base_url=args.base_url, rate_limiter=limiter)
    slots = asyncio.Semaphore(IN_FLIGHT)
    counts = {"sent": 0, "failed": 0}

    async def deliver(chat_id: int) -> None:
        try:
            await bot.send_message(chat_id, "📢 Pengumuman uji")
            counts["sent"] += 1
        except TelegramError:
            counts["failed"] += 1
        finally:
            slots.release()

    async with bot:
        tasks = set()
        for chat_id in range(args.first, args.first + args.count):
            await slots.acquire()
            task = asyncio.create_task(deliver(chat_id))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
