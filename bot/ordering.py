"""Updates: fair across chats, in order within each, bounded in memory, floods coalesced."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

FloodScope = Literal["user", "group"]
FloodNotice = Callable[[object, FloodScope], Awaitable[None]]
Superseded = Callable[[object], None]
ChatKey = int | tuple[str, int]
AskerKey = tuple[ChatKey, int]


@dataclass(frozen=True)
class Parking:
    """How an update waiting beyond the queues' room is kept (compact, as Telegram's JSON)
    and brought back with the coroutine that handles it (app.py)."""

    park: Callable[[object], bytes | None]  # None: this one cannot be parked
    unpark: Callable[[bytes], tuple[object, Coroutine[Any, Any, Any]]]


@dataclass(frozen=True)
class FloodRule:
    """`burst` questions at once, then one more every `every` seconds (a token bucket)."""

    burst: int
    every: float


# A resident may ask a few things in a row ("halo", "mau tanya", "cara daftar pelatihan?");
# past eight at once the bot answers only the latest, at most one every 3 s.
USER_FLOOD = FloodRule(burst=8, every=3.0)
# A group as a whole: Telegram lets the bot post 20 messages a minute there, so taking
# questions faster than one every 3 s only builds a queue whose answers come minutes late.
GROUP_FLOOD = FloodRule(burst=10, every=3.0)


@dataclass(slots=True)
class _Bucket:
    rule: FloodRule
    tokens: float
    stamp: float
    flooding: bool = False  # a notice went out; until the bucket is full again

    def refill(self, now: float) -> None:
        self.tokens = min(self.rule.burst, self.tokens + (now - self.stamp) / self.rule.every)
        self.stamp = now
        if self.tokens >= self.rule.burst:
            self.flooding = False

    def ready_at(self, now: float) -> float:
        return now if self.tokens >= 1 else now + (1 - self.tokens) * self.rule.every

    @property
    def full(self) -> bool:
        return self.tokens >= self.rule.burst


@dataclass(slots=True)
class _Item:
    update: object
    coroutine: Coroutine[Any, Any, Any] | None  # None for a flood notice
    asker: AskerKey | None = None  # set for questions (flood controlled)
    notice: FloodScope | None = None


@dataclass(slots=True)
class _Asker:
    bucket: _Bucket
    queued: int = 0  # questions of theirs waiting in the chat's queue
    held: _Item | None = None  # the latest question of a flood, waiting for its turn
    timer: asyncio.TimerHandle | None = None


@dataclass(slots=True)
class _Chat:
    items: deque[_Item] = field(default_factory=deque)
    busy: bool = False


class FairUpdateProcessor(BaseUpdateProcessor):
    """Each chat's updates in order, chats served round-robin by a fixed pool of workers.

    PTB's own concurrent processing makes one task per fetched update (10,000 waiting
    updates took 125 MB) and let a chat with more queued updates than slots hold every slot
    while it waited on its group's 20-messages-a-minute pace (others waited 110 s). Here:

    * this processor reports `max_concurrent_updates` = 1, so PTB awaits `process_update`
      for each update; that only puts the update in its chat's queue (and would block while
      the queues hold `max_queued` updates). The long poll asks `wait_for_room` before each
      getUpdates (telegram_request.py), so the bot fetches a batch only when it has room for
      it: a backlog waits at Telegram, not in memory, and no batch is ever half taken;
    * `workers` tasks serve the chats that have work, round-robin; a chat is served by one
      worker at a time, so its updates keep their order (an edit after its question) and a
      slow chat (group pace, a 429 pause) holds one worker, never the others;
    * flood control: a resident's questions beyond `USER_FLOOD`, or a group's beyond
      `GROUP_FLOOD`, are coalesced: one polite notice, then only the latest question of the
      burst is answered, when the bucket allows; each question it replaces is handed to
      `on_superseded` (app.py logs it: every question asked is counted). Which updates
      are questions is `is_question`'s call (app.py: staff and button taps never are);
    * staff first: a chat in `urgent_chats` (the staff group, staff members' private chats)
      is served by the next free worker, ahead of the residents' chats waiting their turn;
      the pacer then gives its replies the next free turn (pacing.TurnQueue). To be seen at
      all, a staff command must be fetched past the residents' updates Telegram holds before
      it: so with `parking`, the updates beyond `max_queued` are kept parked, compact (their
      JSON, ~0.5 KB against ~3 KB as objects with their coroutines), up to `max_parked`, in
      the order they came, and join the queues as room frees; a staff chat's updates are
      never parked. What is still parked or queued at a stop is handed back (`left_over`)
      to be kept for the next start (app.py), since Telegram will not send it again.
    """

    def __init__(
        self,
        workers: int = 64,
        max_queued: int = 512,
        *,
        is_question: Callable[[object], bool] = lambda update: False,
        on_flood: FloodNotice | None = None,
        on_superseded: Superseded | None = None,
        user_rule: FloodRule = USER_FLOOD,
        group_rule: FloodRule = GROUP_FLOOD,
        clock: Callable[[], float] = time.monotonic,
        urgent_chats: frozenset[int] = frozenset(),
        parking: Parking | None = None,
        max_parked: int = 0,
    ) -> None:
        super().__init__(1)  # PTB then awaits each process_update: see the docstring
        self.workers = workers
        self.max_queued = max_queued
        self.is_question = is_question
        self.on_flood = on_flood
        self.on_superseded = on_superseded
        self.user_rule = user_rule
        self.group_rule = group_rule
        self.clock = clock
        self.urgent_chats = urgent_chats
        self.parking = parking
        self.max_parked = max_parked if parking is not None else 0
        self._parked: deque[bytes] = deque()
        self._holding = False  # stopping: nothing new starts; what waits is kept (left_over)
        self.superseded = 0  # questions dropped for a later one of the same burst
        self._chats: dict[ChatKey, _Chat] = {}
        self._askers: dict[AskerKey, _Asker] = {}
        self._groups: dict[ChatKey, _Bucket] = {}
        # Chats with work: (0 for an urgent chat, else 1; arrival) -> the chat.
        self._ready: asyncio.PriorityQueue[tuple[int, int, ChatKey]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._queued = 0
        self._running = 0
        self._space = asyncio.Event()
        self._idle = asyncio.Event()
        self._unique = itertools.count()

    # -- life cycle -----------------------------------------------------------------------

    async def initialize(self) -> None:
        if self._tasks:
            return
        self._ready = asyncio.PriorityQueue()
        self._space.set()
        self._idle.set()
        self._tasks = [
            asyncio.create_task(self._work(), name=f"update-worker-{i}")
            for i in range(self.workers)
        ]

    async def drain(self, within: float, waiting: Callable[[], int] = lambda: 0) -> int:
        """Answer what is queued (held flood questions at once), for at most `within` s;
        `waiting` counts updates fetched but not yet handed over. Returns what is left."""
        for asker in list(self._askers.values()):
            self._release(asker, force=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._queued or self._parked or self._running or waiting():
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), min(remaining, 0.05))
        return self._queued + len(self._parked) + self._running + waiting()

    def hold(self) -> None:
        """Stopping, after `drain`: no update starts any more (its replies could no longer be
        sent) and every one still waiting stays for `left_over`; those running finish."""
        self._holding = True

    def left_over(self) -> list[bytes]:
        """Stopping, after `drain`: every update not yet handled, parked form, in the order
        they came within each chat (to be kept and handed over again at the next start).
        Needs `parking`; the updates are closed here (nothing more will run them)."""
        if self.parking is None:
            return []
        waiting = [item for chat in self._chats.values() for item in chat.items]
        waiting += [asker.held for asker in self._askers.values() if asker.held is not None]
        left: list[bytes] = []
        for item in waiting:
            if item.coroutine is not None and item.notice is None:
                parked = self.parking.park(item.update)
                if parked is not None:
                    left.append(parked)
            _discard(item)
        for chat in self._chats.values():
            chat.items.clear()
        for asker in self._askers.values():
            asker.held = None
        left.extend(self._parked)
        self._parked.clear()
        self._queued = 0
        return left

    def give_back(self, update: object) -> bool:
        """Stopping: an update whose reply was given up before it was sent (it waited for
        its turn when the stop came) is kept with the others for the next start. False
        when it cannot be kept (no parking)."""
        parked = self.parking.park(update) if self.parking is not None else None
        if parked is None:
            return False
        self._parked.append(parked)
        return True

    async def shutdown(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        dropped = 0
        for chat in self._chats.values():
            for item in chat.items:
                dropped += _discard(item)
        for asker in self._askers.values():
            if asker.timer is not None:
                asker.timer.cancel()
            if asker.held is not None:
                dropped += _discard(asker.held)
        dropped += len(self._parked)
        self._parked.clear()
        if dropped:
            log.warning("Stopped with %s updates not handled", dropped)
        self._chats.clear()
        self._askers.clear()
        self._groups.clear()
        self._queued = 0

    async def wait_for_room(self, batch: int, waiting: Callable[[], int] = lambda: 0) -> None:
        """Until `batch` more updates fit beside those queued (and parked) and the `waiting`
        ones (fetched, not yet handed over)."""
        room = self.max_queued + self.max_parked
        while self._queued + len(self._parked) + waiting() + batch > room:
            self._space.clear()
            await self._space.wait()

    # -- taking updates -------------------------------------------------------------------

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        assert isinstance(coroutine, Coroutine)  # PTB passes Application.process_update(...)
        if self._holding and self.parking is not None:
            parked = self.parking.park(update)
            if parked is not None:  # handed over while stopping: kept for the next start
                self._parked.append(parked)
                coroutine.close()
                return
        urgent = self._chat_key(update) in self.urgent_chats
        # Beyond the queues' room an update is parked (after those parked before it); a
        # staff chat's never is, nor waits: it is served next.
        while not urgent and (self._parked or self._queued >= self.max_queued):
            if self.parking is not None and len(self._parked) < self.max_parked:
                parked = self.parking.park(update)
                if parked is not None:
                    self._parked.append(parked)
                    coroutine.close()
                    self._idle.clear()
                    return
            self._space.clear()
            await self._space.wait()
        self._take(update, coroutine)

    def _take(self, update: object, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Into its chat's queue, or held by flood control."""
        key = self._chat_key(update)
        item = _Item(update, coroutine)
        user = _user_id(update)
        if user is None or not self.is_question(update):
            self._enqueue(key, item)
            return
        now = self.clock()
        item.asker = (key, user)
        asker = self._asker(item.asker, now)
        group = self._group_bucket(key, update, now)
        if asker.held is not None:  # a flood goes on: this one is now the latest
            self._supersede(asker.held)
            asker.held.coroutine = item.coroutine
            asker.held.update = update
            return
        if asker.bucket.tokens >= 1 and (group is None or group.tokens >= 1):
            asker.bucket.tokens -= 1
            if group is not None:
                group.tokens -= 1
            asker.queued += 1
            self._enqueue(key, item)
            return
        # Over the limit: keep this question as the burst's latest, tell them once.
        asker.held = item
        self._schedule(asker, group, now)
        if asker.bucket.tokens < 1 and not asker.bucket.flooding:
            asker.bucket.flooding = True
            self._enqueue(key, _Item(update, None, notice="user"))
        elif group is not None and group.tokens < 1 and not group.flooding:
            group.flooding = True
            self._enqueue(key, _Item(update, None, notice="group"))

    def _enqueue(self, key: ChatKey, item: _Item) -> None:
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat()
        chat.items.append(item)
        self._queued += 1
        self._idle.clear()
        if not chat.busy and len(chat.items) == 1:
            self._make_ready(key)

    def _make_ready(self, key: ChatKey) -> None:
        assert self._ready is not None, "the processor was not initialized"
        self._ready.put_nowait((0 if key in self.urgent_chats else 1, next(self._unique), key))

    def _asker(self, key: AskerKey, now: float) -> _Asker:
        asker = self._askers.get(key)
        if asker is None:
            if len(self._askers) > 10_000:
                self._forget_quiet_askers(now)
            rule = self.user_rule
            asker = self._askers[key] = _Asker(_Bucket(rule, rule.burst, now))
        asker.bucket.refill(now)
        return asker

    def _group_bucket(self, key: ChatKey, update: object, now: float) -> _Bucket | None:
        if not isinstance(update, Update) or update.effective_chat is None:
            return None
        if update.effective_chat.type not in ("group", "supergroup"):
            return None
        bucket = self._groups.get(key)
        if bucket is None:
            if len(self._groups) > 10_000:
                for quiet in [k for k, b in self._groups.items() if _refilled_full(b, now)]:
                    del self._groups[quiet]
            rule = self.group_rule
            bucket = self._groups[key] = _Bucket(rule, rule.burst, now)
        bucket.refill(now)
        return bucket

    def _forget_quiet_askers(self, now: float) -> None:
        for key in [
            k
            for k, a in self._askers.items()
            if a.held is None and not a.queued and _refilled_full(a.bucket, now)
        ]:
            del self._askers[key]

    def _schedule(self, asker: _Asker, group: _Bucket | None, now: float) -> None:
        when = asker.bucket.ready_at(now)
        if group is not None:
            when = max(when, group.ready_at(now))
        loop = asyncio.get_running_loop()
        asker.timer = loop.call_later(max(0.0, when - now), self._release, asker)

    def _release(self, asker: _Asker, force: bool = False) -> None:
        """The held question of a flood goes to its chat's queue once its turn has come."""
        item = asker.held
        if item is None or item.asker is None:
            return
        if asker.timer is not None:
            asker.timer.cancel()
            asker.timer = None
        now = self.clock()
        asker.bucket.refill(now)
        group = self._groups.get(item.asker[0])
        if group is not None:
            group.refill(now)
        if not force and (asker.bucket.tokens < 1 or (group is not None and group.tokens < 1)):
            self._schedule(asker, group, now)  # the group's turns went to others meanwhile
            return
        asker.bucket.tokens -= 1
        if group is not None:
            group.tokens -= 1
        asker.held = None
        asker.queued += 1
        self._enqueue(item.asker[0], item)

    # -- serving --------------------------------------------------------------------------

    async def _work(self) -> None:
        assert self._ready is not None
        while True:
            _, _, key = await self._ready.get()
            if self._holding:  # stopping: the chat's updates stay for left_over
                self._ready.put_nowait((0, next(self._unique), key))
                return
            chat = self._chats[key]
            item = chat.items.popleft()
            self._queued -= 1
            chat.busy = True  # before any unparked update of this chat joins its queue
            self._unpark()
            self._space.set()  # room for a waiting hand-over or the next getUpdates
            self._running += 1
            try:
                await self._run(item)
            except Exception:  # PTB's process_update reports handler errors itself
                log.exception("Unexpected error while processing %r", item.update)
            finally:
                chat.busy = False
                self._running -= 1
                if chat.items:
                    self._make_ready(key)
                else:
                    del self._chats[key]
                    if not self._queued and not self._parked and not self._running:
                        self._idle.set()

    async def _run(self, item: _Item) -> None:
        if item.notice is not None:
            if self.on_flood is not None:
                await self.on_flood(item.update, item.notice)
            return
        if item.asker is not None:
            asker = self._askers.get(item.asker)
            if asker is not None:
                asker.queued -= 1
                # After a notice only the burst's latest question is answered: one held for
                # its turn, or one further down this queue, makes this one obsolete.
                if asker.held is not None or (asker.bucket.flooding and asker.queued > 0):
                    self._supersede(item)
                    return
        assert item.coroutine is not None
        await item.coroutine

    def restore(self, parked: list[bytes]) -> None:
        """Updates a previous run left over (`left_over`): handled first, in their order."""
        self._parked.extendleft(reversed(parked))
        if self._parked:
            self._idle.clear()
        self._unpark()

    def _unpark(self) -> None:
        """Parked updates join the queues, in the order they came, while there is room."""
        parking = self.parking
        while (
            parking is not None
            and not self._holding
            and self._parked
            and self._queued < self.max_queued
        ):
            raw = self._parked.popleft()
            try:
                update, coroutine = parking.unpark(raw)
            except Exception:  # a parked update is Telegram's own JSON: never expected
                log.exception("Could not bring back a parked update: %r", raw[:200])
                continue
            self._take(update, coroutine)

    def _supersede(self, item: _Item) -> None:
        """A question of a burst a later one replaces: never answered, but still asked."""
        if not _discard(item):
            return
        self.superseded += 1
        if self.on_superseded is not None:
            try:
                self.on_superseded(item.update)
            except Exception:  # counting it must never stop the updates' flow
                log.exception("Could not record a question replaced by a later one")

    def _chat_key(self, update: object) -> ChatKey:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return ("user", update.effective_user.id)
        return ("update", next(self._unique))  # nothing to keep in order with


def _user_id(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


def _refilled_full(bucket: _Bucket, now: float) -> bool:
    bucket.refill(now)
    return bucket.full and not bucket.flooding


def _discard(item: _Item) -> int:
    """Close an update's coroutine that will never run (no 'never awaited' warning)."""
    if item.coroutine is None:
        return 0
    item.coroutine.close()
    item.coroutine = None
    return 1
