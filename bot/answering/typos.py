"""The words typos are corrected towards, indexed so a lookup need not scan them all."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.answering.model import Lang

# Below this many words a scan (rapidfuzz, in C++: about 0.1 ms per thousand words) costs
# less than building the index, which matters to `ukm-bot ask` where the index would be
# built for one question: the shipped knowledge base has about 2,400.
SCAN_LIMIT = 5000
MAX_EDITS = 2  # the most edits a lookup allows (see Normalizer._nearest)
# Every key stays below 2**60, so each is one 32-byte int while the index is sorted.
_KEY_BITS = 60
_SLICE_BITS = 8


class TypoIndex:
    """The known words within a few edits (OSA distance) of a word, per language.

    A symmetric-deletion index (SymSpell's idea): every word is stored under each string
    it becomes with up to two letters deleted. Two words within k edits (a substitution,
    insertion, deletion or swap of neighbours, each counted once) always share a string
    reached with at most k deletions from each, so looking up the deletions of the typo
    finds every candidate; OSA distance, computed by rapidfuzz, then keeps the true ones.

    Written here rather than taken from symspellpy: that keeps its deletions in a Python
    dict of lists (about 5 million of them at 100,000 entries: hundreds of megabytes) and
    orders suggestions by word frequency, not by the bot's rules; this keeps a 42-bit hash
    and a word number in one 64-bit slot of a sorted array (40 MB there) and answers
    exactly what a scan of the whole vocabulary with rapidfuzz would (`hits`).
    """

    def __init__(self, words: Mapping[Lang, Iterable[str]], scan_limit: int | None = None) -> None:
        by_lang = {lang: sorted(set(ws)) for lang, ws in words.items()}
        union = sorted({w for ws in by_lang.values() for w in ws})
        self._scan = len(union) < (SCAN_LIMIT if scan_limit is None else scan_limit)
        self._by_lang = by_lang if self._scan else {}
        self._words: list[str] = []
        self._in: dict[Lang, bytearray] = {}
        self._keys = array("Q")
        self._id_bits = 0
        if self._scan:
            return
        self._words = union
        number = {w: i for i, w in enumerate(union)}
        for lang, ws in by_lang.items():
            member = bytearray(len(union))
            for w in ws:
                member[number[w]] = 1
            self._in[lang] = member
        self._id_bits = bits = max(1, (len(union) - 1).bit_length())
        hash_mask = (1 << (_KEY_BITS - bits)) - 1
        # Sorted a slice at a time (by the top bits of the key, so the slices follow each
        # other in order): sorting all keys at once would hold each as a Python int,
        # about 200 MB at 100,000 entries, where the array holds them in 8 bytes.
        slices = [array("Q") for _ in range(1 << _SLICE_BITS)]
        shift = _KEY_BITS - _SLICE_BITS
        for i, word in enumerate(union):
            for d in _deletions(word):
                key = ((hash(d) & hash_mask) << bits) | i
                slices[key >> shift].append(key)
        for part in slices:
            self._keys.extend(sorted(part))
            del part[:]

    def words(self, lang: Lang) -> list[str]:
        """Every word typos of `lang` are corrected towards, in alphabetical order."""
        if self._scan:
            return list(self._by_lang.get(lang, ()))
        member = self._in.get(lang, bytearray())
        return [w for i, w in enumerate(self._words) if member[i]]

    def hits(self, word: str, lang: Lang, max_edits: int, limit: int) -> list[tuple[str, int]]:
        """The `limit` nearest words of `lang` at most `max_edits` edits away, nearest
        first, ties in alphabetical order: what rapidfuzz's `process.extract` returns
        over the sorted word list (tests/test_typos.py holds the two together)."""
        if self._scan:
            found = process.extract(
                word, self._by_lang[lang], scorer=OSA.distance, score_cutoff=max_edits, limit=limit
            )
            return [(w, int(d)) for w, d, _ in found]
        member = self._in[lang]
        words = self._words
        scored: list[tuple[int, int]] = []
        for i in self._candidates(word, max_edits):
            if member[i]:
                distance = OSA.distance(word, words[i], score_cutoff=max_edits)
                if distance <= max_edits:
                    scored.append((distance, i))
        scored.sort()  # word numbers follow alphabetical order
        return [(words[i], d) for d, i in scored[:limit]]

    def _candidates(self, word: str, max_edits: int) -> set[int]:
        keys = self._keys
        bits = self._id_bits
        hash_mask = (1 << (_KEY_BITS - bits)) - 1
        id_mask = (1 << bits) - 1
        found: set[int] = set()
        for d in _deletions(word, max_edits):
            prefix = hash(d) & hash_mask
            j = bisect_left(keys, prefix << bits)
            while j < len(keys) and keys[j] >> bits == prefix:
                found.add(keys[j] & id_mask)
                j += 1
        return found


def _deletions(word: str, depth: int = MAX_EDITS) -> set[str]:
    """The word and every string it becomes with up to `depth` letters deleted."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out
