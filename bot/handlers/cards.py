"""Inbox cards in the staff chats: filing an unanswered question, posting and refreshing
every copy of its card. Shared by the question flow, the inbox, /belumterjawab and /hapusdata.

Imports no feature module (only `common`), so every handler module may build on it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable

from telegram import Message, Update, User
from telegram.error import TelegramError

from bot.answering import Decision
from bot.context import BotContext
from bot.handlers.common import keyboard, replace_text
from bot.inbox import question_key
from bot.rendering import Button, Reply
from bot.storage import Card, LoggedQuestion

log = logging.getLogger(__name__)

LEARNED_SEPARATOR = " → "  # handled_by of a learned card: "<staff name> → <entry label>"


def file_question(
    context: BotContext, update: Update, decision: Decision, question_id: int
) -> bool:
    """Put an unanswered question on a card; the card goes to staff in the background.

    Returns whether staff will see it (there is somebody to see it: a staff group or staff
    members who can list the inbox).
    """
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None:
        return False
    return _file(
        context,
        decision,
        question_id,
        decision.query.text,
        chat.id,
        chat.type,
        user,
        message.message_id,
    )


def file_question_again(
    context: BotContext, update: Update, decision: Decision, question: LoggedQuestion
) -> bool:
    """A 👎 or "Bukan ini": the earlier question (not the tap) goes to the inbox."""
    return _file(
        context,
        decision,
        question.id,
        question.text,
        question.chat_id,
        question.chat_type,
        update.effective_user,
        0,
    )


def _file(
    context: BotContext,
    decision: Decision,
    question_id: int,
    text: str,
    chat_id: int,
    chat_type: str,
    user: User | None,
    message_id: int,
) -> bool:
    services = context.services
    key = question_key(decision.query)
    if key is None:
        return False
    guess = decision.best_guess
    storage = services.storage
    filed = storage.write_within(
        None,  # kept until written: a question for staff is never lost to a locked disk
        storage.add_to_inbox,
        key=key,
        question_id=question_id,
        text=text,
        lang=decision.lang,
        chat_id=chat_id,
        chat_type=chat_type,
        user_id=user.id if user else 0,
        first_name=user.first_name if user else "",
        message_id=message_id,
        best_entry_id=guess.entry.id if guess else None,
        best_score=guess.score if guess else 0.0,
    )
    staff_chat = services.settings.staff_chat_id
    # Filed by the storage's writer and shown to staff in the background: the resident's
    # answer waits neither for the database nor for the staff group (20 messages a minute).
    context.application.create_task(_show_card(context, filed, staff_chat))
    return staff_chat is not None or bool(services.settings.admin_ids)


async def _show_card(
    context: BotContext, filed: Awaitable[tuple[int, bool]], staff_chat: int | None
) -> None:
    card_id, new = await filed
    if staff_chat is not None:
        await (post_card(context, card_id, staff_chat) if new else refresh_card(context, card_id))


async def post_card(context: BotContext, card_id: int, chat_id: int) -> Message | None:
    storage = context.services.storage
    card = storage.card(card_id)
    if card is None:
        return None
    try:
        message = await context.bot.send_message(
            chat_id,
            card_text(context, card),
            reply_markup=keyboard(card_reply(context, card), "id"),
        )
    except TelegramError as err:
        log.warning("Could not post inbox card #%s: %s", card_id, err)
        return None
    storage.remember_card_message(chat_id, message.message_id, card_id)
    return message


async def refresh_card(context: BotContext, card_id: int) -> None:
    """Show the new count or state on every copy of a card."""
    storage = context.services.storage
    card = storage.card(card_id)
    if card is None:
        return
    reply = card_reply(context, card)
    for chat_id, message_id in storage.card_messages(card_id):
        try:
            await replace_text(context.bot, chat_id, message_id, reply.html, keyboard(reply, "id"))
        except TelegramError as err:
            log.info("Could not refresh card #%s in %s: %s", card_id, chat_id, err)


async def forget_card_text(
    context: BotContext, card_id: int, kept_days: int | None = None
) -> None:
    """After /hapusdata (or the retention, which kept the words `kept_days`): a card shared
    with others is redrawn without the erased words; a card nobody is left on is blanked."""
    storage = context.services.storage
    if storage.card(card_id) is not None:
        await refresh_card(context, card_id)
        return
    renderer = context.services.assistant.renderer
    for chat_id, message_id in storage.card_messages(card_id):
        # Already gone or too old to edit: nothing more to do.
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_text(
                renderer.render("card_erased", "id", kept_days=kept_days),
                chat_id=chat_id,
                message_id=message_id,
            )


def card_text(context: BotContext, card: Card) -> str:
    services = context.services
    askers = services.storage.askers(card.id, waiting_only=False)
    first = askers[0] if askers else None
    guess = services.assistant.kb.entry(card.best_entry_id) if card.best_entry_id else None
    learned = ""
    if card.status == "learned" and card.handled_by:
        learned = card.handled_by.split(LEARNED_SEPARATOR)[-1]
    return services.assistant.renderer.render(
        "inbox_card",
        "id",
        card=card,
        asker=first.first_name if first else "",
        others=max(0, len({a.user_id for a in askers}) - 1),
        private=first is not None and first.chat_type == "private",
        guess=guess.label("id") if guess else None,
        learned=learned,
    )


def card_reply(context: BotContext, card: Card) -> Reply:
    renderer = context.services.assistant.renderer
    text = card_text(context, card)
    if card.status != "open":
        return Reply(text)
    return Reply(
        text,
        (
            (
                Button(renderer.render("button_answer", "id"), "inbox", f"how:{card.id}"),
                Button(renderer.render("button_learn", "id"), "inbox", f"pick:{card.id}"),
                Button(renderer.render("button_ignore", "id"), "inbox", f"ignore:{card.id}"),
            ),
        ),
    )
