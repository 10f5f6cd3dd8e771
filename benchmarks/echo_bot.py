"""A bare python-telegram-bot echo bot: the baseline for benchmarks/telegram_throughput.py.

    python benchmarks/echo_bot.py --base-url http://127.0.0.1:PORT/bot --token 123456:TOKEN

Long polling, every text message answered with one sendMessage of the same text. By
default exactly PTB's defaults: one update at a time, PTB's default connection pool (the
fastest of PTB's ready configurations against a local fake: 256 updates at once over a
256-connection pool is about four times slower, its pool bookkeeping dominating).
--concurrency N handles N updates at once, --pool N sizes the pool. With --rate-limit N
(N > 0) sends go through AIORateLimiter(overall_max_rate=N, max_retries=3); with 0 there is
no rate limiter at all. No database, no matching, no templates: whatever the real bot loses
against this is the cost of its work.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await context.bot.send_message(message.chat_id, message.text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8081/bot")
    parser.add_argument("--token", required=True)
    parser.add_argument(
        "--rate-limit", type=float, default=0, help="overall sends per second (0 = no limiter)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=1, help="updates at once (1 = PTB's default)"
    )
    parser.add_argument(
        "--pool", type=int, default=0, help="HTTP connection pool size (0 = PTB's default)"
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    builder = ApplicationBuilder().token(args.token).base_url(args.base_url)
    if args.concurrency > 1:
        builder = builder.concurrent_updates(args.concurrency)
    if args.pool:
        builder = builder.connection_pool_size(args.pool)
    application: Application[Any, Any, Any, Any, Any, Any]
    if args.rate_limit > 0:
        limiter = AIORateLimiter(
            overall_max_rate=args.rate_limit, overall_time_period=1, max_retries=3
        )
        application = builder.rate_limiter(limiter).build()
    else:
        application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
