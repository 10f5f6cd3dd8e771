"""Questions narrower than the answer: what a question restricts versus what an entry says.

"ukm di ciputat ada berapa?" matches the city-wide count well, but the report gives no
figure for Ciputat: answering 15,000 would be a confident wrong answer. So after the
matcher has chosen an entry, the question's restrictions (lexicon `[restrictions]`: a
place, men only, a motif, a money amount, a stopped export; plus a year, a count and a
cause) are compared with what that entry's answer speaks of. One the answer does not
cover means the report gives nothing that narrow: the resident is told so, and given what
the report does say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answering.model import Entry, Lexicon
from bot.answering.normalize import Normalizer, Query

# Kinds with a check of their own: a count needs a figure in the answer, a cause a word
# that gives one ("karena", "so that"), a "when" a time. Every other kind needs its word
# in the answer.
COUNT = "count"
CAUSE = "cause"
YEAR = "year"
TIME = "time"
LOCATED = "located"
PLACE = "place"
COUNTED = "counted_"  # a kind that narrows only a count ("berapa anggota laki-laki?")

# A figure in an answer, and what it is: a year ("2011", "2009-2010") or a rank ("MTQ
# ke-8", "8th") answer "tahun berapa" and "ke berapa", not "berapa UKM?".
_NUMBER = re.compile(r"(?<![\w-])(ke[- ]?)?(\d(?:[\d.,]*\d)?)(st|nd|rd|th)?\b", re.IGNORECASE)
_YEAR_FIGURE = re.compile(r"(?:19|20)\d\d")
_NUMBER_WORDS = frozenset(
    [
        "satu",
        "dua",
        "tiga",
        "empat",
        "lima",
        "enam",
        "tujuh",
        "delapan",
        "sembilan",
        "sepuluh",
        "puluhan",
        "ratusan",
        "ribuan",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "dozens",
        "hundreds",
        "thousands",
    ]
)
_WORD = re.compile(r"[^\W_]+")
_CLAUSE = re.compile(r"[,;:.!?\n]+")


@dataclass(frozen=True, slots=True)
class Narrowing:
    """A restriction of the question that the matched answer does not speak to."""

    kind: str  # a kind of lexicon [restrictions], or "year"
    words: tuple[str, ...] = ()  # the years asked about, for "year"


@dataclass(frozen=True, slots=True)
class _Covers:
    tokens: frozenset[str]  # canonical words of the answers and keywords
    figure: bool  # the answer gives an amount (not only a year or a rank)
    ordinal: bool  # the answer gives a rank ("ke-8")
    time: bool  # the answer says when: a year, a day or a month
    located: bool  # the answer says where: a place of the city or a country
    reason: bool  # the answer gives a cause
    placed: bool  # the answer says where: a place asked about is a claim it settles
    places: frozenset[str]  # places its topic's answers name (the group is in Pamulang)


class Coverage:
    """What each entry's answer speaks of, computed once per knowledge base."""

    def __init__(self, entries: Sequence[Entry], normalizer: Normalizer) -> None:
        lexicon = normalizer.lexicon
        self.normalizer = normalizer
        self._kinds: dict[str, str] = {
            word: kind for kind, words in lexicon.restrictions.items() for word in words
        }
        self._covers: dict[str, _Covers] = {}
        topic_places: dict[str, set[str]] = {}
        answer_tokens = {e.id: self._answer_tokens(e) for e in entries}
        for entry in entries:
            found = {t for t in answer_tokens[entry.id] if self._kinds.get(t) == PLACE}
            topic_places.setdefault(entry.topic, set()).update(found)
        for entry in entries:
            texts = (*entry.answer.values(), *entry.keywords)
            words = {w for t in entry.answer.values() for w in _WORD.findall(t.casefold())}
            figures = [m for t in entry.answer.values() for m in _NUMBER.finditer(t)]
            years = [m for m in figures if _YEAR_FIGURE.fullmatch(m.group(2))]
            ranks = [m for m in figures if m.group(1) or m.group(3)]
            self._covers[entry.id] = _Covers(
                tokens=frozenset(t for text in texts for t in normalizer.tokens(text)),
                figure=len(figures) > len(years) + len(ranks) or bool(words & _NUMBER_WORDS),
                ordinal=bool(ranks),
                time=bool(years) or bool(words & lexicon.dates),
                located=bool(answer_tokens[entry.id] & (lexicon.places | lexicon.countries)),
                reason=bool(words & lexicon.reasons),
                placed=any(self._kinds.get(t) == PLACE for t in answer_tokens[entry.id]),
                places=frozenset(topic_places[entry.topic]),
            )
        self._residence = _residence_pattern(lexicon)
        self._when = _when_pattern(lexicon)
        self._time_asked = _time_pattern(lexicon)
        self._rank_asked = _rank_pattern(lexicon)
        self._question_words = lexicon.canonical_question_words
        self._first_person = lexicon.first_person
        self._tags = lexicon.question_tags

    def _answer_tokens(self, entry: Entry) -> set[str]:
        return {t for text in entry.answer.values() for t in self.normalizer.tokens(text)}

    def narrowing(self, text: str, query: Query, entry: Entry) -> Narrowing | None:
        """The first restriction of the question that `entry`'s answer does not cover."""
        covers = self._covers.get(entry.id)
        if covers is None:
            return None
        counting = any(self._kinds.get(t) == COUNT for t in query.tokens)
        when = self.asks_when(text, query)
        if when and not covers.time:
            return Narrowing(TIME)
        places: list[str] = []
        for token in query.tokens:
            kind = self._kinds.get(token)
            if kind is None:
                continue
            if kind == COUNT:
                # "tahun berapa" is answered by a year, "MTQ ke berapa" by a rank.
                if not (
                    covers.figure
                    or (when and covers.time)
                    or (covers.ordinal and self._rank_asked.search(text.casefold()))
                ):
                    return Narrowing(COUNT)
            elif kind == CAUSE:
                if not covers.reason:
                    return Narrowing(CAUSE)
            elif kind == LOCATED:
                if not covers.located:
                    return Narrowing(LOCATED)
            elif kind == PLACE:
                places.append(token)
            elif kind.startswith(COUNTED):
                if counting and token not in covers.tokens:
                    return Narrowing(kind.removeprefix(COUNTED))
            elif token not in covers.tokens:
                return Narrowing(kind)
        # An answer that says where settles a claim about a place ("di Serpong, kan?"),
        # though not a count for that place; a place its topic names is the thing asked
        # about ("ukm yang di Pamulang itu"); "di Pamulang atau Pondok Aren?" is answered
        # when one of them is covered.
        if (
            places
            and (counting or not covers.placed)
            and not covers.places & set(places)
            and set(places) & self._asked_places(text)
        ):
            return Narrowing(PLACE)
        years = [str(y) for y in query.years]
        if years and not covers.tokens & set(years):
            return Narrowing(YEAR, tuple(years))
        return None

    def asks_when(self, text: str, query: Query) -> bool:
        """The question asks a time: "kapan", "iraha", a clause that opens with "when", or
        a unit of time asked ("bulan apa", "tanggal berapa", "what year"); not "where was
        he when he spoke", not "per bulan apa per tahun" (a month or a year)."""
        folded = text.casefold()
        if "kapan" in query.tokens and self._when.search(folded):
            return True
        return any(
            (m.group("pre") or "").strip() not in _PER for m in self._time_asked.finditer(folded)
        )

    def _asked_places(self, text: str) -> frozenset[str]:
        """Places the question asks about: not the asker's home ("saya tinggal di
        Ciputat") nor a place in a statement about themselves ("saya jualan kue di
        Pamulang, ..."; a clause with "saya" that asks nothing)."""
        if self._residence is not None:
            text = self._residence.sub(" , ", text)
        asked: set[str] = set()
        for clause in _CLAUSE.split(text):
            tokens = self.normalizer.tokens(clause)
            found = {t for t in tokens if self._kinds.get(t) == PLACE}
            if not found:
                continue
            words = _WORD.findall(clause.casefold())
            asks = set(tokens) & self._question_words or words[-1] in self._tags
            if set(words) & self._first_person and not asks:
                continue
            asked |= found
        return frozenset(asked)


def _residence_pattern(lexicon: Lexicon) -> re.Pattern[str] | None:
    """The residence phrase and the up to three words after it, up to a comma or stop."""
    if not lexicon.residence:
        return None
    phrases = sorted(lexicon.residence, key=len, reverse=True)
    marker = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)
    return re.compile(rf"\b(?:{marker})\b(?:\s+[^\W_]+(?:-[^\W_]+)?){{1,3}}", re.IGNORECASE)


# "per bulan apa per tahun": a unit after these is a rate, not a time asked.
_PER = frozenset({"per", "tiap", "setiap", "se", "each", "every", "a"})


def _when_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    """Any surface of "kapan" but the English "when", which asks only where a clause
    begins ("When was it published?", "…, and when?")."""
    surfaces = {" ".join(k) for k, v in lexicon.question_words.items() if v == "kapan"}
    surfaces |= {k for k, v in lexicon.abbreviations.items() if v == ("kapan",)}
    anywhere = sorted((s for s in surfaces if s != "when"), key=len, reverse=True)
    joined = "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in anywhere)
    return re.compile(rf"\b(?:{joined})\b|(?:^|[,;:.!?(]|\band|\bor|\bbut)\s*when\b")


def _time_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    """A unit of time followed by "apa"/"berapa" in any spelling, or after what/which."""
    asking = {"apa", "berapa"}
    words = {k[0] for k, v in lexicon.question_words.items() if v in asking and len(k) == 1}
    words |= {k for k, v in lexicon.abbreviations.items() if len(v) == 1 and v[0] in asking}
    words -= {"what", "which", "mana"}
    units = "|".join(sorted(map(re.escape, lexicon.time_units), key=len, reverse=True))
    asked = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(
        rf"(?P<pre>\b[^\W\d_]+\s+)?\b(?:{units})\s+(?:{asked})\b|\b(?:what|which)\s+(?:{units})\b"
    )


def _rank_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    """ "ke berapa", "ke-brp", "keberapa": a rank asked ("MTQ ke berapa?")."""
    words = {k[0] for k, v in lexicon.question_words.items() if v == "berapa" and len(k) == 1}
    words |= {k for k, v in lexicon.abbreviations.items() if v == ("berapa",)}
    asked = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(rf"\bke[- ]?(?:{asked})\b|\bwhich edition\b")
