"""The staff inbox: cards for unanswered questions, staff replies, learning, feedback."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, ReplyParameters, Update, User
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.answering import Decision, KnowledgeBase, Lang
from bot.assistant import Assistant
from bot.context import BotContext
from bot.handlers.broadcasting import is_staff
from bot.handlers.common import acknowledge, decode, keyboard, send
from bot.inbox import question_key
from bot.knowledge import with_learned
from bot.rendering import Button, Reply, to_plain
from bot.storage import Card

log = logging.getLogger(__name__)


# -- filing questions -------------------------------------------------------------------


def file_question(
    context: BotContext, update: Update, decision: Decision, question_id: int
) -> bool:
    """Put an unanswered question on a card; the card goes to staff in the background.

    Returns whether staff will see it (there is somebody to see it: a staff group or staff
    members who can list the inbox).
    """
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None:
        return False
    return _file(
        context,
        decision,
        question_id,
        decision.query.text,
        chat.id,
        chat.type,
        user,
        message.message_id,
    )


def _file(
    context: BotContext,
    decision: Decision,
    question_id: int,
    text: str,
    chat_id: int,
    chat_type: str,
    user: User | None,
    message_id: int,
) -> bool:
    services = context.services
    key = question_key(decision.query)
    if key is None:
        return False
    guess = decision.best_guess
    card_id, new = services.storage.add_to_inbox(
        key=key,
        question_id=question_id,
        text=text,
        lang=decision.lang,
        chat_id=chat_id,
        chat_type=chat_type,
        user_id=user.id if user else 0,
        first_name=user.first_name if user else "",
        message_id=message_id,
        best_entry_id=guess.entry.id if guess else None,
        best_score=guess.score if guess else 0.0,
    )
    staff_chat = services.settings.staff_chat_id
    if staff_chat is not None:
        # The staff group takes 20 messages a minute: never make the resident wait for it.
        context.application.create_task(
            post_card(context, card_id, staff_chat) if new else refresh_card(context, card_id)
        )
    return staff_chat is not None or bool(services.settings.admin_ids)


async def post_card(context: BotContext, card_id: int, chat_id: int) -> Message | None:
    storage = context.services.storage
    card = storage.card(card_id)
    if card is None:
        return None
    try:
        message = await context.bot.send_message(
            chat_id,
            card_text(context, card),
            reply_markup=keyboard(card_reply(context, card), "id"),
        )
    except TelegramError as err:
        log.warning("Could not post inbox card #%s: %s", card_id, err)
        return None
    storage.remember_card_message(chat_id, message.message_id, card_id)
    return message


async def refresh_card(context: BotContext, card_id: int) -> None:
    """Show the new count or state on every copy of a card."""
    storage = context.services.storage
    card = storage.card(card_id)
    if card is None:
        return
    reply = card_reply(context, card)
    for chat_id, message_id in storage.card_messages(card_id):
        try:
            await context.bot.edit_message_text(
                reply.html,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=keyboard(reply, "id"),
            )
        except BadRequest as err:
            if "not modified" not in str(err).lower():
                log.info("Could not refresh card #%s in %s: %s", card_id, chat_id, err)
        except TelegramError as err:
            log.info("Could not refresh card #%s in %s: %s", card_id, chat_id, err)


def card_text(context: BotContext, card: Card) -> str:
    services = context.services
    askers = services.storage.askers(card.id, waiting_only=False)
    first = askers[0] if askers else None
    guess = services.assistant.kb.entry(card.best_entry_id) if card.best_entry_id else None
    learned = ""
    if card.status == "learned" and card.handled_by:
        learned = card.handled_by.split(" → ")[-1]
    return services.assistant.renderer.render(
        "inbox_card",
        "id",
        card=card,
        asker=first.first_name or "?" if first else "?",
        others=max(0, len({a.user_id for a in askers}) - 1),
        private=first is not None and first.chat_type == "private",
        guess=guess.label("id") if guess else None,
        learned=learned,
    )


def card_reply(context: BotContext, card: Card) -> Reply:
    renderer = context.services.assistant.renderer
    text = card_text(context, card)
    if card.status != "open":
        return Reply(text)
    return Reply(
        text,
        (
            (
                Button(renderer.render("button_answer", "id"), "inbox", f"how:{card.id}"),
                Button(renderer.render("button_learn", "id"), "inbox", f"pick:{card.id}"),
                Button(renderer.render("button_ignore", "id"), "inbox", f"ignore:{card.id}"),
            ),
        ),
    )


# -- staff actions ------------------------------------------------------------------------


async def press_inbox_button(update: Update, context: BotContext) -> None:
    """Jawab (how to), Tambahkan ke entri… (pick, learn), Abaikan, Kembali."""
    query = update.callback_query
    pressed = decode(query.data if query else None)
    if query is None or pressed is None or not await is_staff(update, context):
        return
    action, _, rest = pressed.value.partition(":")
    card_id_text, _, entry_id = rest.partition(":")
    services = context.services
    renderer = services.assistant.renderer
    card = services.storage.card(int(card_id_text)) if card_id_text.isdigit() else None
    if card is None or card.status != "open":
        await acknowledge(query, to_plain(renderer.render("inbox_closed", "id")))
        return
    who = update.effective_user.full_name if update.effective_user else "petugas"
    message = query.message
    if action == "how":
        await acknowledge(query, to_plain(renderer.render("inbox_how_to_answer", "id")))
    elif action == "pick" and isinstance(message, Message):
        await acknowledge(query)
        await _edit_markup(message, pick_entry_buttons(context, card))
    elif action == "back" and isinstance(message, Message):
        await acknowledge(query)
        await _edit_markup(message, card_reply(context, card))
    elif action == "learn" and services.assistant.kb.entry(entry_id) is not None:
        await acknowledge(query)
        await learn(context, card, entry_id, who)
    elif action == "ignore":
        await acknowledge(query)
        if services.storage.close_card(card.id, "ignored", who):
            await refresh_card(context, card.id)
    else:
        await acknowledge(query, to_plain(renderer.render("stale_button", "id")))


def pick_entry_buttons(context: BotContext, card: Card) -> Reply:
    """Best guesses first, then the rest of the entries that can answer."""
    services = context.services
    kb = services.assistant.kb
    ranked = [
        m.entry
        for m in services.assistant.answerer.rank(card.question, limit=8)
        if not m.entry.gap
    ][:5]
    rows = [(Button(f"→ {e.label('id')}", "inbox", f"learn:{card.id}:{e.id}"),) for e in ranked]
    back = Button(
        services.assistant.renderer.render("button_back_card", "id"), "inbox", f"back:{card.id}"
    )
    if not rows:  # no guess at all: every answering entry
        rows = [
            (Button(f"→ {e.label('id')}", "inbox", f"learn:{card.id}:{e.id}"),)
            for e in kb.entries
            if not e.gap
        ]
    text = services.assistant.renderer.render("inbox_pick_entry", "id", card=card)
    return Reply(text, (*rows, (back,)))


async def learn(context: BotContext, card: Card, entry_id: str, who: str) -> None:
    """The question becomes a phrasing of the entry, at once; waiting askers get the answer."""
    services = context.services
    storage = services.storage
    entry = services.assistant.kb.entry(entry_id)
    assert entry is not None
    if not storage.close_card(card.id, "learned", f"{who} → {entry.label('id')}"):
        return
    storage.learn_variant(entry_id, card.question, card.lang, who, card.id)
    rebuild_assistant(context)
    for asker in storage.askers(card.id, waiting_only=False):
        lang: Lang = "en" if card.lang == "en" else "id"
        renderer = services.assistant.renderer
        header = renderer.render("learned_answer", lang, question=asker.text)
        reply = renderer.entry(entry, lang)
        await deliver(
            context,
            asker.chat_id,
            asker.chat_type,
            asker.message_id,
            Reply(f"{header}\n\n{reply.html}", reply.buttons),
            lang,
        )
    await refresh_card(context, card.id)


def rebuild_assistant(context: BotContext, kb: KnowledgeBase | None = None) -> None:
    """A new Assistant with the learned phrasings; swapped in whole, never edited in place,
    so a question being answered meanwhile sees the old one or the new one, never half."""
    services = context.services
    base = kb if kb is not None else services.assistant.kb
    services.assistant = Assistant(
        with_learned(base, services.storage.learned_variants()),
        contact=services.settings.office_contact,
    )


async def answer_from_staff(update: Update, context: BotContext) -> None:
    """A staff member's reply to a card goes to everyone waiting on it (group -1 handler)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.reply_to_message is None:
        return
    services = context.services
    card_id = services.storage.card_for_message(chat.id, message.reply_to_message.message_id)
    if card_id is None:
        return  # an ordinary reply: the normal handlers take it
    if not services.settings.is_staff(update.effective_user.id if update.effective_user else None):
        raise ApplicationHandlerStop  # residents in a staff group do not answer for staff
    card = services.storage.card(card_id)
    who = update.effective_user.full_name if update.effective_user else "petugas"
    renderer = services.assistant.renderer
    if card is None or not services.storage.close_card(card_id, "answered", who):
        await send(
            context, chat.id, Reply(renderer.render("inbox_closed", "id")), "id", quote=message
        )
        raise ApplicationHandlerStop
    sent = failed = 0
    for asker in services.storage.askers(card_id, waiting_only=False):
        lang: Lang = "en" if card.lang == "en" else "id"
        header = Reply(renderer.render("staff_answer", lang, question=asker.text))
        if await deliver(
            context,
            asker.chat_id,
            asker.chat_type,
            asker.message_id,
            header,
            lang,
            copy_of=message,
        ):
            sent += 1
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


async def deliver(
    context: BotContext,
    chat_id: int,
    chat_type: str,
    message_id: int,
    reply: Reply,
    lang: Lang,
    copy_of: Message | None = None,
) -> bool:
    """To a resident: in their private chat, or as a reply to their message in the group."""
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
    except Forbidden:
        context.services.storage.deactivate(chat_id, "blocked")
        return False
    except TelegramError as err:
        log.warning("Could not deliver a staff answer to %s: %s", chat_id, err)
        return False
    return True


async def _edit_markup(message: Message, reply: Reply) -> None:
    try:
        await message.edit_text(reply.html, reply_markup=keyboard(reply, "id"))
    except BadRequest as err:
        if "not modified" not in str(err).lower():
            raise


# -- residents' feedback --------------------------------------------------------------------


async def press_feedback(update: Update, context: BotContext) -> None:
    """👍 / 👎 under an answer, 🙅 "Bukan ini" under a clarification."""
    query, chat = update.callback_query, update.effective_chat
    pressed = decode(query.data if query else None)
    if query is None or chat is None or pressed is None:
        return
    vote, _, raw_id = pressed.value.partition(":")
    services = context.services
    renderer = services.assistant.renderer
    question = services.storage.question(int(raw_id)) if raw_id.isdigit() else None
    user = update.effective_user
    if question is None or (user is not None and question["user_id"] != user.id):
        await acknowledge(query, to_plain(renderer.render("stale_button", pressed.lang)))
        return
    services.storage.set_helpful(int(raw_id), vote == "up")
    await acknowledge(query, to_plain(renderer.render("feedback_thanks", pressed.lang)))
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
        decision = services.assistant.decide(str(question["text"]))
        filed = file_question_again(context, update, decision, int(raw_id), question)
        if filed:
            await send(
                context,
                chat.id,
                Reply(renderer.render("feedback_forwarded", pressed.lang)),
                pressed.lang,
            )


def file_question_again(
    context: BotContext,
    update: Update,
    decision: Decision,
    question_id: int,
    question: dict[str, object],
) -> bool:
    """A 👎 or "Bukan ini": the earlier question (not the tap) goes to the inbox."""
    return _file(
        context,
        decision,
        question_id,
        str(question["text"]),
        int(question["chat_id"]),  # type: ignore[call-overload]
        str(question["chat_type"]),
        update.effective_user,
        0,
    )
