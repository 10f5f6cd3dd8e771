"""Rank knowledge-base entries against a normalised question."""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Iterable, MutableSequence, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.answering.model import Entry
from bot.answering.normalize import Normalizer, Query

CANDIDATES = 64  # entries fully scored per question, at most
COMMON_POSTINGS = 2000  # a word in more phrasings than this does not select candidates
# Above this many phrasings (some 20,000 entries) the index is built compact: numbers in
# arrays, a phrasing's words joined when asked, a frequent word's phrasings one byte each
# (100,000 entries: ~1 GB less). Together that costs ~10 % of rank()'s time (an array
# makes a new int object at each read), so smaller knowledge bases, ours among them, keep
# plain lists: both give the same scores (tests/test_index_size.py).
COMPACT_ABOVE = 200_000


@dataclass(frozen=True, slots=True)
class Scoring:
    """How evidence is weighed. The defaults were chosen by `benchmarks/calibrate.py`
    on question sets written independently of the entries (tests/data/eval_*.jsonl) and
    validated on sets not used to choose; see that script for the sets and the grid.
    """

    # The blend of three signals into one score in [0, 1]: the best single phrasing
    # carries most of the evidence; how much of the question the entry's whole
    # vocabulary (phrasings, keywords, answer) explains rescues new combinations of known
    # words; the character-level rapidfuzz ratio separates near-identical phrasings and
    # absorbs typos the normaliser did not repair.
    variant_weight: float = 0.45
    coverage_weight: float = 0.40
    fuzz_weight: float = 0.15
    # Within one phrasing: how much the question's words must be explained (alpha)
    # versus the phrasing's own words being present (1 - alpha).
    alpha: float = 0.5
    # Words no entry uses, as a fraction of the weight of the rarest word entries use.
    # Ordinary words ("sekolah", "busy") are chatter more often than topic; words the bot
    # has never seen at all are more often the real subject ("cuaca", a name).
    ordinary_weight: float = 0.3
    unknown_weight: float = 1.0
    # An entry whose phrasings never use the question's question word ("siapa" for a
    # "berapa" entry) is probably answering a different question.
    question_word_penalty: float = 0.8
    # Words of an entry's answer count toward coverage at this weight (they are
    # evidence, "800 anggota", but weaker than how residents phrase the question).
    answer_vocab_weight: float = 0.5
    # A question about a concept only "not in the report" entries know (a price, a
    # salary, a loan, another city) is probably not answered by any real entry.
    gap_concept_penalty: float = 0.7
    # Likewise an entry that never speaks of the thing asked for (a name, a price).
    attribute_penalty: float = 0.85
    # An entry none of whose phrasings name the subject of the question ("kerupuk" asked,
    # the batik entry offered) is answering a question about something else.
    subject_penalty: float = 0.85
    # A "not in the report" entry whose own distinctive words (those no answering entry
    # uses) are absent from the question is matching only on shared topic words.
    gap_unasked_penalty: float = 0.85
    # A place inside the city ("Pamulang", "Serpong") says where something is more often
    # than what is asked: "ukm di pamulang ada berapa?" asks the SME count, not about the
    # group that happens to be in Pamulang. Its weight is this fraction of its IDF.
    place_weight: float = 0.6
    # Words a question borrows from its context (the story before it, the previous
    # question) weigh this fraction of their weight: they steer an elliptic question
    # ("di mana tuh?") without drowning what it does say ("manfaatnya apa?").
    context_weight: float = 0.7


@dataclass(frozen=True, slots=True)
class Match:
    entry: Entry
    score: float
    variant: str  # the phrasing that matched best


@dataclass(frozen=True, slots=True)
class _Variant:
    text: str
    # Sorted, and a tuple, not a frozenset: a frozenset of five words or more takes 728
    # bytes, a tuple 100, and a knowledge base of 100,000 entries has a million phrasings.
    tokens: tuple[str, ...]
    joined: str  # the words in order, for rapidfuzz


@dataclass(frozen=True, slots=True)
class _LeanVariant:
    """A phrasing of a compact index: its words joined when asked (a million joined
    strings would take another 90 MB)."""

    text: str
    tokens: tuple[str, ...]

    @property
    def joined(self) -> str:
        return " ".join(self.tokens)


class _Bitmap:
    """The phrasings that hold a frequent word, one byte each (a compact index): as a
    frozenset, a word in 300,000 phrasings takes ~17 MB, as this 0.3 MB."""

    __slots__ = ("_bits",)

    def __init__(self, found: Iterable[int], size: int) -> None:
        self._bits = bytearray(size)
        for vi in found:
            self._bits[vi] = 1

    def intersection(self, candidates: Iterable[int]) -> list[int]:
        bits = self._bits
        return [vi for vi in candidates if bits[vi]]


class Index:
    """Every phrasing of every entry, tokenised once, with word weights (IDF)."""

    def __init__(
        self, entries: Sequence[Entry], normalizer: Normalizer, scoring: Scoring | None = None
    ) -> None:
        self.entries = tuple(entries)
        self.normalizer = normalizer
        self.scoring = scoring or Scoring()
        qwords = normalizer.lexicon.canonical_question_words
        # Sized for a knowledge base of 100,000 entries (a million phrasings) as well as
        # for ours: each word is kept once however many phrasings use it (normalising
        # makes a new string each time), equal small sets are shared, and a large index
        # is compact (COMPACT_ABOVE). Every set is built as it always was, and a
        # phrasing's weight is summed over its frozenset, so every sum adds in the same
        # order as before.
        same: dict[str, str] = {}
        shared_sets: dict[frozenset[str], frozenset[str]] = {}

        def shared(words: frozenset[str]) -> frozenset[str]:
            return shared_sets.setdefault(words, words)

        self.variants: list[_Variant | _LeanVariant] = []
        owner: list[int] = []
        vocab: list[set[str]] = []
        answer_vocab: list[frozenset[str]] = []
        keyword_vocab: list[frozenset[str]] = []
        for i, entry in enumerate(self.entries):
            phrasings = entry.variants()
            sets: list[frozenset[str]] = []
            keywords: list[str] = []
            for n_text, text in enumerate((*phrasings, *entry.keywords)):
                found = [same.setdefault(t, t) for t in normalizer.tokens(text)]
                if n_text >= len(phrasings):
                    keywords += found
                if found:
                    sets.append(frozenset(found))
                    # In the order of the frozenset until its weight is summed (below).
                    self.variants.append(_LeanVariant(text, tuple(sets[-1])))
                    owner.append(i)
            vocab.append(set().union(*sets))
            keyword_vocab.append(shared(frozenset(keywords)))
            answer = (t for a in entry.answer.values() for t in normalizer.tokens(a))
            answer_vocab.append(frozenset(same.setdefault(t, t) for t in answer))
        n = max(1, len(self.entries))
        df: dict[str, int] = defaultdict(int)
        for used in vocab:
            for w in used:
                df[w] += 1
        places = normalizer.lexicon.places
        self.idf = {
            w: math.log(1 + n / c) * (self.scoring.place_weight if w in places else 1.0)
            for w, c in df.items()
        }
        top = math.log(1 + n)
        self._ordinary = self.scoring.ordinary_weight * top
        self._places = normalizer.lexicon.places
        self._unknown = self.scoring.unknown_weight * top
        self.entry_vocab = [frozenset(v) for v in vocab]
        # The same words: below, only which words they are matters, not their order.
        del vocab
        # Who told the reporter, for a question that attributes what was said ("Why did
        # the PAUD forum chair say housewives were a good fit?"): the speaker named is
        # part of every reply of theirs (its source line), not a subject of its own.
        # (One set per speaker, built from the same words in the same order.)
        speakers: dict[tuple[str, ...], frozenset[str]] = {}
        self.speaker_vocab = []
        for e in self.entries:
            told = tuple(t for text in (e.said_by or {}).values() for t in normalizer.tokens(text))
            self.speaker_vocab.append(speakers.setdefault(told, frozenset(told)))
        self._saying = frozenset(normalizer.tokens("bicara"))
        self._asking_who = frozenset(normalizer.tokens("siapa"))

        self.answer_vocab = [a - v for a, v in zip(answer_vocab, self.entry_vocab, strict=True)]
        self.entry_qwords = [shared(v & qwords) for v in self.entry_vocab]
        self.keyword_vocab = keyword_vocab
        # Concepts (lexicon canonical words) that only "not in the report" entries use.
        concepts = frozenset(normalizer.lexicon.synonyms.values())
        vocabularies = self.entry_vocab
        answerable = set().union(
            *(v for e, v in zip(self.entries, vocabularies, strict=True) if not e.gap)
        )
        gap_words = set().union(
            *(v for e, v in zip(self.entries, vocabularies, strict=True) if e.gap)
        )
        # Plus concepts the lexicon knows but no entry uses at all ("cuaca", "walikota"):
        # the resident is asking about something else entirely.
        said = set().union(*answer_vocab)
        # (A place inside the city is not something else: it narrows; see narrow.py.)
        unused = (
            concepts
            - answerable
            - gap_words
            - said
            - normalizer.lexicon.canonical_question_words
            - normalizer.lexicon.places
        )
        self.gap_concepts = frozenset(((gap_words - answerable) & concepts) | unused)
        # A gap entry's distinctive words: the concepts it alone names (a price, a link,
        # a date), not incidental words of its phrasings ("diadakan", "buka").
        named = concepts | normalizer.lexicon.attributes | normalizer.lexicon.subjects
        # Also the concepts of its keywords that its neighbours (the answering entries it
        # lists as related) never use: "daftar" is the training's sign-up, which the
        # report does not describe, though the group's entry uses the word too. (Not a
        # subject or an attribute: "kerupuk" or "nama" alone asks nothing beyond it.)
        position = {e.id: i for i, e in enumerate(self.entries)}
        aside = normalizer.lexicon.subjects | normalizer.lexicon.attributes
        self.distinctive: list[frozenset[str]] = []
        nothing: frozenset[str] = frozenset()
        for i, (e, v) in enumerate(zip(self.entries, vocabularies, strict=True)):
            if not e.gap:
                self.distinctive.append(nothing)
                continue
            near = set().union(*(vocabularies[position[r]] for r in e.related if r in position))
            own = (v - answerable) | (keyword_vocab[i] - near - aside)
            self.distinctive.append(frozenset((own - qwords) & named))
        self._qwords = qwords
        self._common = normalizer.lexicon.chatter | normalizer.lexicon.stopwords
        self._attributes = normalizer.lexicon.attributes
        self._subjects = normalizer.lexicon.subjects
        self._position = {e.id: i for i, e in enumerate(self.entries)}
        size = len(self.variants)
        compact = size > COMPACT_ABOVE
        self._owner: Sequence[int] = array("I", owner) if compact else owner
        del owner
        self.postings: dict[str, MutableSequence[int]] = defaultdict(
            (lambda: array("I")) if compact else list
        )
        exponent = self.scoring.alpha - 1
        norm = [self._weight(v.tokens) ** exponent for v in self.variants]
        self._norm: Sequence[float] = array("d", norm) if compact else norm
        del norm
        for index, variant in enumerate(self.variants):
            for t in variant.tokens:
                self.postings[t].append(index)
            tokens = tuple(sorted(variant.tokens))
            self.variants[index] = (
                _LeanVariant(variant.text, tokens)
                if compact
                else _Variant(variant.text, tokens, " ".join(tokens))
            )
        self._common_postings = min(COMMON_POSTINGS, max(50, size // 5))
        # Only for the words rank() adds by intersection: those in more phrasings than
        # select candidates.
        self._posting_sets: dict[str, frozenset[int] | _Bitmap] = {
            t: _Bitmap(found, size) if compact else frozenset(found)
            for t, found in self.postings.items()
            if len(found) > self._common_postings
        }

    def weight(self, token: str) -> float:
        known = self.idf.get(token)
        if known is not None:
            return known
        # A place no entry names (a sub-district) is where, not what: weighed like an
        # ordinary word, not like an unknown subject.
        return self._ordinary if token in self._common or token in self._places else self._unknown

    def _weight(self, tokens: Iterable[str]) -> float:
        return sum(self.weight(t) for t in tokens)

    def _question_weight(self, weights: dict[str, float]) -> float:
        """The weight of a question's words, those no entry uses with diminishing returns.

        One unknown word ("cuaca") may be the whole subject of a question; the sixth
        unknown word of a long, polite message is mostly context. So the i-th such word
        counts 1/i of its weight (for 6 words, 2.45 instead of 6).
        """
        known = sum(w for t, w in weights.items() if t in self.idf)
        others = sorted((w for t, w in weights.items() if t not in self.idf), reverse=True)
        return known + sum(w / i for i, w in enumerate(others, 1))

    def subject(self, entry: Entry) -> frozenset[str]:
        """Words that name what a "not in the report" entry is about: its keywords, and
        its own words no answering entry uses (ordinary words like "menang" excluded)."""
        i = self._position[entry.id]
        return self.keyword_vocab[i] | self.distinctive[i]

    def unexplained(self, entry: Entry, tokens: Iterable[str]) -> frozenset[str]:
        """The words of `tokens` that nothing of the entry uses: its phrasings, keywords
        and answer."""
        i = self._position[entry.id]
        vocab, said = self.entry_vocab[i], self.answer_vocab[i]
        return frozenset(t for t in tokens if t not in vocab and t not in said)

    def rank(self, query: Query, limit: int = 5) -> list[Match]:
        """Entries ordered by score; only entries sharing a word with the question."""
        q = frozenset(query.tokens)
        if not q:
            return []
        s = self.scoring
        weights = {t: self.weight(t) for t in q}
        for t in query.context & q:
            weights[t] *= s.context_weight
        q_weight = self._question_weight(weights)
        # Shared weight per phrasing, accumulated through the postings: each question word
        # visits only the phrasings that contain it.
        # In a large knowledge base a word like "apa" sits in most phrasings: it cannot pick
        # candidates, so it is only added to phrasings that a rarer word already found.
        known = [t for t in q if t in self.idf]
        rare = [t for t in known if len(self.postings[t]) <= self._common_postings]
        frequent = [t for t in known if t not in rare] if rare else []
        # The hot loop of every question: plain dicts filled in C where possible (the
        # first word's phrasings at once), and a frequent word added only to the phrasings
        # both it and a rarer word share (a set intersection, not a scan).
        selecting = rare or known
        if not selecting:
            return []  # no word any phrasing uses
        first = selecting[0]
        shared: dict[int, float] = dict.fromkeys(self.postings[first], weights[first])
        get = shared.get
        for t in selecting[1:]:
            w = weights[t]
            for vi in self.postings[t]:
                shared[vi] = get(vi, 0.0) + w
        for t in frequent:
            w = weights[t]
            for vi in self._posting_sets[t].intersection(shared):
                shared[vi] += w
        # (shared / q)^a * (shared / v)^(1-a) == shared * v^(a-1) / q^a: the per-phrasing
        # factor v^(a-1) is precomputed, so ranking phrasings is one multiplication each.
        top: dict[int, float] = {}  # entry -> its best phrasing's score
        best: dict[int, int] = {}  # entry -> that phrasing
        owner = self._owner
        norm = self._norm
        best_so_far = top.get
        for vi, weight in shared.items():
            score = weight * norm[vi]
            ei = owner[vi]
            if score > best_so_far(ei, -1.0):
                top[ei] = score
                best[ei] = vi
        q_norm = q_weight**s.alpha
        if len(best) > CANDIDATES:
            # A large knowledge base: only the best phrasings' entries get the costlier
            # coverage and rapidfuzz signals (the blend cannot lift an entry from beyond
            # this far down the phrasing ranking to the top).
            keep = sorted(best, key=top.__getitem__, reverse=True)[:CANDIDATES]
            best = {ei: best[ei] for ei in keep}
        joined = " ".join(sorted(q))
        asked = q & self._qwords
        beyond_report = bool(q & self.gap_concepts)
        wanted = q & self._attributes
        about = q & self._subjects
        placed = bool(q & self._places)
        # (Unless it asks who said it: then the speaker is what is asked.)
        saying = bool(q & self._saying) and not q & self._asking_who
        weight_of = weights.__getitem__
        # (The loop reads everything from locals: it runs for every candidate entry of
        # every question.)
        entries, variants = self.entries, self.variants
        entry_vocab, answer_vocab, entry_qwords = (
            self.entry_vocab,
            self.answer_vocab,
            self.entry_qwords,
        )
        variant_weight, coverage_weight, fuzz_weight = (
            s.variant_weight,
            s.coverage_weight,
            s.fuzz_weight,
        )
        answer_vocab_weight = s.answer_vocab_weight
        subjects = self._subjects
        ratio_of = fuzz.ratio  # both sides' words are sorted already: token_sort_ratio's work
        scored: list[tuple[float, str, int, int]] = []
        for ei, vi in best.items():
            vocab, said = entry_vocab[ei], answer_vocab[ei]
            covered = sum(map(weight_of, q & vocab))
            covered += answer_vocab_weight * sum(map(weight_of, q & said))
            if saying:
                spoken = q & self.speaker_vocab[ei] - vocab
                covered += sum(map(weight_of, spoken - said))
            variant = variants[vi]
            ratio = ratio_of(joined, variant.joined) / 100
            score = (
                variant_weight * top[ei] / q_norm
                + coverage_weight * min(1.0, covered / q_weight)
                + fuzz_weight * ratio
            )
            entry = entries[ei]
            if asked and not asked & entry_qwords[ei] and entry_qwords[ei]:
                score *= s.question_word_penalty
            if beyond_report and not entry.gap:
                score *= s.gap_concept_penalty
            if wanted and wanted - vocab - said:
                score *= s.attribute_penalty
            if about and about - vocab:
                score *= s.subject_penalty
            elif placed and not about and not subjects.isdisjoint(variant.tokens):
                # The phrasing that matched is about something the question never names
                # ("anggota ukm batik di pamulang ada berapa" for "ukm di pamulang ada
                # berapa?"): it shares only the setting, a place, not the subject.
                score *= s.subject_penalty
            if entry.gap and not q & self.distinctive[ei]:
                score *= s.gap_unasked_penalty
            scored.append((-round(score, 4), entry.id, ei, vi))
        scored.sort()
        return [
            Match(self.entries[ei], -negated, self.variants[vi].text)
            for negated, _, ei, vi in scored[:limit]
        ]
