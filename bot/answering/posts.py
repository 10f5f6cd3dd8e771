"""Who holds a post, and in which body: a post asked of one body is not answered by the
same post in another.

"Siapa ketua UKM Cipta Karya Sejahtera?" matches the entry that names Maulini Zeda well
(who, chair, the group), but she chairs the Forum PAUD: the report names no chair of the
group, and answering with her would be a confident wrong answer. So each entry's answer
(and the source line naming who told the reporter) is read for the posts it names and
the bodies each is held in ("Ketua Forum PAUD", "Kepala Dinas Koperasi dan UKM"); a
question asking who holds a post in a body (lexicon `bodies`) that none of them is held
in is asking something the answer does not state.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import pairwise

from bot.answering.model import Entry
from bot.answering.normalize import Normalizer, Query

# Where the name of a body ends in an answer: "Ketua Forum PAUD (Pendidikan Anak Usia
# Dini) Kota Tangsel. Ia …", "Maulini Zeda, Ketua Forum PAUD, …".
_PHRASE = re.compile(r"[,.;:()\n]+")
_WORD = re.compile(r"[^\W_]+")
# What a question asks of a post: the person in it, by who or by name.
_WHO = frozenset({"siapa", "nama"})


class Posts:
    """The bodies the posts an entry's reply names are held in, computed once."""

    def __init__(self, entries: Sequence[Entry], normalizer: Normalizer) -> None:
        lexicon = normalizer.lexicon
        self._posts = lexicon.posts
        self._bodies = lexicon.bodies
        self._normalizer = normalizer
        # The words a post is written with ("kepala", "head", "chair", "kadis"): a phrase
        # without one is not normalised at all (most of an answer's phrases).
        self._marks = frozenset(
            {
                *self._posts,
                *(k[0] for k, v in lexicon.synonyms.items() if v in self._posts),
                *(k for k, v in lexicon.abbreviations.items() if self._posts.intersection(v)),
            }
        )
        # entry id -> post -> the bodies it is held in (only entries naming a post).
        self._held: dict[str, dict[str, frozenset[str]]] = {}
        for entry in entries:
            held = self._held_in((*entry.answer.values(), *(entry.said_by or {}).values()))
            if held:
                self._held[entry.id] = held

    def _held_in(self, texts: Iterable[str]) -> dict[str, frozenset[str]]:
        """Each post named in `texts`, with the words after it up to the end of its
        phrase, read whole and word by word ("Dinas Koperasi dan UKM" is the office as
        one concept, and also names the cooperatives and the SMEs)."""
        held: dict[str, set[str]] = {}
        for text in texts:
            for phrase in _PHRASE.split(text):
                words = _WORD.findall(phrase.casefold())
                if self._marks.isdisjoint(words):
                    continue
                tokens = self._normalizer.tokens(phrase)
                at = next((i for i, t in enumerate(tokens) if t in self._posts), None)
                if at is None:
                    continue
                bodies = held.setdefault(tokens[at], set())
                bodies.update(tokens[at + 1 :])
                for word in words:
                    bodies.update(self._normalizer.tokens(word))
        return {post: frozenset(bodies) for post, bodies in held.items()}

    def elsewhere(self, query: Query, entry: Entry) -> str | None:
        """The post the question asks the holder of, in a body none of the posts the
        entry's reply names is held in ("ketua UKM-nya siapa?" against the chair of the
        Forum PAUD); None when it asks no such thing or the reply names no post."""
        held = self._held.get(entry.id)
        tokens = query.tokens
        if held is None or not _WHO.intersection(tokens):
            return None
        for post, body in pairwise(tokens):
            if post not in self._posts or body not in self._bodies:
                continue
            # The same post where the reply names it; else any post it names ("who leads
            # the office?" is answered by its head).
            bodies = held.get(post) or frozenset().union(*held.values())
            if body not in bodies:
                return post
        return None
