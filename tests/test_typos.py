"""Typo correction over a vocabulary too large to scan: the index corrects exactly as the
scan did, so a large knowledge base answers the way a small one would."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import pytest
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.answering import KnowledgeBase, Lang, Normalizer, typos
from bot.answering.typos import TypoIndex

DATA = Path(__file__).parent / "data"
LANGS: tuple[Lang, ...] = ("id", "en")


def scanned(words: list[str], word: str, max_edits: int) -> list[tuple[str, int]]:
    """What the bot did before the index: rapidfuzz over the whole sorted vocabulary."""
    found = process.extract(word, words, scorer=OSA.distance, score_cutoff=max_edits, limit=8)
    return [(w, int(d)) for w, d, _ in found]


def normalizer(kb: KnowledgeBase) -> Normalizer:
    indonesian = [q for e in kb.entries for q in (*e.questions["id"], e.answer["id"])]
    english = [q for e in kb.entries for q in (*e.questions["en"], e.answer["en"])]
    return Normalizer(kb.lexicon, indonesian, english)


def typed_messages() -> list[str]:
    """Every message of every question set and conversation in tests/data."""
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                texts += [item["q"]] if "q" in item else [t["q"] for t in item["turns"]]
    return texts


@pytest.fixture(scope="module")
def indexed(kb: KnowledgeBase) -> Normalizer:
    """The shipped knowledge with its vocabulary indexed (it is scanned when this small)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typos, "SCAN_LIMIT", 0)
        return normalizer(kb)


@pytest.fixture(scope="module")
def plain(kb: KnowledgeBase) -> Normalizer:
    return normalizer(kb)


def test_every_message_residents_typed_reads_the_same_indexed_or_scanned(
    plain: Normalizer, indexed: Normalizer
) -> None:
    messages = typed_messages()
    assert len(messages) > 3000
    differ = [m for m in messages if plain.normalize(m) != indexed.normalize(m)]
    assert differ == []


def test_every_word_residents_typed_finds_the_words_a_scan_finds(
    plain: Normalizer, indexed: Normalizer
) -> None:
    """Each word of the question sets, as a typo of either language at one and two edits:
    the same nearest words in the same order, and the same correction."""
    words = {w for m in typed_messages() for w in re.findall(r"\w+", m.casefold())}
    vocabulary = {lang: plain._targets.words(lang) for lang in LANGS}
    differ: list[tuple[str, Lang, object]] = []
    for word, lang in itertools.product(sorted(words), LANGS):
        for edits in (1, 2):
            if indexed._targets.hits(word, lang, edits, 8) != scanned(
                vocabulary[lang], word, edits
            ):
                differ.append((word, lang, edits))
        for previous in (None, "rumah"):
            if plain._nearest(word, previous, lang) != indexed._nearest(word, previous, lang):
                differ.append((word, lang, previous))
    assert differ == []


def mistype(word: str, rng: random.Random, alphabet: str) -> str:
    """One or two typing mistakes: a wrong, missing, extra or swapped letter."""
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(word))
        kind = rng.choice(("wrong", "missing", "extra", "swapped"))
        if kind == "wrong":
            word = word[:i] + rng.choice(alphabet) + word[i + 1 :]
        elif kind == "missing" and len(word) > 1:
            word = word[:i] + word[i + 1 :]
        elif kind == "extra":
            word = word[:i] + rng.choice(alphabet) + word[i:]
        elif i + 1 < len(word):
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word


def test_mistyped_words_of_the_vocabulary_find_what_a_scan_finds(plain: Normalizer) -> None:
    rng = random.Random(10)
    vocabulary = {lang: plain._targets.words(lang) for lang in LANGS}
    index = TypoIndex(vocabulary, scan_limit=0)
    for lang, words in vocabulary.items():
        for word in rng.sample(words, min(400, len(words))):
            typo = mistype(word, rng, "abcdeiklmnorstu")
            for edits in (1, 2):
                assert index.hits(typo, lang, edits, 8) == scanned(words, typo, edits), typo


def test_a_crowded_vocabulary_keeps_the_first_eight_ties_alphabetically() -> None:
    """Every 4- and 5-letter word of three letters: dozens of words tie at each distance,
    and which eight are kept decides the correction."""
    words = sorted(
        "".join(letters) for n in (4, 5) for letters in itertools.product("abc", repeat=n)
    )
    english = words[::3]
    index = TypoIndex({"id": words, "en": english}, scan_limit=0)
    rng = random.Random(3)
    for _ in range(300):
        typo = mistype(rng.choice(words), rng, "abcd")
        pairs: tuple[tuple[Lang, list[str]], ...] = (("id", words), ("en", english))
        for lang, vocabulary in pairs:
            for edits in (1, 2):
                assert index.hits(typo, lang, edits, 8) == scanned(vocabulary, typo, edits)


def test_a_small_vocabulary_is_scanned_and_a_large_one_indexed() -> None:
    small = TypoIndex({"id": ["pelatihan", "koperasi"], "en": ["training"]})
    assert small.hits("pelatiahn", "id", 2, 8) == [("pelatihan", 1)]
    assert small.hits("pelatiahn", "en", 2, 8) == []
    rng = random.Random(5)
    many = {"".join(rng.choices("abcdefghij", k=8)) for _ in range(typos.SCAN_LIMIT)}
    large = TypoIndex({"id": [*many, "pelatihan"], "en": []})
    assert large.hits("pelatiahn", "id", 2, 8) == [("pelatihan", 1)]
    assert large.hits("pelatiahn", "en", 2, 8) == []
