"""The staff inbox: staff buttons on cards, staff replies, learning, residents' feedback."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.answering import Lang
from bot.context import BotContext
from bot.handlers.cards import (
    LEARNED_SEPARATOR,
    card_reply,
    file_question_again,
    post_card,
    refresh_card,
    with_request_note,
)
from bot.handlers.common import acknowledge, decode, keyboard, replace_text, send
from bot.handlers.permissions import is_staff, staff_or_refuse
from bot.inbox import read_digest_answer
from bot.rendering import Button, Reply, to_plain
from bot.service_desk import working_age
from bot.storage import Asker, Card

log = logging.getLogger(__name__)


# -- staff actions ------------------------------------------------------------------------


async def press_inbox_button(update: Update, context: BotContext) -> None:
    """Jawab (how to), Tambahkan ke entri… (pick, learn), Abaikan, Kembali; a digest's
    number (open: the full card, here)."""
    query = update.callback_query
    pressed = decode(query.data if query else None)
    if query is None or pressed is None or not await staff_or_refuse(update, context):
        return
    action, _, rest = pressed.value.partition(":")
    card_id_text, _, entry_id = rest.partition(":")
    services = context.services
    renderer = services.assistant.renderer
    card = services.storage.card(int(card_id_text)) if card_id_text.isdigit() else None
    if card is None or card.status != "open":
        await acknowledge(query, to_plain(renderer.render("inbox_closed", "id")))
        return
    who = staff_name(update, context)
    message = query.message
    if action == "how":
        await acknowledge(query, to_plain(renderer.render("inbox_how_to_answer", "id")))
    elif action == "pick" and isinstance(message, Message):
        await acknowledge(query)
        await _show_on(context, message, pick_entry_buttons(context, card))
    elif action == "back" and isinstance(message, Message):
        await acknowledge(query)
        await _show_on(context, message, card_reply(context, card))
    elif action == "learn" and services.assistant.kb.entry(entry_id) is not None:
        await acknowledge(query)
        await learn(context, card, entry_id, who)
    elif action == "open" and isinstance(message, Message):
        await acknowledge(query)
        await post_card(context, card.id, message.chat_id)
    elif action == "ignore":
        await acknowledge(query)
        storage = services.storage
        if await storage.write_patiently(storage.close_card, card.id, "ignored", who):
            await storage.write_patiently(storage.close_requests, card.id, services.now(), who)
            await refresh_card(context, card.id)
    else:
        await acknowledge(query, to_plain(renderer.render("stale_button", "id")))


def staff_name(update: Update, context: BotContext) -> str:
    """Who handled a card, as the card shows it."""
    user = update.effective_user
    if user is not None:
        return user.full_name
    return context.services.assistant.renderer.label("staff_unnamed", "id")


def pick_entry_buttons(context: BotContext, card: Card) -> Reply:
    """Best guesses first, then the rest of the entries that can answer."""
    services = context.services
    kb = services.assistant.kb
    renderer = services.assistant.renderer
    ranked = [
        m.entry
        for m in services.assistant.answerer.rank(card.question, limit=8)
        if not m.entry.gap
    ][:5]
    if not ranked:  # no guess at all: every answering entry
        ranked = [e for e in kb.entries if not e.gap]
    rows = [
        (
            Button(
                renderer.button_label("button_learn_entry", "id", label=e.label("id")),
                "inbox",
                f"learn:{card.id}:{e.id}",
            ),
        )
        for e in ranked
    ]
    back = Button(renderer.render("button_back_card", "id"), "inbox", f"back:{card.id}")
    text = renderer.render("inbox_pick_entry", "id", card=card)
    return Reply(text, (*rows, (back,)))


async def learn(context: BotContext, card: Card, entry_id: str, who: str) -> None:
    """The question becomes a phrasing of the entry, at once; waiting askers get the answer."""
    services = context.services
    storage = services.storage
    entry = services.assistant.kb.entry(entry_id)
    assert entry is not None
    closed_by = f"{who}{LEARNED_SEPARATOR}{entry.label('id')}"
    if not await storage.write_patiently(storage.close_card, card.id, "learned", closed_by):
        return
    await storage.write_patiently(
        storage.learn_variant, entry_id, card.question, card.lang, who, card.id
    )
    services.use_knowledge()  # the same knowledge, with the phrasing just taught
    lang: Lang = "en" if card.lang == "en" else "id"
    await settle_requests(context, card.id, who, entry.answer[lang])
    for asker in storage.askers(card.id, waiting_only=False):
        renderer = services.assistant.renderer
        header = renderer.render("learned_answer", lang, question=asker.text)
        reply = renderer.entry(entry, lang)
        if await deliver(
            context,
            asker.chat_id,
            asker.chat_type,
            asker.message_id,
            Reply(f"{header}\n\n{reply.html}", reply.buttons),
            lang,
        ):
            await ask_for_vote(context, card.id, asker, lang)
    await refresh_card(context, card.id)


async def answer_from_staff(update: Update, context: BotContext) -> None:
    """A staff member's reply to a card goes to everyone waiting on it (group -1 handler);
    a reply to a digest names its question by number ("2 Info KUR ada di bank")."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.reply_to_message is None:
        return
    services = context.services
    storage = services.storage
    renderer = services.assistant.renderer
    replied = message.reply_to_message.message_id
    card_id = storage.card_for_message(chat.id, replied)
    listed = storage.digest_cards(chat.id, replied) if card_id is None else []
    if card_id is None and not listed:
        return  # an ordinary reply: the normal handlers take it
    if not is_staff(context, update.effective_user):
        raise ApplicationHandlerStop  # residents in a staff group do not answer for staff
    answer: Reply | None = None  # None: the staff member's message itself is copied
    found = None
    if card_id is None:
        found = read_digest_answer(message.text or "")
        if found is None or not 1 <= found.number <= len(listed):
            how = renderer.render("inbox_digest_how", "id", count=len(listed))
            await send(context, chat.id, Reply(how), "id", quote=message)
            raise ApplicationHandlerStop
        card_id = listed[found.number - 1]
        answer = Reply(renderer.render("staff_answer_text", "id", text=found.text))
    card = storage.card(card_id)
    who = staff_name(update, context)
    if card is None or not await storage.write_patiently(
        storage.close_card, card_id, "answered", who
    ):
        await send(
            context, chat.id, Reply(renderer.render("inbox_closed", "id")), "id", quote=message
        )
        raise ApplicationHandlerStop
    said = found.text if answer is not None and found else message.text or message.caption or ""
    await settle_requests(context, card_id, who, said)
    sent = failed = 0
    lang: Lang = "en" if card.lang == "en" else "id"
    for asker in storage.askers(card_id, waiting_only=False):
        header = Reply(renderer.render("staff_answer", lang, question=asker.text))
        if await deliver(
            context,
            asker.chat_id,
            asker.chat_type,
            asker.message_id,
            header,
            lang,
            copy_of=message if answer is None else None,
            then=answer,
        ):
            sent += 1
            await ask_for_vote(context, card_id, asker, lang)
        else:
            failed += 1
    await send(
        context,
        chat.id,
        Reply(renderer.render("staff_answer_sent", "id", count=sent, failed=failed)),
        "id",
        quote=message,
    )
    await refresh_card(context, card_id)
    raise ApplicationHandlerStop


async def settle_requests(context: BotContext, card_id: int, who: str, answer: str) -> None:
    """The card's waiting requests are answered: when, by whom, with what (as the resident
    sees it in /pertanyaansaya), and after how many working hours."""
    services = context.services
    storage = services.storage
    now = services.now()
    for request in storage.waiting_requests(card_id):
        await storage.write_patiently(
            storage.answer_request,
            request.id,
            at=now,
            by=who,
            answer=answer,
            response_hours=working_age(services.settings.office, request.asked_at, now),
        )


async def ask_for_vote(context: BotContext, card_id: int, asker: Asker, lang: Lang) -> None:
    """Once a staff answer reached a resident, one question: did it help? (👍 / 👎)."""
    request = context.services.storage.request_for(card_id, asker.question_id)
    if request is None or request.status != "answered" or request.vote is not None:
        return
    renderer = context.services.assistant.renderer
    reply = Reply(
        renderer.render("satisfaction_question", lang),
        (
            (
                Button(renderer.label("button_helpful", lang), "sat", f"up:{request.id}"),
                Button(renderer.label("button_unhelpful", lang), "sat", f"down:{request.id}"),
            ),
        ),
    )
    quote = (
        ReplyParameters(asker.message_id, allow_sending_without_reply=True)
        if asker.chat_type != "private" and asker.message_id
        else None
    )
    try:
        await context.bot.send_message(
            asker.chat_id, reply.html, reply_parameters=quote, reply_markup=keyboard(reply, lang)
        )
    except TelegramError as err:
        log.info("Could not ask %s about a staff answer: %s", asker.chat_id, err)


async def deliver(
    context: BotContext,
    chat_id: int,
    chat_type: str,
    message_id: int,
    reply: Reply,
    lang: Lang,
    copy_of: Message | None = None,
    then: Reply | None = None,
) -> bool:
    """To a resident: in their private chat, or as a reply to their message in the group;
    `reply`, then a copy of `copy_of` or the reply `then`."""
    quote = (
        ReplyParameters(message_id, allow_sending_without_reply=True)
        if chat_type != "private"
        else None
    )
    try:
        await context.bot.send_message(
            chat_id, reply.html, reply_parameters=quote, reply_markup=keyboard(reply, lang)
        )
        if copy_of is not None:
            await context.bot.copy_message(chat_id, copy_of.chat_id, copy_of.message_id)
        if then is not None:
            await context.bot.send_message(chat_id, then.html, reply_markup=keyboard(then, lang))
    except Forbidden:
        storage = context.services.storage
        await storage.write_patiently(storage.deactivate, chat_id, "blocked")
        return False
    except TelegramError as err:
        log.warning("Could not deliver a staff answer to %s: %s", chat_id, err)
        return False
    return True


async def _show_on(context: BotContext, message: Message, reply: Reply) -> None:
    await replace_text(
        context.bot, message.chat_id, message.message_id, reply.html, keyboard(reply, "id")
    )


# -- residents' feedback --------------------------------------------------------------------


async def press_feedback(update: Update, context: BotContext) -> None:
    """👍 / 👎 under an answer, 🙅 "Bukan ini" under a clarification. Under a reply of
    several questions one button stands for each of them ("up:12,13"): the vote counts for
    each, and a 👎 files each."""
    query, chat = update.callback_query, update.effective_chat
    pressed = decode(query.data if query else None)
    if query is None or chat is None or pressed is None:
        return
    vote, _, raw_ids = pressed.value.partition(":")
    services = context.services
    renderer = services.assistant.renderer
    ids = [int(i) for i in raw_ids.split(",") if i.isdigit()]
    asked = [q for q in map(services.storage.question, ids) if q is not None]
    user = update.effective_user
    if not asked or (user is not None and any(q.user_id != user.id for q in asked)):
        await acknowledge(query, to_plain(renderer.render("stale_button", pressed.lang)))
        return
    # Every question the answer covered gets the vote (no short cut), once: a second press
    # of the same button records nothing and files nothing.
    recorded = [services.storage.set_helpful(q.id, vote == "up") for q in asked]
    await acknowledge(query, to_plain(renderer.render("feedback_thanks", pressed.lang)))
    if not any(recorded):
        return
    if isinstance(query.message, Message):  # the choice is made: take its buttons away
        markup = query.message.reply_markup
        rows = [
            row
            for row in (markup.inline_keyboard if markup else ())
            if not any(str(b.callback_data or "").startswith("fb|") for b in row)
        ]
        try:
            await query.message.edit_reply_markup(
                reply_markup=InlineKeyboardMarkup(rows) if rows else None
            )
        except BadRequest as err:
            log.info("Could not update feedback buttons: %s", err)
    if vote in ("down", "none"):
        filed = [
            request
            for q in asked
            if (
                request := file_question_again(
                    context, update, services.assistant.decide(q.text), q
                )
            )
            is not None
        ]
        if filed:
            sorry = Reply(renderer.render("feedback_forwarded", pressed.lang))
            await send(
                context,
                chat.id,
                with_request_note(context, sorry, filed, pressed.lang),
                pressed.lang,
            )
