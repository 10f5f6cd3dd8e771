"""A reply to a whole message: its questions found, each decided with the context of the
story around it, the questions before it and the conversation's recent turns.

A question is first decided on its own. Only when that is not a confident answer, or it
leans on what came before ("di mana tuh?", "kalau kerupuknya?", "where was he?"), is it
read again with context added: the topical words of the previous question in the message,
of the story, then of the conversation's recent turns, newest first. A subject of its own
replaces the context's ("kalau kerupuknya?" after a question about batik asks about
crackers, not both). What the question itself restricts (a place, a year) is judged on
its own words only, never on the context's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from bot.answering.context import Conversation
from bot.answering.decide import MAX_PARTS, Answerer, Decision, Response, decide
from bot.answering.narrow import ASKED, Narrowing
from bot.answering.normalize import Query
from bot.answering.segment import Segment, Segmenter

# A question with this many topical words of its own or fewer may lean on context.
ELLIPTIC_WORDS = 2
# Unanswered reasons that context cannot change: the question names something the report
# does not have (gap), a year it does not cover, or a restriction it does not speak to.
SETTLED = frozenset({"gap", "year", "narrower"})

_WORD = re.compile(r"[^\W_]+")
_SPOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")  # "i've", "i'd" whole
# What was asked about; how it was asked; the entries it was answered with.
Context = tuple[frozenset[str], frozenset[str], tuple[str, ...]]
_POSSESSIVE = re.compile(r"[^\W\d_]{3,}(?:nya|nye|ne)$")  # "anggotanya", "pabriknya"
# Question words (canonical) that ask where or when something happened.
_SETTING = frozenset({"dimana", "kapan"})


class Responder:
    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer
        self.segmenter = Segmenter(answerer.normalizer)
        lexicon = answerer.normalizer.lexicon
        # Words that say how a question asks, not what about: question words, what is
        # asked for ("nama", "harga"), a request verb ("sebutkan", "jelaskan").
        self._plain = (
            lexicon.canonical_question_words
            | lexicon.attributes
            | frozenset(a for a in lexicon.asking if " " not in a)
        )
        self._subjects = lexicon.subjects
        self._places = lexicon.places
        self._regions = lexicon.regions
        joined = "|".join(
            re.escape(c) for c in sorted(lexicon.coordinators, key=len, reverse=True)
        )
        self._coordinator = re.compile(rf"\s(?:{joined})\s", re.IGNORECASE)
        self._frames = lexicon.frames
        self._aspects = lexicon.aspects
        self._concepts = frozenset(lexicon.synonyms.values()) | lexicon.subjects
        self._question_words = lexicon.canonical_question_words
        self._asking = self._question_words | lexicon.attributes | lexicon.aspects
        self._first_person = lexicon.first_person
        # What makes a sentence about the asker ask after all, as typed ("gk", "pgn").
        asks = lexicon.wants | lexicon.question_tags | lexicon.requests
        self._not_remarks = asks | frozenset(
            short for short, long in lexicon.abbreviations.items() if asks.intersection(long)
        )
        # What a follow-up may ask that its context cannot supply: a thing asked for
        # ("nama", "kontak", "harga") or a concept only "not in the report" entries know.
        self._beyond = lexicon.attributes | answerer.index.gap_concepts
        self._anaphora = frozenset(a for a in lexicon.anaphora if " " not in a)
        self._regarding = lexicon.regarding
        joined = "|".join(re.escape(a) for a in sorted(lexicon.announcing, key=len, reverse=True))
        self._announcing = re.compile(rf"(?<![^ ])(?:{joined})(?![^ ])" if joined else r"(?!)")
        self._anaphora_phrases = tuple(f" {a} " for a in lexicon.anaphora if " " in a)

    def respond(self, text: str, conversation: Conversation | None = None) -> Response:
        found = self.segmenter.split(text)
        questions = found.questions
        if not questions:
            return self._story(text, found.story)
        # What asks nothing is no question to count or answer: a courtesy ("Mohon maaf
        # kalau banyak ya, Min."), small talk, a question announced ("mau nanya soal …").
        real = tuple(q for q in questions if not self._asks_nothing(q))
        if not real and any(self._announces(q) for q in questions):
            query = replace(questions[0].query, text=text, smalltalk="announce")
            return Response(text, query.lang, (Decision("smalltalk", query, "announce"),))
        # (What the courtesy or the announcement names is context, like a story: "mau
        # nanya soal pelatihan. Kapan ya?")
        aside = tuple(q for q in questions if q not in real) if real else ()
        questions = real or questions
        if len(questions) == 1 and not found.story and self._remark(questions[0]):
            query = replace(questions[0].query, text=text, smalltalk="story")
            return Response(text, query.lang, (Decision("smalltalk", query, "story"),))
        lang = questions[0].query.lang
        if len(questions) > 1:
            lang = self.answerer.normalizer.language(text)
        # The story lends only what it names (concepts of the lexicon: "kerupuk",
        # "ekspor"; figures: "411"), not every word some phrasing happens to use
        # ("online", "sambil"), nor what the report does not cover: the asker's setting
        # ("I study home work in Greater Jakarta", "my uncle lives in the Netherlands")
        # does not make the question one about Jakarta or Dutch exports.
        beyond = self.answerer.index.gap_concepts
        story = frozenset(
            t
            for s in (*found.story, *aside)
            for t in self._context(s.query.tokens) - self._mine(s.text)
            if (t in self._concepts or t.isdigit()) and t not in beyond
        )
        # Where the asker said they are ("Saya pegawai kelurahan Pondok Cabe Ilir."):
        # no restriction, unless a question asks about it ("di kelurahan kami").
        home = frozenset(
            t
            for s in found.story
            if self._mine(s.text)
            for t in s.query.tokens
            if t in self._places
        )
        turns = conversation.recent() if conversation is not None else ()
        parts: list[Decision] = []
        asked: list[Segment] = []  # the question of each part
        seen: set[str] = set()
        previous: list[Context] = []
        for segment in questions[:MAX_PARTS]:
            contexts = [
                *previous[-1:],
                (story, frozenset(), ()),
                *((t.topic, t.asking, t.entries) for t in turns),
            ]
            decision = self._resolve(segment, [c for c in contexts if c[0]], home)
            both = self._coordinated(segment, decision)
            if both is not None:
                # "Siapa kepala dinas dan ketua forum PAUD?": one question word for two
                # subjects that two entries answer: two questions.
                first, decision = both
                if first.entry is not None and first.entry.id not in seen:
                    seen.add(first.entry.id)
                    parts.append(first)
                    asked.append(segment)
                    previous.append(self._context_of(first))
            if parts and parts[-1].status == "fallback" and self._elliptic(segment):
                # "…kelompok di kelurahan kami juga binaan dinas, dan berapa anggotanya?":
                # a part that leans on a narrowed one is asked within the same limits.
                decision = self._within_limits(decision, parts[-1], asked[-1], segment, home)
            if decision.status == "smalltalk" and len(questions) > 1:
                continue  # "halo min," before the questions: nothing to answer
            entry = decision.entry.id if decision.entry else None
            if entry is not None and decision.status == "answer":
                if entry in seen:
                    continue  # two ways of asking the same thing: answered once
                seen.add(entry)
            parts.append(decision)
            asked.append(segment)
            previous.append(self._context_of(decision))
        whole = self._whole(questions, parts)
        if whole is not None:
            parts = self._within(whole, parts, asked)
            if len(parts) == 1 and parts[0] is whole:
                if conversation is not None and whole.entry is not None:
                    topic = self._context(whole.query.tokens)
                    conversation.remember(topic, (whole.entry.id,), lang)
                asked_whole = replace(whole, query=replace(whole.query, text=text))
                return Response(text, lang, (asked_whole,))
        if not parts:  # only small talk
            parts = [self.answerer.decide(questions[0].text)]
        if conversation is not None:
            for decision in parts:
                if decision.status in ("answer", "clarify") or decision.reason in SETTLED:
                    entries = (decision.entry.id,) if decision.entry else ()
                    topic, asking, _ = self._context_of(decision)
                    conversation.remember(topic, entries, lang, asking)
        return Response(text, lang, tuple(parts), max(0, len(questions) - MAX_PARTS))

    # -- steps ------------------------------------------------------------------------

    def _whole(self, questions: tuple[Segment, ...], parts: list[Decision]) -> Decision | None:
        """The questions read as one, when a later one leans on an earlier one and a part
        was answered: as the bot read a message before looking for parts. When that names
        something the report does not have ("pabriknya punya siapa? namanya apa?": the
        factory's name), no part may be answered from a broader entry just because it was
        cut off from that word. (The story is left out: what it mentions is not asked; a
        narrowing is not checked: one part's "berapa" is no restriction on another's
        "kenapa".)"""
        if len(questions) < 2 or not any(p.status == "answer" for p in parts):
            return None
        if not any(self._leans(q) for q in questions[1:MAX_PARTS]):
            return None
        whole = self.answerer.decide(" ".join(q.text for q in questions))
        return whole if whole.reason in ("gap", "year") else None

    def _within(
        self, whole: Decision, parts: list[Decision], asked: list[Segment]
    ) -> list[Decision]:
        """The parts once the questions read as one name something the report does not
        have, an answered part keeps its answer when it was asked on its own words, with
        a subject of its own ("Kerupuknya diekspor ke mana?"), or after another question
        it could lean on ("…pelatihan? Tujuannya apa?"), or first and pointing at nothing
        ("Siapa kepala dinasnya, dan email kantornya apa?": short, no subject of its own,
        but complete), and was not itself nearly as
        close to that honest reply ("Pabrik kerupuk itu punya siapa? Namanya apa?": who
        owns it is not in the report either); the others ("terus berapa ton?", a first
        "pabriknya punya siapa?" that only the next one explains) get the honest reply,
        once."""
        within: list[Decision] = []
        honest = False
        spread = self.answerer.thresholds.spread
        for i, (part, segment) in enumerate(zip(parts, asked, strict=True)):
            near = any(
                m.entry is whole.entry and part.score - m.score <= spread for m in part.matches
            )
            # A part that names nothing of its own after one the report cannot answer asks
            # about the same thing ("… toko online? Namanya apa?": the shop's name).
            after_gap = i > 0 and parts[i - 1].status != "answer" and self._hollow(segment)
            keeps = i > 0 or not self._hangs(segment)
            if part.status == "answer" and not near and keeps and not after_gap:
                within.append(part)
            elif not honest:
                honest = True
                within.append(replace(whole, query=replace(whole.query, text=segment.text)))
        return within if len(within) > 1 else [whole]

    def _context_of(self, decision: Decision) -> Context:
        tokens = decision.query.tokens
        entries = (decision.entry.id,) if decision.entry is not None else ()
        asking = frozenset(t for t in tokens if t in self._asking)
        return self._context(tokens), asking, entries

    def _coordinated(
        self, segment: Segment, decision: Decision
    ) -> tuple[Decision, Decision] | None:
        """A question word shared by two subjects joined by "dan", "sama", "and": each
        side, with that question word, answered confidently by its own entry, one of them
        the entry the whole found. Each side must name at least two things of its own, so
        "manfaat dan tujuan pelatihan" (one subject, two aspects) stays one question."""
        query = segment.query
        if query.questions != 1 or decision.status == "smalltalk":
            return None
        if len(self._topic(query.tokens)) < 2 * ELLIPTIC_WORDS:
            return None  # too few words for two sides of two each: not worth reading
        joint = self._coordinator.search(segment.text)
        if joint is None:
            return None
        answerer = self.answerer
        asking = tuple(t for t in query.tokens if t in self._question_words)
        sides: list[Decision] = []
        for text in (segment.text[: joint.start()], segment.text[joint.end() :]):
            side = answerer.normalizer.normalize(text)
            if len(self._topic(side.tokens)) < ELLIPTIC_WORDS:
                return None
            missing = tuple(t for t in asking if t not in side.tokens)
            side = replace(side, tokens=(*missing, *side.tokens))
            ranked = answerer.index.rank(side, limit=8)
            found = answerer.narrowed(decide(side, answerer, ranked), text, side)
            if found.status != "answer":
                return None
            sides.append(found)
        first, second = sides
        if first.entry is second.entry:
            return None
        if decision.status == "answer" and decision.entry not in (first.entry, second.entry):
            return None
        return first, second

    def _within_limits(
        self,
        decision: Decision,
        narrowed: Decision,
        before: Segment,
        segment: Segment,
        home: frozenset[str],
    ) -> Decision:
        if decision.status != "answer" or decision.entry is None:
            return decision
        if (
            narrowed.entry is not None
            and narrowed.entry.topic != decision.entry.topic
            and self._topic(segment.query.tokens) & self._subjects
            and not self._topic(segment.query.tokens) & self._topic(before.query.tokens)
        ):
            return decision  # about something else: "ukm di ciputat brp? terus batiknya…"
        text = f"{before.text}, {segment.text}"
        tokens = tuple(dict.fromkeys((*before.query.tokens, *segment.query.tokens)))
        query = replace(segment.query, text=text, tokens=tokens)
        coverage = self.answerer.coverage
        narrowing = coverage.narrowing(text, query, decision.entry, home, settings=True)
        if narrowing is None:
            return decision
        return replace(decision, status="fallback", reason="narrower", narrowing=narrowing)

    def _resolve(
        self, segment: Segment, contexts: list[Context], home: frozenset[str] = frozenset()
    ) -> Decision:
        answerer = self.answerer
        alone = answerer.narrowed(
            decide(segment.query, answerer, answerer.index.rank(segment.query, limit=8)),
            segment.text,
            segment.query,
            home,
        )
        if not contexts and alone.status == "answer" and self._hollow(segment):
            # "di mana tuh?" with nothing before it: where what is, it does not say, and
            # there is nothing it could lean on. Answering whatever entry shares its
            # question word would be a guess.
            return replace(alone, status="clarify", reason="elliptic", entry=None, related=())
        if alone.status == "smalltalk" or alone.reason in SETTLED or not contexts:
            return alone
        said = segment.query
        if not (said.asks or segment.asks) and set(said.tokens) <= set(said.unknown):
            # "ok kamsia ya" asks nothing and names nothing the bot knows: no follow-up
            # to read with the last answer (a thank-you it does not know is not one).
            return alone
        if alone.status == "answer" and not self._elliptic(segment):
            return alone
        unclear: Decision | None = None
        before = next((c[2] for c in contexts if c[2]), ())  # the last answer's entries
        if (told := answerer.told_by(alone, segment.query, before)) is not alone:
            return told
        for context in contexts:
            query = self._with_context(segment.query, context[0], context[1])
            if query is None:
                continue
            ranked = answerer.index.rank(query, limit=8)
            # Judged on its own words, and on what it asks: the question word it took
            # from the one before ("and in Pondok Aren alone?" after "how many SMEs?").
            adopted = tuple(t for t in query.context if t in self._question_words)
            own = replace(segment.query, tokens=(*segment.query.tokens, *adopted))
            decision = answerer.narrowed(decide(query, answerer, ranked), segment.text, own, home)
            if decision.status == "clarify":
                # "di mana persisna?" after the batik group's name: the group's location,
                # not the batik's export market, though both speak of batik and where.
                decision = self._on_topic(decision, context[2], segment, own, home)
            if decision.status == "answer":
                if self._explains_less(decision, alone, segment):
                    # "Siapa ketua Forum PAUD? Siapa kepala Dinas Koperasi dan UKM-nya?":
                    # the "-nya" does not make the second about the forum's chair, whose
                    # entry says nothing of the office its own words name.
                    return alone
                return self._accounted(decision, segment, context[2])
            if self._states_alone(decision, alone):
                # "Siapa kepala Dinas Koperasi dan UKM-nya?" after the forum's chair: read
                # with the forum, what it asks for (the head) is stated by no entry of it,
                # but its own words found the entry that states it.
                return alone
            # "kalau di Pamulang aja?" after the city's count: read with what it leans on,
            # it is a narrower question; on its own it only named a place.
            if decision.reason in SETTLED and (alone.status != "answer" or self._leans(segment)):
                return decision
            if decision.status == "clarify" and unclear is None:
                unclear = decision
        # With context it narrows down to a few entries: "did you mean…" beats a fallback,
        # and beats an answer to what the question says alone when that is none of them
        # (it leans on the context, which points elsewhere).
        if unclear is not None and (
            alone.status == "fallback"
            or (alone.status == "answer" and alone.entry not in unclear.suggestions)
        ):
            return unclear
        return alone

    def _on_topic(
        self,
        unclear: Decision,
        entries: tuple[str, ...],
        segment: Segment,
        own: Query,
        home: frozenset[str],
    ) -> Decision:
        """Between entries nearly as close, the one of the topic the context was answered
        with, when it alone is and it scores as an answer would."""
        kb = self.answerer.kb
        topics = {e.topic for e in (kb.entry(i) for i in entries) if e is not None}
        close = [e for e in unclear.suggestions if e.topic in topics]
        if len(close) != 1:
            return unclear
        match = next(m for m in unclear.matches if m.entry is close[0])
        if match.score < self.answerer.thresholds.answer:
            return unclear
        answered = replace(
            unclear,
            status="answer",
            reason="related",
            entry=match.entry,
            score=match.score,
            suggestions=(),
            related=tuple(e for e in unclear.suggestions if e is not match.entry),
        )
        return self.answerer.narrowed(answered, segment.text, own, home)

    def _states_alone(self, found: Decision, alone: Decision) -> bool:
        """Context left what the question asks for unstated, where its own words answer
        with an entry that states it."""
        narrowing = found.narrowing
        if narrowing is None or narrowing.kind != ASKED or not narrowing.words:
            return False
        if alone.status != "answer" or alone.entry is None:
            return False
        return not self.answerer.coverage.unaccounted(alone.entry, narrowing.words)

    def _explains_less(self, found: Decision, alone: Decision, segment: Segment) -> bool:
        """Read with context, another entry than the one the question answers alone, and
        one that leaves some of the question's own topical words unexplained where that
        one explains them all: the context pulled it away from what it says. What a
        reply explains includes who told the reporter ("Dinasnya sendiri bilang apa soal
        itu?", after a story about bankruptcies, asks what the office said of them)."""
        if alone.status != "answer" or alone.entry is None or found.entry is None:
            return False
        if found.entry is alone.entry:
            return False
        own = self._topic(segment.query.tokens) - self._frames
        if _SETTING.intersection(segment.query.tokens):
            # Who told the reporter says nothing of where or when they told it ("and where
            # did he say it?" is the occasion, not the exports he spoke of).
            index = self.answerer.index
            return bool(index.unexplained(found.entry, own)) and not index.unexplained(
                alone.entry, own
            )
        coverage = self.answerer.coverage
        return bool(own - coverage.explained(found.entry)) and not (
            own - coverage.explained(alone.entry)
        )

    def _accounted(
        self, decision: Decision, segment: Segment, before: tuple[str, ...]
    ) -> Decision:
        """An answer found with the help of context must still account for what the
        question itself asks for (a name, a contact, a price) or names that only "not in
        the report" entries know: context makes a short follow-up score high on the entry
        before, whatever new thing it asks ("nomor hapenya ada?" after the head of
        office's name). A follow-up that points back ("namanya apa aja?" after how many
        SMEs the office fostered) asks it of what was answered `before`: another entry
        that happens to give a name answers a question nobody asked. One not accounted
        for asks what the report does not say: the honest reply, with what the entry
        does say."""
        if decision.entry is None:
            return decision
        coverage = self.answerer.coverage
        asked = [t for t in segment.query.tokens if t in self._beyond]
        missing = coverage.unaccounted(decision.entry, asked)
        if before:  # leaning on an answer, not on a story: see Coverage.strange
            missing += coverage.strange(segment.text, segment.query, decision.entry)
        entry = decision.entry
        if not missing and asked and entry.id not in before and self._points_back(segment):
            # (An answer before, not a "not in the report" reply: after that, the
            # follow-up asks about the subject, not about what the report lacks.)
            kb = self.answerer.kb
            earlier = [e for e in map(kb.entry, before) if e is not None and not e.gap]
            if earlier and all(coverage.unaccounted(e, asked) for e in earlier):
                missing, entry = tuple(asked), earlier[0]
        if not missing:
            return decision
        narrowing = Narrowing(ASKED, (missing[0],))
        return replace(
            decision, status="fallback", reason="narrower", entry=entry, narrowing=narrowing
        )

    def _hangs(self, segment: Segment) -> bool:
        """A first question that leans on what comes after it: short, and pointing at
        something ("pabriknya punya siapa? namanya apa?"). One with no subject of its own
        that points at nothing ("Siapa kepala dinas koperasi?") is complete."""
        if not self._elliptic(segment):
            return False
        words = _WORD.findall(segment.text.casefold())
        return bool(self._anaphora.intersection(words))

    def _hollow(self, segment: Segment) -> bool:
        """It names nothing it asks about, only how it asks: question words, what is asked
        for, words that point back ("di mana tuh?", "namanya siapa?", "where exactly?")."""
        tokens = segment.query.tokens
        return not self._topic(tokens) and not self._places.intersection(tokens)

    def _leans(self, segment: Segment) -> bool:
        """Nothing of its own to be about ("namanya apa?", "kalau di Ciputat?"): no
        subject (a place is where, not what)."""
        return not self._topic(segment.query.tokens) & self._subjects

    def _elliptic(self, segment: Segment) -> bool:
        """It leans on what came before: few topical words of its own, and a word that
        points back ("itu", "tuh", "he", "-nya") or nothing it is about ("where
        exactly?", "for which products?": no subject or place of its own). Naming the
        report ("what figure does the report give?") is no subject: every fact is in it."""
        own = self._topic(segment.query.tokens) - self._frames
        if len(own) > ELLIPTIC_WORDS:
            return False
        return self._leans(segment) or self._points_back(segment)

    def _points_back(self, segment: Segment) -> bool:
        """A word that points at what was said before: "itu", "tuh", "he", "-nya", the
        Javanese "-e" ("batike"), "lha"."""
        words = _WORD.findall(segment.text.casefold())
        padded = f" {' '.join(words)} "
        idf = self.answerer.index.idf
        return (
            bool(self._anaphora.intersection(words))
            or any(p in padded for p in self._anaphora_phrases)
            or any(_POSSESSIVE.match(w) for w in words)
            or any(len(w) > 4 and w.endswith("e") and w[:-1] in idf for w in words)
        )

    def _with_context(
        self, own: Query, context: frozenset[str], asking: frozenset[str]
    ) -> Query | None:
        """The question with the context's topical words added; a subject, place or
        figure of its own replaces the context's of the same kind. A question that asks
        nothing itself ("kalau kerupuknya?", "and the batik?") asks what the one before
        asked ("ke mana", "berapa"), about its own subject."""
        mine = set(own.tokens)
        extra = set(context) - mine
        if not mine & self._question_words:
            extra |= asking - mine
        if mine & self._subjects:
            extra -= self._subjects
        if mine & self._places:
            extra -= self._places
        if mine & self._regions:  # "kalau di Tangsel?" after a question about Depok
            extra -= self._regions | self._places
        if any(t.isdigit() for t in mine):
            extra = {t for t in extra if not t.isdigit()}
        if not extra:
            return None
        return replace(own, tokens=(*own.tokens, *sorted(extra)), context=frozenset(extra))

    def _mine(self, text: str) -> frozenset[str]:
        """Places of a sentence about the asker ("Saya staf kelurahan di Pondok Aren"):
        where they are, not what they ask about."""
        words = set(_WORD.findall(text.casefold()))
        return self._places if words & self._first_person else frozenset()

    def _context(self, tokens: Iterable[str]) -> frozenset[str]:
        """What a question leaves as context for the next: what it was about, not the
        aspect it asked ("manfaat", "lokasi"): the next one asks its own."""
        return self._topic(tokens) - self._aspects

    def _topic(self, tokens: Iterable[str]) -> frozenset[str]:
        """The words that name what was asked about: known to the entries, not question
        words or attributes ("nama", "harga": what is asked for, not about what)."""
        idf = self.answerer.index.idf
        return frozenset(t for t in tokens if t in idf and t not in self._plain)

    def _asks_nothing(self, segment: Segment) -> bool:
        query = segment.query
        return not query.tokens or query.smalltalk is not None or self._announces(segment)

    def _announces(self, segment: Segment) -> bool:
        """A question announced, not asked: "Pagi min, mau nanya soal UKM Tangsel.", "I
        have a question about the exports." Besides the announcement it names only what
        the question will be about: no question word, nothing asked for ("jumlah",
        "nama", "manfaat": "mau nanya jumlah UKM Tangsel" asks)."""
        folded = segment.text.casefold().replace("\u2019", "'")
        words = " ".join(_SPOKEN.findall(folded))
        found = self._announcing.search(words)
        if found is None:
            return False
        before = self.answerer.normalizer.normalize(words[: found.start()])
        after = words[found.end() :].split()
        if before.tokens or (after and after[0] not in self._regarding):
            return False  # "saya mau tanya, batik … sudah sampai ke luar negeri belum?"
        rest = self.answerer.normalizer.normalize(" ".join(after[1:]))
        return not set(rest.tokens) & self._asking

    def _remark(self, segment: Segment) -> bool:
        """A sentence about the asker that asks nothing ("Saya dulu pernah ikut membatik di
        Pamulang, seru banget."): no question mark or word, no request, no yes/no word, no
        wish ("saya mau ikut pelatihan" asks to join). It is small talk, not a question
        to match a fact to (a keyword query names no "saya")."""
        if segment.asks or segment.query.smalltalk is not None:
            return False
        words = set(_WORD.findall(segment.text.casefold()))
        return bool(words & self._first_person) and not words & self._not_remarks

    def _story(self, text: str, story: tuple[Segment, ...]) -> Response:
        """A message that asks nothing: a story gets an invitation to ask, not a fact."""
        first = story[0].query if story else self.answerer.normalizer.normalize(text)
        if len(story) <= 1:
            return Response(text, first.lang, (self.answerer.decide(text),))
        query = replace(first, text=text, smalltalk="story")
        return Response(text, first.lang, (Decision("smalltalk", query, "story"),))
