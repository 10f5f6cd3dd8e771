"""Group chats: /otomatis, which messages address the bot, and groups that became supergroups.

(The answers themselves are the question flow, in questions.py.)
"""

from __future__ import annotations

from telegram import Message, MessageEntity, Update
from telegram.ext import filters

from bot.context import BotContext
from bot.handlers.common import incoming, send, tell_not_saved
from bot.handlers.permissions import is_group_admin
from bot.rendering import Reply
from bot.storage import StorageUnavailable

# What group admins may type after /otomatis (the usage template shows on and off).
SWITCH_ON = frozenset({"on", "nyala", "aktif"})
SWITCH_OFF = frozenset({"off", "mati", "nonaktif"})


async def set_automatic(update: Update, context: BotContext) -> None:
    """/otomatis on|off: group administrators only (checked with Telegram)."""
    got = incoming(update)
    if got is None:
        return
    chat, user, message, lang = got.chat, got.user, got.message, got.lang
    renderer = context.services.assistant.renderer
    if chat.type == chat.PRIVATE:
        await send(context, chat.id, Reply(renderer.render("otomatis_private", lang)), lang)
        return
    choice = (context.args or [""])[0].lower()
    if choice not in SWITCH_ON | SWITCH_OFF:
        state = context.services.storage.auto_answer(chat.id)
        text = renderer.render("otomatis_usage", lang, on=state)
        await send(context, chat.id, Reply(text), lang, quote=message)
        return
    if not await is_group_admin(context, chat.id, user, message.sender_chat):
        await send(
            context, chat.id, Reply(renderer.render("otomatis_refused", lang)), lang, quote=message
        )
        return
    on = choice in SWITCH_ON
    storage = context.services.storage
    try:
        by = user.id if user else 0
        await storage.write(storage.set_auto_answer, chat.id, on, by, chat.type, chat.title or "")
    except StorageUnavailable:
        await tell_not_saved(context, chat.id, lang, quote=message)
        return
    await send(
        context, chat.id, Reply(renderer.render("otomatis_set", lang, on=on)), lang, quote=message
    )


async def follow_migration(update: Update, context: BotContext) -> None:
    """A group became a supergroup: its settings, subscription, questions and the inbox's
    way back to its askers move with it (written whenever the database takes it: nobody
    waits, and it is never dropped)."""
    message = update.effective_message
    if message is None:
        return
    storage = context.services.storage
    if message.migrate_to_chat_id:
        storage.write_later(storage.migrate_chat, message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        storage.write_later(storage.migrate_chat, message.migrate_from_chat_id, message.chat.id)


class AddressesBot(filters.MessageFilter):
    """A message that mentions this bot (@username or a text mention) or replies to it."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        username = (bot.username or "").lower()
        reply = message.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
            return True
        for entity, text in message.parse_entities(
            [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
        ).items():
            if entity.type == MessageEntity.MENTION and text.lower() == f"@{username}":
                return True
            if (
                entity.type == MessageEntity.TEXT_MENTION
                and entity.user
                and entity.user.id == bot.id
            ):
                return True
        return False
