"""A resident's requests to the office: /pertanyaansaya (/myquestions) with their states and
answers, and the one vote on a staff answer."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Message, Update
from telegram.error import BadRequest

from bot.announcement import JAKARTA
from bot.context import BotContext
from bot.handlers.common import acknowledge, decode, incoming, send
from bot.rendering import Reply, to_plain
from bot.service_desk import reference

log = logging.getLogger(__name__)

SHOWN_REQUESTS = 10


async def show_my_requests(update: Update, context: BotContext) -> None:
    """/pertanyaansaya (/myquestions): the newest requests, each with its state and answer."""
    got = incoming(update)
    if got is None or got.user is None:
        return
    services = context.services
    renderer = services.assistant.renderer
    if got.in_group:  # a resident's own questions are not for the whole group to read
        text = renderer.render("requests_private_only", got.lang)
        await send(context, got.chat.id, Reply(text), got.lang, quote=got.message)
        return
    storage = services.storage
    now = services.now()
    shown = [
        {
            "reference": reference(r.id),
            "text": r.text,
            "status": r.status,
            "asked": _local(r.asked_at),
            "due": _local(r.due_at),
            "overdue": r.status == "waiting" and r.due_at <= now,
            "answered": _local(r.answered_at or r.asked_at),
            "answer": r.answer,
        }
        for r in storage.requests_of(got.user.id, SHOWN_REQUESTS)
    ]
    text = renderer.render(
        "my_requests",
        got.lang,
        requests=shown,
        total=storage.count_requests_of(got.user.id),
        now=_local(now),
    )
    await send(context, got.chat.id, Reply(text), got.lang)


def _local(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, JAKARTA)


async def press_satisfaction(update: Update, context: BotContext) -> None:
    """👍 / 👎 under "Apakah jawaban petugas membantu?": one vote per request, its asker's."""
    query = update.callback_query
    pressed = decode(query.data if query else None)
    if query is None or pressed is None:
        return
    vote, _, raw_id = pressed.value.partition(":")
    storage = context.services.storage
    renderer = context.services.assistant.renderer
    request = storage.request(int(raw_id)) if raw_id.isdigit() else None
    user = update.effective_user
    if request is None or user is None or request.user_id != user.id or vote not in ("up", "down"):
        await acknowledge(query, to_plain(renderer.render("stale_button", pressed.lang)))
        return
    if not await storage.write_patiently(storage.vote_on_request, request.id, vote == "up"):
        await acknowledge(query, to_plain(renderer.render("satisfaction_already", pressed.lang)))
        return
    await acknowledge(query, to_plain(renderer.render("satisfaction_thanks", pressed.lang)))
    if isinstance(query.message, Message):  # voted: the buttons go
        try:
            await query.message.edit_reply_markup(reply_markup=None)
        except BadRequest as err:
            log.info("Could not take the vote buttons away: %s", err)
