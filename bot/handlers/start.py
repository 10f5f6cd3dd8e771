"""/start (with the deep links t.me/<bot>?start=<entry-id> that open on an answer),
/bantuan (/help) and /topik: what the bot knows and how to ask."""

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
        # A deep link to an answer (a shared answer's "Tanya lebih lanjut", a poster): that
        # answer, with its related questions. Any other payload is a plain /start.
        payload = context.args[0] if context.args else ""
        entry = context.services.assistant.kb.entry(payload) if payload else None
        reply = (
            renderer.entry(entry, lang)
            if entry is not None
            else Reply(renderer.render("welcome", lang), renderer.welcome_buttons(lang))
        )
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
