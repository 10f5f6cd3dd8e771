"""Inbox cards in the staff chats: filing an unanswered question, the poster that brings
queued cards to the staff group (alone, or as a digest when they pile up) within part of
the group's budget, and refreshing every copy of a card. Shared by the question flow, the
inbox, /belumterjawab and /hapusdata.

Imports no feature module (only `common`), so every handler module may build on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from telegram import Message, Update, User
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.answering import Decision, Lang
from bot.context import BotApplication, BotContext
from bot.handlers.common import keyboard, replace_text
from bot.inbox import CARD_BURST, CARDS_PER_MINUTE, DIGEST_SIZE, Budget, digest_now, question_key
from bot.pacing import Lane
from bot.rendering import Button, Reply
from bot.service_desk import Promise, promise, reference, working_age
from bot.storage import Card, LoggedQuestion, Request, StorageUnavailable

log = logging.getLogger(__name__)

LEARNED_SEPARATOR = " → "  # handled_by of a learned card: "<staff name> → <entry label>"


@dataclass(frozen=True, slots=True)
class Filed:
    """A question sent to the office: the resident's request, and what they are promised."""

    request: Request
    promise: Promise


def file_question(
    context: BotContext, update: Update, decision: Decision, question_id: int
) -> Filed | None:
    """Put an unanswered question on a card, as the resident's tracked request; the card
    goes to staff in the background.

    None when nobody would see it (no staff group and no staff members who can list the
    inbox), or there is nothing to file.
    """
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None:
        return None
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


def file_question_again(
    context: BotContext, update: Update, decision: Decision, question: LoggedQuestion
) -> Filed | None:
    """A 👎 or "Bukan ini": the earlier question (not the tap) goes to the inbox."""
    return _file(
        context,
        decision,
        question.id,
        question.text,
        question.chat_id,
        question.chat_type,
        update.effective_user,
        0,
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
) -> Filed | None:
    services = context.services
    settings = services.settings
    key = question_key(decision.query)
    if key is None:
        return None
    guess = decision.best_guess
    staff_chat = settings.staff_chat_id
    now = services.now()
    storage = services.storage
    card = functools.partial(
        storage.add_to_inbox,
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
        now=now,
        queue=staff_chat is not None,
        cap_per_hour=settings.inbox_cards_per_hour,
    )
    seen = staff_chat is not None or bool(settings.admin_ids)
    promised = promise(settings.office, now, settings.response_target_hours)

    def file_card() -> tuple[int, bool, Request | None]:
        card_id, new = card()
        if not seen:
            return card_id, new, None  # kept, but nobody can see it yet: no request, no promise
        return (
            card_id,
            new,
            storage.open_request(
                card_id=card_id,
                question_id=question_id,
                chat_id=chat_id,
                chat_type=chat_type,
                user_id=user.id if user else 0,
                lang=decision.lang,
                text=text,
                asked_at=now,
                due_at=promised.due.timestamp(),
            ),
        )

    try:
        # On the event loop, as the reply carries the request's number; but never waiting
        # for the database: a locked or failing one files the card later instead.
        card_id, new, request = storage.write_now(file_card)
    except StorageUnavailable:
        context.application.create_task(_file_later(context, file_card))
        return None  # no number to give yet: the reply promises nothing
    if request is None:
        return None
    if request.asked_at != now:  # filed before (a 👎 pressed again): the first promise holds
        promised = promise(settings.office, request.asked_at, settings.response_target_hours)
    poster = services.card_poster
    if poster is not None:
        # Queued in the database; the poster takes it to the staff group in the background
        # (the group takes 20 messages a minute: never make the resident wait for it).
        poster.wake()
    elif not new:  # no staff group: only copies in staff members' private chats to redraw
        context.application.create_task(refresh_card(context, card_id))
    return Filed(request, promised)


async def _file_later(
    context: BotContext, file_card: Callable[[], tuple[int, bool, Request | None]]
) -> None:
    """A card the database could not take at once: written when it can (never dropped),
    then posted like any other."""
    card_id, new, _ = await context.services.storage.write_within(None, file_card)
    poster = context.services.card_poster
    if poster is not None:
        poster.wake()
    elif not new:
        await refresh_card(context, card_id)


def with_request_note(
    context: BotContext, reply: Reply, filed: Sequence[Filed], lang: Lang
) -> Reply:
    """A reply to questions sent to the office, with their numbers and when to expect the
    answer (after the office opens, when it is closed)."""
    if not filed:
        return reply
    p = max((f.promise for f in filed), key=lambda promised: promised.due)
    note = context.services.assistant.renderer.render(
        "request_filed",
        lang,
        references=[reference(f.request.id) for f in filed],
        open_now=p.open_now,
        opens=p.opens,
        due=p.due,
        now=p.asked,
    )
    return Reply(f"{reply.html}\n{note}", reply.buttons)


async def post_card(context: BotContext, card_id: int, chat_id: int) -> Message | None:
    """A copy of a card in a staff member's chat (/belumterjawab, a digest's number button)."""
    storage = context.services.storage
    card = storage.card(card_id)
    if card is None:
        return None
    try:
        message = await send_card(context, card, chat_id)
    except TelegramError as err:
        log.warning("Could not post inbox card #%s: %s", card_id, err)
        return None
    return message


async def send_card(
    context: BotContext, card: Card, chat_id: int, lane: Lane = Lane.ANSWER
) -> Message:
    """Send a card and remember the copy (a reply to it answers); errors are the caller's.
    A copy a staff member asked for is an answer (it goes first); the poster's are `CARD`."""
    reply = card_reply(context, card)
    markup = keyboard(reply, "id")
    message = await context.bot.send_message(
        chat_id, reply.html, reply_markup=markup, rate_limit_args=lane
    )
    storage = context.services.storage
    await storage.write_patiently(
        storage.remember_card_message, chat_id, message.message_id, card.id
    )
    return message


async def send_digest(context: BotContext, cards: list[Card], chat_id: int) -> Message:
    """One message listing several new cards, numbered; errors are the caller's."""
    reply = digest_reply(context, [(card.id, card) for card in cards])
    markup = keyboard(reply, "id")
    # Posted by the poster only: never ahead of staff's own requests (pacing.Lane.CARD).
    message = await context.bot.send_message(
        chat_id, reply.html, reply_markup=markup, rate_limit_args=Lane.CARD
    )
    storage = context.services.storage
    await storage.write_patiently(
        storage.remember_digest, chat_id, message.message_id, [c.id for c in cards]
    )
    return message


async def refresh_card(context: BotContext, card_id: int) -> None:
    """Show the new count or state on every copy of a card, and in every digest listing it."""
    try:
        await redraw_card(context, card_id)
    except TelegramError as err:
        log.info("Could not refresh card #%s: %s", card_id, err)


async def redraw_card(context: BotContext, card_id: int) -> None:
    """refresh_card for the poster: a flood refusal (RetryAfter) reaches the caller, which
    waits and tries again; any other refusal of one copy leaves that copy as it is."""
    storage = context.services.storage
    card = storage.card(card_id)
    if card is None:
        return
    reply = card_reply(context, card)
    for chat_id, message_id in storage.card_messages(card_id):
        await _redraw(context, chat_id, message_id, reply, f"card #{card_id}")
    await redraw_digests(context, card_id)


async def redraw_digests(context: BotContext, card_id: int) -> None:
    """Every digest listing the card shows each of its questions' current state."""
    storage = context.services.storage
    for chat_id, message_id in storage.digests_with(card_id):
        listed = storage.digest_cards(chat_id, message_id)
        reply = digest_reply(context, [(i, storage.card(i)) for i in listed])
        await _redraw(context, chat_id, message_id, reply, f"the digest {message_id}")


async def _redraw(
    context: BotContext, chat_id: int, message_id: int, reply: Reply, what: str
) -> None:
    """One staff message shows `reply`. A flood refusal (RetryAfter) reaches the caller,
    which waits and tries again; any other refusal leaves that copy as it is."""
    try:
        await replace_text(context.bot, chat_id, message_id, reply.html, keyboard(reply, "id"))
    except RetryAfter:
        raise
    except TelegramError as err:
        log.info("Could not refresh %s in %s: %s", what, chat_id, err)


async def forget_card_text(
    context: BotContext, card_id: int, kept_days: int | None = None
) -> None:
    """After /hapusdata (or the retention, which kept the words `kept_days`): a card shared
    with others is redrawn without the erased words; a card nobody is left on is blanked."""
    storage = context.services.storage
    if storage.card(card_id) is not None:
        await refresh_card(context, card_id)
        return
    renderer = context.services.assistant.renderer
    for chat_id, message_id in storage.card_messages(card_id):
        # Already gone or too old to edit: nothing more to do.
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_text(
                renderer.render("card_erased", "id", kept_days=kept_days),
                chat_id=chat_id,
                message_id=message_id,
            )
    with contextlib.suppress(TelegramError):
        await redraw_digests(context, card_id)


def card_view(context: BotContext, card: Card) -> dict[str, object]:
    """What a card shows of its askers, the bot's guess and its age in working hours (the
    card and digest templates)."""
    services = context.services
    settings = services.settings
    askers = services.storage.askers(card.id, waiting_only=False)
    first = askers[0] if askers else None
    guess = services.assistant.kb.entry(card.best_entry_id) if card.best_entry_id else None
    return {
        "card": card,
        "asker": first.first_name if first else "",
        "others": max(0, len({a.user_id for a in askers}) - 1),
        "private": first is not None and first.chat_type == "private",
        "guess": guess.label("id") if guess else None,
        "age": working_age(settings.office, card.first_asked_at, services.now()),
        "target": settings.response_target_hours,
    }


def card_text(context: BotContext, card: Card) -> str:
    learned = ""
    if card.status == "learned" and card.handled_by:
        learned = card.handled_by.split(LEARNED_SEPARATOR)[-1]
    return context.services.assistant.renderer.render(
        "inbox_card", "id", **card_view(context, card), learned=learned
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


DIGEST_BUTTONS_PER_ROW = 5


def digest_reply(context: BotContext, listed: list[tuple[int, Card | None]]) -> Reply:
    """The digest: its cards numbered from 1 (None: erased since), a number button per open
    card that brings up its full card (Tambahkan ke entri, Abaikan)."""
    renderer = context.services.assistant.renderer
    lines = [card_view(context, card) if card is not None else None for _, card in listed]
    text = renderer.render("inbox_digest", "id", lines=lines)
    buttons = [
        Button(renderer.button_label("button_digest_card", "id", number=n), "inbox", f"open:{i}")
        for n, (i, card) in enumerate(listed, 1)
        if card is not None and card.status == "open"
    ]
    rows = tuple(
        tuple(buttons[i : i + DIGEST_BUTTONS_PER_ROW])
        for i in range(0, len(buttons), DIGEST_BUTTONS_PER_ROW)
    )
    return Reply(text, rows)


# -- reminders: cards past the response target ----------------------------------------------

REMINDER_EVERY = 300  # seconds between looks for cards past the target (app.py's job)
REMINDER_LISTS = 10  # questions a reminder names; the rest are counted


async def remind_overdue(context: BotContext) -> None:
    """One message in the staff group for every card that passed RESPONSE_TARGET_HOURS
    since the last look ("3 pertanyaan melewati target"), never a second one per card."""
    services = context.services
    settings = services.settings
    if settings.staff_chat_id is None:
        return
    now = services.now()
    target = settings.response_target_hours
    storage = services.storage
    overdue = [
        (card, age)
        for card in storage.unreminded_cards(asked_before=now - target * 3600)
        if (age := working_age(settings.office, card.first_asked_at, now)) >= target
    ]
    if not overdue:
        return
    overdue.sort(key=lambda pair: -pair[1])
    text = services.assistant.renderer.render(
        "inbox_overdue",
        "id",
        count=len(overdue),
        target=target,
        overdue=overdue[:REMINDER_LISTS],
        more=max(0, len(overdue) - REMINDER_LISTS),
    )
    try:
        await context.bot.send_message(settings.staff_chat_id, text)
    except TelegramError as err:  # marked only once sent: the next look tries again
        log.info("Could not send the overdue reminder: %s", err)
        return
    await storage.write_patiently(storage.mark_reminded, [card.id for card, _ in overdue], now)


# -- the poster: queued cards to the staff group ------------------------------------------

STAFF_YIELD = 10.0  # seconds cards wait after a staff member spoke in the staff group
NETWORK_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)  # seconds, after network errors in a row
REFUSED_BACKOFF = 60.0  # the staff group refuses (bot removed, chat not found): retry later


class CardPoster:
    """Takes the inbox's queued cards to the staff group, in the background.

    The queue is the database (cards whose post_state is `queued`), so a restart picks up
    where the last run stopped. The poster sends one message at a time within its Budget
    (part of the group's 20 a minute), holds back for a few seconds whenever a staff member
    speaks in the group (their commands and replies go first), and turns a backlog into
    digests. Nothing is dropped: a flood refusal (429) is waited out as Telegram asks, and
    any other error is retried later, the card still queued.

    Crash window: a card whose message was sent but not yet marked posted when the process
    died is posted again after the restart (one message at most: only one is in flight).
    While another process holds the database's write lock the poster waits after its send
    for the card to be marked posted (`Storage.write_patiently`), so it is never posted twice.
    """

    def __init__(self, app: BotApplication, chat_id: int) -> None:
        self.app = app
        self.chat_id = chat_id
        self.budget = Budget(CARDS_PER_MINUTE, CARD_BURST, time.monotonic())
        self._work = asyncio.Event()
        self._quiet_until = 0.0  # monotonic time before which staff have the group
        self._not_before = 0.0  # monotonic time Telegram (or an error) asked to wait for
        self._failures = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._work.set()  # whatever a previous run left queued
        self._task = asyncio.get_running_loop().create_task(self._run(), name="inbox poster")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """A card was queued or changed: look at the queue."""
        self._work.set()

    def staff_spoke(self) -> None:
        """A staff member just wrote in the staff group: their replies go first."""
        self._quiet_until = time.monotonic() + STAFF_YIELD

    async def _run(self) -> None:
        context = BotContext(self.app)
        while True:
            await self._work.wait()
            self._work.clear()
            while await self._step(context):
                pass

    async def _step(self, context: BotContext) -> bool:
        """Post (or redraw) one thing; False when nothing is waiting."""
        storage = context.services.storage
        if not storage.count_queued_cards() and not storage.cards_to_refresh(1):
            return False
        await self._wait_for_turn()
        try:
            await self._send_one(context)
            self._failures = 0
        except RetryAfter as err:
            wait = _seconds(err.retry_after)
            log.info("The staff group is over Telegram's limit; cards wait %.0f s", wait)
            self._not_before = time.monotonic() + wait
        except ChatMigrated as err:
            log.warning(
                "The staff group %s became the supergroup %s: cards go there now; set "
                "STAFF_CHAT_ID=%s so they still do after a restart",
                self.chat_id,
                err.new_chat_id,
                err.new_chat_id,
            )
            self.chat_id = int(err.new_chat_id)
        except (Forbidden, BadRequest) as err:
            log.warning(
                "The staff group %s refused an inbox card (%s); the cards stay queued and are "
                "tried again in a minute. Check STAFF_CHAT_ID and that the bot is in the group.",
                self.chat_id,
                err,
            )
            self._not_before = time.monotonic() + REFUSED_BACKOFF
        except NetworkError as err:  # time-outs too: the card stays queued and is retried
            backoff = NETWORK_BACKOFF[min(self._failures, len(NETWORK_BACKOFF) - 1)]
            log.info("Could not reach Telegram for an inbox card (%s); again in %gs", err, backoff)
            self._failures += 1
            self._not_before = time.monotonic() + backoff
        return True

    async def _wait_for_turn(self) -> None:
        while True:
            now = time.monotonic()
            wait = max(self._not_before - now, self._quiet_until - now, self.budget.wait(now))
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def _send_one(self, context: BotContext) -> None:
        storage = context.services.storage
        queued = storage.queued_cards(DIGEST_SIZE)
        now = time.monotonic()
        tokens = self.budget.available(now)
        self.budget.take(now)  # an attempt spends Telegram's budget, refused or not
        if not queued:
            for card_id in storage.cards_to_refresh(1):
                await redraw_card(context, card_id)
                await storage.write_patiently(storage.refreshed, card_id)
            return
        if digest_now(storage.count_queued_cards(), tokens):
            await send_digest(context, queued, self.chat_id)
            await storage.write_patiently(storage.mark_posted, [card.id for card in queued])
        else:
            await send_card(context, queued[0], self.chat_id, Lane.CARD)
            await storage.write_patiently(storage.mark_posted, [queued[0].id])


def _seconds(retry_after: int | timedelta) -> float:
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


def start_poster(app: BotApplication) -> None:
    """On start-up: a poster for the staff group (none without STAFF_CHAT_ID), and at once
    whatever an earlier run left queued."""
    services = app.bot_data.services
    chat_id = services.settings.staff_chat_id
    if chat_id is not None:
        poster = CardPoster(app, chat_id)
        services.card_poster = poster
        poster.start()


async def stop_poster(app: BotApplication) -> None:
    poster = app.bot_data.services.card_poster
    if isinstance(poster, CardPoster):
        await poster.stop()


async def note_staff_activity(update: Update, context: BotContext) -> None:
    """Any update (group -2): a staff member writing in the staff group holds the cards back."""
    services = context.services
    chat, user = update.effective_chat, update.effective_user
    if (
        services.card_poster is not None
        and chat is not None
        and chat.id == services.settings.staff_chat_id
        and services.settings.is_staff(user.id if user else None)
    ):
        services.card_poster.staff_spoke()
