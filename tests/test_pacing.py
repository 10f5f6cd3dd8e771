"""The pacer: Telegram's limits, pauses on 429 for the chat or the bot, and the retries."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import BadRequest, RetryAfter, TimedOut

import bot.pacing
from bot.pacing import Lane, Pacer, SlidingWindow, TelegramLimits
from bot.telegram_request import NotSent, ServerError


def test_the_pacer_keeps_its_rate_with_a_small_burst_and_no_burst_after_a_pause() -> None:
    pacer = Pacer(rate=100, burst=3)
    turns = [pacer.reserve(now=10.0) for _ in range(6)]
    # Three at once, then one every 10 ms.
    assert turns == pytest.approx([10.0, 10.0, 10.0, 10.01, 10.02, 10.03])
    pacer.hold_until(11.0)  # a 429 for the whole bot
    later = [pacer.reserve(now=10.5) for _ in range(3)]
    assert later == pytest.approx([11.0, 11.01, 11.02])  # the steady pace, not a wave


def test_a_group_gets_at_most_its_limit_in_any_window() -> None:
    window = SlidingWindow(limit=20, period=60.0)
    turns = [window.reserve(now=0.0) for _ in range(25)]
    assert turns[:20] == [0.0] * 20  # a group asking 20 things gets 20 answers at once
    assert turns[20:] == [60.0] * 5  # the 21st waits until the first is a minute old


class Api:
    """A stand-in for PTB's request callback: answers or raises what a test scripts."""

    def __init__(self, limits: TelegramLimits) -> None:
        self.limits = limits
        self.calls: list[tuple[int | None, str]] = []
        self.script: dict[int | None, list[Exception]] = {}
        self._called = asyncio.Event()

    async def wait_for_calls(self, count: int) -> None:
        while len(self.calls) < count:
            self._called.clear()
            await self._called.wait()

    async def request(
        self, endpoint: str, chat_id: int | None, lane: Lane | None = None
    ) -> dict[str, Any]:
        async def callback() -> dict[str, Any]:
            self.calls.append((chat_id, endpoint))
            self._called.set()
            errors = self.script.get(chat_id)
            if errors:
                raise errors.pop(0)
            return {"ok": True}

        data = {} if chat_id is None else {"chat_id": chat_id}
        result = await self.limits.process_request(callback, (), {}, endpoint, data, lane)
        assert isinstance(result, dict)
        return result


async def test_a_429_for_one_chat_pauses_that_chat_only() -> None:
    api = Api(TelegramLimits(overall_rate=None))
    api.script[1] = [RetryAfter(1)]
    first = asyncio.create_task(api.request("sendMessage", 1))
    await api.wait_for_calls(1)
    await api.request("sendMessage", 2)  # not held by chat 1's pause
    assert not first.done()
    await first
    assert api.calls == [(1, "sendMessage"), (2, "sendMessage"), (1, "sendMessage")]
    assert api.limits.global_pauses == 0


async def test_429s_for_two_chats_at_once_pause_every_chat() -> None:
    limits = TelegramLimits(overall_rate=None)
    api = Api(limits)
    api.script[1] = [RetryAfter(1)]
    api.script[2] = [RetryAfter(1)]
    refused = [asyncio.create_task(api.request("sendMessage", chat)) for chat in (1, 2)]
    await api.wait_for_calls(2)
    paused_until = limits._paused_until  # the overall limit: Telegram's answer to both
    third = asyncio.create_task(api.request("sendMessage", 3))
    await asyncio.gather(third, *refused)
    assert limits.global_pauses == 1
    # Chat 3 was asked after the pause began and went only after it ended.
    assert api.calls.index((3, "sendMessage")) >= 2
    assert limits.clock() >= paused_until


async def test_retries_stop_after_three_refusals() -> None:
    api = Api(TelegramLimits(overall_rate=None))
    api.script[1] = [RetryAfter(1) for _ in range(4)]
    with pytest.raises(RetryAfter):
        await api.request("sendMessage", 1)
    assert len(api.calls) == 4


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.pacing, "ANSWER_BACKOFF", (0.01,))
    monkeypatch.setattr(bot.pacing, "BROADCAST_BACKOFF", (0.01,))


@pytest.mark.usefixtures("quick_backoff")
async def test_what_surely_did_not_arrive_is_sent_again() -> None:
    api = Api(TelegramLimits(overall_rate=None))
    api.script[1] = [ServerError("Bad Gateway"), NotSent("Connection refused")]
    assert await api.request("sendMessage", 1) == {"ok": True}
    assert len(api.calls) == 3


@pytest.mark.usefixtures("quick_backoff")
async def test_an_answer_that_may_have_arrived_is_not_sent_twice() -> None:
    api = Api(TelegramLimits(overall_rate=None))
    api.script[1] = [TimedOut()]
    with pytest.raises(TimedOut):
        await api.request("sendMessage", 1)
    assert len(api.calls) == 1
    # An edit, or an announcement (the outbox's documented window), is sent again.
    api.script[1] = [TimedOut()]
    await api.request("editMessageText", 1)
    api.script[1] = [TimedOut()]
    await api.request("sendMessage", 1, Lane.BROADCAST)
    assert len(api.calls) == 5


async def test_a_refusal_is_never_retried() -> None:
    api = Api(TelegramLimits(overall_rate=None))
    api.script[1] = [BadRequest("Bad Request: chat not found")]
    with pytest.raises(BadRequest):
        await api.request("sendMessage", 1)
    assert len(api.calls) == 1


async def test_a_staff_chats_request_takes_the_next_turn_ahead_of_those_waiting() -> None:
    api = Api(TelegramLimits(overall_rate=20, staff_chats=frozenset({-100500})))
    residents = [asyncio.create_task(api.request("sendMessage", chat)) for chat in range(1, 6)]
    await api.wait_for_calls(1)  # the first resident's turn came at once; four wait
    await api.request("sendMessage", -100500)  # a staff command's reply
    await asyncio.gather(*residents)
    order = [chat for chat, _ in api.calls]
    assert order.index(-100500) == 1  # the next turn, not the sixth
    assert sorted(chat or 0 for chat in order) == [-100500, 1, 2, 3, 4, 5]  # none skipped
    # A card for the staff group is no staff request: it waits its turn like an answer.
    cards = [asyncio.create_task(api.request("sendMessage", chat)) for chat in range(6, 9)]
    await asyncio.sleep(0)  # they ask for their turns first
    await api.request("sendMessage", -100500, Lane.CARD)
    await asyncio.gather(*cards)
    assert [chat for chat, _ in api.calls][-4:] == [6, 7, 8, -100500]
