"""Find the questions in a message: the sentences and clauses that ask, and the story
around them.

Residents write "Saya staf kelurahan… arsip kami hilang… Tahun 2011 dinas membina berapa
UKM?" or "kerupuknya ke mana, terus batiknya ke mana?". Matching the whole message drowns
the question in the story, or answers one question and drops the other. So a message is
cut into sentences (at . ! ? ; a line break or an emoji), each sentence is a question
when it asks (a question mark, a question word, a request such as "tolong jelaskan", a
yes/no tail such as "…, gak?"), and a question is cut again where a connective ("terus",
"dan", "and") joins two clauses that each ask something of their own. What asks nothing
is the story: context, never a question of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.answering.normalize import Normalizer, Query

# Telegram's limit for one message; the normaliser reads at most MAX_CHARS of each part.
MESSAGE_CHARS = 4096

_EMOJI = "\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
# The number or letter of a list item: "1) … 2) …", "1. … 2. …", "(a) … (b) … (c) …".
_ITEM = r"(?:^|(?<=\s))(?:\(?\d{1,2}[.)]|\([a-h]\)|[a-h]\))(?=\s)"
_ITEMS = re.compile(_ITEM)
# After ? or ! (even without a space), after . or ; followed by a space (so "15.000"
# stays whole), at a line break, at a run of emoji, at the number of a list item ("1)
# siapa … 2) siapa …", "1. … 2. …") or a bullet opening a line ("- …", "• …").
_SENTENCE = re.compile(
    rf"(?<=[?!])|(?<=[.;…])(?=\s)|\n+|[{_EMOJI}\ufe0f\u200d]+|{_ITEM}"
    r"|(?:^|(?<=\n))\s*[-•*–]\s",
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# A message typed as one sentence this long may hold a story before its question; the
# story is a few words at least ("saya ibu rumah tangga dan …").
_RUN_ON_WORDS = 12
_STORY_WORDS = 4
# A sentence that only offers a choice is short: "udang, ikan, atau bawang?".
_CHOICE_WORDS = 8


@dataclass(frozen=True, slots=True)
class Segment:
    text: str  # as the resident wrote it
    query: Query
    asks: bool  # a question or a request (else: a statement, part of the story)


@dataclass(frozen=True, slots=True)
class Segmented:
    questions: tuple[Segment, ...]  # in the order written
    story: tuple[Segment, ...]  # sentences that ask nothing


class Segmenter:
    def __init__(self, normalizer: Normalizer) -> None:
        self.normalizer = normalizer
        lexicon = normalizer.lexicon
        self._question_words = lexicon.canonical_question_words
        self._asking = _phrases(lexicon.asking)
        self._reported = _phrases(lexicon.reported)
        self._appeals = lexicon.appeals
        self._tags = lexicon.question_tags
        self._openers = lexicon.yes_no_openers
        self._alternatives = lexicon.alternatives
        words = sorted(lexicon.connectives, key=len, reverse=True)
        joined = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
        # A comma (with or without a connective after it), or a connective between spaces.
        self._joint = re.compile(rf",\s*(?:(?:{joined})\b\s*)?|\s+(?:{joined})\s+", re.IGNORECASE)
        # Where a run-on message may turn from its story to its question: a comma, or a
        # connective that joins clauses, not one that joins things ("koperasi sama UKM").
        clausal = sorted(lexicon.connectives - lexicon.coordinators, key=len, reverse=True)
        turns = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in clausal)
        self._connective = re.compile(
            rf",\s*(?:(?:{turns})\b\s*)?|\s+(?:{turns})\s+", re.IGNORECASE
        )
        self._first_person = lexicon.first_person
        self._hearsay = lexicon.hearsay
        afters = "|".join(sorted(map(re.escape, lexicon.afters), key=len, reverse=True))
        self._afters = re.compile(rf"\b(?:{afters})\b" if afters else r"(?!)", re.IGNORECASE)

    def split(self, text: str) -> Segmented:
        text = text[:MESSAGE_CHARS]
        # (sentence, whether it opens an item of a list of two items or more)
        sentences: list[tuple[str, bool]] = []
        chunks = _ITEMS.split(text)
        listed = len(chunks) > 2
        for n, chunk in enumerate(chunks if listed else [text]):
            found = [s.strip() for s in _SENTENCE.split(chunk)]
            found = [s for s in found if _WORD.search(s)]
            sentences.extend((s, listed and n > 0 and i == 0) for i, s in enumerate(found))
        if len(sentences) <= 1:
            whole = self._segment(sentences[0][0] if sentences else text)
            setting, question = self._run_on(whole)
            if not setting:
                question = self._after(question)
            return Segmented(self._clauses(question), setting)
        segments: list[Segment] = []
        items: list[bool] = []
        for sentence, item in sentences:
            segment = self._segment(sentence)
            if segments and self._bare(segment):
                # "…akan nambah terus ya? knp": a question word on its own asks about the
                # sentence before it, which becomes the question.
                segment = self._segment(f"{segments.pop().text} {sentence}")
                item = items.pop()
            elif segments and self._choice(segment):
                # "Kerupuknya kerupuk apa? udang, ikan, atau bawang?": the things offered
                # belong to the question before them, whose words still find the entry
                # (the answer must then name one of them: see narrow.py).
                before = segments.pop()
                segment = Segment(f"{before.text} {sentence}", before.query, before.asks)
                item = items.pop()
            elif segments and self._appeal(segment):
                # "…setelah acara apa. Bisa dibantu jawab?", "Katanya 15 ribu. Benar?": a
                # plea for an answer asks the sentence before it (without its own words:
                # "bantu" is no subject).
                segment = self._segment(f"{segments.pop().text.rstrip(' .!;,')}?")
                item = items.pop()
            segments.append(segment)
            items.append(item)
        if len(segments) == 1:
            return Segmented(self._clauses(segments[0]), ())
        marked = any("?" in s.text for s in segments)
        # The items of a list asked for ("Tolong jawab 3 ya: (a) jumlah pelaku UKM, (b)
        # binaan 2011, (c) nama kepala dinas") are questions, though each names only what
        # is asked; the request that introduces them asks nothing of its own.
        listing = any(items) and any(s.asks for s in segments)
        questions: list[Segment] = []
        story: list[Segment] = []
        for segment, item in zip(segments, items, strict=True):
            if listing and not item and segment.asks and self._only_asks(segment):
                continue
            # With a question mark somewhere, a sentence without one asks only if it is
            # a request or starts like a question ("Tolong jelaskan …", "Kapan …"): a
            # story sentence may hold an embedded "apakah".
            if (listing and item) or (
                segment.asks and (not marked or "?" in segment.text or self._direct(segment))
            ):
                # (A run-on sentence among others: "woyyy min 🙏 gw reseller batik di
                # shopee, mo nanya aja nih, … negara mana sih tepatnya??")
                setting, segment = self._run_on(segment)
                story.extend(setting)
                questions.extend(self._clauses(segment))
            else:
                story.append(segment)
        return Segmented(tuple(questions), tuple(story))

    def asks(self, text: str, query: Query) -> bool:
        """A question mark, a question word, a request or a yes/no tail."""
        if query.asks:
            return True
        words = [w.casefold() for w in _WORD.findall(text)]
        return bool(words) and (words[-1] in self._tags or self._requests(words))

    # -- steps ------------------------------------------------------------------------

    def _segment(self, text: str) -> Segment:
        query = self.normalizer.normalize(text)
        return Segment(text, query, self.asks(text, query))

    def _bare(self, segment: Segment) -> bool:
        tokens = segment.query.tokens
        return bool(tokens) and all(t in self._question_words for t in tokens)

    def _appeal(self, segment: Segment) -> bool:
        query = segment.query
        return (
            (query.smalltalk in (None, "ack"))
            and not query.questions
            and (
                "?" in segment.text
                or self._tail(segment.text)
                or self._requests([w.casefold() for w in _WORD.findall(segment.text)])
            )
            and all(t in self._appeals for t in query.tokens)
        )

    def _run_on(self, segment: Segment) -> tuple[tuple[Segment, ...], Segment]:
        """A long message typed as one sentence ("jadi gini saya lagi ngumpulin data buat
        proposal hibah terus saya butuh angka pelaku ukm berapa ya", "gw reseller online,
        kerupuk yg ekspor itu ke negara mana"): where a comma or a connective ends a
        stretch about the asker that asks nothing (no question word, no request) and
        reports no claim ("saya dengar …", which the question is about), before the first
        question word, that stretch is the story and the rest the question, as if a full
        stop stood there."""
        words = _WORD.findall(segment.text)
        if len(words) < _RUN_ON_WORDS or not segment.query.questions:
            return (), segment
        cut: tuple[Segment, Segment] | None = None
        for joint in self._connective.finditer(segment.text):
            said = [w.casefold() for w in _WORD.findall(segment.text[: joint.start()])]
            # (Words first, the normaliser only for a stretch that may be a story.)
            if len(said) < _STORY_WORDS or not self._first_person.intersection(said):
                continue  # a story is about the asker
            if self._hearsay.intersection(said):
                continue  # "saya dengar ekspornya distop, alasannya apa?": what is asked about
            left = self._segment(segment.text[: joint.start()])
            if left.query.questions:
                break  # past the first question word
            if left.asks:
                continue  # a request: no story
            right = self._segment(segment.text[joint.end() :])
            if right.query.questions:
                cut = (left, right)
        if cut is None:
            return (), segment
        return (cut[0],), cut[1]

    def _after(self, segment: Segment) -> Segment:
        """A question that closes by saying after what ("Pemkot mau ngapain setelah
        produknya tembus pasar internasional?"), where that clause asks nothing and what
        comes before it does: the clause is the setting, its words weighed as context
        when matching (the plan asked about, not the exports), though still part of the
        question a restriction or a premise is judged on."""
        query = segment.query
        found = self._afters.search(segment.text) if query.questions else None
        if found is None or found.start() == 0:
            return segment
        clause = self.normalizer.normalize(segment.text[found.start() :])
        main = self.normalizer.normalize(segment.text[: found.start()])
        if clause.questions or not main.questions:
            return segment
        setting = frozenset(clause.tokens) - frozenset(main.tokens)
        return Segment(segment.text, replace(query, context=setting), segment.asks)

    def _choice(self, segment: Segment) -> bool:
        """Only things offered to choose from, no question of its own: "udang, ikan, atau
        bawang?", "Beijing or Shanghai?"."""
        if segment.query.questions or segment.query.smalltalk is not None:
            return False
        words = [w.casefold() for w in _WORD.findall(segment.text)]
        return 2 < len(words) <= _CHOICE_WORDS and bool(self._alternatives.intersection(words))

    def _only_asks(self, segment: Segment) -> bool:
        """Nothing but a plea for answers: "Tolong jawab 3 ya:", "Mohon dijawab:"."""
        return all(t in self._appeals or t.isdigit() for t in segment.query.tokens)

    def _direct(self, segment: Segment) -> bool:
        words = [w.casefold() for w in _WORD.findall(segment.text)]
        first = self.normalizer.tokens(" ".join(words[:2]))
        return (
            self._requests(words)
            or bool(set(first) & self._question_words)
            or (bool(segment.query.questions) and self._phrase_in(words, self._reported))
        )

    def _requests(self, words: list[str]) -> bool:
        return self._phrase_in(words, self._asking)

    def _phrase_in(self, words: list[str], phrases: re.Pattern[str]) -> bool:
        return phrases.search(" ".join(words)) is not None

    def _clauses(self, segment: Segment) -> tuple[Segment, ...]:
        """Cut a question where a connective joins two clauses that each ask something
        of their own; "kapan dan di mana …" stays whole ("kapan" alone names nothing)."""
        # Two questions need two question words, or one and a yes/no tail (cheap to
        # check; trying each comma and connective costs a normalisation per side).
        asked = segment.query.questions
        if asked == 0 or (asked == 1 and not self._yes_no(segment.text)):
            return (segment,)
        parts: list[Segment] = []
        rest = segment.text
        start = 0
        for joint in self._joint.finditer(segment.text):
            left = segment.text[start : joint.start()]
            right = segment.text[joint.end() :]
            if not (left.strip() and right.strip()):
                continue
            left_segment = self._segment(left)
            if not self._asks_on_its_own(left_segment):
                continue
            right_segment = self._segment(right)
            if not self._asks_on_its_own(right_segment):
                continue
            parts.append(left_segment)
            start = joint.end()
            rest = right
        if not parts:
            return (segment,)
        parts.append(self._segment(rest))
        return tuple(parts)

    def _asks_on_its_own(self, segment: Segment) -> bool:
        tokens = segment.query.tokens
        named = [t for t in tokens if t not in self._question_words]
        return (
            segment.asks
            and bool(named)
            and bool(
                set(tokens) & self._question_words
                or self._tail(segment.text)
                or self._opens_yes_no(segment.text)
            )
        )

    def _yes_no(self, text: str) -> bool:
        """A yes/no question somewhere: a tail ("…, gak?") or an English clause that opens
        with an auxiliary ("…, and is it mostly housewives?")."""
        words = [w.casefold() for w in _WORD.findall(text)]
        return any(w in self._tags for w in words) or any(w in self._openers for w in words[1:])

    def _opens_yes_no(self, text: str) -> bool:
        words = _WORD.findall(text.casefold())
        return bool(words) and words[0] in self._openers

    def _tail(self, text: str) -> bool:
        words = _WORD.findall(text.casefold())
        return bool(words) and words[-1] in self._tags


def _phrases(values: frozenset[str]) -> re.Pattern[str]:
    """Any of the phrases, as whole words of a text whose words are joined by one space
    (one search instead of a substring test per phrase, for every sentence)."""
    if not values:
        return re.compile(r"(?!)")
    joined = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<![^ ])(?:{joined})(?![^ ])")
