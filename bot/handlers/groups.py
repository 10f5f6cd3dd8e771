"""Group chats: answer only when addressed (/tanya, @mention, reply), or when asked to."""

from __future__ import annotations

from telegram import Chat, ChatMember, Message, MessageEntity, Update, User
from telegram.ext import filters

from bot.context import BotContext
from bot.handlers.common import answer_question, language_of, send
from bot.rendering import Reply


async def ask_in_group(update: Update, context: BotContext) -> None:
    """/tanya QUESTION (also /tanya@bot)."""
    chat, lang = update.effective_chat, language_of(update.effective_user)
    question = " ".join(context.args or [])
    if chat is None:
        return
    if not question.strip():
        text = context.services.assistant.renderer.render("tanya_usage", lang)
        await send(context, chat.id, Reply(text), lang, quote=update.effective_message)
        return
    await answer_question(update, context, question, in_group=chat.type != chat.PRIVATE)


async def answer_addressed(update: Update, context: BotContext) -> None:
    """A group message that mentions the bot or replies to one of its messages."""
    message = update.effective_message
    if message is not None and message.text is not None:
        await answer_question(update, context, message.text, in_group=True)


async def answer_automatically(update: Update, context: BotContext) -> None:
    """Unaddressed group chatter: answered only where /otomatis is on, and only when sure."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.text is None:
        return
    if not context.services.storage.auto_answer(chat.id):
        return
    if not context.services.assistant.answerer.normalizer.normalize(message.text).asks:
        return
    await answer_question(update, context, message.text, in_group=True, confident_only=True)


async def set_automatic(update: Update, context: BotContext) -> None:
    """/otomatis on|off: group administrators only (checked with Telegram)."""
    chat, user, lang = (
        update.effective_chat,
        update.effective_user,
        language_of(update.effective_user),
    )
    message = update.effective_message
    if chat is None or message is None:
        return
    renderer = context.services.assistant.renderer
    if chat.type == chat.PRIVATE:
        await send(context, chat.id, Reply(renderer.render("otomatis_private", lang)), lang)
        return
    choice = (context.args or [""])[0].lower()
    if choice not in {"on", "off", "nyala", "mati", "aktif", "nonaktif"}:
        state = context.services.storage.auto_answer(chat.id)
        text = renderer.render("otomatis_usage", lang, on=state)
        await send(context, chat.id, Reply(text), lang, quote=message)
        return
    if not await is_group_admin(context, chat.id, user, message.sender_chat):
        await send(
            context, chat.id, Reply(renderer.render("otomatis_refused", lang)), lang, quote=message
        )
        return
    on = choice in {"on", "nyala", "aktif"}
    context.services.storage.set_auto_answer(
        chat.id, on, user.id if user else 0, chat.type, chat.title or ""
    )
    await send(
        context, chat.id, Reply(renderer.render("otomatis_set", lang, on=on)), lang, quote=message
    )


async def is_group_admin(
    context: BotContext, chat_id: int, user: User | None, sender_chat: Chat | None = None
) -> bool:
    """Asked of Telegram, never trusted from the message (an anonymous admin posts as the chat)."""
    if sender_chat is not None and sender_chat.id == chat_id:
        return True
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat_id, user.id)
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def follow_migration(update: Update, context: BotContext) -> None:
    """A group became a supergroup: its settings, subscription and history move with it."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        context.services.storage.migrate_chat(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        context.services.storage.migrate_chat(message.migrate_from_chat_id, message.chat.id)


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
