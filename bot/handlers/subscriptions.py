"""Opt-in announcements: /langganan, /berhenti, topic choice, and who blocked the bot."""

from __future__ import annotations

from telegram import ChatMember, ChatMemberUpdated, Update

from bot.answering import Lang
from bot.broadcast import ANNOUNCEMENT_TOPICS
from bot.context import BotContext
from bot.handlers.common import acknowledge, decode, edit, incoming, send, tell_not_saved
from bot.handlers.permissions import group_admin_or_alert, group_admin_or_refuse
from bot.rendering import Button, Reply, to_plain
from bot.storage import StorageUnavailable


async def subscribe(update: Update, context: BotContext) -> None:
    """/langganan (/subscribe) or the button under /start: opt in at once, to every topic."""
    got = incoming(update)
    if got is None:
        return
    chat, user, lang, group = got.chat, got.user, got.lang, got.in_group
    if update.callback_query is not None:
        await acknowledge(update.callback_query)
    sender_chat = got.message.sender_chat if update.callback_query is None else None
    if group and not await group_admin_or_refuse(context, chat.id, user, sender_chat, lang):
        return
    name = chat.title if group else (user.full_name if user else "")
    storage = context.services.storage
    try:
        subscriber = await storage.write(
            storage.subscribe,
            chat.id,
            chat.type,
            name or "",
            lang,
            "button" if update.callback_query else "command",
            user.id if user else 0,
        )
    except StorageUnavailable:  # never a ✅ for a subscription that was not saved
        await tell_not_saved(context, chat.id, lang)
        return
    await send(context, chat.id, topics_reply(context, subscriber.topics, lang, group), lang)


async def unsubscribe(update: Update, context: BotContext) -> None:
    """/berhenti (/unsubscribe): stops at once."""
    got = incoming(update)
    if got is None:
        return
    chat, lang, group = got.chat, got.lang, got.in_group
    if group and not await group_admin_or_refuse(
        context, chat.id, got.user, got.message.sender_chat, lang
    ):
        return
    storage = context.services.storage
    try:
        was_active = await storage.write(storage.deactivate, chat.id, "unsubscribed")
    except StorageUnavailable:
        await tell_not_saved(context, chat.id, lang)
        return
    text = context.services.assistant.renderer.render(
        "unsubscribed", lang, was_active=was_active, group=group
    )
    await send(context, chat.id, Reply(text), lang)


async def choose_topic(update: Update, context: BotContext) -> None:
    """A tap on a topic under the confirmation: toggles it ("all" clears the choice)."""
    query, chat = update.callback_query, update.effective_chat
    pressed = decode(query.data if query else None)
    if query is None or chat is None or pressed is None or query.message is None:
        return
    storage = context.services.storage
    subscriber = storage.subscriber(chat.id)
    group = chat.type != chat.PRIVATE
    if subscriber is None or not subscriber.active:
        await acknowledge(
            query, context.services.assistant.renderer.render("stale_button", pressed.lang)
        )
        return
    if group and not await group_admin_or_alert(
        query, context, chat.id, update.effective_user, pressed.lang
    ):
        return
    topics = set(subscriber.topics)
    if pressed.value == "all":
        topics.clear()
    elif pressed.value in ANNOUNCEMENT_TOPICS:
        topics ^= {pressed.value}
        if topics == set(ANNOUNCEMENT_TOPICS):
            topics.clear()  # every topic chosen is the same as "all"
    try:
        await storage.write(storage.set_topics, chat.id, sorted(topics))
    except StorageUnavailable:
        await acknowledge(
            query, to_plain(context.services.assistant.renderer.render("not_saved", pressed.lang))
        )
        return
    await acknowledge(query)
    reply = topics_reply(context, sorted(topics), pressed.lang, group)
    await edit(context, chat.id, [query.message.message_id], reply, pressed.lang)


def topics_reply(context: BotContext, topics: list[str], lang: Lang, group: bool) -> Reply:
    renderer = context.services.assistant.renderer
    labels = [renderer.announcement_topic(t, lang) for t in topics]
    text = renderer.render("subscribed", lang, chosen=labels, group=group)
    buttons = [
        Button(
            renderer.render(
                "button_topic_choice",
                lang,
                chosen=t in topics,
                label=renderer.announcement_topic(t, lang),
            ),
            "subtopic",
            t,
        )
        for t in ANNOUNCEMENT_TOPICS
    ]
    every = Button(
        renderer.render(
            "button_topic_choice",
            lang,
            chosen=not topics,
            label=renderer.label("all_topics", lang),
        ),
        "subtopic",
        "all",
    )
    return Reply(text, (tuple(buttons), (every,)))


async def track_membership(update: Update, context: BotContext) -> None:
    """The bot blocked by a resident, or removed from a group: stop sending there."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    gone = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
    if gone:
        reason = "blocked" if change.chat.type == change.chat.PRIVATE else "removed from group"
        storage = context.services.storage
        storage.write_later(storage.deactivate, change.chat.id, reason)
