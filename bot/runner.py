"""`ukm-bot run`'s life: reach the Bot API, receive updates (polling or the webhook
server), stop cleanly on a signal, and say in one line why it could not go on.

The same steps, in the same order, as PTB's `run_polling`, which cannot do three things
this needs: wait for a Bot API that is not reachable yet (PTB exits after one failed getMe
with 243 lines of traceback), stop on a 409 Conflict from getUpdates (PTB logged it every
two seconds as "Error while handling a NoneType", with a traceback, and kept polling), and
serve webhooks with a server that checks the secret before it reads a body (webhook.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.config import Settings
from bot.ordering import FairUpdateProcessor
from bot.webhook import WebhookServer, webhook_path

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)
# Seconds between attempts to reach the Bot API at start-up: quick at first (a network
# still coming up), then every half minute, for as long as it takes.
REACH_BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
POLL_TIMEOUT = 10  # seconds a long poll waits at Telegram (PTB's default)


class StartupError(Exception):
    """The bot cannot start or go on; the message says what to fix. Exit code 2 when a
    setting is wrong (like a malformed one), 1 for anything else."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class BotRunner:
    """Starts the application, keeps it receiving until `stop()`, then shuts it down."""

    def __init__(
        self,
        application: AnyApplication,
        settings: Settings,
        *,
        webhook: bool = False,
        on_started: Callable[[], None] | None = None,
    ) -> None:
        self.application = application
        self.on_started = on_started  # once receiving updates
        self.settings = settings
        self.webhook = webhook
        self.server: WebhookServer | None = None
        self.stopping = asyncio.Event()
        self.reason: str | None = None  # why the bot stopped by itself, for the exit

    async def run(self, handle_signals: bool = True) -> None:
        """Until SIGINT/SIGTERM or a reason to stop; StartupError when it cannot start."""
        loop = asyncio.get_running_loop()
        if handle_signals:
            for sig in STOP_SIGNALS:
                loop.add_signal_handler(sig, self.stopping.set)
        try:
            if await self.start():
                if self.on_started is not None:
                    self.on_started()
                await self.stopping.wait()
        finally:
            await self.shutdown()
        if self.reason is not None:
            raise StartupError(self.reason)

    def stop(self, reason: str | None = None) -> None:
        if reason is not None and self.reason is None:
            self.reason = reason
        self.stopping.set()

    async def start(self) -> bool:
        """Everything up to receiving updates; False when stopped while waiting."""
        app = self.application
        if not await self.reach_bot_api():
            return False
        if app.post_init is not None:
            await app.post_init(app)
        if self.webhook:
            await self.start_webhook()
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=POLL_TIMEOUT,
                allowed_updates=Update.ALL_TYPES,
                error_callback=self.polling_error,
            )
        await app.start()
        return True

    async def shutdown(self) -> None:
        """PTB's order: stop receiving, stop the application, then shut it down."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if self.server is not None:
            await self.server.stop()
        if app.running:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)

    async def reach_bot_api(self) -> bool:
        """getMe (Application.initialize), retried with back-off while the Bot API cannot be
        reached; a token it rejects stops the bot. False when stopped while waiting."""
        base = self.settings.telegram_base_url
        attempt = 0
        while True:
            try:
                await self.application.initialize()
                return True
            except InvalidToken as err:
                # Not chained: PTB's message and its cause carry the token itself.
                raise StartupError(token_rejected(err, base), exit_code=2) from None
            except (NetworkError, RetryAfter) as err:
                delay = REACH_BACKOFF[min(attempt, len(REACH_BACKOFF) - 1)]
                attempt += 1
                log.warning(
                    "Waiting for the Telegram Bot API at %s (TELEGRAM_BASE_URL): %s. "
                    "Trying again in %.0f s.",
                    base,
                    err,
                    delay,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), delay)
                return False

    async def start_webhook(self) -> None:
        url, secret = self.settings.require_webhook()
        application, processor = self.application, self.application.update_processor
        self.server = WebhookServer(
            application,
            path=webhook_path(url),
            secret=secret,
            listen=self.settings.listen,
            port=self.settings.port,
            # An update is taken only when the bot has room for it (webhook.py).
            room=(
                (lambda: processor.wait_for_room(1, application.update_queue.qsize))
                if isinstance(processor, FairUpdateProcessor)
                else None
            ),
        )
        try:
            await self.server.start()
        except OSError as err:
            self.server = None
            raise StartupError(
                f"LISTEN/PORT: cannot listen on {self.settings.listen}:{self.settings.port} "
                f"({err.strerror or err}); choose a free PORT (or another LISTEN address).",
                exit_code=2,
            ) from None
        try:
            await self.application.bot.set_webhook(
                url, secret_token=secret, allowed_updates=Update.ALL_TYPES
            )
        except TelegramError as err:
            raise StartupError(
                f"WEBHOOK_URL: Telegram refused the webhook {url} ({err}).", exit_code=2
            ) from None
        log.info(
            "Receiving webhooks for %s on %s:%s%s",
            url,
            self.settings.listen,
            self.settings.port,
            self.server.path,
        )

    def polling_error(self, error: TelegramError) -> None:
        """PTB's polling loop calls this with each error of getUpdates (it retries by
        itself, so a passing network error is only a warning)."""
        if isinstance(error, Conflict):
            self.stop(conflict_reason(error))
            return
        log.warning("Bot API trouble while polling: %s", error)


def conflict_reason(error: Conflict) -> str:
    """One line for a 409 from getUpdates: who else is receiving this bot's updates."""
    if "webhook" in str(error).lower():
        return (
            "a webhook is set for this bot's token (409 Conflict from getUpdates): another "
            "copy runs with `ukm-bot run --webhook`. Only one copy may receive the updates: "
            "stop the other, or run this one with --webhook too."
        )
    return (
        "another process is polling with this token (409 Conflict from getUpdates), on "
        "another machine or with another DATABASE_PATH. Only one copy may receive the "
        "updates: stop the other one, then start this one again."
    )


def token_rejected(error: InvalidToken, base_url: str) -> str:
    """Which setting to fix when getMe is refused, without repeating the token."""
    cause = str(error.__cause__ or "").lower()
    if "not found" in cause:
        return (
            f"TELEGRAM_BOT_TOKEN or TELEGRAM_BASE_URL: the Bot API at {base_url} answered "
            "404 Not Found: the token is not one @BotFather gave, or TELEGRAM_BASE_URL is not "
            "a Bot API address (the default is https://api.telegram.org/bot)."
        )
    return (
        "TELEGRAM_BOT_TOKEN: Telegram rejected the token (401 Unauthorized): it was revoked "
        "or mistyped. Copy the current one from @BotFather (/mybots, your bot, API Token)."
    )
