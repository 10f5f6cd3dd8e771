"""Typed knowledge the answering core works on: entries, topics and the lexicon."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = ("id", "en")


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    label: dict[Lang, str]
    intro: dict[Lang, str]
    gap: bool = False  # entries of a gap topic describe what the report does NOT say


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    topic: str
    questions: dict[Lang, tuple[str, ...]]  # first of each list labels buttons
    answer: dict[Lang, str]  # plain text, facts already filled in
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    show_contact: bool = False
    gap: bool = False
    said_by: dict[Lang, str] | None = None  # who told the reporter: shown with the source
    learned: tuple[str, ...] = ()  # phrasings staff taught the bot after launch
    # What the figures of its answer count ("anggota", "helai"): those of the facts it
    # cites (facts.toml [counts]) and its own (a figure in words: "dua" products).
    counts: tuple[str, ...] = ()

    def label(self, lang: Lang) -> str:
        """The short question that stands for this entry on a button."""
        return self.questions[lang][0]

    def variants(self) -> tuple[str, ...]:
        """Every phrasing that should find this entry."""
        return (*self.questions["id"], *self.questions["en"], *self.learned)


@dataclass(frozen=True, slots=True)
class Source:
    outlet: str
    year: int
    dateline: str
    editor: str
    title: dict[Lang, str]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """How residents type, as data: see knowledge/lexicon.toml.

    Every word list is a `frozenset[str]` read from `[words]` under its own name (except
    `protected`, at the top, and `english`, under `[language]`): a new list is a new field
    here and a new list in the file, nothing else (bot/knowledge.py reads them by name).
    """

    abbreviations: dict[str, tuple[str, ...]]
    question_words: dict[tuple[str, ...], str]  # surface phrase -> canonical
    synonyms: dict[tuple[str, ...], str]  # surface phrase -> canonical
    protected: frozenset[str]
    fillers: frozenset[str]
    stopwords: frozenset[str]
    smalltalk: dict[str, frozenset[tuple[str, ...]]]  # kind -> phrases
    english: frozenset[str]
    common: frozenset[str] = frozenset()  # ordinary words, never "corrected"
    exact_concepts: frozenset[str] = frozenset()  # names: no typo ever maps onto them
    negators: frozenset[str] = frozenset()  # "selain": the next thing named is not asked
    attributes: frozenset[str] = frozenset()  # what a question asks for: nama, harga...
    subjects: frozenset[str] = frozenset()  # what a question is about: kerupuk, batik...
    chatter: frozenset[str] = frozenset()  # words that carry little topic: weighed lightly
    requests: frozenset[str] = frozenset()  # "tolong", "dong": a thank-you that asks more
    # Finding the questions in a long message (bot/answering/segment.py).
    asking: frozenset[str] = frozenset()  # "tolong jelaskan", "tell me": a request asks
    # "mau nanya soal …", "I have a question about …": a question announced, not asked
    announcing: frozenset[str] = frozenset()
    regarding: frozenset[str] = frozenset()  # "soal", "tentang", "about": what it is about
    question_tags: frozenset[str] = frozenset()  # "..., gak?": a yes/no question's tail
    yes_no_openers: frozenset[str] = frozenset()  # "is it …?": an English yes/no question
    # "apakah", "benarkah", "kan": a question whose "apa" asks yes or no, not which
    yes_no: frozenset[str] = frozenset()
    reported: frozenset[str] = frozenset()  # "mereka bertanya … apa": a question reported
    appeals: frozenset[str] = frozenset()  # "bisa dibantu?", "benar?": asks the one before
    connectives: frozenset[str] = frozenset()  # "terus", "and": where a second one starts
    coordinators: frozenset[str] = frozenset()  # "dan", "sama": two subjects, one question
    alternatives: frozenset[str] = frozenset()  # "atau", "or": a choice between things named
    # Follow-ups and context (bot/answering/respond.py).
    anaphora: frozenset[str] = frozenset()  # "itu", "tuh", "beliau", "it": leans on before
    places: frozenset[str] = frozenset()  # canonical places inside the city (sub-districts)
    regions: frozenset[str] = frozenset()  # the city, other cities: a follow-up's own replaces
    frames: frozenset[str] = frozenset()  # "berita": where every fact is, not what is asked
    aspects: frozenset[str] = frozenset()  # "manfaat", "lokasi": what is asked, not of what
    residence: frozenset[str] = frozenset()  # "saya tinggal di": the place is the asker's
    first_person: frozenset[str] = frozenset()  # "saya", "I": a statement about the asker
    wants: frozenset[str] = frozenset()  # "mau", "pengen", "want": the asker wants something
    hearsay: frozenset[str] = frozenset()  # "katanya", "saya dengar": a claim reported
    here: frozenset[str] = frozenset()  # "di sini", "kelurahan kami": the asker's own place
    another: frozenset[str] = frozenset()  # "juga", "lain", "also": another one, elsewhere
    conditionals: frozenset[str] = frozenset()  # "kalau", "if": a clause that supposes
    afters: frozenset[str] = frozenset()  # "setelah", "after": a clause that sets the time
    # Narrowed questions (bot/answering/narrow.py): kind -> canonical words that restrict
    # what is asked (a place, men only, a motif...), and the words of a stated cause.
    restrictions: dict[str, frozenset[str]] = field(default_factory=dict)
    reasons: frozenset[str] = frozenset()  # "karena", "agar", "because": an answer's why
    # "tanggal berapa", "what month": a question that asks a time; "Jumat", "Januari": an
    # answer that gives one (besides a year).
    time_units: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()  # an answer that names one says where
    # "ke mana", "where to": where something went, answered by a country it reached
    destinations: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    # What is asked (bot/answering/narrow.py): the word a question word is bound to
    # ("acara apa", "which city", "berapa persen") must be accounted for by the answer.
    classifiers: frozenset[str] = frozenset()  # "berapa orang": counts, restricts nothing
    # Posts a person holds ("kepala", "ketua", "pejabat", "editor"): who holds one is
    # answered only by an answer about someone in that post.
    roles: frozenset[str] = frozenset()
    posts: frozenset[str] = frozenset()  # "kepala", "ketua": an answer naming one states a post
    bodies: frozenset[str] = frozenset()  # "dinas", "forum": where a post is held
    names: frozenset[str] = frozenset()  # concepts that are names: an answer naming one
    # gives "nama"

    @property
    def canonical_question_words(self) -> frozenset[str]:
        return frozenset(self.question_words.values())


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    topics: tuple[Topic, ...]
    lexicon: Lexicon
    source: Source
    facts: dict[str, object] = field(default_factory=dict)
    version: str = ""  # hash of the files it was built from
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def entries_in(self, topic_id: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.topic == topic_id)

    def browsable_topics(self) -> tuple[Topic, ...]:
        return tuple(t for t in self.topics if not t.gap)
