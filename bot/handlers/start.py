"""/start, /bantuan (/help) and /topik: what the bot knows and how to ask."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import language_of, send
from bot.rendering import Reply


async def welcome(update: Update, context: BotContext) -> None:
    chat, lang = update.effective_chat, language_of(update.effective_user)
    if chat is None:
        return
    renderer = context.services.assistant.renderer
    if chat.type == chat.PRIVATE:
        # /start after unblocking the bot resumes the subscription the block had stopped.
        if context.services.storage.resubscribe_if_blocked(chat.id, lang):
            await send(context, chat.id, Reply(renderer.render("welcome_back", lang)), lang)
        reply = Reply(renderer.render("welcome", lang), renderer.welcome_buttons(lang))
    else:
        reply = Reply(renderer.render("welcome_group", lang, bot=context.services.bot_username))
    await send(
        context,
        chat.id,
        reply,
        lang,
        quote=update.effective_message if chat.type != chat.PRIVATE else None,
    )


async def show_help(update: Update, context: BotContext) -> None:
    chat, lang = update.effective_chat, language_of(update.effective_user)
    if chat is None:
        return
    renderer = context.services.assistant.renderer
    reply = Reply(
        renderer.render(
            "help", lang, group=chat.type != chat.PRIVATE, bot=context.services.bot_username
        ),
        renderer.topic_buttons(lang) if chat.type == chat.PRIVATE else (),
    )
    await send(context, chat.id, reply, lang)


async def show_topics(update: Update, context: BotContext) -> None:
    chat, lang = update.effective_chat, language_of(update.effective_user)
    if chat is None:
        return
    await send(context, chat.id, context.services.assistant.renderer.topics_menu(lang), lang)
