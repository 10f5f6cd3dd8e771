"""Inline mode: "@bot pelatihan" in any chat lists answers a resident can share; a chosen
one is counted (no name, no id) for /statistik."""

from __future__ import annotations

import functools
import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.answering import Lang
from bot.context import BotContext
from bot.handlers.common import language_of
from bot.rendering import to_plain
from bot.sharing import ASK_PAYLOAD, CACHE_SECONDS, SharedAnswer, deep_link

log = logging.getLogger(__name__)

ASK_RESULT_ID = "ask"  # the "Tanya langsung ke bot" result (entry ids never take it)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def answer_inline_query(update: Update, context: BotContext) -> None:
    """Matching answers (same core and thresholds as a chat), each posted with its source
    line and a button into the bot; nothing that fits: one result that opens the bot."""
    query = update.inline_query
    if query is None:
        return
    services = context.services
    renderer = services.assistant.renderer
    user_lang = language_of(query.from_user)
    listing = services.shared_answers().listing(query.query, user_lang)
    results = [shared_result(context, answer) for answer in listing.answers] or [
        ask_bot_result(context, user_lang)
    ]
    button = InlineQueryResultsButton(
        text=to_plain(renderer.render("inline_ask_bot", user_lang)), start_parameter=ASK_PAYLOAD
    )
    try:
        await query.answer(
            results,
            cache_time=int(CACHE_SECONDS),
            is_personal=listing.personal,
            button=button,
        )
    except BadRequest as err:  # the resident typed on: a newer query replaced this one
        log.info("Could not answer the inline query %r (%s)", query.query[:64], err)


def shared_result(context: BotContext, answer: SharedAnswer) -> InlineQueryResultArticle:
    label = to_plain(context.services.assistant.renderer.label("button_ask_further", answer.lang))
    return article(answer, context.services.bot_username, label)


@functools.lru_cache(maxsize=256)
def article(answer: SharedAnswer, bot_username: str, label: str) -> InlineQueryResultArticle:
    """One result, built once per answer: every query that finds an entry shares it (PTB's
    objects cost more to build than the answer costs to find; they are immutable)."""
    further = InlineKeyboardButton(label, url=deep_link(bot_username, answer.entry_id))
    return InlineQueryResultArticle(
        id=answer.entry_id,
        title=answer.title,
        description=answer.description,
        input_message_content=InputTextMessageContent(
            answer.html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
        ),
        reply_markup=InlineKeyboardMarkup([[further]]),
    )


def ask_bot_result(context: BotContext, lang: Lang) -> InlineQueryResultArticle:
    renderer = context.services.assistant.renderer
    bot = context.services.bot_username
    button = InlineKeyboardButton(
        to_plain(renderer.render("button_open_bot", lang, bot=bot)),
        url=deep_link(bot, ASK_PAYLOAD),
    )
    return InlineQueryResultArticle(
        id=ASK_RESULT_ID,
        title=to_plain(renderer.render("inline_ask_bot", lang)),
        description=to_plain(renderer.render("inline_ask_bot_description", lang)),
        input_message_content=InputTextMessageContent(
            renderer.render("inline_ask_bot_message", lang, bot=bot),
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
        ),
        reply_markup=InlineKeyboardMarkup([[button]]),
    )


async def count_shared_answer(update: Update, context: BotContext) -> None:
    """A resident posted one of the answers (Telegram tells when inline feedback is on)."""
    chosen = update.chosen_inline_result
    if chosen is None or chosen.result_id == ASK_RESULT_ID:
        return
    entry = context.services.assistant.kb.entry(chosen.result_id)
    if entry is not None:
        lang = language_of(chosen.from_user)
        context.services.storage.record_share(entry.id, lang, context.services.now())
