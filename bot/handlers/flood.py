"""The one notice a resident (or a group) gets after a burst of questions, and the questions
of a burst that a later one replaced, logged all the same (see ordering.py)."""

from __future__ import annotations

import logging

from telegram import ReplyParameters, Update
from telegram.error import TelegramError

from bot.context import BotApplication
from bot.handlers.common import language_of

log = logging.getLogger(__name__)


async def tell_about_flood(app: BotApplication, update: object, scope: str) -> None:
    """ "Only your latest question will be answered": to the resident ("user"), quoting them
    in a group, or to a whole group that asked too much at once ("group")."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    lang = language_of(user)
    text = app.bot_data.services.assistant.renderer.render(
        "flood_notice",
        lang,
        group=scope == "group",
        name=user.first_name if user else "",
        user_id=user.id if user else 0,
    )
    in_group = chat.type != chat.PRIVATE
    try:
        await app.bot.send_message(
            chat.id,
            text,
            reply_parameters=(
                ReplyParameters(message.message_id, allow_sending_without_reply=True)
                if in_group and scope == "user" and message is not None
                else None
            ),
            message_thread_id=(
                message.message_thread_id
                if in_group and message is not None and message.is_topic_message
                else None
            ),
        )
    except TelegramError as err:  # the question itself still gets its answer
        log.info("Could not send the flood notice to chat %s: %s", chat.id, err)


COALESCED = "coalesced"  # the question log's decision for a question a later one replaced


def log_coalesced(app: BotApplication, update: object) -> None:
    """A question of a burst that the burst's latest one replaced: never answered, but asked,
    so it is a row of the question log (`/statistik` counts it; /hapusdata and the retention
    delete it like any other)."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    text = message.text or "" if message is not None else ""
    if text.startswith("/"):  # /tanya QUESTION: the question is what follows the command
        _, _, text = text.partition(" ")
    app.bot_data.services.storage.log_question(
        chat_id=chat.id,
        chat_type=chat.type,
        user_id=user.id if user else 0,
        lang=language_of(user),
        text=text.strip(),
        status=COALESCED,
        reason="a later question of the same burst was answered",
        entry_id=None,
        score=0.0,
    )
