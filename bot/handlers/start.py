"""/start (with the deep links t.me/<bot>?start=<entry-id> that open on an answer),
/bantuan (/help) and /topik: what the bot knows and how to ask; and the description people
read before they press Start."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.answering import LANGS
from bot.context import BotApplication, BotContext
from bot.handlers.common import language_of, send
from bot.rendering import Reply, to_plain

log = logging.getLogger(__name__)

DESCRIPTION_LIMIT = 512  # characters Telegram allows in a bot's description
SHORT_DESCRIPTION_LIMIT = 120  # and in its short description (the profile, shared links)


async def welcome(update: Update, context: BotContext) -> None:
    chat, lang = update.effective_chat, language_of(update.effective_user)
    if chat is None:
        return
    renderer = context.services.assistant.renderer
    if chat.type == chat.PRIVATE:
        # /start after unblocking the bot resumes the subscription the block had stopped.
        storage = context.services.storage
        if await storage.write_patiently(storage.resubscribe_if_blocked, chat.id, lang):
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


async def introduce_bot(app: BotApplication) -> None:
    """On start-up: the description (before Start) and short description (the profile) in
    Indonesian, the default, and English, from templates. Each is set only when it differs
    from what Telegram has (asked first): Telegram limits how often a bot may change them."""
    services = app.bot_data.services
    renderer = services.assistant.renderer
    bot = app.bot
    for lang in LANGS:
        # Indonesian for everyone without their own: no language code at all (PTB would send
        # an empty one as "[]", which Telegram refuses).
        code = None if lang == "id" else lang
        description = to_plain(
            renderer.render(
                "bot_description", lang, hours=services.settings.office_hours, bot=bot.username
            )
        )
        if len(description) > DESCRIPTION_LIMIT:  # an elaborate week: leave the hours out
            description = to_plain(
                renderer.render("bot_description", lang, hours=None, bot=bot.username)
            )
        short = to_plain(renderer.render("bot_short_description", lang))[:SHORT_DESCRIPTION_LIMIT]
        try:
            if (await bot.get_my_description(code)).description != description:
                await bot.set_my_description(description, language_code=code)
            if (await bot.get_my_short_description(code)).short_description != short:
                await bot.set_my_short_description(short, language_code=code)
        except TelegramError as err:  # never a reason not to start
            log.warning("Could not set the bot's %s description: %s", lang, err)
