"""Who may do what: staff are the user ids in ADMIN_IDS; a group's admins are asked of Telegram.

Every check a handler makes before acting for someone lives here, with the refusal each one
answers with, so the rules can be read (and changed) in one place.
"""

from __future__ import annotations

from telegram import CallbackQuery, Chat, ChatMember, Update, User

from bot.answering import Lang
from bot.context import BotContext
from bot.handlers.common import acknowledge, language_of, send
from bot.rendering import Reply, to_plain


def is_staff(context: BotContext, user: User | None) -> bool:
    """Staff are the user ids in ADMIN_IDS (a quiet check: nobody is told anything)."""
    return context.services.settings.is_staff(user.id if user else None)


async def staff_or_refuse(update: Update, context: BotContext) -> bool:
    """Staff commands and buttons: anyone else gets a short refusal, nothing more."""
    user = update.effective_user
    if is_staff(context, user):
        return True
    lang = language_of(user)
    text = context.services.assistant.renderer.render("staff_only", lang)
    if update.callback_query is not None:
        await acknowledge(update.callback_query, to_plain(text))
    elif update.effective_chat is not None:
        await send(context, update.effective_chat.id, Reply(text), lang)
    return False


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


async def group_admin_or_refuse(
    context: BotContext, chat_id: int, user: User | None, sender_chat: Chat | None, lang: Lang
) -> bool:
    """A group's subscription is its admins' choice; anyone else is told so in the group."""
    if await is_group_admin(context, chat_id, user, sender_chat):
        return True
    text = context.services.assistant.renderer.render("group_admin_only", lang)
    await send(context, chat_id, Reply(text), lang)
    return False


async def group_admin_or_alert(
    query: CallbackQuery, context: BotContext, chat_id: int, user: User | None, lang: Lang
) -> bool:
    """The same rule for a button under a group's message: the refusal pops up on the tap."""
    if await is_group_admin(context, chat_id, user):
        return True
    await acknowledge(query, context.services.assistant.renderer.render("group_admin_only", lang))
    return False
