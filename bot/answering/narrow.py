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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.answering.claims import Claims
from bot.answering.model import Entry
from bot.answering.normalize import Normalizer, Query
from bot.answering.numbers import FIGURE_WORDS
from bot.answering.patterns import (
    phrase_pattern,
    rank_pattern,
    residence_pattern,
    time_pattern,
    when_pattern,
)
from bot.answering.posts import Posts

# Kinds with a check of their own: a count needs a figure in the answer, a cause a word
# that gives one ("karena", "so that"), a "when" a time. Every other kind needs its word
# in the answer.
COUNT = "count"
CAUSE = "cause"
YEAR = "year"
TIME = "time"
LOCATED = "located"
PLACE = "place"
PRODUCT = "product"
# The word a question word is bound to ("acara apa", "di kota mana", "berapa persen"),
# which the answer never speaks of: it answers another question.
ASKED = "asked"
# A yes/no question whose claim pairs things no one statement of the answer pairs ("Batik
# juga diekspor ke China kan?": the answer says crackers went to China, batik to America).
CLAIM = "claim"
# An attribute the question asks of its subject anywhere ("Nomor HP Pak Ismunandar
# ada?") that the answer does not state. Unlike ASKED, the next entry that states such an
# attribute (a name, of someone else) does not answer it: the subject is this entry's.
ATTRIBUTE = "attribute"
# Where and when: the kinds a later question leaning on a narrowed one shares with it.
SETTINGS = frozenset({PLACE, "subplace", "counted_now", YEAR, "now"})
COUNTED = "counted_"  # a kind that narrows only a count ("berapa anggota laki-laki?")

# A figure in an answer, and what it is: a year ("2011", "2009-2010") or a rank ("MTQ
# ke-8", "8th") answer "tahun berapa" and "ke berapa", not "berapa UKM?".
_NUMBER = re.compile(r"(?<![\w-])(ke[- ]?)?(\d(?:[\d.,]*\d)?)(st|nd|rd|th)?\b", re.IGNORECASE)
_YEAR_FIGURE = re.compile(r"(?:19|20)\d\d")
# A period an answer gives one figure for ("2.110 pada 2009-2010"): it states no figure
# for one year of it.
_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-\u2013]\s*((?:19|20)\d\d)(?!\d)")
# Units of time an answer's year or day answers ("tahun berapa", "hari apa"); an hour
# ("jam berapa") or any other unit asked must be one the answer speaks of.
_YEAR_UNITS = ("tahun", "year")
_DAY_UNITS = ("hari", "day", "tanggal", "date", "bulan", "month")
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
    products: bool  # the answer speaks of products (crackers, batik): names what it covers
    places: frozenset[str]  # places its topic's answers name (the group is in Pamulang)
    # Every word the reply accounts for: the entry's phrasings, keywords and answer, the
    # source line under every answer, who told the reporter, "nama" when it names one.
    explained: frozenset[str] = frozenset()
    counts: frozenset[str] = frozenset()  # what its figures count (Entry.counts)
    # Years it gives a figure for only as part of a period ("2009-2010"), each with the
    # period's first and last year.
    periods: tuple[tuple[int, int], ...] = ()
    alone: frozenset[int] = frozenset()  # years it names on their own ("pada 2011")
    days: bool = False  # it names a day or a month ("Jumat")
    speaker: bool = False  # it names who told the reporter (its source line, or its answer)
    abroad: bool = False  # it names a country (where something went)
    frame: frozenset[str] = frozenset()  # what all its statements carry: the source line
    ranks: frozenset[str] = frozenset()  # the ranks it gives ("8" of "MTQ ke-8")


class Coverage:
    """What each entry's answer speaks of, computed once per knowledge base."""

    def __init__(
        self,
        entries: Sequence[Entry],
        normalizer: Normalizer,
        vocab: Mapping[str, frozenset[str]] | None = None,
        source: frozenset[str] = frozenset(),
        report_year: int | None = None,
        beyond: frozenset[str] = frozenset(),
    ) -> None:
        """`vocab`: the words of each entry's phrasings and keywords, by entry id (the
        matcher's index has them); `source`: the words of the source line every answer
        carries; `report_year`: the year of the report itself; `beyond`: what a question
        may ask of a thing that the report states rarely or never (a name, a price, a
        contact, a schedule: lexicon `attributes`; not the concepts only "not in the
        report" entries know, which a question often names only as its setting: "Where
        was he when he talked to the journalist?")."""
        lexicon = normalizer.lexicon
        self._report_year = report_year
        vocab = vocab or {}
        speaker = frozenset(normalizer.tokens(" ".join(_SPEAKER)))
        self.normalizer = normalizer
        self._kinds: dict[str, str] = {
            word: kind for kind, words in lexicon.restrictions.items() for word in words
        }
        self._covers: dict[str, _Covers] = {}
        self._statements: dict[str, tuple[tuple[frozenset[str], ...], frozenset[str]]] = {}
        topic_places: dict[str, set[str]] = {}
        answer_tokens = {e.id: self._answer_tokens(e) for e in entries}
        # The people who told the reporter, by name ("ismunandar", "zeda").
        said_by = [said for e in entries for said in (e.said_by or {}).values()]
        speakers = lexicon.names & {t for said in said_by for t in normalizer.tokens(said)}
        for entry in entries:
            found = {t for t in answer_tokens[entry.id] if self._kinds.get(t) == PLACE}
            topic_places.setdefault(entry.topic, set()).update(found)
        self._claims = Claims(
            normalizer,
            places=frozenset(w for w, k in self._kinds.items() if k == PLACE),
            products=frozenset(w for w, k in self._kinds.items() if k == PRODUCT),
        )
        # One set per topic, and each answer and keyword normalised once: a knowledge
        # base of 100,000 entries spent 15 s and 20 MB on doing it again per entry.
        places = {topic: frozenset(found) for topic, found in topic_places.items()}
        frames: dict[frozenset[str], frozenset[str]] = {}
        for entry in entries:
            keywords = [t for k in entry.keywords for t in normalizer.tokens(k)]
            # What every statement of the reply carries: the source line, who told the
            # reporter ("keterangan Ismunandar, …"); its statements are read when needed.
            frame = frozenset(
                {
                    *source,
                    *lexicon.frames,
                    *(speaker if entry.said_by else ()),
                    *(
                        t
                        for said in (entry.said_by or {}).values()
                        for t in normalizer.tokens(said)
                    ),
                }
            )
            # (One set shared by the entries whose frames are alike: 100,000 entries
            # would otherwise keep 100,000 copies of the source line.)
            frame = frames.setdefault(frame, frame)
            words = {w for t in entry.answer.values() for w in _WORD.findall(t.casefold())}
            figures = [m for t in entry.answer.values() for m in _NUMBER.finditer(t)]
            years = [m for m in figures if _YEAR_FIGURE.fullmatch(m.group(2))]
            ranks = [m for m in figures if m.group(1) or m.group(3)]
            self._covers[entry.id] = _Covers(
                tokens=frozenset((*answer_tokens[entry.id], *keywords)),
                figure=len(figures) > len(years) + len(ranks) or bool(words & FIGURE_WORDS),
                ordinal=bool(ranks),
                time=bool(years) or bool(words & lexicon.dates),
                located=bool(answer_tokens[entry.id] & (lexicon.places | lexicon.countries)),
                reason=bool(words & lexicon.reasons),
                placed=any(self._kinds.get(t) == PLACE for t in answer_tokens[entry.id]),
                products=any(self._kinds.get(t) == PRODUCT for t in answer_tokens[entry.id]),
                places=places[entry.topic],
                explained=frozenset(
                    {
                        *vocab.get(entry.id, ()),
                        *answer_tokens[entry.id],
                        *keywords,
                        *frame,
                        *(("nama",) if answer_tokens[entry.id] & lexicon.names else ()),
                    }
                ),
                counts=frozenset(t for c in entry.counts for t in normalizer.tokens(c)),
                periods=tuple(
                    (int(m.group(1)), int(m.group(2)))
                    for t in entry.answer.values()
                    for m in _PERIOD.finditer(t)
                ),
                alone=frozenset(
                    int(y)
                    for t in entry.answer.values()
                    for y in _YEAR_FIGURE.findall(_PERIOD.sub(" ", t))
                ),
                days=bool(words & lexicon.dates),
                speaker=entry.said_by is not None or bool(answer_tokens[entry.id] & speakers),
                abroad=bool(answer_tokens[entry.id] & lexicon.countries),
                frame=frame,
                ranks=frozenset(m.group(2) for m in ranks),
            )
        self._residence = residence_pattern(lexicon)
        self._when = when_pattern(lexicon)
        self._time_asked = time_pattern(lexicon)
        self._rank_asked = rank_pattern(lexicon)
        self._time_tokens = frozenset(t for u in lexicon.time_units for t in normalizer.tokens(u))
        self._year_units = frozenset(t for u in _YEAR_UNITS for t in normalizer.tokens(u))
        self._day_units = frozenset(t for u in _DAY_UNITS for t in normalizer.tokens(u))
        self._question_words = lexicon.canonical_question_words
        self._first_person = lexicon.first_person
        self._tags = lexicon.question_tags
        self._others = lexicon.another
        self._conditionals = lexicon.conditionals
        self._here = phrase_pattern(lexicon.here)
        self._destination = phrase_pattern(lexicon.destinations) or re.compile(r"(?!)")
        # Words whose meaning the bot knows (concepts, ordinary words, what is asked for),
        # so a question bound to one asks something definite; minus those that say where
        # or when (checked above), count without restricting ("berapa orang"), or carry
        # no topic. An unknown word beside "apa" is as often regional speech or a typo
        # ("naon namina", "ana piro") as a thing asked: it is not judged.
        # A name the question gives (the group, a person, the event) the answer must give
        # too ("Kenapa Cipta Karya akhirnya tutup?" is not about the office's focus); a
        # place is judged above, with what the asker says of themselves set apart.
        self.named = lexicon.names - lexicon.places
        # The checks that an answer states the very thing asked (one year of a period, a
        # unit of time, the post, who said it, where it went): benchmarks/calibrate.py
        # --folds turns them off to measure them.
        self.stated = True
        self._roles = frozenset(t for r in lexicon.roles for t in normalizer.tokens(r))
        self._posts = Posts(entries, normalizer)
        common = frozenset(t for w in lexicon.common for t in w.split())
        self.judged = (frozenset(lexicon.synonyms.values()) | common | lexicon.attributes) - (
            self._question_words
            | lexicon.places
            | lexicon.regions
            | lexicon.frames
            | self._time_tokens
            | lexicon.chatter
            | lexicon.stopwords
            | lexicon.classifiers
        )
        # What a count may count: the concepts judged, not ordinary words ("before").
        self._concepts = self.judged - common
        # What is asked must be what the answer states (switches, so a measurement can
        # turn each off): an attribute wherever the question names it (`anywhere`); the
        # things a yes/no question pairs, in one statement (`claims`).
        self.anywhere = True
        self.claims = True
        # (Not a word of a restriction kind, checked above with its own reading, nor one
        # that counts without restricting, "jenis apa", nor a unit of time, nor an aspect
        # of a subject that an answer states in its own words: "caranya", "manfaatnya".)
        self._beyond = (
            beyond - self._kinds.keys() - lexicon.classifiers - self._time_tokens - lexicon.aspects
        )

    def _said(self, entry: Entry) -> tuple[tuple[frozenset[str], ...], frozenset[str]]:
        """What the reply to `entry` states, statement by statement, and every word some
        statement states (not its phrasings: what it is asked with). Read when first
        needed: few questions do, and kept for 100,000 entries up front it cost 100 MB."""
        said = self._statements.get(entry.id)
        if said is None:
            statements = self._claims.statements(entry)
            said = self._statements[entry.id] = (statements, self._claims.stated(statements))
        return said

    def _answer_tokens(self, entry: Entry) -> set[str]:
        return {t for text in entry.answer.values() for t in self.normalizer.tokens(text)}

    def narrowing(
        self,
        text: str,
        query: Query,
        entry: Entry,
        home: frozenset[str] = frozenset(),
        settings: bool = False,
    ) -> Narrowing | None:
        """The first restriction of the question that `entry`'s answer does not cover.
        `home`: where the asker said they are (in the story), which "di sini", "di
        kelurahan kami" ask about. `settings`: only where and when (a place, a finer
        place, a year, now), what a later question leaning on this one shares."""
        covers = self._covers.get(entry.id)
        if covers is None:
            return None
        counting = any(self._kinds.get(t) == COUNT for t in query.tokens)
        miscounted = False  # a count the answer's figures may not count (see below)
        when = self.asks_when(text, query)
        if when and not covers.time and not settings:
            return Narrowing(TIME)
        if covers.ranks and not settings:
            # "MTQ ke-9 nanti kapan?" is not answered by what the report says of the 8th:
            # a rank the question names must be one the answer gives.
            for m in _NUMBER.finditer(text):
                if (m.group(1) or m.group(3)) and m.group(2) not in covers.ranks:
                    return Narrowing(ASKED, (m.group(2),))
        places: list[str] = []
        # Things the question names that the answer does not speak of: each restricts
        # the question only where it asks, not in what the asker says of themselves
        # ("saya jualan kue di Pamulang, …"); that costs a reading per clause, so it is
        # checked only for these.
        pending: list[tuple[str, Narrowing]] = []
        for token in query.tokens:
            kind = self._kinds.get(token)
            if kind is None or (settings and kind not in SETTINGS):
                continue
            if kind == COUNT:
                # "tahun berapa" is answered by a year, "MTQ ke berapa" by a rank.
                ranked = covers.ordinal and bool(self._rank_asked.search(text.casefold()))
                if not (covers.figure or (when and covers.time) or ranked):
                    return Narrowing(COUNT)
                miscounted = bool(covers.counts) and not (when or ranked)
            elif kind == CAUSE:
                if not covers.reason:
                    return Narrowing(CAUSE)
            elif kind == LOCATED:
                # Only where the question asks where or which ("di gedung mana?"), not in
                # a relative clause ("di kota tempat kampus kami berada").
                if not covers.located and set(query.tokens) & _WHERE:
                    return Narrowing(LOCATED)
            elif kind == PLACE:
                places.append(token)
            elif kind.startswith(COUNTED):
                if counting and token not in covers.tokens:
                    pending.append((token, Narrowing(kind.removeprefix(COUNTED))))
            elif kind == PRODUCT:
                # An answer about some products does not speak of another ("tas anyaman
                # diekspor ke mana?"); one about no product at all is no claim on it.
                if covers.products and token not in covers.tokens:
                    pending.append((token, Narrowing(PRODUCT)))
            elif token not in covers.tokens:
                pending.append((token, Narrowing(kind)))
        folded = text.casefold()
        # The asker's own place, asked about: only with a place about (theirs, or named).
        here = self._here is not None and bool(home or places) and bool(self._here.search(folded))
        another = bool(places) and self._another(folded)
        asked: tuple[frozenset[str], frozenset[str]] | None = None
        settles = not (counting or another or here) and covers.placed
        if pending or here or (places and not settles):
            asked = self._asked(text)
            for token, narrowing in pending:
                if token in asked[0]:
                    return narrowing
            places = [p for p in places if p in asked[0]]
        if here and asked is not None:
            # "di kelurahan kami", "di sini": the asker's own place is the one asked, and
            # whether there is one there too.
            mine = [p for p in home | asked[1] if self._kinds.get(p) == PLACE]
            places.extend(mine)
            another = another or bool(mine)
        # An answer that says where settles a claim about a place ("di Serpong, kan?"),
        # though not a count for that place, nor whether there is another one there ("di
        # Pondok Cabe Ilir ada juga?"); a place its topic names is the thing asked about
        # ("ukm yang di Pamulang itu"); "di Pamulang atau Pondok Aren?" is answered when
        # one of them is covered.
        if (
            places
            and (counting or not covers.placed or another)
            and not covers.places & set(places)
        ):
            return Narrowing(PLACE)
        years = [str(y) for y in query.years]
        if years and not covers.tokens & set(years) and not self._as_of_report(query, covers):
            return Narrowing(YEAR, tuple(years))
        part = self._part_of_period(query.years, covers) if self.stated else None
        if part is not None:
            # "binaan 2009 saja", "khusus tahun 2010 berapa?": the report's figure is for
            # 2009-2010 together.
            return Narrowing(YEAR, (str(part),))
        if miscounted:
            # A figure of something else: "berapa UKM di Pondok Cabe Udik?" is not
            # answered by the group's 800 members, "how much did they sell?" not by the
            # two products exported. (After the kinds above, which say more precisely
            # what the report lacks: "how many women" is a count by gender.)
            counted = self._counted(query)
            if counted and not counted & covers.counts:
                return Narrowing(COUNT, (min(counted),))
        if counting and not settings:
            # A count narrowed by a relative clause ("Berapa jumlah UKM Tangsel yang sudah
            # ekspor?", "… yang perempuan?") is not answered by the count of them all.
            for word in query.relative:
                if word in self.judged and word not in covers.explained:
                    return Narrowing(COUNT, (word,))
        if not settings:
            # What is asked for must be what the answer speaks of: "di jalan apa?" is not
            # answered by the kelurahan, "di kota mana di China?" by the country, "What
            # event was it?" by who the official was.
            for head in query.heads:
                if head in self.judged and head not in covers.explained:
                    return Narrowing(ASKED, (head,))
                if (
                    self.stated
                    and when
                    and head in self._time_tokens
                    and not self._gives_unit(head, covers)
                ):
                    # "jam berapa?" is not answered by a year, though both say when.
                    return Narrowing(TIME, (head,))
            for token in query.tokens:
                if token in self.named and token not in covers.explained:
                    return Narrowing(ASKED, (token,))
            if self.anywhere:
                # Not only the word a question word binds: an attribute anywhere the
                # question asks ("Nomor HP Pak Ismunandar ada?"), not where the asker
                # speaks of themselves ("Saya pemilik warung, …"), nor one a figure
                # follows ("orang nomor satu": a rank, not a phone number).
                after = (*query.tokens[1:], "")  # (one longer when there are no tokens)
                missing = [
                    t
                    for t, then in zip(query.tokens, after, strict=False)
                    if t in self._beyond
                    and t not in covers.frame
                    and t not in query.guesses
                    and not (then.isdigit() or then in FIGURE_WORDS)
                ]
                missing = [t for t in missing if t not in self._said(entry)[1]]
                if missing:
                    asked = asked or self._asked(text)
                    for token in missing:
                        if token in asked[0]:
                            return Narrowing(ATTRIBUTE, (token,))
            # A choice offered ("kerupuk udang, ikan, atau bawang?", "Beijing or
            # Shanghai?") is answered only by an answer that names one of the things
            # (below); it asks which, so it is no yes/no claim ("… 411 atau 2.110?").
            options = self._claims.options(folded)
            if self.claims and len(options) < 2 and self._claims.pairs(text, query):
                claim = self._claims.unpaired(text, query, *self._said(entry), covers.frame)
                if claim:
                    return Narrowing(CLAIM, claim)
            unstated = self._not_stated(folded, query, covers, entry) if self.stated else None
            if unstated is not None:
                return unstated
            if len(options) > 1:
                # What tells the things apart ("kerupuk udang atau kerupuk ikan").
                shared = frozenset.intersection(*options)
                options = [o - shared or o for o in options]
                if not any(o <= covers.explained for o in options):
                    return Narrowing(ASKED, (min(options[0]),))
        return None

    def _not_stated(
        self, folded: str, query: Query, covers: _Covers, entry: Entry
    ) -> Narrowing | None:
        """Where something went, who said it, who holds a post (in the body asked of):
        asked, each must be what the answer states."""
        tokens = set(query.tokens)
        if covers.placed and not covers.abroad and self._destination.search(folded):
            # "batiknya ke mana?" asks where it went, not where the group is.
            return Narrowing(ASKED, ("dimana",))
        if tokens >= _SAID and not covers.speaker:
            # "yang ngomong siapa?" asks who told the reporter, which "who can join the
            # training" does not say.
            return Narrowing(ASKED, ("bicara",))
        if "siapa" in tokens:
            # Who holds the post named: "Pejabat yang diwawancarai itu siapa?" is not
            # answered by the forum's chair, who holds no office.
            for token in query.tokens:
                if token in self._roles and token not in covers.explained:
                    return Narrowing(ASKED, (token,))
        post = self._posts.elsewhere(query, entry)
        if post is not None:
            return Narrowing(ASKED, (post,))
        return None

    def strange(self, text: str, query: Query, entry: Entry) -> tuple[str, ...]:
        """Words the bot does not know in a yes/no follow-up ("ada yang ekspor parfum
        juga?" after batik's market) that the answer context found does not account for:
        on its own the question matched nothing because of them, and whether there is
        such a thing the report never says. (Not in a question on its own: there an
        unknown word is as often slang or regional speech, "nambah", "pirang", which
        the matcher already weighs.) Not a word of what the asker says of themselves."""
        explained = self.explained(entry)
        unknown = [t for t in query.unknown if not t.isdigit() and t not in explained]
        if not unknown or not self.claims or not self._claims.yes_no(text, query):
            return ()
        asked = self._asked(text)[0]
        return tuple(t for t in unknown if t in asked)

    def _as_of_report(self, query: Query, covers: _Covers) -> bool:
        """The year asked is only the report's own ("according to the 2011 report",
        "berita tahun 2011"), and the answer names no year: it speaks as of the report."""
        return set(query.years) == {self._report_year} and not covers.alone and not covers.periods

    def _part_of_period(self, years: Sequence[int], covers: _Covers) -> int | None:
        """A year asked that the answer gives only inside a period whose two ends the
        question does not both name: the answer states no figure for it."""
        asked = set(years)
        for year in years:
            if year in covers.alone:
                continue
            for first, last in covers.periods:
                if first <= year <= last and not {first, last} <= asked:
                    return year
        return None

    def _gives_unit(self, unit: str, covers: _Covers) -> bool:
        """The answer says when in this unit of time: the unit is one it speaks of, or a
        year for "tahun berapa", a day or a month for "hari apa", "bulan apa"."""
        if unit in covers.explained:
            return True
        if unit in self._year_units:
            return bool(covers.alone or covers.periods)
        return unit in self._day_units and covers.days

    def _counted(self, query: Query) -> frozenset[str]:
        """What a count question counts: its concepts (lexicon synonyms and what is asked
        for, not ordinary words, places or classifiers); any one of them counted by the
        answer's figures will do. Word order says little here ("yg dibina dinas 2011
        brp?" counts the fostered, not the office), so every concept of it counts."""
        return self._concepts.intersection(query.tokens)

    def counts_unknown(self, entry: Entry) -> bool:
        """Its answer gives an amount, but nothing says what it counts (`Entry.counts`):
        a count question about anything would be answered by it."""
        covers = self._covers.get(entry.id)
        return covers is not None and covers.figure and not covers.counts

    def unaccounted(self, entry: Entry, tokens: Iterable[str]) -> tuple[str, ...]:
        """Of `tokens`, those nothing of the reply to `entry` accounts for."""
        explained = self.explained(entry)
        return tuple(t for t in tokens if t not in explained)

    def states(self, entry: Entry, words: Iterable[str]) -> bool:
        """The reply to `entry` states every one of `words` (its answer or its source
        line, not only the phrasings it is asked with)."""
        covers = self._covers.get(entry.id)
        frame = covers.frame if covers is not None else frozenset()
        return all(w in self._said(entry)[1] or w in frame for w in words)

    def explained(self, entry: Entry) -> frozenset[str]:
        """Every word the reply to `entry` accounts for."""
        covers = self._covers.get(entry.id)
        return covers.explained if covers is not None else frozenset()

    def asks_when(self, text: str, query: Query) -> bool:
        """The question asks a time: "kapan", "iraha", a clause that opens with "when", or
        a unit of time asked ("bulan apa", "tanggal berapa", "what year"); not "where was
        he when he spoke", not "per bulan apa per tahun" (a month or a year)."""
        folded = text.casefold()
        if "kapan" in query.tokens and self._when.search(folded):
            return True
        if not self._time_tokens.intersection(query.tokens):
            return False  # no unit of time named: nothing to look for
        return any(
            (m.group("pre") or "").strip() not in _PER for m in self._time_asked.finditer(folded)
        )

    def _asked(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        """The words of the clauses that ask, and those of what the asker says of
        themselves: their home ("saya tinggal di Ciputat") and statements about them
        ("saya jualan kue di Pamulang, ..."; a clause with "saya" that asks nothing)."""
        own: set[str] = set()
        if self._residence is not None:
            for match in self._residence.finditer(text):
                own.update(self.normalizer.tokens(match.group()))
            text = self._residence.sub(" , ", text)
        asked: set[str] = set()
        supposed: set[str] = set()
        for clause in _CLAUSE.split(text):
            tokens = self.normalizer.tokens(clause)
            if not tokens:
                continue
            words = _WORD.findall(clause.casefold())
            asks = set(tokens) & self._question_words or words[-1] in self._tags
            if set(words) & self._first_person and not asks:
                own.update(tokens)
            elif words[0] in self._conditionals and not asks:
                supposed.update(tokens)  # "kalau ada yang pesan banyak, …": a setting
            else:
                asked.update(tokens)
        # A supposition is the question itself when nothing else asks ("kalau di Pamulang?").
        return frozenset(asked if asked else asked | supposed), frozenset(own)

    def _another(self, folded: str) -> bool:
        return any(w in self._others for w in _WORD.findall(folded))


# The source line names who told the reporter when an entry has `said_by`: it answers
# "who said so".
_SPEAKER = ("siapa", "bicara", "narasumber")

# Who said it (canonical words).
_SAID = frozenset({"siapa", "bicara"})

# Question words that ask where or which (canonical).
_WHERE = frozenset({"dimana", "apa"})

# "per bulan apa per tahun": a unit after these is a rate, not a time asked.
_PER = frozenset({"per", "tiap", "setiap", "se", "each", "every", "a"})
