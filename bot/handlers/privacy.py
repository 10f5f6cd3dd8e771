"""/hapusdata: a resident sees what is kept about them and erases it (UU PDP 2022)."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.cards import forget_card_text
from bot.handlers.common import acknowledge, decode, language_of, send, tell_not_saved
from bot.rendering import Button, Reply
from bot.storage import StorageUnavailable


async def show_my_data(update: Update, context: BotContext) -> None:
    chat, user, lang = (
        update.effective_chat,
        update.effective_user,
        language_of(update.effective_user),
    )
    if chat is None or user is None:
        return
    renderer = context.services.assistant.renderer
    if chat.type != chat.PRIVATE:
        await send(
            context,
            chat.id,
            Reply(renderer.render("data_private_only", lang)),
            lang,
            quote=update.effective_message,
        )
        return
    data = context.services.storage.personal_data(user.id)
    text = renderer.render(
        "my_data",
        lang,
        data=data,
        days=context.services.settings.question_log_days,
        minutes=round(context.services.memory.conversations.seconds / 60),
    )
    button = Button(renderer.render("button_erase", lang), "erase", "all")
    await send(context, chat.id, Reply(text, ((button,),)), lang)


async def erase_my_data(update: Update, context: BotContext) -> None:
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    pressed = decode(query.data if query else None)
    if query is None or chat is None or user is None or pressed is None:
        return
    await acknowledge(query)
    storage = context.services.storage
    try:
        # After every question still queued for the writer, so those go too.
        erased = await storage.write(storage.erase_personal_data, user.id)
    except StorageUnavailable:
        await tell_not_saved(context, chat.id, pressed.lang)
        return
    context.services.memory.forget(user.id)  # what follow-ups would lean on, in every chat
    # Staff copies of cards showing this resident's words are rewritten (or emptied).
    for card_id in storage.erased_cards:
        context.application.create_task(forget_card_text(context, card_id))
    text = context.services.assistant.renderer.render("data_erased", pressed.lang, erased=erased)
    await send(context, chat.id, Reply(text), pressed.lang)
