"""Residents' questions in private chats, edits of them, buttons, and non-text messages."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import acknowledge, answer_question, decode, edit, language_of, send
from bot.rendering import Reply


async def answer_private(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await answer_question(update, context, message.text)


async def answer_edited(update: Update, context: BotContext) -> None:
    """An edited question: its earlier reply is edited to answer the new text."""
    message, chat = update.edited_message, update.effective_chat
    if message is None or chat is None or message.text is None:
        return
    storage = context.services.storage
    previous = storage.replies_to(chat.id, message.message_id)
    if not previous:
        if chat.type == chat.PRIVATE:
            await answer_question(update, context, message.text)
        return  # in a group, only a message the bot answered before is followed
    answer = context.services.assistant.ask(message.text)
    decision = answer.decision
    ids = await edit(context, chat.id, previous, answer.reply, decision.lang)
    entry_id = decision.entry.id if decision.status == "answer" and decision.entry else None
    storage.remember_reply(chat.id, message.message_id, ids, entry_id)


async def hint_to_type(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes, locations, files: ask for the question in text."""
    chat, lang = update.effective_chat, language_of(update.effective_user)
    if chat is not None:
        text = context.services.assistant.renderer.render("nontext", lang)
        await send(context, chat.id, Reply(text), lang)


async def unknown_command(update: Update, context: BotContext) -> None:
    chat, lang = update.effective_chat, language_of(update.effective_user)
    if chat is not None:
        text = context.services.assistant.renderer.render("unknown_command", lang)
        await send(context, chat.id, Reply(text), lang)


async def press_button(update: Update, context: BotContext) -> None:
    """A tap on an answer, topic or menu button; anything stale or forged gets a polite note."""
    query = update.callback_query
    if query is None:
        return
    renderer = context.services.assistant.renderer
    kb = context.services.assistant.kb
    pressed = decode(query.data)
    reply: Reply | None = None
    if pressed is not None:
        if pressed.action == "entry" and (entry := kb.entry(pressed.value)) is not None:
            reply = renderer.entry(entry, pressed.lang)
        elif pressed.action == "topic" and (topic := kb.topic(pressed.value)) is not None:
            reply = renderer.topic(topic, pressed.lang)
        elif pressed.action == "topics":
            reply = renderer.topics_menu(pressed.lang)
    lang = pressed.lang if pressed is not None else language_of(update.effective_user)
    if reply is None:
        await acknowledge(query, renderer.render("stale_button", lang))
        return
    await acknowledge(query)
    chat = update.effective_chat
    if chat is not None:
        await send(context, chat.id, reply, lang)
