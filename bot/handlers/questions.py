"""Residents' questions, wherever they ask: private chats, /tanya, mentions and replies in
groups, automatic answers where a group switched them on; edits, buttons, non-text.

A message may ask several things: each question (up to three) is answered in order in one
reply, logged as a question of its own, and each one the report does not answer goes to
the staff inbox. Follow-ups ("di mana tuh?") read the asker's recent turns: one
conversation per private chat and per asker within a group (services.memory).
"""

from __future__ import annotations

from telegram import Message, ReplyParameters, Update

from bot.answering import Lang, Response
from bot.context import BotContext
from bot.handlers.cards import Filed, file_question, with_request_note
from bot.handlers.common import acknowledge, decode, edit, language_of, send
from bot.inbox import question_key
from bot.rendering import Button, Reply

REPEAT_WINDOW = 5 * 60  # a group gets a pointer, not a repeat, within 5 minutes
# The question ids one vote button stands for ("up:12,13"): handlers/inbox.py reads them.
FEEDBACK_IDS_SEPARATOR = ","


# -- the question flow ----------------------------------------------------------------------


async def answer_question(
    update: Update,
    context: BotContext,
    text: str,
    *,
    in_group: bool = False,
    confident_only: bool = False,
) -> None:
    """Answer every question of a message in one reply; remember the reply so an edit can
    update it, and what was asked so a follow-up can lean on it."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None:
        return
    services = context.services
    asker = user.id if user else 0
    draft = services.memory.draft(chat.id, asker, group=chat.type != chat.PRIVATE)
    response = services.assistant.respond(text, draft)
    if confident_only and not is_sure(response):
        return  # automatic answers in groups: only when sure, never "did you mean"
    services.memory.keep(chat.id, message.message_id, asker, draft)
    question_ids = log_questions(context, update, response)
    entry_id = answered_entry(response)
    if in_group and entry_id is not None and is_single(response):
        earlier = services.storage.recent_answer(chat.id, entry_id, REPEAT_WINDOW)
        if earlier is not None:
            if not confident_only:  # addressed: point to the answer; automatic: stay quiet
                await point_to_earlier(context, chat.id, earlier, message, reply_lang(response))
            return
    filed = file_unanswered(context, update, response, question_ids)
    reply = with_feedback(
        context,
        # Sent to the office: the resident gets each request's number and when to expect it.
        with_request_note(
            context,
            services.assistant.renderer.response(response, forwarded=bool(filed)),
            filed,
            reply_lang(response),
        ),
        response,
        question_ids,
    )
    sent = await send(
        context,
        chat.id,
        reply,
        reply_lang(response),
        quote=message if in_group else None,
        thread_id=message.message_thread_id if in_group and message.is_topic_message else None,
    )
    services.storage.remember_reply(chat.id, message.message_id, sent, entry_id)


def is_sure(response: Response) -> bool:
    """Every question of the message answered, none left over: an automatic answer to
    chatter nobody addressed to the bot must not be "I don't know" or "did you mean"."""
    return not response.more and all(p.status == "answer" for p in response.parts)


def answered_entry(response: Response) -> str | None:
    """The entry a reply is remembered by (a group's "already answered" pointer): its first
    answer."""
    primary = response.primary
    return primary.entry.id if primary.status == "answer" and primary.entry else None


def is_single(response: Response) -> bool:
    """One question, nothing left over: the reply is that question's own (Renderer.response)."""
    return len(response.parts) == 1 and not response.more


def reply_lang(response: Response) -> Lang:
    """The language the reply is written in: a single question's, or the whole message's."""
    return response.parts[0].lang if is_single(response) else response.lang


def log_questions(context: BotContext, update: Update, response: Response) -> list[int]:
    """One row per question of the message (so /statistik counts questions, not messages)."""
    chat, user = update.effective_chat, update.effective_user
    storage = context.services.storage
    return [
        storage.log_question(
            chat_id=chat.id if chat else 0,
            chat_type=chat.type if chat else "",
            user_id=user.id if user else 0,
            lang=part.lang,
            text=part.query.text,
            status=part.status,
            reason=part.reason,
            entry_id=part.entry.id if part.entry else None,
            score=part.score or (part.best_guess.score if part.best_guess else 0.0),
        )
        for part in response.parts
    ]


def file_unanswered(
    context: BotContext, update: Update, response: Response, question_ids: list[int]
) -> list[Filed]:
    """Each question the report does not answer (fallback, narrower, gap) gets an inbox
    card, once per distinct question: two ways of asking one thing in a message are one.
    Returns the requests they became (none when no staff would see them)."""
    requests: list[Filed] = []
    filed: set[str | None] = set()
    for part, question_id in zip(response.parts, question_ids, strict=True):
        key = question_key(part.query)
        if key in filed or not any(part is u for u in response.unanswered):
            continue
        filed.add(key)
        request = file_question(context, update, part, question_id)
        if request is not None:
            requests.append(request)
    return requests


def with_feedback(
    context: BotContext, reply: Reply, response: Response, question_ids: list[int]
) -> Reply:
    """Answers ask "Membantu? 👍 👎"; a clarification offers "Bukan ini".

    Under a reply of several questions the buttons stand for all the answered ones (or all
    the unclear ones): a 👍 counts for each answer, a 👎 sends each to staff, as the
    resident has not said which answer missed."""
    renderer = context.services.assistant.renderer
    lang = reply_lang(response)
    asked = list(zip(response.parts, question_ids, strict=True))
    answered = FEEDBACK_IDS_SEPARATOR.join(str(q) for p, q in asked if p.status == "answer")
    unclear = FEEDBACK_IDS_SEPARATOR.join(str(q) for p, q in asked if p.status == "clarify")
    rows: list[tuple[Button, ...]] = []
    if answered:
        rows.append(
            (
                Button(renderer.label("button_helpful", lang), "fb", f"up:{answered}"),
                Button(renderer.label("button_unhelpful", lang), "fb", f"down:{answered}"),
            )
        )
    if unclear:
        rows.append(
            (Button(renderer.label("button_none_of_these", lang), "fb", f"none:{unclear}"),)
        )
    return Reply(reply.html, (*reply.buttons, *rows))


async def point_to_earlier(
    context: BotContext, chat_id: int, earlier: int, asker: Message, lang: Lang
) -> None:
    renderer = context.services.assistant.renderer
    name = asker.from_user.first_name if asker.from_user else ""
    user_id = asker.from_user.id if asker.from_user else 0
    text = renderer.render("already_answered", lang, name=name, user_id=user_id)
    await context.bot.send_message(
        chat_id, text, reply_parameters=ReplyParameters(earlier, allow_sending_without_reply=True)
    )


# -- where questions come from ------------------------------------------------------------


async def answer_private(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await answer_question(update, context, message.text)


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


async def answer_edited(update: Update, context: BotContext) -> None:
    """An edited question: its earlier reply is edited to answer the new text, read with
    the context the original was read with (none after a restart: that is kept in memory)."""
    message, chat, user = update.edited_message, update.effective_chat, update.effective_user
    if message is None or chat is None or message.text is None:
        return
    services = context.services
    previous = services.storage.replies_to(chat.id, message.message_id)
    if not previous:
        if chat.type == chat.PRIVATE:
            await answer_question(update, context, message.text)
        return  # in a group, only a message the bot answered before is followed
    asker = user.id if user else 0
    draft = services.memory.redraft(
        chat.id, message.message_id, asker, group=chat.type != chat.PRIVATE
    )
    response = services.assistant.respond(message.text, draft)
    draft.commit()
    reply = services.assistant.renderer.response(response)
    ids = await edit(context, chat.id, previous, reply, reply_lang(response))
    services.storage.remember_reply(chat.id, message.message_id, ids, answered_entry(response))


# -- everything else a resident sends -------------------------------------------------------


async def hint_to_type(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes, locations, files: ask for the question in text."""
    chat, lang = update.effective_chat, language_of(update.effective_user)
    if chat is not None:
        text = context.services.assistant.renderer.render("nontext", lang)
        await send(context, chat.id, Reply(text), lang)


async def unknown_command(update: Update, context: BotContext) -> None:
    chat, lang = update.effective_chat, language_of(update.effective_user)
    if chat is not None:
        text = context.services.assistant.renderer.render("unknown_command", lang)
        await send(context, chat.id, Reply(text), lang)


async def press_button(update: Update, context: BotContext) -> None:
    """A tap on an answer, topic or menu button; anything stale or forged gets a polite note."""
    query = update.callback_query
    if query is None:
        return
    renderer = context.services.assistant.renderer
    kb = context.services.assistant.kb
    pressed = decode(query.data)
    reply: Reply | None = None
    if pressed is not None:
        if pressed.action == "entry" and (entry := kb.entry(pressed.value)) is not None:
            reply = renderer.entry(entry, pressed.lang)
        elif pressed.action == "topic" and (topic := kb.topic(pressed.value)) is not None:
            reply = renderer.topic(topic, pressed.lang)
        elif pressed.action == "topics":
            reply = renderer.topics_menu(pressed.lang)
    lang = pressed.lang if pressed is not None else language_of(update.effective_user)
    if reply is None:
        await acknowledge(query, renderer.render("stale_button", lang))
        return
    await acknowledge(query)
    chat = update.effective_chat
    if chat is not None:
        await send(context, chat.id, reply, lang)
