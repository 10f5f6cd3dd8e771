"""Residents' questions, wherever they ask: private chats, /tanya, mentions and replies in
groups, automatic answers where a group switched them on; edits, buttons, non-text."""

from __future__ import annotations

from telegram import Message, ReplyParameters, Update

from bot.answering import Lang
from bot.context import BotContext
from bot.handlers.cards import file_question, with_request_note
from bot.handlers.common import acknowledge, decode, edit, language_of, send
from bot.rendering import Button, Reply

REPEAT_WINDOW = 5 * 60  # a group gets a pointer, not a repeat, within 5 minutes


# -- the question flow ----------------------------------------------------------------------


async def answer_question(
    update: Update,
    context: BotContext,
    text: str,
    *,
    in_group: bool = False,
    confident_only: bool = False,
) -> None:
    """Decide, render and reply; remember the reply so an edit can update it."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    services = context.services
    assistant = services.assistant
    decision = assistant.decide(text)
    if confident_only and decision.status != "answer":
        return  # automatic answers in groups: only when sure, never "did you mean"
    user = update.effective_user
    question_id = services.storage.log_question(
        chat_id=chat.id,
        chat_type=chat.type,
        user_id=user.id if user else 0,
        lang=decision.lang,
        text=decision.query.text,
        status=decision.status,
        reason=decision.reason,
        entry_id=decision.entry.id if decision.entry else None,
        score=decision.score or (decision.best_guess.score if decision.best_guess else 0.0),
    )
    entry_id = decision.entry.id if decision.status == "answer" and decision.entry else None
    if in_group and entry_id is not None:
        earlier = services.storage.recent_answer(chat.id, entry_id, REPEAT_WINDOW)
        if earlier is not None:
            if not confident_only:  # addressed: point to the answer; automatic: stay quiet
                await point_to_earlier(context, chat.id, earlier, message, decision.lang)
            return
    filed = None  # sent to the office: the resident gets its number and when to expect it
    if decision.status == "fallback" and decision.reason != "empty":
        filed = file_question(context, update, decision, question_id)
    reply = with_feedback(
        context,
        with_request_note(
            context,
            assistant.renderer.decision(decision, forwarded=filed is not None),
            filed,
            decision.lang,
        ),
        decision.status,
        question_id,
        decision.lang,
    )
    sent = await send(
        context,
        chat.id,
        reply,
        decision.lang,
        quote=message if in_group else None,
        thread_id=message.message_thread_id if in_group and message.is_topic_message else None,
    )
    services.storage.remember_reply(
        chat.id, message.message_id, [m.message_id for m in sent], entry_id
    )


def with_feedback(
    context: BotContext, reply: Reply, status: str, question_id: int, lang: Lang
) -> Reply:
    """Answers ask "Membantu? 👍 👎"; a clarification offers "Bukan ini"."""
    renderer = context.services.assistant.renderer
    row: tuple[Button, ...]
    if status == "answer":
        row = (
            Button(renderer.label("button_helpful", lang), "fb", f"up:{question_id}"),
            Button(renderer.label("button_unhelpful", lang), "fb", f"down:{question_id}"),
        )
    elif status == "clarify":
        row = (Button(renderer.label("button_none_of_these", lang), "fb", f"none:{question_id}"),)
    else:
        return reply
    return Reply(reply.html, (*reply.buttons, row))


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
    """An edited question: its earlier reply is edited to answer the new text."""
    message, chat = update.edited_message, update.effective_chat
    if message is None or chat is None or message.text is None:
        return
    storage = context.services.storage
    previous = storage.replies_to(chat.id, message.message_id)
    if not previous:
        if chat.type == chat.PRIVATE:
            await answer_question(update, context, message.text)
        return  # in a group, only a message the bot answered before is followed
    answer = context.services.assistant.ask(message.text)
    decision = answer.decision
    ids = await edit(context, chat.id, previous, answer.reply, decision.lang)
    entry_id = decision.entry.id if decision.status == "answer" and decision.entry else None
    storage.remember_reply(chat.id, message.message_id, ids, entry_id)


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
