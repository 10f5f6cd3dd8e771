"""Choose one of four decisions for a question: answer, clarify, smalltalk or fallback."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.answering.match import Index, Match, Scoring
from bot.answering.model import Entry, KnowledgeBase, Lang
from bot.answering.narrow import ASKED, CAUSE, COUNT, SETTINGS, Coverage, Narrowing
from bot.answering.normalize import Normalizer, Query

Status = Literal["answer", "clarify", "smalltalk", "fallback"]

MAX_SUGGESTIONS = 3


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Cut-offs on the blended score of match.Index.rank.

    Calibrated with `python benchmarks/calibrate.py` on question sets written
    independently of the entries (tests/data/eval_*.jsonl, see that script for which
    select and which validate): among settings whose confident-wrong rate stays at or
    under 1.5 %, one within a point of the most accurate with the fewest confident wrong
    answers. The script prints the whole grid.
    """

    # Below `answer`, too few of the question's words are explained by any entry to
    # answer without risk of a confident wrong answer.
    answer: float = 0.44
    # The best entry must beat the runner-up by this much, unless the runner-up is one
    # of its related entries (both are then right enough: the other is offered as a
    # related question instead of asking "did you mean").
    margin: float = 0.02
    # Between `clarify` and `answer` the bot asks "Maksud Anda...?"; below it, it falls
    # back: a guess that weak was wrong more often than right in calibration.
    clarify: float = 0.42
    # A question landing on a "not in the report" entry this clearly gets that entry's
    # own honest explanation instead of the generic fallback.
    gap: float = 0.42
    # An answer must beat the best "not in the report" entry by this much: when a
    # question is as close to "the report does not say" as to an answer, the honest
    # reply wins (it still offers the answer as a button).
    gap_margin: float = 0.03
    # Suggestions are the entries within this distance of the best one.
    spread: float = 0.12


_YEAR_IN_TEXT = re.compile(r"\b(?:19|20)\d\d\b")


@dataclass(frozen=True, slots=True)
class Decision:
    status: Status
    query: Query
    # match | related | gap | unclear | no_match | empty | smalltalk | year | narrower | story
    # | elliptic (nothing named, nothing before to lean on)
    reason: str
    entry: Entry | None = None  # the answer, or the gap entry explaining a fallback
    score: float = 0.0
    suggestions: tuple[Entry, ...] = ()
    related: tuple[Entry, ...] = ()
    matches: tuple[Match, ...] = ()  # the ranking behind the decision (best guesses)
    years: tuple[int, ...] = ()  # years asked about that the report does not cover
    narrowing: Narrowing | None = None  # why a matched entry is too broad (reason narrower)

    @property
    def lang(self) -> Lang:
        return self.query.lang

    @property
    def best_guess(self) -> Match | None:
        return self.matches[0] if self.matches else None


class Answerer:
    """The answering core: pure, synchronous, built once per knowledge base."""

    def __init__(
        self,
        kb: KnowledgeBase,
        scoring: Scoring | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.kb = kb
        self.thresholds = thresholds or Thresholds()
        indonesian = [q for e in kb.entries for q in (*e.questions["id"], e.answer["id"])]
        english = [q for e in kb.entries for q in (*e.questions["en"], e.answer["en"])]
        self.normalizer = Normalizer(kb.lexicon, indonesian, english)
        self.index = Index(kb.entries, self.normalizer, scoring)
        # Years the report speaks about; a question about any other year has no answer.
        texts = [str(v) for v in kb.facts.values()] + [
            t for e in kb.entries if not e.gap for t in (*e.variants(), *e.answer.values())
        ]
        self._speakers = frozenset(_name(e.said_by) for e in kb.entries if e.said_by)
        self.known_years = frozenset(int(y) for t in texts for y in _YEAR_IN_TEXT.findall(t))
        source = kb.source
        said = (source.outlet, source.title["id"], source.title["en"], "sumber source")
        self.coverage = Coverage(
            kb.entries,
            self.normalizer,
            {e.id: v for e, v in zip(self.index.entries, self.index.entry_vocab, strict=True)},
            frozenset(t for text in said for t in self.normalizer.tokens(text)),
            report_year=source.year,
            beyond=kb.lexicon.attributes,
        )

    def decide(self, text: str) -> Decision:
        """The decision for one question on its own (no context, no second question)."""
        query = self.normalizer.normalize(text)
        return self.narrowed(decide(query, self, self.index.rank(query, limit=8)), text, query)

    def narrowed(
        self, decision: Decision, text: str, own: Query, home: frozenset[str] = frozenset()
    ) -> Decision:
        """An answer whose entry does not speak to a restriction of the question (`own`:
        the question's own words, not the context it was matched with) goes to the next
        entry nearly as good that does ("kenapa ibu-ibu cocok …, kata ketua PAUD?": the
        benefits, not who spoke); with none, it becomes a fallback that gives what the
        report does say (reason "narrower")."""
        if decision.status != "answer" or decision.entry is None:
            return decision
        narrowing = self.coverage.narrowing(text, own, decision.entry, home)
        if narrowing is None:
            return decision
        limits = self.thresholds
        # Only a question of another kind (a why, a how many) may move to the next entry;
        # a place or a year the top entry lacks is a narrower question, and another
        # entry that happens to name that place answers something else.
        # What is asked for ("acara apa") may be what the next entry speaks of.
        matches = decision.matches[1:] if narrowing.kind in (COUNT, CAUSE, ASKED) else ()
        broader: tuple[Match, Narrowing] | None = None
        stated = set(own.tokens) & self.coverage.explained(decision.entry)
        ordinary = self.kb.lexicon.common
        for match in matches:
            if match.entry.gap or match.score < limits.answer:
                continue
            other = self.coverage.narrowing(text, own, match.entry, home)
            near = decision.score - match.score <= limits.spread or (
                # Further down, only an entry that also states all the top one did of the
                # question ("Menurut Ketua Forum PAUD, apa manfaatnya …?": the benefits,
                # told by her), not one that shares a word ("kota mana di Amerika").
                narrowing.kind == ASKED and not self.coverage.unaccounted(match.entry, stated)
            )
            # An ordinary word asked for ("di kota mana di China?"), the next entry must
            # state, not only be asked with: who heads the office of "Kota" Tangsel does
            # not say in which city. (A concept its phrasings name, "pejabat", it is about.)
            if narrowing.kind == ASKED and not self.coverage.states(
                match.entry, ordinary.intersection(narrowing.words)
            ):
                continue
            if other is None and near:
                return replace(
                    decision,
                    entry=match.entry,
                    score=match.score,
                    related=_related(self, match.entry),
                )
            if broader is None and other is not None and other.kind in SETTINGS:
                # Beyond the spread it is no answer, but may hold the broader fact.
                broader = (match, other)
        if broader is not None:
            # "and in Pondok Aren alone?": the city's count, for the city only, is what
            # the report gives, not the MTQ held there.
            match, narrowing = broader
            decision = replace(decision, entry=match.entry, score=match.score)
        return replace(decision, status="fallback", reason="narrower", narrowing=narrowing)

    def told_by(self, decision: Decision, own: Query, before: Iterable[str]) -> Decision:
        """ "Yang ngomong siapa?" after an answer someone told the reporter: who that was,
        not who was interviewed about something else: the entry the question finds on its
        own words whose answer names that person and no one else quoted, else that answer
        again (its source line names them). Another decision stays as it was."""
        if not {"siapa", "bicara"} <= set(own.tokens):
            return decision
        for entry in filter(None, map(self.kb.entry, before)):
            if entry.said_by and not entry.gap:
                name = _name(entry.said_by)
                others = self._speakers - {name}
                about = (
                    m.entry
                    for m in decision.matches
                    if not m.entry.gap
                    and m.entry is not entry
                    and name in m.entry.answer["id"]
                    and not any(o in m.entry.answer["id"] for o in others)
                )
                entry = next(about, entry)
                related = _related(self, entry)
                return replace(
                    decision,
                    status="answer",
                    reason="related",
                    entry=entry,
                    score=max(decision.score, self.thresholds.answer),
                    narrowing=None,
                    suggestions=(),
                    related=related,
                )
        return decision

    def rank(self, text: str, limit: int = 5) -> list[Match]:
        return self.index.rank(self.normalizer.normalize(text), limit)


def _name(said_by: dict[Lang, str]) -> str:
    """Who told the reporter, as answers write it: "Maulini Zeda" of "Maulini Zeda, Ketua
    Forum PAUD Tangsel"."""
    return said_by["id"].split(",")[0]


def decide(
    query: Query, answerer: Answerer, ranked: Sequence[Match], thresholds: Thresholds | None = None
) -> Decision:
    """The decision for a normalised question, given the ranking of entries for it."""
    limits = thresholds or answerer.thresholds
    if query.smalltalk is not None:
        return Decision("smalltalk", query, "smalltalk")
    if not query.tokens:
        return Decision("fallback", query, "empty")
    matches = tuple(ranked)
    unknown_years = tuple(y for y in query.years if y not in answerer.known_years)
    if unknown_years:
        return Decision("fallback", query, "year", matches=matches, years=unknown_years)
    if not matches:
        return Decision("fallback", query, "no_match")
    answers = [m for m in matches if not m.entry.gap]
    gaps = [m for m in matches if m.entry.gap]
    gap = gaps[0] if gaps else None
    # A follow-up whose own words name nothing of what the gap entry is about, only a
    # subject the report does speak of that it takes from its context ("who said so?"
    # after the exports: the export how-to shares only "ekspor"), is decided among the
    # answers. Context that carries what the report lacks ("syarat" before "harus warga
    # Pamulang?") still names the gap.
    if gap is not None and query.context:
        subject = answerer.index.subject(gap.entry)
        lacking = answerer.index.gap_concepts | answerer.kb.lexicon.attributes
        if not (set(query.tokens) - query.context) & subject and not (
            query.context & subject & lacking
        ):
            gap = None
    if (
        gap is not None
        and gap.score >= limits.gap
        and (not answers or gap.score >= answers[0].score - limits.gap_margin)
    ):
        # The entry's own explanation only when the question names its subject (a price,
        # the MTQ's winner) and nothing else the report lacks that the entry does not speak
        # of (who won a football match is not the MTQ's winner); a question that merely
        # shares a word gets the general reply.
        asked = set(query.tokens)
        elsewhere = asked & answerer.index.gap_concepts
        if asked & answerer.index.subject(gap.entry) and not answerer.coverage.unaccounted(
            gap.entry, elsewhere
        ):
            return Decision("fallback", query, "gap", gap.entry, gap.score, matches=matches)
        return Decision("fallback", query, "no_match", matches=matches)
    if not answers:
        return Decision("fallback", query, "no_match", matches=matches)
    top = answers[0]
    matches = (top, *(m for m in matches if m is not top))
    rivals = [m for m in answers[1:] if not _are_related(top.entry, m.entry)]
    margin = top.score - rivals[0].score if rivals else top.score
    if top.score >= limits.answer and margin >= limits.margin and not _guesswork(query):
        reason = "match" if not rivals or answers[1] is rivals[0] else "related"
        return Decision(
            "answer",
            query,
            reason,
            top.entry,
            top.score,
            related=_related(answerer, top.entry),
            matches=matches,
        )
    if top.score >= limits.clarify:
        close = [
            m.entry for m in matches if not m.entry.gap and top.score - m.score <= limits.spread
        ]
        return Decision(
            "clarify",
            query,
            "unclear",
            None,
            top.score,
            suggestions=tuple(close[:MAX_SUGGESTIONS]),
            matches=matches,
        )
    return Decision("fallback", query, "no_match", matches=matches)


# A message with at least this many words the bot does not know for each it does is
# mostly words it cannot read (a line of random syllables with "kadi" in it).
_UNREAD = 2


def _guesswork(query: Query) -> bool:
    """The bot cannot tell what is asked: every word it placed is only a guess at a typo
    ("wakku", "biwa", "mato hut linru"), or it knows few of the words ("ti gejiho mizepe
    ju kadi ka fa?"). It asks "did you mean" rather than answer."""
    placed = [t for t in query.tokens if t not in query.unknown]
    if query.guessed and query.guessed >= len(placed):
        return True
    unread = len(query.unknown)
    return unread >= _UNREAD and unread >= _UNREAD * len(placed)


def _are_related(a: Entry, b: Entry) -> bool:
    return b.id in a.related or a.id in b.related


def _related(answerer: Answerer, entry: Entry) -> tuple[Entry, ...]:
    found = (answerer.kb.entry(rid) for rid in entry.related)
    return tuple(e for e in found if e is not None and not e.gap)


# Questions answered in one reply; more would make a wall of text on a phone, and each
# extra one is better asked (and answered) on its own.
MAX_PARTS = 3


@dataclass(frozen=True, slots=True)
class Response:
    """Every question of a message, decided, in the order written."""

    text: str
    lang: Lang
    parts: tuple[Decision, ...]
    more: int = 0  # questions found beyond MAX_PARTS: to be sent separately

    @property
    def status(self) -> Status:
        """`answer` when any part is answered; else the one part's, or the best there is."""
        statuses = [p.status for p in self.parts]
        for status in ("answer", "clarify", "fallback"):
            if status in statuses and (status == "answer" or len(self.parts) > 1):
                return status
        return statuses[0] if statuses else "fallback"

    @property
    def primary(self) -> Decision:
        """The first answered part, else the first part: the one-decision view."""
        return next((p for p in self.parts if p.status == "answer"), self.parts[0])

    @property
    def unanswered(self) -> tuple[Decision, ...]:
        """Parts that fell back: each one goes to the staff inbox."""
        return tuple(p for p in self.parts if p.status == "fallback" and p.reason != "empty")
