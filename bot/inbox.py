"""The staff inbox's rules (pure): when two unanswered questions are "the same" card, how much
of the staff group's sending budget cards may use, when a backlog becomes a digest, and how
a staff reply to a digest names its question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answering import Query

# Telegram lets a bot send 20 messages a minute into one group. Cards (and the edits that
# keep their counts current) take at most half of that, so staff commands and replies in
# the staff group always find room, however many residents are waiting.
CARDS_PER_MINUTE = 10.0
# A few cards may go at once after a quiet spell: a lone question still arrives at once.
CARD_BURST = 3
# A digest lists at most this many questions: about 20 lines of 150 characters stay well
# under Telegram's 4,096, and 20 number buttons fit one keyboard.
DIGEST_SIZE = 20


def question_key(query: Query) -> str | None:
    """Questions with the same canonical words share one inbox card ("harga batik brp?"
    and "Berapa harga batik?" are one card, asked twice). None: nothing to file."""
    words = sorted(set(query.tokens))
    return " ".join(words) if words else None


class Budget:
    """A token bucket: `burst` sends at once, then `per_minute` a minute on average.

    Written out rather than taken from a library: the poster needs to know how long to wait
    for the next token (to sleep, not to poll), and to read the tokens left (to choose
    between one card and a digest), which a limiter's acquire() does not tell.
    """

    def __init__(self, per_minute: float, burst: int, now: float) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.tokens = float(burst)
        self.updated = now

    def available(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return self.tokens

    def wait(self, now: float) -> float:
        """Seconds until one token is there (0: now)."""
        return max(0.0, (1.0 - self.available(now)) / self.rate)

    def take(self, now: float) -> None:
        self.available(now)
        self.tokens -= 1.0


def digest_now(queued: int, tokens: float) -> bool:
    """Post a digest rather than one card: when more cards wait than the budget can post
    one by one right now, they are a backlog, and one message lists them all."""
    return queued > 1 and queued > int(tokens)


_NUMBERED = re.compile(r"^\s*#?(\d{1,3})\s*[.):\-–]?\s+(\S.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class DigestAnswer:
    number: int  # the question's number in the digest, from 1
    text: str  # the answer, without the number


def read_digest_answer(text: str) -> DigestAnswer | None:
    """A staff reply to a digest: "3 Info KUR ada di bank", "#3: ...", "3) ...". None
    when the reply does not start with a number followed by an answer."""
    match = _NUMBERED.match(text)
    if match is None:
        return None
    return DigestAnswer(int(match.group(1)), match.group(2).strip())
