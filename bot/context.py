"""Typed services for handlers: the knowledge, the storage and the settings, no dict-fishing;
and the one place the running bot builds its Assistant."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

# PTB 22 warns whenever a RetryAfter is built unless this is set (its rate limiter reads
# the timedelta form already), so opt in before any request is made.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram.ext import Application, CallbackContext, JobQueue

from bot.answering import KnowledgeBase
from bot.assistant import Assistant, Memory
from bot.config import Settings
from bot.knowledge import with_learned
from bot.sharing import SharedAnswers
from bot.storage import Storage
from bot.telegram_request import TelegramBot

if TYPE_CHECKING:
    from bot.broadcast import Broadcaster


class CardQueue(Protocol):
    """The staff inbox's poster (handlers/cards.py), as the handlers that feed it see it."""

    def wake(self) -> None: ...

    def staff_spoke(self) -> None: ...


@dataclass
class Services:
    """What the bot works with; one instance per running Application."""

    settings: Settings
    storage: Storage
    assistant: Assistant  # replaced as a whole by /muatulang, never edited in place
    memory: Memory = field(default_factory=Memory)  # follow-ups; survives /muatulang
    bot_username: str = ""
    broadcaster: Broadcaster | None = None
    card_poster: CardQueue | None = None  # None without a staff group (STAFF_CHAT_ID)
    # The clock of the service desk (requests, due times, cards' age, reminders): a test
    # sets it to a Friday afternoon or a holiday eve.
    now: Callable[[], float] = time.time
    knowledge_problems: list[str] = field(default_factory=list)
    _shared: SharedAnswers | None = field(default=None, repr=False)

    def shared_answers(self) -> SharedAnswers:
        """Inline listings (and their cache) for the knowledge being served now."""
        if self._shared is None or self._shared.assistant is not self.assistant:
            self._shared = SharedAnswers(self.assistant)
        return self._shared

    def use_knowledge(self, kb: KnowledgeBase | None = None) -> None:
        """Serve `kb` (by default the current one again), with the phrasings staff taught.

        A new Assistant is swapped in whole, never edited in place, so a question being
        answered meanwhile sees the old one or the new one, never half of each.
        """
        base = kb if kb is not None else self.assistant.kb
        self.assistant = build_assistant(base, self.storage, self.settings)
        if gc.get_freeze_count():  # the running bot (settle_long_lived): the old one can go
            gc.unfreeze()
            settle_long_lived()


# Young objects the cyclic collector lets pile up before a pass (Python's default: 700).
# Nearly all of an answer's objects are freed by reference counting as it ends; the
# collector only finds cycles, and an answer makes few.
COLLECT_AFTER = 20_000


def settle_long_lived() -> None:
    """What the running bot holds for good (the knowledge index, templates, PTB's classes:
    about 90,000 objects) is taken out of the cyclic collector's passes (`gc.freeze`),
    and young objects are collected less often.

    Why: with Python's defaults, under benchmarks/telegram_throughput.py's load the
    collector ran 86 times for 2,000 answers and took 65 ms of CPU (3 % of the bot's),
    each full pass walking everything the bot holds; tuned, 2 passes, 7 ms. Memory with
    10,000 questions waiting: see README (benchmarks/stress.py --only backlog)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(COLLECT_AFTER, 20, 20)


def build_assistant(kb: KnowledgeBase, storage: Storage, settings: Settings) -> Assistant:
    """The one place the running bot's Assistant is made: the knowledge base plus the
    phrasings staff added from the inbox, and the office contact from the settings."""
    return Assistant(with_learned(kb, storage.learned_variants()), contact=settings.office_contact)


class BotData:
    """Application.bot_data: holds the services (PTB builds it with no arguments)."""

    services: Services


class ChatData(dict[str, object]):
    pass


class UserData(dict[str, object]):
    pass


class BotContext(CallbackContext[TelegramBot, UserData, ChatData, BotData]):
    """The context every handler receives."""

    @property
    def services(self) -> Services:
        return self.bot_data.services


BotApplication = Application[TelegramBot, BotContext, UserData, ChatData, BotData, JobQueue[Any]]
