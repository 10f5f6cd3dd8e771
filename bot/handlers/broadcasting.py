"""Staff announcements: /umumkan with a preview, Kirim/Batal, progress, /laporan."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from markupsafe import Markup
from telegram import Message, Update
from telegram.error import BadRequest, TelegramError

from bot.announcement import AnnouncementError, jakarta, parse_announcement
from bot.answering import Lang
from bot.broadcast import Progress, ProgressCallback, announcement_button
from bot.context import BotApplication, BotContext
from bot.handlers.common import acknowledge, decode, html_of, keyboard, replace_text, send
from bot.handlers.permissions import staff_or_refuse
from bot.rendering import (
    TELEGRAM_CAPTION_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    Button,
    Renderer,
    Reply,
    to_plain,
)
from bot.sharing import ASK_PAYLOAD, deep_link
from bot.storage import Broadcast

log = logging.getLogger(__name__)


async def announce(update: Update, context: BotContext) -> None:
    """/umumkan TEXT, or /umumkan in reply to a text or photo: a preview, then Kirim/Batal."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not await staff_or_refuse(update, context):
        return
    renderer = context.services.assistant.renderer
    lang: Lang = "id"
    source = message.reply_to_message
    try:
        parsed = parse_announcement(html_of(message), datetime.now(UTC))
        kind, body, photo = _content(parsed.body_html, source)
        button = _ask_button(context, parsed.ask)
    except AnnouncementError as err:
        text = renderer.render("broadcast_usage", lang, problem=err.problem, detail=err.detail)
        await send(context, chat.id, Reply(text), lang)
        return
    rendered = renderer.render("announcement", lang, body=Markup(body))
    limit = TELEGRAM_CAPTION_LIMIT if kind == "photo" else TELEGRAM_TEXT_LIMIT
    if len(to_plain(rendered)) > limit:
        detail = f"{len(to_plain(rendered))}/{limit}"
        await send(
            context,
            chat.id,
            Reply(renderer.render("broadcast_usage", lang, problem="too_long", detail=detail)),
            lang,
        )
        return
    storage = context.services.storage
    send_at = parsed.send_at.timestamp() if parsed.send_at else None
    broadcast_id = await storage.write_patiently(
        storage.create_broadcast,
        created_by=update.effective_user.id if update.effective_user else 0,
        kind=kind,
        html=rendered,
        photo=photo,
        topic=parsed.topic,
        scheduled_for=send_at,
        button=button,
    )
    broadcast = storage.broadcast(broadcast_id)
    assert broadcast is not None
    # The preview goes out exactly as recipients will get it.
    markup = announcement_button(broadcast)
    if kind == "photo" and photo:
        await context.bot.send_photo(chat.id, photo, caption=rendered, reply_markup=markup)
    else:
        await context.bot.send_message(chat.id, rendered, reply_markup=markup)
    control = Reply(
        renderer.render(
            "broadcast_preview",
            lang,
            broadcast=broadcast,
            recipients=storage.count_recipients(parsed.topic),
            when=jakarta(send_at) if send_at else None,
        ),
        (
            (
                Button(renderer.render("button_send", lang), "bc", f"send:{broadcast_id}"),
                Button(renderer.render("button_cancel", lang), "bc", f"cancel:{broadcast_id}"),
            ),
        ),
    )
    [sent_id] = await send(context, chat.id, control, lang)
    await storage.write_patiently(storage.set_control_message, broadcast_id, chat.id, sent_id)


def _ask_button(context: BotContext, ask: str | None) -> tuple[str, str] | None:
    """(label, t.me link) of the "Tanya soal ini" button `+tanya[=ENTRY-ID]` asked for."""
    if ask is None:
        return None
    services = context.services
    if ask and services.assistant.kb.entry(ask) is None:
        raise AnnouncementError("unknown_entry", ask)
    label = services.assistant.renderer.label("button_ask_announcement", "id")
    return label, deep_link(services.bot_username, ask or ASK_PAYLOAD)


def _content(body_html: str, source: Message | None) -> tuple[str, str, str | None]:
    """(kind, body HTML, photo file id) from the command's own text or the replied message."""
    if source is not None and not body_html:
        if source.photo:
            return "photo", html_of(source, caption=True), source.photo[-1].file_id
        if source.text:
            return "text", html_of(source), None
        raise AnnouncementError("unsupported_reply")
    if not body_html:
        raise AnnouncementError("no_text")
    return "text", body_html, None


async def press_broadcast_button(update: Update, context: BotContext) -> None:
    """Kirim / Batal on a preview, Hentikan on a running one, Rincian in /laporan."""
    query, chat = update.callback_query, update.effective_chat
    pressed = decode(query.data if query else None)
    if (
        query is None
        or chat is None
        or pressed is None
        or not await staff_or_refuse(update, context)
    ):
        return
    action, _, raw_id = pressed.value.partition(":")
    renderer = context.services.assistant.renderer
    if not raw_id.isdigit():
        await acknowledge(query, renderer.label("button_unreadable", "id"))
        return
    broadcast_id = int(raw_id)
    storage = context.services.storage
    broadcaster = context.services.broadcaster
    assert broadcaster is not None
    lang: Lang = "id"
    if action == "send":
        confirmed = await storage.write_patiently(storage.confirm_broadcast, broadcast_id)
        if confirmed is None:  # a second tap, or an old preview: never a second delivery
            await acknowledge(query, to_plain(renderer.render("broadcast_gone", lang)))
            return
        await acknowledge(query)
        if confirmed.status == "scheduled":
            assert confirmed.scheduled_for is not None
            text = renderer.render(
                "broadcast_scheduled",
                lang,
                broadcast=confirmed,
                when=jakarta(confirmed.scheduled_for),
            )
            await _edit_control(
                context,
                confirmed.control_chat_id,
                confirmed.control_message_id,
                Reply(text, _stop_button(renderer, broadcast_id)),
            )
            return
        broadcaster.start(broadcast_id)
    elif action in ("cancel", "stop"):
        previous = await broadcaster.cancel(broadcast_id)
        if previous is None:
            await acknowledge(query, to_plain(renderer.render("broadcast_gone", lang)))
            return
        await acknowledge(query)
        if previous in ("draft", "scheduled"):
            broadcast = storage.broadcast(broadcast_id)
            text = renderer.render("broadcast_cancelled", lang, broadcast=broadcast)
            await _edit_control(
                context, chat.id, query.message.message_id if query.message else None, Reply(text)
            )
    elif action == "detail":
        await acknowledge(query)
        broadcast = storage.broadcast(broadcast_id)
        if broadcast is not None:
            text = renderer.render(
                "report_detail", lang, broadcast=broadcast, rows=storage.undelivered(broadcast_id)
            )
            await send(context, chat.id, Reply(text), lang)
    else:
        await acknowledge(query, to_plain(renderer.render("stale_button", lang)))


async def show_reports(update: Update, context: BotContext) -> None:
    """/laporan: recent broadcasts with their figures; stop or inspect them."""
    chat = update.effective_chat
    if chat is None or not await staff_or_refuse(update, context):
        return
    storage = context.services.storage
    renderer = context.services.assistant.renderer
    rows = []
    buttons: list[tuple[Button, ...]] = []
    for b in storage.recent_broadcasts(10):
        counts = storage.delivery_counts(b.id)
        rows.append((_summary(b), counts))
        if b.status in ("sending", "scheduled"):
            buttons.append(
                (Button(renderer.render("button_stop", "id", id=b.id), "bc", f"stop:{b.id}"),)
            )
        elif counts.get("blocked") or counts.get("failed") or counts.get("cancelled"):
            buttons.append(
                (Button(renderer.render("button_detail", "id", id=b.id), "bc", f"detail:{b.id}"),)
            )
    text = renderer.render("reports", "id", rows=rows, subscribers=storage.subscriber_counts())
    await send(context, chat.id, Reply(text, tuple(buttons)), "id")


def _summary(b: Broadcast) -> dict[str, object]:
    stamp = b.started_at or b.scheduled_for or b.created_at
    body = to_plain(b.html).split("\n\n", 1)[-1]  # without the fixed header line
    return {
        "id": b.id,
        "when": jakarta(stamp),
        "status": b.status,
        "topic": b.topic,
        "total": b.total,
        "preview": " ".join(body.split()),  # the template shortens it
    }


def _stop_button(renderer: Renderer, broadcast_id: int) -> tuple[tuple[Button, ...], ...]:
    label = renderer.render("button_stop", "id", id=broadcast_id)
    return ((Button(label, "bc", f"stop:{broadcast_id}"),),)


async def _edit_control(
    context: BotContext, chat_id: int | None, message_id: int | None, reply: Reply
) -> None:
    if chat_id is None or message_id is None:
        return
    try:
        await replace_text(context.bot, chat_id, message_id, reply.html, keyboard(reply, "id"))
    except BadRequest as err:
        log.warning("Could not update the broadcast message: %s", err)


def progress_reporter(app: BotApplication) -> ProgressCallback:
    """The Broadcaster's progress callback: one message edited in place, then a report."""

    async def report(progress: Progress) -> None:
        services = app.bot_data.services
        renderer = services.assistant.renderer
        b = progress.broadcast
        if b.control_chat_id is None or b.control_message_id is None:
            return
        text = renderer.render("broadcast_progress", "id", p=progress)
        buttons = (
            () if progress.finished or b.status == "cancelled" else _stop_button(renderer, b.id)
        )
        try:
            await replace_text(
                app.bot,
                b.control_chat_id,
                b.control_message_id,
                text,
                keyboard(Reply(text, buttons), "id"),
            )
        except BadRequest as err:
            log.warning("Could not update progress of broadcast #%s: %s", b.id, err)
        if progress.finished:
            try:
                await app.bot.send_message(
                    b.control_chat_id, renderer.render("broadcast_report", "id", p=progress)
                )
            except TelegramError as err:
                log.warning("Could not send the report of broadcast #%s: %s", b.id, err)

    return report


async def start_due_broadcasts(context: BotContext) -> None:
    """JobQueue, every few seconds: scheduled announcements whose time has come."""
    broadcaster = context.services.broadcaster
    if broadcaster is not None:
        for broadcast_id in await broadcaster.start_due():
            log.info("Scheduled broadcast #%s started at %s", broadcast_id, time.ctime())
