"""Telegram plumbing shared by the handlers: buttons, sending split replies, editing.

Imports no feature module: every handler module may build on it.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.error import BadRequest, Forbidden

from bot.answering import Lang
from bot.context import BotContext
from bot.rendering import Button, Reply, split_message

log = logging.getLogger(__name__)

CALLBACK_LIMIT = 64  # bytes Telegram keeps of callback_data


def language_of(user: User | None) -> Lang:
    """English for users whose Telegram is set to English, else Indonesian."""
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else "id"


@dataclass(frozen=True, slots=True)
class Incoming:
    """What a command handler reads first: the chat, the message, who sent it, their language."""

    chat: Chat
    message: Message
    user: User | None
    lang: Lang

    @property
    def in_group(self) -> bool:
        return self.chat.type != Chat.PRIVATE


def incoming(update: Update) -> Incoming | None:
    """None for an update with no chat or message (nothing to answer)."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return None
    return Incoming(chat, message, update.effective_user, language_of(update.effective_user))


def html_of(message: Message, *, caption: bool = False) -> str:
    """A message's text (or caption) as Telegram HTML, like PTB's `text_html`, except that
    link targets are escaped: PTB writes a text link's URL into href="…" as it is, so a URL
    with & became another link and one with " made HTML that Telegram refuses."""
    entities = message.caption_entities if caption else message.entities
    escaped = tuple(
        (MessageEntity.de_json({**e.to_dict(), "url": html.escape(e.url)}, None) or e)
        if e.url
        else e
        for e in entities
    )
    copy = Message(
        message.message_id,
        message.date,
        message.chat,
        text=None if caption else message.text,
        entities=None if caption else escaped,
        caption=message.caption if caption else None,
        caption_entities=escaped if caption else None,
    )
    return (copy.caption_html if caption else copy.text_html) or ""


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


class NoLinkPreview(LinkPreviewOptions):
    """`LinkPreviewOptions(is_disabled=True)` with its JSON written out. It goes with every
    message the bot sends (the Defaults), and PTB writes a Telegram object as JSON for each
    request by introspecting it (`TelegramObject.to_dict`): 7 µs a message, 3 µs written
    out, measured. The object is frozen, so the JSON cannot go stale."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(is_disabled=True)

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        return {"is_disabled": True}


def keyboard(reply: Reply, lang: Lang) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=encode(b, lang)) for b in row]
            for row in reply.buttons
        ]
    )


def keyboard_json(reply: Reply, lang: Lang) -> dict[str, Any] | None:
    """The same keyboard as the JSON Telegram reads (`reply_markup`), for the answers'
    path: building PTB's objects and writing them out as JSON (`TelegramObject.to_dict`
    introspects each one) took ~60 µs for an answer's four buttons against ~7 µs for this,
    about a twentieth of all the CPU an answer costs; the bytes sent are the same."""
    if not reply.buttons:
        return None
    return {
        "inline_keyboard": [
            [{"callback_data": encode(b, lang), "text": b.label} for b in row]
            for row in reply.buttons
        ]
    }


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
) -> list[int]:
    """Send a reply, split under Telegram's 4096 characters; buttons go on the last part.
    Returns the sent messages' ids."""
    parts = split_message(reply.html)
    return await _send_parts(
        context, chat_id, parts, keyboard_json(reply, lang), quote=quote, thread_id=thread_id
    )


async def _send_parts(
    context: BotContext,
    chat_id: int,
    parts: Sequence[str],
    markup: dict[str, Any] | None,
    *,
    quote: Message | None = None,
    thread_id: int | None = None,
) -> list[int]:
    """One message per part: the quote on the first, the buttons on the last. Returns the
    sent messages' ids."""
    sent: list[int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        sent.append(
            await context.bot.send_text(
                chat_id,
                part,
                reply_to=quote.message_id if quote is not None and i == 0 else None,
                thread_id=thread_id,
                markup=markup if last else None,
            )
        )
    return sent


async def tell_not_saved(
    context: BotContext, chat_id: int, lang: Lang, *, quote: Message | None = None
) -> None:
    """The database could not take what the resident asked for: nothing changed, try again."""
    text = context.services.assistant.renderer.render("not_saved", lang)
    await send(context, chat_id, Reply(text), lang, quote=quote)


async def edit(
    context: BotContext, chat_id: int, message_ids: Sequence[int], reply: Reply, lang: Lang
) -> list[int]:
    """Put a new reply into the messages that carried the old one; extra parts are sent."""
    parts = split_message(reply.html)
    markup = keyboard(reply, lang)
    kept = message_ids[: len(parts)]
    for i, (part, message_id) in enumerate(zip(parts, kept, strict=False)):
        last = i == len(parts) - 1
        await replace_text(context.bot, chat_id, message_id, part, markup if last else None)
    extra = await _send_parts(context, chat_id, parts[len(kept) :], keyboard_json(reply, lang))
    for stale in message_ids[len(parts) :]:
        try:
            await context.bot.delete_message(chat_id, stale)
        except (BadRequest, Forbidden):
            log.info("could not delete an outdated reply %s in chat %s", stale, chat_id)
    return [*kept, *extra]


async def replace_text(
    bot: Bot, chat_id: int, message_id: int, html: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Show new text and buttons in a message the bot sent. Telegram refuses an edit that
    changes nothing ("message is not modified"): the message already shows what it should,
    so that is no error. Any other refusal is raised for the caller to judge."""
    try:
        await bot.edit_message_text(
            html, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
    except BadRequest as err:
        if "not modified" not in str(err).lower():
            raise
