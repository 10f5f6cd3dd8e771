"""What a conversation asked recently: the context a follow-up question leans on.

Like Dialogflow's contexts, it lasts a few turns or a few minutes, whichever ends first
(5 turns, 20 minutes): "di mana tuh?" an hour later must not be read against a question
nobody remembers. One `Conversation` per caller: a private chat, or one asker within a
group, so two residents asking follow-ups in the same group never cross. The clock is
injected, so tests and the CLI can move time on.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from bot.answering.model import Lang

FOLLOW_UP_TURNS = 5
FOLLOW_UP_SECONDS = 20 * 60
# Conversations kept at once; the least recently used beyond this are forgotten (a busy
# group must not grow memory without bound).
MAX_CONVERSATIONS = 10_000

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Turn:
    at: float  # clock time
    topic: frozenset[str]  # the topical words of what was asked (after resolution)
    entries: tuple[str, ...]  # entries answered or narrowed in that turn
    lang: Lang
    asking: frozenset[str] = frozenset()  # how it asked: "berapa", "lokasi", "nama"


class Conversation:
    """The recent turns of one caller, newest last.

    Kept small: the bot holds up to MAX_CONVERSATIONS of them. A tuple of the few turns
    (56 bytes for one) rather than a deque (624 bytes even when empty) and no instance
    dict: with 10,000 questions waiting (benchmarks/stress.py --only backlog) the bot
    peaked 7.6 MB lower, measured."""

    __slots__ = ("_turns", "clock", "seconds", "turns")

    def __init__(
        self,
        clock: Clock = time.monotonic,
        turns: int = FOLLOW_UP_TURNS,
        seconds: float = FOLLOW_UP_SECONDS,
    ) -> None:
        self.clock = clock
        self.seconds = seconds
        self.turns = turns
        self._turns: tuple[Turn, ...] = ()

    def recent(self) -> tuple[Turn, ...]:
        """Turns still in the window, newest first."""
        now = self.clock()
        kept = self._turns
        expired = 0
        while expired < len(kept) and now - kept[expired].at > self.seconds:
            expired += 1
        if expired:
            self._turns = kept = kept[expired:]
        return kept[::-1]

    def remember(
        self,
        topic: frozenset[str],
        entries: tuple[str, ...],
        lang: Lang,
        asking: frozenset[str] = frozenset(),
    ) -> None:
        if topic or entries:
            turn = Turn(self.clock(), topic, entries, lang, asking)
            self._turns = (*self._turns, turn)[-self.turns :] if self.turns > 0 else ()

    def forget(self) -> None:
        self._turns = ()


class Conversations:
    """One conversation per caller key: a chat id, or (chat id, user id) in a group."""

    def __init__(
        self,
        clock: Clock = time.monotonic,
        turns: int = FOLLOW_UP_TURNS,
        seconds: float = FOLLOW_UP_SECONDS,
        limit: int = MAX_CONVERSATIONS,
    ) -> None:
        self.clock = clock
        self.turns = turns
        self.seconds = seconds
        self.limit = limit
        self._by_key: OrderedDict[Hashable, Conversation] = OrderedDict()

    def __call__(self, key: Hashable) -> Conversation:
        conversation = self._by_key.get(key)
        if conversation is None:
            conversation = Conversation(self.clock, self.turns, self.seconds)
            self._by_key[key] = conversation
            while len(self._by_key) > self.limit:
                self._by_key.popitem(last=False)
        else:
            self._by_key.move_to_end(key)
        return conversation

    def __len__(self) -> int:
        return len(self._by_key)
