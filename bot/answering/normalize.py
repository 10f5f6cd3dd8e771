"""Turn a message as residents type it into canonical tokens the matcher can compare."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.answering.affixes import roots
from bot.answering.model import Lang, Lexicon
from bot.answering.numbers import (
    MAKES_A_FIGURE,
    NUMBER_WORDS,
    THOUSAND_WORDS,
    roman_numerals,
    spelled_numbers,
)
from bot.answering.typos import TypoIndex

# A question is never longer than this; the rest of a 10,000-character paste is noise
# that would only cost time.
MAX_CHARS = 1000

# Control and format characters (NUL, RTL marks, zero-width joiners) -> a space. A
# translate table, built once, instead of a category lookup per character of every
# message: the Basic Multilingual Plane, plus the few format characters beyond it.
_CONTROL_TO_SPACE = {
    cp: " "
    for cp in (
        *range(0x10000),
        0x110BD,
        0x110CD,
        *range(0x13430, 0x13440),
        *range(0x1BCA0, 0x1BCA4),
        *range(0x1D173, 0x1D17B),
        0xE0001,
        *range(0xE0020, 0xE0080),
    )
    if unicodedata.category(chr(cp)) in ("Cc", "Cf")
}

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
_MENTION = re.compile(r"@\w+")
_THOUSANDS = re.compile(r"(?<=\d)[.,](?=\d{3}(?!\d))")
_REDUPLICATION = re.compile(r"\b([^\W\d_]{2,})2\b")  # ukm2 -> ukm ukm, ibu2 -> ibu ibu
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_TOKEN_OR_BREAK = re.compile(r"[^\W_]+(?:'[^\W_]+)?|[,.;:!?()\n]")
BREAK = "|"  # a clause boundary: phrases and negations never cross one
NEGATION = "!"  # stands for "selain", "besides", ... while mapping
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")  # letters only: 15000 stays 15000
_YEAR = re.compile(r"^(19|20)\d\d$")
_DIGIT = re.compile(r"\d")


# Question words that ask which thing, how many of a thing or who holds a role, and so
# are bound to a word beside them: "acara apa", "di kota mana", "what event", "berapa
# persen", "sekretaris dinas siapa", "siapa sekretarisnya".
_BINDING = frozenset({"apa", "berapa", "siapa"})
# A question word that opens what it asks, with nothing bound before it ("what is the
# average age …", "siapa sih sekretarisnya"), still binds the next word across a copula,
# an article or a filler; not across an auxiliary ("what does the city do": the subject
# follows, not what is asked).
_COPULAS = frozenset({"is", "are", "was", "were", "the", "a", "an"})
_FORWARD = 2  # glue words a question word may bind across
# The word that opens a relative clause ("yg" is "yang" by then; the English "that" is
# as often "that group").
_RELATIVE = frozenset({"yang"})

# Smalltalk kinds in order of precedence when a message mixes them ("halo, makasih").
SMALLTALK_PRECEDENCE = ("identity", "thanks", "wish", "bye", "greeting", "ack")
_CLOSING_MAX_CONTENT = 5  # content words a thank-you may carry ("infonya membantu ...")


@dataclass(frozen=True, slots=True)
class Query:
    """A message after normalisation."""

    text: str
    tokens: tuple[str, ...]  # canonical content words and question words, in order
    lang: Lang
    smalltalk: str | None = None  # the kind, when the message is only small talk
    years: tuple[int, ...] = ()
    unknown: tuple[str, ...] = ()  # content words the bot does not know
    guessed: int = 0  # words it knows only by guessing at a typo ("wakku" -> "waktu")
    # The canonical words those guesses became ("perbandingan" guessed as "pertandingan",
    # a match: "olahraga"): what the resident did not necessarily name.
    guesses: tuple[str, ...] = ()

    asks: bool = False  # a question mark or a question word: it looks like a question
    questions: int = 0  # question words, counted each time ("berapa …, terus berapa …")
    # Of `tokens`, those added from context (the story, an earlier question): they weigh
    # less than the question's own words (see match.Scoring.context_weight).
    context: frozenset[str] = frozenset()
    # What is asked for: the words right beside "apa"/"berapa" or after a request to name
    # ("acara apa", "di kota mana", "what event", "berapa persen", "sebutkan nama …").
    # An answer that never speaks of one answers another question (see narrow.py).
    heads: tuple[str, ...] = ()
    # The first word of a relative clause ("UKM yang sudah ekspor", "members that are
    # women"): in a count it narrows what is counted.
    relative: tuple[str, ...] = ()


class Normalizer:
    """Normalises text with a lexicon and the vocabulary of the knowledge base.

    The vocabulary lets it correct typos ("pelatiahn" -> "pelatihan"), split words typed
    without a space ("jumlahukm") and strip Indonesian affixes, but only towards words the
    bot actually knows, so it never "corrects" a word into something unrelated.
    """

    def __init__(
        self,
        lexicon: Lexicon,
        indonesian_words: Iterable[str] = (),
        english_words: Iterable[str] = (),
    ) -> None:
        self.lexicon = lexicon
        phrases: dict[tuple[str, ...], str] = {}
        phrases.update(lexicon.synonyms)
        phrases.update(lexicon.question_words)  # a question word wins over a synonym
        self._phrases = phrases
        # For each first word, the lengths of the phrases it starts, longest first: most
        # words start none, so mapping a message tries one lookup per word, not one per
        # possible length.
        self._phrase_sizes = _sizes_by_first_word(phrases)
        self._mapped = frozenset(phrases.values())
        self._question_words = frozenset(lexicon.question_words.values())
        # "sebutkan nama …", "sebutin …": a request that takes what it asks for next.
        self._naming = frozenset(
            a
            for a in lexicon.asking
            if " " not in a and a not in lexicon.fillers and a not in lexicon.abbreviations
        )
        self._negators = frozenset(tuple(n.split()) for n in lexicon.negators)
        self._fillers = lexicon.fillers
        self._smalltalk: dict[tuple[str, ...], str] = {}
        for kind in reversed(SMALLTALK_PRECEDENCE):
            for phrase in lexicon.smalltalk.get(kind, frozenset()):
                self._smalltalk[phrase] = kind
        self._smalltalk_sizes = _sizes_by_first_word(self._smalltalk)
        self._negation_starts = frozenset(n[0] for n in self._negators)
        # Longest first: "not combined with" before "not" alone would leave "with 2010".
        self._negation_sizes = tuple(sorted({len(n) for n in self._negators}, reverse=True))

        indonesian = set(_words(indonesian_words))
        english = set(_words(english_words)) | set(lexicon.english)
        indonesian |= {
            short
            for short, long in lexicon.abbreviations.items()
            if not all(w in lexicon.english for w in long)  # "what's" is English
        } | lexicon.fillers
        indonesian |= {w for w in lexicon.stopwords if w not in lexicon.english}
        for surface, canonical in lexicon.question_words.items():
            if not any(w in lexicon.english for w in surface):
                indonesian.update(surface)
            indonesian.add(canonical)
        self._english_only = frozenset(english - indonesian)
        self._indonesian_only = frozenset(indonesian - english)

        known: set[str] = indonesian | english
        for table in (lexicon.synonyms, lexicon.question_words, self._smalltalk):
            for surface in table:
                known.update(surface)
        for expansion in lexicon.abbreviations.values():
            known.update(expansion)
        known |= set(self._mapped) | lexicon.protected | lexicon.stopwords | lexicon.common
        self._known = frozenset(known)
        self._smalltalk_words = frozenset(w for phrase in self._smalltalk for w in phrase)
        self._filler_words = lexicon.fillers | lexicon.stopwords
        # Phrases by their first word, to prefer a correction that completes a phrase
        # ("rumah tanga" -> "rumah tangga", not "rumah tangan").
        self._phrase_pairs = frozenset(p[:2] for p in phrases if len(p) >= 2)
        # Typo fixes aim only at words that are not names (see exact_concepts), and for
        # an English question only at English words: "stays" is not a typo of "stats".
        names = {
            w for surface, c in phrases.items() if c in lexicon.exact_concepts for w in surface
        }
        # Ordinary words (lexicon `common`) are known, so never "corrected" themselves, but
        # they are not targets either: "gunting" must not become "gunung".
        targets = {w for w in known - lexicon.common if len(w) >= 4 and not w.isdigit()} - names
        self._targets = TypoIndex(
            {"id": targets - self._english_only, "en": targets & (english | self._mapped)}
        )
        self._correct = lru_cache(maxsize=65536)(self._correct_uncached)

    # -- public -----------------------------------------------------------------------

    def normalize(self, text: str) -> Query:
        text = text[:MAX_CHARS]
        pieces = self._pieces(text)
        lang = self._language(pieces)
        guesses: list[tuple[str, ...]] = []
        words = self._surface_words(pieces, lang, guesses)
        tokens: list[str] = []
        unknown: list[str] = []
        negated = 0  # how many more words to drop after "selain" / "besides"
        opening = False  # right after it, before the thing it names
        questions = 0  # question words, each time one occurs
        heads: list[str] = []
        before: str | None = None  # the word right before, with no glue in between
        binding = False  # the word right before asks for the next one ("berapa persen")
        relative: list[str] = []
        opens = False  # right after "yang" / "that", before the clause's first word
        reach = 0  # glue words the question word just read may still bind across
        for token, mapped in self._canonical(words):
            if token == BREAK:
                negated = 0
                before, binding, opens = None, False, False
                continue
            if not mapped and token in _RELATIVE:
                opens = True
            elif opens and not (mapped or token in self._question_words) and self._is_glue(token):
                pass  # "yang sudah ekspor": the clause's first word is still to come
            elif opens:
                relative.append(token)
                opens = False
            if token in _BINDING:
                reach = 0 if before is not None else _FORWARD
                if before is not None:
                    heads.append(before)  # "acara apa", "di kota mana", "namanya apa"
                before, binding = None, True
            elif not (mapped or token in self._question_words) and (
                token in self._naming or self._is_glue(token)
            ):
                across = binding and reach > 0 and (token in _COPULAS or token in self._fillers)
                reach -= 1
                before, binding = None, token in self._naming or across
            else:
                if binding and token not in self._question_words:
                    heads.append(token)  # "what event", "berapa persen", "sebutin nama"
                before, binding = token, False
            if token == NEGATION:
                negated = 2
                opening = True
                continue
            if negated:
                before = None
                # "selain kerupuk, ..." / "besides income, ...": the resident is NOT
                # asking about the thing named right after, so it must not steer the
                # match. The thing is the run of content words that follows (at most
                # two: "kain batik"); a glue word after it ("selain di Pondok Cabe Udik":
                # not before it), a question word or a comma ends it.
                glue = not mapped and self._is_glue(token)
                if glue and opening:
                    continue
                opening = False
                if token in self._question_words or glue:
                    negated = 0
                else:
                    negated -= 1
                    continue
            if not mapped and self._is_glue(token):  # incl. "halo min, ..." before a question
                continue
            if token in self._question_words:
                questions += 1
            if token not in tokens:
                tokens.append(token)
                if not mapped and token not in self._known and not token.isdigit():
                    unknown.append(token)
        years = tuple(int(t) for t in tokens if _YEAR.match(t))
        asks = "?" in text or any(t in self._question_words for t in tokens)
        smalltalk = self._smalltalk_kind(words, tokens, asks)
        return Query(
            text=text,
            tokens=tuple(tokens),
            lang=lang,
            smalltalk=smalltalk,
            years=years,
            unknown=tuple(unknown),
            guessed=len(guesses),
            # (Rare: most messages have no typo a guess had to place.)
            guesses=tuple(t for g in guesses for t, _ in self._canonical(list(g)) if t in tokens)
            if guesses
            else (),
            asks=asks,
            questions=questions,
            heads=tuple(dict.fromkeys(h for h in heads if h in tokens)),
            relative=tuple(dict.fromkeys(r for r in relative if r in tokens)),
        )

    def language(self, text: str) -> Lang:
        """The language of a message, without the rest of the normalisation."""
        return self._language(self._pieces(text[:MAX_CHARS]))

    def tokens(self, text: str) -> tuple[str, ...]:
        return self.normalize(text).tokens

    # -- steps ------------------------------------------------------------------------

    def _pieces(self, text: str) -> list[str]:
        """Clean and tokenise: lower case, no links, mentions, emoji or punctuation."""
        text = unicodedata.normalize("NFKC", text)
        # Control and format characters (NUL, RTL marks, zero-width joiners) become spaces.
        text = text.translate(_CONTROL_TO_SPACE)
        text = roman_numerals(text)
        text = text.casefold().replace("\u2019", "'").replace("`", "'")
        if not text.isascii():
            # "téh", "éta", "badé": Sundanese spelling marks the vowel; residents type it
            # both ways, and the lexicon lists the plain letters.
            text = "".join(
                c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
            )
        # Each pass only where its mark is in the text (most messages have no link, no
        # mention, no figure): every message comes through here, most story sentences too.
        if "@" in text or "www." in text or "://" in text:
            text = _URL.sub(" ", text)
            text = _MENTION.sub(" ", text)
        if _DIGIT.search(text):
            text = _THOUSANDS.sub("", text)
            text = _REDUPLICATION.sub(r"\1 \1", text)
            text = _LETTER_DIGIT.sub(" ", text)
        repeats = _REPEATS.search(text) is not None
        pieces: list[str] = []
        for raw in _TOKEN_OR_BREAK.findall(text):
            if not raw[0].isalnum():
                if pieces and pieces[-1] != BREAK:
                    pieces.append(BREAK)
                continue
            pieces.append(self._repair(raw) if repeats else raw)
        return pieces

    def _surface_words(
        self, pieces: list[str], lang: Lang, guesses: list[tuple[str, ...]] | None = None
    ) -> list[str]:
        """Expand abbreviations and repair typos; no meaning mapped yet. `guesses`
        collects the words that only a guess at a typo placed."""
        words: list[str] = []
        for piece in pieces:
            if piece == BREAK:
                words.append(piece)
                continue
            previous = words[-1] if words else None
            for word in self._expand(piece, previous, lang, guesses):
                if word in THOUSAND_WORDS and previous is not None and previous.isdigit():
                    words[-1] = str(int(previous) * 1000)  # "15 rb" -> "15000"
                else:
                    words.append(word)
                previous = words[-1]
        # (Most messages spell out no number: then there is nothing to read.)
        return spelled_numbers(words) if MAKES_A_FIGURE.intersection(words) else words

    def _repair(self, word: str) -> str:
        if _REPEATS.search(word):
            double = _REPEATS.sub(r"\1\1", word)
            single = _REPEATS.sub(r"\1", word)
            word = double if double in self._known else single
        return word

    def _expand(
        self,
        word: str,
        previous: str | None,
        lang: Lang,
        guesses: list[tuple[str, ...]] | None = None,
    ) -> tuple[str, ...]:
        lex = self.lexicon
        if word in lex.abbreviations:
            return lex.abbreviations[word]
        if word in NUMBER_WORDS:
            return (word,)  # never "corrected": spelled_numbers reads it next
        if word.endswith("'s"):
            # The English possessive ("office's" -> "office"); contractions such as
            # "what's" are abbreviations, expanded above.
            word = word[:-2]
        if word in self._known or word.isdigit() or word in lex.protected or len(word) < 4:
            return (word,)
        corrected, guessed = self._correct(word, previous, lang)
        expanded = tuple(w for part in corrected for w in lex.abbreviations.get(part, (part,)))
        if guessed and guesses is not None:
            guesses.append(expanded)  # what the guess made of it ("pertandingan")
        return expanded

    def _correct_uncached(
        self, word: str, previous: str | None, lang: Lang
    ) -> tuple[tuple[str, ...], bool]:
        """Map an unknown word to known word(s): affixes, then a missing space, then typos;
        and whether the words are only a guess at a typo."""
        stem = self._strip_affixes(word)
        if stem:
            return (stem,), False
        split = self._split(word)
        if split:
            return split, False
        fixed = self._nearest(word, previous, lang)
        return ((fixed,), True) if fixed else ((word,), False)

    def _strip_affixes(self, word: str) -> str | None:
        candidates = [r for r in roots(word) if len(r) >= 4 and r != word and r in self._known]
        return max(candidates, key=len) if candidates else None

    def _split(self, word: str) -> tuple[str, ...] | None:
        """Split "jumlahukm" into ("jumlah", "ukm"): known words typed without a space."""
        best: tuple[str, str] | None = None
        for i in range(2, len(word) - 1):
            left, right = word[:i], word[i:]
            if not (self._splittable(left) and self._splittable(right)):
                continue
            if best is None or min(len(left), len(right)) > min(map(len, best)):
                best = (left, right)
        return best

    def _splittable(self, part: str) -> bool:
        if len(part) >= 3:
            return part in self._known or part in self.lexicon.abbreviations
        # Two-letter words only where they are common glue words ("ke", "di").
        return part in self.lexicon.stopwords

    def _nearest(self, word: str, previous: str | None, lang: Lang) -> str | None:
        # One edit for short words, two for long ones (OSA counts a swap of two
        # neighbouring letters, the commonest typo on a phone keyboard, as one edit).
        if lang == "en" and len(word) < 5:
            return None  # short English words are too often real words ("held" is not "head")
        max_edits = 1 if len(word) <= 6 else 2
        hits = self._targets.hits(word, lang, max_edits, limit=8)
        if not hits:
            return None
        best_distance = min(h[1] for h in hits)
        best = [h[0] for h in hits if h[1] == best_distance]
        # Prefer a word that completes a phrase with the previous word, then one that
        # starts like the typo does, then the longest (more specific).
        best.sort(
            key=lambda w: ((previous, w) not in self._phrase_pairs, w[0] != word[0], -len(w), w)
        )
        candidate = best[0]
        if best_distance == 2 and (candidate[0] != word[0] or len(candidate) < 6):
            return None
        return candidate

    def _language(self, words: list[str]) -> Lang:
        english = sum(1 for w in words if w in self._english_only)
        indonesian = sum(1 for w in words if w in self._indonesian_only)
        # English only when English clearly dominates: mixed messages are answered in
        # Indonesian, as the residents' common language.
        return "en" if english and english >= 3 * indonesian else "id"

    def _canonical(self, words: list[str]) -> Iterable[tuple[str, bool]]:
        """Longest-phrase mapping to canonical words; yields (token, was_mapped)."""
        i = 0
        n = len(words)
        phrases, sizes_of = self._phrases, self._phrase_sizes
        while i < n:
            word = words[i]
            if word in self._negation_starts:
                size = self._negation_size(words, i)
                if size:
                    yield NEGATION, False
                    i += size
                    continue
            for size in sizes_of.get(word, ()):
                if i + size > n:
                    continue
                canonical = phrases.get(tuple(words[i : i + size]))
                if canonical is not None:
                    yield canonical, True
                    i += size
                    break
            else:
                yield word, False
                i += 1

    def _is_glue(self, token: str) -> bool:
        lex = self.lexicon
        return token in lex.fillers or token in lex.stopwords or token in self._smalltalk_words

    def _negation_size(self, words: list[str], i: int) -> int:
        for size in self._negation_sizes:
            if tuple(words[i : i + size]) in self._negators:
                return size
        return 0

    def _smalltalk_scan(self, words: list[str], whole: bool) -> tuple[set[str], bool]:
        """The small-talk kinds in the message, longest phrase first, and whether every
        other word is only a filler, a stopword or punctuation. Unless `whole`, it stops
        at the first other word (the hot path: most messages are questions)."""
        kinds: set[str] = set()
        only_smalltalk = True
        i = 0
        while i < len(words):
            for size in self._smalltalk_sizes.get(words[i], ()):
                kind = self._smalltalk.get(tuple(words[i : i + size]))
                if kind is not None:
                    kinds.add(kind)
                    i += size
                    break
            else:
                if words[i] not in self._filler_words and words[i] != BREAK:
                    only_smalltalk = False
                    if not whole:
                        break
                i += 1
        return kinds, only_smalltalk

    def _smalltalk_kind(self, words: list[str], tokens: list[str], asks: bool) -> str | None:
        """The small-talk kind of a message that is only small talk, or a closing remark.

        A closing remark thanks, wishes well or says goodbye and says a little more:
        "Terima kasih, infonya membantu untuk siaran kami", "mantap, sukses terus buat UKM
        Tangsel!", "Thanks, that's all I needed. Goodbye!". It
        is not a question, though it holds words the bot knows, when it asks nothing (no
        question mark, no question word), requests nothing ("tolong", "dong", "tell me"),
        names no subject of the knowledge base ("makasih, pelatihan ukm" still wants the
        training) and is short (Rasa's "thankyou" / "goodbye" intents do the same).
        """
        lex = self.lexicon
        may_close = not (
            asks
            or len(tokens) > _CLOSING_MAX_CONTENT
            or self._asks_more(words)
            or any(t in lex.subjects for t in tokens)
        )
        # A question that names nothing but question words may be about the bot itself
        # ("Kamu bot apa?", "bot apa sih kamu?"): read it whole to see.
        bare = bool(tokens) and all(t in self._question_words for t in tokens)
        kinds, only_smalltalk = self._smalltalk_scan(words, whole=may_close or bare)
        if only_smalltalk:
            return next((k for k in SMALLTALK_PRECEDENCE if k in kinds), None)
        if bare and "identity" in kinds:
            return "identity"
        if not may_close:
            return None
        return next((k for k in ("thanks", "wish", "bye") if k in kinds), None)

    def _asks_more(self, words: list[str]) -> bool:
        """A request word ("tolong", "terus") outside a small-talk phrase: "makasih, terus
        pelatihannya?" asks more, "sukses terus!" does not."""
        requests = self.lexicon.requests
        if not any(w in requests for w in words):
            return False
        i = 0
        while i < len(words):
            for size in self._smalltalk_sizes.get(words[i], ()):
                if size > 1 and tuple(words[i : i + size]) in self._smalltalk:
                    i += size
                    break
            else:
                if words[i] in requests:
                    return True
                i += 1
        return False


def _sizes_by_first_word(phrases: Iterable[tuple[str, ...]]) -> dict[str, tuple[int, ...]]:
    sizes: dict[str, set[int]] = {}
    for phrase in phrases:
        if phrase:
            sizes.setdefault(phrase[0], set()).add(len(phrase))
    return {word: tuple(sorted(found, reverse=True)) for word, found in sizes.items()}


def _words(texts: Iterable[str]) -> Iterable[str]:
    for text in texts:
        yield from _TOKEN.findall(text.casefold())
