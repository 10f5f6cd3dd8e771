"""The error handler: log with context, tell the resident once, tell staff in the background."""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.context import BotApplication, BotContext
from bot.handlers.common import language_of
from bot.logs import redact
from bot.ordering import FairUpdateProcessor
from bot.storage import Problem, is_storage_failure
from bot.telegram_request import GivenUp, surely_not_delivered

log = logging.getLogger(__name__)

STAFF_ALERT_EVERY = 60.0  # at most one alert per kind of error a minute: a group takes 20/min
STORAGE_WARN_EVERY = 60.0  # the storage's own writer warns too: one line a minute is enough
_last_alert: dict[str, float] = {}


async def report_error(update: object, context: BotContext) -> None:
    error = context.error
    where = describe(update)
    if isinstance(error, GivenUp):
        # The bot is stopping and this reply was still waiting for its turn: nothing was
        # sent, so the update is kept and handled again at the next start. Neither an
        # apology nor a staff alert could go out now.
        processor = context.application.update_processor
        kept = isinstance(processor, FairUpdateProcessor) and processor.give_back(update)
        log.warning(
            "Stopping: the reply to %s was not sent; %s",
            where,
            "kept for the next start" if kept else "it is lost",
        )
        return
    if update is None and isinstance(error, NetworkError):
        # Polling trouble (no update involved): PTB retries by itself; nobody to tell.
        log.warning("Bot API trouble while polling: %s", error)
        return
    if isinstance(error, Forbidden):
        # The resident blocked the bot: nothing to tell them, nothing broken.
        log.info("Telegram refused a message (%s) for %s", error, where)
        return
    if error is not None and not surely_not_delivered(error):
        # A send that timed out (or lost its connection) after the retries may well have
        # been delivered: an apology after the answer would only confuse. Logged, no alert.
        log.warning("No answer from Telegram for %s; it may have been delivered: %s", where, error)
        return
    storage_failed = error is not None and is_storage_failure(error)
    if storage_failed:
        # Not a bug: the database could not take a write (locked, read-only, full). The
        # storage's writer warns about it and tells staff; the resident is asked to retry.
        now = time.monotonic()
        if now - _last_alert.get("storage", -STORAGE_WARN_EVERY) >= STORAGE_WARN_EVERY:
            _last_alert["storage"] = now
            log.warning("Could not write to the database while handling %s: %s", where, error)
    else:
        log.error("Error while handling %s", where, exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        lang = language_of(update.effective_user)
        text = context.services.assistant.renderer.render(
            "not_saved" if storage_failed else "error", lang
        )
        try:
            await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError as err:  # the apology itself failed: log, never loop
            log.warning("Could not tell %s about the error: %s", where, err)
    staff_chat = context.services.settings.staff_chat_id
    if storage_failed:
        return
    kind = type(error).__name__
    now = time.monotonic()
    if (
        staff_chat is not None
        and now - _last_alert.get(kind, -STAFF_ALERT_EVERY) >= STAFF_ALERT_EVERY
    ):
        _last_alert[kind] = now
        # In the background: the staff group is slow (20 messages a minute) and a resident's
        # answer must never wait for it.
        context.application.create_task(
            alert_staff(context, staff_chat, kind, str(error), where), update=update
        )


async def alert_staff(
    context: BotContext, chat_id: int, kind: str, message: str, where: str
) -> None:
    secrets = [context.services.settings.telegram_bot_token or ""]
    text = context.services.assistant.renderer.render(
        "staff_error", "id", kind=kind, message=redact(message, secrets)[:500], where=where
    )
    try:
        await context.bot.send_message(chat_id, text)
    except (TelegramError, NetworkError) as err:
        log.warning("Could not alert the staff chat: %s", err)


async def tell_staff_about_storage(app: BotApplication, problem: Problem | None) -> None:
    """The database stopped taking writes (the problem), or takes them again (None)."""
    services = app.bot_data.services
    chat_id = services.settings.staff_chat_id
    if chat_id is None:
        return
    text = services.assistant.renderer.render(
        "storage_problem", "id", problem=problem, path=str(services.storage.path)
    )
    try:
        await app.bot.send_message(chat_id, text)
    except TelegramError as err:
        log.warning("Could not tell the staff chat about the database: %s", err)


def describe(update: object) -> str:
    """Which update, chat and user an error belongs to, for the log (no message text)."""
    if not isinstance(update, Update):
        return f"a {type(update).__name__}"
    parts = [f"update {update.update_id}"]
    if update.effective_chat is not None:
        parts.append(f"chat {update.effective_chat.id} ({update.effective_chat.type})")
    if update.effective_user is not None:
        parts.append(f"user {update.effective_user.id}")
    return ", ".join(parts)
