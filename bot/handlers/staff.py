"""Staff tools: /belumterjawab (the inbox), /statistik with a chart, /muatulang."""

from __future__ import annotations

import io

from telegram import Update

from bot.context import BotContext
from bot.handlers.cards import post_card
from bot.handlers.common import send
from bot.handlers.permissions import staff_or_refuse
from bot.knowledge import KnowledgeInvalid, default_knowledge_dir, load_knowledge, save_knowledge
from bot.rendering import Reply
from bot.service_desk import collect_desk_stats
from bot.stats import collect_stats

SHOWN_CARDS = 10


async def show_unanswered(update: Update, context: BotContext) -> None:
    """/belumterjawab (/unanswered): the open cards, each one answerable by a reply."""
    chat = update.effective_chat
    if chat is None or not await staff_or_refuse(update, context):
        return
    storage = context.services.storage
    cards = storage.open_cards(SHOWN_CARDS)
    total = storage.count_open_cards()
    text = context.services.assistant.renderer.render(
        "unanswered", "id", total=total, shown=len(cards)
    )
    await send(context, chat.id, Reply(text), "id")
    for card in cards:
        await post_card(context, card.id, chat.id)


async def show_stats(update: Update, context: BotContext) -> None:
    """/statistik (/stats): the figures with the requests to the office per week, then the
    charts of questions per day and of requests per week."""
    chat = update.effective_chat
    if chat is None or not await staff_or_refuse(update, context):
        return
    services = context.services
    renderer = services.assistant.renderer
    stats = collect_stats(services.storage)
    desk = collect_desk_stats(
        services.storage, services.settings.response_target_hours, services.now()
    )
    labels = {e.id: e.label("id") for e in services.assistant.kb.entries}
    text = renderer.render("stats", "id", stats=stats, labels=labels)
    text += "\n\n" + renderer.render("stats_requests", "id", desk=desk)
    await send(context, chat.id, Reply(text), "id")
    await context.bot.send_photo(
        chat.id,
        io.BytesIO(stats.chart(renderer.chart_legends("id"))),
        caption=renderer.label("chart_caption", "id"),
    )
    await context.bot.send_photo(
        chat.id,
        io.BytesIO(desk.chart(request_legends(context))),
        caption=renderer.label("chart_requests_caption", "id"),
    )


def request_legends(context: BotContext) -> dict[str, str]:
    """The names of a request's outcomes on the chart of requests per week."""
    renderer = context.services.assistant.renderer
    return {
        outcome: renderer.label(f"chart_request_{outcome}", "id")
        for outcome in ("on_time", "late", "waiting", "closed")
    }


async def reload_knowledge(update: Update, context: BotContext) -> None:
    """/muatulang (/reload): rebuild from knowledge/; broken files keep the old one serving."""
    chat = update.effective_chat
    if chat is None or not await staff_or_refuse(update, context):
        return
    services = context.services
    directory = services.settings.knowledge_dir or default_knowledge_dir()
    renderer = services.assistant.renderer
    try:
        kb = load_knowledge(directory)
    except KnowledgeInvalid as err:
        problems = [str(p) for p in err.problems if p.severity == "error"]
        text = renderer.render(
            "reloaded", "id", problems=problems[:15], version=services.assistant.kb.version
        )
        await send(context, chat.id, Reply(text), "id")
        return
    storage = services.storage
    # The saved copy (for the next start) is written when the database takes it: another
    # process's lock pauses this reply, never the event loop.
    await storage.write_patiently(lambda: save_knowledge(storage.db, kb))
    services.use_knowledge(kb)  # with the phrasings staff taught
    current = services.assistant.kb
    text = services.assistant.renderer.render(
        "reloaded",
        "id",
        problems=[],
        entries=len(current.entries),
        variants=sum(len(e.variants()) for e in current.entries),
        learned=sum(len(e.learned) for e in current.entries),
        version=current.version,
    )
    await send(context, chat.id, Reply(text), "id")
