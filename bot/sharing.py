"""Answers residents can share (pure): what an inline query ("@bot pelatihan") lists, from the
same answering core and thresholds as a chat, cached briefly per query; and the t.me links
that open the bot on an answer or a subscription."""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.answering import Entry, Lang
from bot.assistant import Assistant
from bot.rendering import to_plain

SUBSCRIBE_PAYLOAD = "langganan"  # ?start=langganan subscribes
ASK_PAYLOAD = "tanya"  # ?start=tanya: the welcome, to ask a question
# Telegram's rule for a /start payload: up to 64 of A-Z, a-z, 0-9, _ and -.
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
INLINE_RESULTS = 50  # Telegram shows at most 50 results for one inline query
DESCRIPTION_CHARACTERS = 120  # of the answer's first line, under each result's title
CACHE_SECONDS = 60.0  # an answered query is reused this long (knowledge changes rarely)
CACHE_QUERIES = 2048  # distinct recent queries kept (a few hundred KB at most)


def deep_link(bot_username: str, payload: str) -> str:
    """https://t.me/<bot>?start=<payload>: opens the private chat with /start <payload>."""
    if not _PAYLOAD.match(payload):
        raise ValueError(
            f"{payload!r} cannot be a Telegram start parameter (1-64 of A-Z, a-z, 0-9, _ and -)"
        )
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"


@dataclass(frozen=True, slots=True)
class SharedAnswer:
    """One inline result: an entry's answer as it is posted into the chat."""

    entry_id: str
    title: str  # the entry's question
    description: str  # the first line of its answer
    html: str  # the answer with its source line, exactly as in a private chat
    lang: Lang


@dataclass(frozen=True, slots=True)
class Listing:
    """What an inline query lists. No answers: the one "Tanya langsung ke bot" result."""

    answers: tuple[SharedAnswer, ...]
    lang: Lang
    personal: bool  # depends on who asks (their language), not only on what they typed


class SharedAnswers:
    """Inline listings for one Assistant (a new one comes with new knowledge).

    The cache is a small LRU with an expiry, written here rather than taken from a library
    (cachetools would be the one): ten lines, and one more dependency for them is not worth
    it. A resident typing "@bot pelatihan" sends a query per pause in typing; the same words
    from many residents (a poster, an announcement) are answered once a minute.
    """

    def __init__(
        self,
        assistant: Assistant,
        ttl: float = CACHE_SECONDS,
        size: int = CACHE_QUERIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.assistant = assistant
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._cache: OrderedDict[tuple[str, Lang], tuple[float, Listing]] = OrderedDict()
        # An entry's shared answer is the same whatever query found it: rendered once.
        self._answers: dict[tuple[str, Lang], SharedAnswer] = {}

    def listing(self, query: str, user_lang: Lang) -> Listing:
        key = (" ".join(query.split()).casefold(), user_lang)
        now = self.clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            self._cache.move_to_end(key)
            return cached[1]
        found = self._list(key[0], user_lang)
        self._cache[key] = (now + self.ttl, found)
        self._cache.move_to_end(key)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return found

    def _list(self, text: str, user_lang: Lang) -> Listing:
        kb = self.assistant.kb
        if not text:  # the topics' questions, in the menu's order, in the user's language
            entries = [
                e for topic in kb.browsable_topics() for e in kb.entries_in(topic.id) if not e.gap
            ]
            return Listing(self._shared(entries, user_lang), user_lang, personal=True)
        decision = self.assistant.decide(text)
        # The same thresholds as a chat: a confident answer (with the entries it names as
        # related), or the candidates of a "did you mean"; never a guess below them.
        if decision.status == "answer" and decision.entry is not None:
            entries = [decision.entry, *(e for e in decision.related if not e.gap)]
        elif decision.status == "clarify":
            entries = [e for e in decision.suggestions if not e.gap]
        else:
            return Listing((), user_lang, personal=True)
        return Listing(self._shared(entries, decision.lang), decision.lang, personal=False)

    def _shared(self, entries: list[Entry], lang: Lang) -> tuple[SharedAnswer, ...]:
        return tuple(self._answer(entry, lang) for entry in entries[:INLINE_RESULTS])

    def _answer(self, entry: Entry, lang: Lang) -> SharedAnswer:
        found = self._answers.get((entry.id, lang))
        if found is None:
            answer = entry.answer[lang]
            first_line = to_plain(answer).split("\n", 1)[0].strip()
            if len(first_line) > DESCRIPTION_CHARACTERS:
                first_line = first_line[: DESCRIPTION_CHARACTERS - 1].rstrip() + "…"
            found = self._answers[(entry.id, lang)] = SharedAnswer(
                entry_id=entry.id,
                title=entry.label(lang),
                description=first_line,
                html=self.assistant.renderer.render("answer", lang, entry=entry, answer=answer),
                lang=lang,
            )
        return found
