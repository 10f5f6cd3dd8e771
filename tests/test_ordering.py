"""The update processor: fair across chats, in order within one, bounded, floods coalesced."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest
from telegram import Chat, Message, Update, User

from bot.ordering import FairUpdateProcessor, FloodRule, Parking

_ids = iter(range(1, 1_000_000))


def update(chat_id: int, user_id: int | None = None, text: str = "halo") -> Update:
    """A real PTB Update: a text message from `user_id` (the chat's own id by default)."""
    uid = user_id if user_id is not None else abs(chat_id)
    kind = Chat.PRIVATE if chat_id > 0 else Chat.SUPERGROUP
    number = next(_ids)
    return Update(
        number,
        message=Message(
            number,
            dtm.datetime.now(dtm.UTC),
            Chat(chat_id, kind),
            from_user=User(uid, f"Warga {uid}", is_bot=False),
            text=text,
        ),
    )


class Log:
    """What ran, in order; a gate that holds a chat's handler until opened."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.gates: dict[int, asyncio.Event] = {}

    async def handle(self, upd: Update) -> None:
        assert upd.effective_chat is not None and upd.effective_message is not None
        gate = self.gates.get(upd.effective_chat.id)
        if gate is not None:
            await gate.wait()
        self.ran.append(f"{upd.effective_chat.id}:{upd.effective_message.text}")


@pytest.fixture
async def log() -> Log:
    return Log()


@pytest.fixture
async def processor() -> AsyncIterator[FairUpdateProcessor]:
    made = FairUpdateProcessor(workers=2, max_queued=50)
    await made.initialize()
    yield made
    await made.shutdown()


async def give(processor: FairUpdateProcessor, log: Log, upd: Update) -> None:
    await processor.process_update(upd, log.handle(upd))


async def settle(processor: FairUpdateProcessor) -> None:
    assert await processor.drain(5) == 0


async def test_a_busy_chat_holds_one_worker_and_others_are_served(
    processor: FairUpdateProcessor, log: Log
) -> None:
    log.gates[-100] = asyncio.Event()  # a group stuck on its pace (or a 429 pause)
    for i in range(30):
        await give(processor, log, update(-100, 7, f"q{i}"))
    for chat in (1, 2, 3):
        await give(processor, log, update(chat, text="mine"))
    await asyncio.sleep(0.05)
    assert log.ran == ["1:mine", "2:mine", "3:mine"]  # with 2 workers, the group holds one
    log.gates[-100].set()
    await settle(processor)
    assert log.ran[3:] == [f"-100:q{i}" for i in range(30)]  # in order within the chat


async def test_handing_over_blocks_while_the_queues_are_full(log: Log) -> None:
    processor = FairUpdateProcessor(workers=1, max_queued=3)
    await processor.initialize()
    try:
        assert processor.max_concurrent_updates == 1  # PTB awaits each hand-over
        log.gates[5] = asyncio.Event()
        for i in range(4):  # one running, three queued
            await give(processor, log, update(5, text=f"q{i}"))
        fifth = asyncio.create_task(give(processor, log, update(5, text="q4")))
        await asyncio.sleep(0.05)
        assert not fifth.done()  # polling waits: the backlog stays at Telegram
        log.gates[5].set()
        await fifth
        await settle(processor)
        assert log.ran == [f"5:q{i}" for i in range(5)]
    finally:
        await processor.shutdown()


async def test_a_burst_gets_one_notice_and_only_its_latest_question_answered(log: Log) -> None:
    notices: list[tuple[int, str]] = []

    async def notice(upd: object, scope: str) -> None:
        assert isinstance(upd, Update) and upd.effective_user is not None
        notices.append((upd.effective_user.id, scope))

    processor = FairUpdateProcessor(
        workers=4,
        is_question=lambda upd: True,
        on_flood=notice,
        user_rule=FloodRule(burst=3, every=0.2),
    )
    await processor.initialize()
    try:
        for i in range(40):
            await give(processor, log, update(1, text=f"q{i}"))
        await give(processor, log, update(2, text="other"))
        await asyncio.sleep(0.5)  # past the refill: the held question's turn came
        await settle(processor)
        assert notices == [(1, "user")]
        assert [r for r in log.ran if r.startswith("1:")] == ["1:q39"]
        assert "2:other" in log.ran
        assert processor.superseded == 39
    finally:
        await processor.shutdown()


async def test_a_group_asking_faster_than_it_can_be_answered_is_told_once(log: Log) -> None:
    notices: list[str] = []

    async def notice(upd: object, scope: str) -> None:
        notices.append(scope)

    processor = FairUpdateProcessor(
        workers=4,
        is_question=lambda upd: True,
        on_flood=notice,
        group_rule=FloodRule(burst=5, every=0.1),
    )
    await processor.initialize()
    try:
        for member in range(20):  # twenty residents, one question each
            await give(processor, log, update(-300, 1000 + member, f"m{member}"))
        await asyncio.sleep(2.2)  # every held question's turn comes, one every 0.1 s
        await settle(processor)
        assert notices == ["group"]
        assert sorted(log.ran) == sorted(f"-300:m{m}" for m in range(20))  # nobody dropped
    finally:
        await processor.shutdown()


async def test_shutdown_closes_what_never_ran_without_warnings(log: Log) -> None:
    processor = FairUpdateProcessor(workers=1)
    await processor.initialize()
    log.gates[9] = asyncio.Event()
    for i in range(5):
        await give(processor, log, update(9, text=f"q{i}"))
    assert await processor.drain(0.05) == 5  # what a stop that runs out of time leaves
    await processor.shutdown()  # closes the four queued coroutines: no "never awaited"
    assert log.ran == []


async def test_the_next_batch_is_fetched_only_when_there_is_room_for_it(log: Log) -> None:
    processor = FairUpdateProcessor(workers=1, max_queued=5)
    await processor.initialize()
    try:
        log.gates[5] = asyncio.Event()
        for i in range(4):  # one running, three queued
            await give(processor, log, update(5, text=f"q{i}"))
        poll = asyncio.create_task(processor.wait_for_room(3))  # a batch of three
        await asyncio.sleep(0.05)
        assert not poll.done()  # the next getUpdates waits: the backlog stays at Telegram
        log.gates[5].set()
        await poll
        await settle(processor)
    finally:
        await processor.shutdown()


async def test_updates_beyond_the_room_are_parked_and_all_answered_in_order(log: Log) -> None:
    texts: dict[bytes, Update] = {}

    def park(upd: object) -> bytes:
        assert isinstance(upd, Update)
        key = str(upd.update_id).encode()
        texts[key] = upd
        return key

    def unpark(raw: bytes) -> tuple[object, Coroutine[Any, Any, Any]]:
        upd = texts.pop(raw)
        return upd, log.handle(upd)

    processor = FairUpdateProcessor(
        workers=2, max_queued=3, parking=Parking(park, unpark), max_parked=100
    )
    await processor.initialize()
    try:
        for i in range(40):  # no hand-over waits: beyond 3 queued, the rest is parked
            await give(processor, log, update(1 + i % 4, text=f"q{i}"))
        await settle(processor)
        assert len(log.ran) == 40
        for chat in range(1, 5):  # in order within each chat
            mine = [r for r in log.ran if r.startswith(f"{chat}:")]
            assert mine == [f"{chat}:q{i}" for i in range(chat - 1, 40, 4)]
    finally:
        await processor.shutdown()
