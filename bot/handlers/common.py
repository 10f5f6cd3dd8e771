"""Telegram plumbing shared by the handlers: buttons, sending split replies, answering."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.error import BadRequest, Forbidden

from bot.answering import Lang
from bot.context import BotContext
from bot.rendering import Button, Reply, split_message

log = logging.getLogger(__name__)

CALLBACK_LIMIT = 64  # bytes Telegram keeps of callback_data
REPEAT_WINDOW = 5 * 60  # a group gets a pointer, not a repeat, within 5 minutes


def language_of(user: User | None) -> Lang:
    """English for users whose Telegram is set to English, else Indonesian."""
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else "id"


# -- buttons ------------------------------------------------------------------------------


def encode(button: Button, lang: Lang) -> str:
    data = f"{button.action}|{lang}|{button.value}"
    if len(data.encode()) > CALLBACK_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_LIMIT} bytes: {data!r}")
    return data


@dataclass(frozen=True, slots=True)
class Pressed:
    action: str
    lang: Lang
    value: str


def decode(data: str | None) -> Pressed | None:
    """The button a resident pressed, or None for data this bot never made."""
    if not data or data.count("|") < 2:
        return None
    action, lang, value = data.split("|", 2)
    if lang not in ("id", "en") or not action:
        return None
    return Pressed(action, "en" if lang == "en" else "id", value)


def keyboard(reply: Reply, lang: Lang) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=encode(b, lang)) for b in row]
            for row in reply.buttons
        ]
    )


async def acknowledge(query: CallbackQuery, alert: str | None = None) -> None:
    """Stop the button's spinner. A tap older than Telegram keeps (about 15 minutes) can
    no longer be acknowledged; that is no reason to fail the reply that follows it."""
    try:
        await query.answer(alert, show_alert=alert is not None)
    except BadRequest as err:
        log.info("Could not acknowledge a button tap: %s", err)


# -- sending ------------------------------------------------------------------------------


async def send(
    context: BotContext,
    chat_id: int,
    reply: Reply,
    lang: Lang,
    *,
    quote: Message | None = None,
    thread_id: int | None = None,
) -> list[Message]:
    """Send a reply, split under Telegram's 4096 characters; buttons go on the last part."""
    parts = split_message(reply.html)
    markup = keyboard(reply, lang)
    sent: list[Message] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        sent.append(
            await context.bot.send_message(
                chat_id,
                part,
                reply_markup=markup if last else None,
                reply_parameters=(
                    ReplyParameters(quote.message_id, allow_sending_without_reply=True)
                    if quote is not None and i == 0
                    else None
                ),
                message_thread_id=thread_id,
            )
        )
    return sent


async def edit(
    context: BotContext, chat_id: int, message_ids: Sequence[int], reply: Reply, lang: Lang
) -> list[int]:
    """Put a new reply into the messages that carried the old one; extra parts are sent."""
    parts = split_message(reply.html)
    markup = keyboard(reply, lang)
    ids: list[int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if i < len(message_ids):
            try:
                await context.bot.edit_message_text(
                    part,
                    chat_id=chat_id,
                    message_id=message_ids[i],
                    reply_markup=markup if last else None,
                )
            except BadRequest as err:
                if "not modified" not in str(err).lower():
                    raise
            ids.append(message_ids[i])
        else:
            message = await context.bot.send_message(
                chat_id, part, reply_markup=markup if last else None
            )
            ids.append(message.message_id)
    for stale in message_ids[len(parts) :]:
        try:
            await context.bot.delete_message(chat_id, stale)
        except (BadRequest, Forbidden):
            log.info("could not delete an outdated reply %s in chat %s", stale, chat_id)
    return ids


# -- answering a question -----------------------------------------------------------------


async def answer_question(
    update: Update,
    context: BotContext,
    text: str,
    *,
    in_group: bool = False,
    confident_only: bool = False,
) -> None:
    """Decide, render and reply; remember the reply so an edit can update it."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    services = context.services
    assistant = services.assistant
    decision = assistant.decide(text)
    if confident_only and decision.status != "answer":
        return  # automatic answers in groups: only when sure, never "did you mean"
    user = update.effective_user
    question_id = services.storage.log_question(
        chat_id=chat.id,
        chat_type=chat.type,
        user_id=user.id if user else 0,
        lang=decision.lang,
        text=decision.query.text,
        status=decision.status,
        reason=decision.reason,
        entry_id=decision.entry.id if decision.entry else None,
        score=decision.score or (decision.best_guess.score if decision.best_guess else 0.0),
    )
    entry_id = decision.entry.id if decision.status == "answer" and decision.entry else None
    if in_group and entry_id is not None:
        earlier = services.storage.recent_answer(chat.id, entry_id, REPEAT_WINDOW)
        if earlier is not None:
            if not confident_only:  # addressed: point to the answer; automatic: stay quiet
                await point_to_earlier(context, chat.id, earlier, message, decision.lang)
            return
    forwarded = False
    if decision.status == "fallback" and decision.reason != "empty":
        from bot.handlers.inbox import file_question  # the inbox builds on this module

        forwarded = file_question(context, update, decision, question_id)
    reply = with_feedback(
        context,
        assistant.renderer.decision(decision, forwarded=forwarded),
        decision.status,
        question_id,
        decision.lang,
    )
    sent = await send(
        context,
        chat.id,
        reply,
        decision.lang,
        quote=message if in_group else None,
        thread_id=message.message_thread_id if in_group and message.is_topic_message else None,
    )
    services.storage.remember_reply(
        chat.id, message.message_id, [m.message_id for m in sent], entry_id
    )


def with_feedback(
    context: BotContext, reply: Reply, status: str, question_id: int, lang: Lang
) -> Reply:
    """Answers ask "Membantu? 👍 👎"; a clarification offers "Bukan ini"."""
    renderer = context.services.assistant.renderer
    row: tuple[Button, ...]
    if status == "answer":
        row = (
            Button(renderer.label("button_helpful", lang), "fb", f"up:{question_id}"),
            Button(renderer.label("button_unhelpful", lang), "fb", f"down:{question_id}"),
        )
    elif status == "clarify":
        row = (Button(renderer.label("button_none_of_these", lang), "fb", f"none:{question_id}"),)
    else:
        return reply
    return Reply(reply.html, (*reply.buttons, row))


async def point_to_earlier(
    context: BotContext, chat_id: int, earlier: int, asker: Message, lang: Lang
) -> None:
    renderer = context.services.assistant.renderer
    name = asker.from_user.first_name if asker.from_user else ""
    user_id = asker.from_user.id if asker.from_user else 0
    text = renderer.render("already_answered", lang, name=name, user_id=user_id)
    await context.bot.send_message(
        chat_id, text, reply_parameters=ReplyParameters(earlier, allow_sending_without_reply=True)
    )
