"""Telegram's limits for every request the bot makes: one pacer, pauses on 429, retries.

Why our own and not PTB's AIORateLimiter (what the bot used before):

* A 429 for one chat paused *every* request in AIORateLimiter, so one group that hit its
  20-a-minute limit (or one 429 with retry_after=8) froze every resident's answer. Here a
  429 pauses only the chat it names; the whole bot pauses only when the refusals show that
  Telegram's overall limit was hit (refusals for two different chats within a second, or
  for a request that names no chat).
* AIORateLimiter releases every request held during a pause at once, on top of the normal
  pace: at 290 messages/s that burst drew the next 429 (issue 10: 0.60 of the target at
  100,000 subscribers). Here every attempt, first or retry, takes its turn from one pacer
  with a small burst, and after a pause the pace restarts at its steady rate.
* Retries live in one place for answers and announcements alike: a 429 is waited out (the
  chat's or the bot's pause) and the request sent again; a request that surely never reached
  Telegram or got a 5xx is sent again with back-off; one that timed out is not sent again
  when that could deliver a resident's answer twice (see `Lane`).
* A group keeps Telegram's 20 messages a minute as a sliding window, exactly the rule
  Telegram states, instead of a bucket that lets 20 through and refills.
* Staff first: the overall pace hands its turns out as they come due, to staff's requests
  (the staff group, a staff member's private chat) before anyone else's. With turns
  reserved in arrival order a staff command's reply queued behind every resident's answer
  already waiting (58.8 s behind 2,000); the rate is the same, only the order changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import enum
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.telegram_request import GivenUp, surely_not_delivered

log = logging.getLogger(__name__)

GROUP_MESSAGES = 20  # Telegram: at most 20 messages a minute to one group...
GROUP_PERIOD = 61.0  # ...a minute plus a second of margin for clock and network jitter
MAX_RETRIES = 3  # 429s waited out per request; the fourth refusal is raised
NETWORK_RETRIES = 3  # sends again after a 5xx or an unreachable API, with back-off:
ANSWER_BACKOFF = (0.5, 1.0, 2.0)  # a resident is waiting: 3.5 s in all
BROADCAST_BACKOFF = (1.0, 2.0, 4.0)  # nobody is waiting on one announcement: 7 s
ANSWER_MAX_PAUSE = 60.0  # a longer 429 for an answer is raised: a resident won't wait that long
SAME_PAUSE = 1.0  # s: 429s for two chats this close together mean the overall limit
BURST_SECONDS = 0.02  # the pacer lets this much of its rate go back to back (a late wake-up)


class Lane(enum.Enum):
    """What a request is for, given as ``rate_limit_args`` (PTB passes it through)."""

    #: A reply to someone (the default). A send that timed out is not sent again: Telegram
    #: may have delivered it, and a resident would rather not read the same answer twice.
    #: In a staff chat it goes before everyone else's requests.
    ANSWER = "answer"
    #: An inbox card or digest for the staff group: an answer in every way but that it
    #: never goes before residents' answers (staff first means staff's own requests).
    CARD = "card"
    #: An announcement. Its first turn was taken by the broadcaster from `broadcast_turn`
    #: (so the delivery row is written just before the request goes out); each retry takes
    #: another. A timed-out send is sent again: the outbox's documented in-flight window.
    BROADCAST = "broadcast"


class Pacer:
    """At most `rate` requests a second, `burst` of them back to back (the generic cell rate
    algorithm). Turns are handed out in the order they are asked for; nobody is skipped."""

    def __init__(self, rate: float, burst: int) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (max(burst, 1) - 1) * self.interval
        self._next = 0.0  # the theoretical time of the next request

    def reserve(self, now: float) -> float:
        """The time the caller may go (now or later); the turn is taken either way."""
        slot = max(now, self._next - self.tolerance)
        self._next = max(self._next, slot) + self.interval
        return slot

    def hold_until(self, moment: float) -> None:
        """Nothing before `moment`, then the steady pace: no burst after a pause."""
        self._next = max(self._next, moment + self.tolerance)

    def free_at(self, now: float) -> float:
        """When the next turn could go, without taking it."""
        return max(now, self._next - self.tolerance)


class TurnQueue:
    """A Pacer's turns handed out when they come due, urgent requests first, then in the
    order asked. A turn is not reserved ahead (as `Pacer.reserve` alone would): a request
    that comes later but matters more (a staff command's reply) takes the next free turn
    instead of the one after every request already waiting."""

    URGENT = 0
    NORMAL = 1

    def __init__(self, pacer: Pacer, clock: Callable[[], float]) -> None:
        self.pacer = pacer
        self.clock = clock
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        return len(self._waiting)

    async def turn(self, urgent: bool) -> None:
        now = self.clock()
        if not self._waiting and self.pacer.free_at(now) <= now:
            self.pacer.reserve(now)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        rank = self.URGENT if urgent else self.NORMAL
        heapq.heappush(self._waiting, (rank, next(self._order), waiter))
        self._arm()
        await waiter

    def release_all(self) -> None:
        """Stopping: every waiter wakes (and sees the limits closed)."""
        for _, _, waiter in self._waiting:
            _wake(waiter)
        self._waiting.clear()

    def _arm(self) -> None:
        if self._timer is not None or not self._waiting:
            return
        now = self.clock()
        delay = max(0.0, self.pacer.free_at(now) - now)
        self._timer = asyncio.get_running_loop().call_later(delay, self._hand_out)

    def _hand_out(self) -> None:
        self._timer = None
        now = self.clock()
        while self._waiting and self.pacer.free_at(now) <= now:
            _, _, waiter = heapq.heappop(self._waiting)
            if waiter.done():  # its task was cancelled: the turn goes to the next
                continue
            self.pacer.reserve(now)
            waiter.set_result(None)
        self._arm()


class SlidingWindow:
    """At most `limit` requests in any `period` seconds (how Telegram words a group's limit)."""

    def __init__(self, limit: int, period: float) -> None:
        self.period = period
        self._turns: deque[float] = deque(maxlen=limit)

    def reserve(self, now: float) -> float:
        turns = self._turns
        slot = now
        if len(turns) == turns.maxlen:
            slot = max(now, turns[0] + self.period)
        turns.append(slot)
        return slot

    def idle(self, now: float) -> bool:
        return not self._turns or self._turns[-1] + self.period <= now


def _wake(sleeper: asyncio.Future[None]) -> None:
    if not sleeper.done():
        sleeper.set_result(None)


def _seconds(retry_after: int | float | dtm.timedelta) -> float:
    if isinstance(retry_after, dtm.timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


ChatKey = int | str


def _chat_of(data: dict[str, Any]) -> ChatKey | None:
    chat_id = data.get("chat_id")
    if chat_id is None:
        return None
    with contextlib.suppress(ValueError, TypeError):
        return int(chat_id)
    return str(chat_id)  # "@channelname"


def _is_group(chat: ChatKey) -> bool:
    return isinstance(chat, str) or chat < 0


def _posts(endpoint: str) -> bool:
    """Methods that put a message in a chat: Telegram's message limits and the risk of a
    duplicate apply to these, not to reads (getChatMember) or button acknowledgements."""
    return endpoint.startswith(("send", "copy", "forward", "edit"))


def _may_duplicate(endpoint: str) -> bool:
    return endpoint.startswith(("send", "copy", "forward"))


class TelegramLimits(BaseRateLimiter[Lane]):
    """The one pacer, flood pauses and retries for every request but getUpdates."""

    def __init__(
        self,
        overall_rate: float | None,
        broadcast_rate: float | None = None,
        group_limit: int = GROUP_MESSAGES,
        group_period: float = GROUP_PERIOD,
        clock: Callable[[], float] = time.monotonic,
        staff_chats: frozenset[ChatKey] = frozenset(),
    ) -> None:
        # Small bursts only: enough to catch up after a late wake-up, never a wave.
        self.overall = (
            Pacer(overall_rate, max(1, int(overall_rate * BURST_SECONDS)))
            if overall_rate
            else None
        )
        self.broadcast = (
            Pacer(broadcast_rate, max(2, int(broadcast_rate * BURST_SECONDS)))
            if broadcast_rate
            else None
        )
        self._overall_turns = TurnQueue(self.overall, clock) if self.overall else None
        # The staff group and staff members' private chats: their requests go first.
        self.staff_chats = staff_chats
        self.group_limit = group_limit
        self.group_period = group_period
        self.clock = clock
        self._groups: dict[ChatKey, SlidingWindow] = {}
        self._chat_paused: dict[ChatKey, float] = {}  # chat -> paused until (clock time)
        self._paused_until = 0.0  # the whole bot
        self._last_refusal: tuple[ChatKey | None, float] = (None, -1e9)
        self.refusals = 0  # 429s seen (for logs and benchmarks)
        self.global_pauses = 0
        self._closed = False
        self._sleepers: set[asyncio.Future[None]] = set()

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        self.close()

    def close(self) -> None:
        """Stopping: a request still waiting for its turn (a group's pace, a pause, a
        back-off) is refused with GivenUp instead of holding the shutdown for minutes;
        what may go at once still goes."""
        self._closed = True
        for sleeper in self._sleepers:
            if not sleeper.done():
                sleeper.set_result(None)
        if self._overall_turns is not None:
            self._overall_turns.release_all()

    # -- turns --------------------------------------------------------------------------

    async def broadcast_turn(self) -> None:
        """Wait for an announcement's next turn: the broadcaster asks before it writes the
        delivery row, so a row in 'sending' is a request on its way."""
        while True:
            await self._wait_pause(None)
            if self.broadcast is not None:
                await self._sleep_until(self.broadcast.reserve(self.clock()))
            if not self._paused(None):  # a pause that began meanwhile: queue again after it
                return

    async def _take_turn(
        self, chat: ChatKey | None, endpoint: str, paced_lane: Pacer | None, lane: Lane
    ) -> None:
        while True:
            await self._wait_pause(chat)
            if paced_lane is not None:
                await self._sleep_until(paced_lane.reserve(self.clock()))
            if chat is not None and _is_group(chat) and _posts(endpoint) and self.group_limit:
                await self._sleep_until(self._group(chat).reserve(self.clock()))
            if chat is not None and self._overall_turns is not None:
                await self._overall_turn(lane is Lane.ANSWER and chat in self.staff_chats)
            if not self._paused(chat):  # a pause that began meanwhile: queue again after it
                return

    async def _overall_turn(self, urgent: bool) -> None:
        assert self._overall_turns is not None
        if self._closed and self._overall_turns.pacer.free_at(self.clock()) > self.clock():
            raise GivenUp("The bot is stopping: not sent")
        await self._overall_turns.turn(urgent)
        if self._closed:
            raise GivenUp("The bot is stopping: not sent")

    async def _sleep_until(self, moment: float) -> None:
        delay = moment - self.clock()
        if delay > 0:
            await self._sleep(delay)

    async def _sleep(self, delay: float) -> None:
        if self._closed:
            raise GivenUp("The bot is stopping: not sent")
        loop = asyncio.get_running_loop()
        sleeper: asyncio.Future[None] = loop.create_future()
        timer = loop.call_later(delay, _wake, sleeper)
        self._sleepers.add(sleeper)
        try:
            await sleeper
        finally:
            timer.cancel()
            self._sleepers.discard(sleeper)
        if self._closed:
            raise GivenUp("The bot is stopping: not sent")

    def _paused(self, chat: ChatKey | None) -> bool:
        now = self.clock()
        if now < self._paused_until:
            return True
        return chat is not None and now < self._chat_paused.get(chat, 0.0)

    async def _wait_pause(self, chat: ChatKey | None) -> None:
        while True:
            until = self._paused_until
            if chat is not None:
                until = max(until, self._chat_paused.get(chat, 0.0))
            if until <= self.clock():
                return
            await self._sleep_until(until)

    def _group(self, chat: ChatKey) -> SlidingWindow:
        window = self._groups.get(chat)
        if window is None:
            if len(self._groups) > 1000:  # forget quiet groups: memory stays flat
                now = self.clock()
                for key in [k for k, w in self._groups.items() if w.idle(now)]:
                    del self._groups[key]
            window = self._groups[chat] = SlidingWindow(self.group_limit, self.group_period)
        return window

    # -- refusals -----------------------------------------------------------------------

    def _refused(self, chat: ChatKey | None, seconds: float) -> bool:
        """Record a 429; True when it is the bot's overall limit (everything pauses)."""
        now = self.clock()
        until = now + seconds
        self.refusals += 1
        last_chat, last_time = self._last_refusal
        self._last_refusal = (chat, now)
        overall = chat is None or (last_chat != chat and now - last_time < SAME_PAUSE)
        if overall:
            self.global_pauses += 1
            self._paused_until = max(self._paused_until, until)
            for pacer in (self.overall, self.broadcast):
                if pacer is not None:
                    pacer.hold_until(self._paused_until)
        else:
            assert chat is not None
            if len(self._chat_paused) > 1000:
                for key in [k for k, t in self._chat_paused.items() if t <= now]:
                    del self._chat_paused[key]
            self._chat_paused[chat] = max(self._chat_paused.get(chat, 0.0), until)
        return overall

    # -- the request ----------------------------------------------------------------------

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Lane | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        lane = rate_limit_args or Lane.ANSWER
        chat = _chat_of(data)
        refusals = failures = 0
        # An announcement's first turn was taken by the broadcaster; its retries take more.
        lane_pacer = None
        while True:
            await self._take_turn(chat, endpoint, lane_pacer, lane)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as err:
                seconds = _seconds(err.retry_after)
                overall = self._refused(chat, seconds)
                refusals += 1
                if refusals > MAX_RETRIES or (
                    lane is not Lane.BROADCAST and seconds > ANSWER_MAX_PAUSE
                ):
                    log.warning(
                        "Telegram refused %s for chat %s %s times (retry after %.0f s); giving up",
                        endpoint,
                        chat,
                        refusals,
                        seconds,
                    )
                    raise
                log.info(
                    "Flood limit on %s for %s: pausing %s for %.1f s",
                    endpoint,
                    chat,
                    "every chat" if overall else "that chat",
                    seconds,
                )
            except BadRequest:
                raise  # Telegram refused it (PTB counts BadRequest as a NetworkError)
            except NetworkError as err:
                maybe_delivered = not surely_not_delivered(err)
                if maybe_delivered and lane is not Lane.BROADCAST and _may_duplicate(endpoint):
                    raise  # it may have arrived: better than the same answer twice
                if failures >= NETWORK_RETRIES:
                    raise
                backoff = BROADCAST_BACKOFF if lane is Lane.BROADCAST else ANSWER_BACKOFF
                log.info("%s for chat %s failed (%s); sending again", endpoint, chat, err)
                await self._sleep(backoff[min(failures, len(backoff) - 1)])
                failures += 1
            lane_pacer = self.broadcast if lane is Lane.BROADCAST else None
