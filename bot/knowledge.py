"""Load and validate knowledge/ into a knowledge base, and keep the SQLite copy the bot serves.

Each file's own rules are in knowledge_files.py; here they are put together, judged by the
answering core (a phrasing must find its own entry), and saved (compiled.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from bot import compiled
from bot.answering import Answerer
from bot.answering.model import Entry, KnowledgeBase
from bot.compiled import read_saved_knowledge as read_saved_knowledge
from bot.compiled import save_knowledge as save_knowledge
from bot.knowledge_files import (
    Collector,
    FactRenderer,
    parse_counts,
    parse_entries,
    parse_facts,
    parse_lexicon,
    parse_source,
    parse_speakers,
    parse_topics,
    read_toml,
)
from bot.knowledge_files import Problem as Problem

if TYPE_CHECKING:
    import sqlite_utils


class KnowledgeInvalid(Exception):
    """The knowledge files cannot be used; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(
            f"{len(errors)} problem(s) in the knowledge files:\n"
            + "\n".join(f"  - {p}" for p in errors)
        )


def default_knowledge_dir() -> Path:
    """The shipped knowledge base: inside the package when installed, else the repo's."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "_knowledge", package.parent / "knowledge"):
        if (candidate / "facts.toml").is_file():
            return candidate
    return package.parent / "knowledge"


def knowledge_files(directory: Path) -> list[Path]:
    entries = sorted((directory / "entries").glob("*.toml"))
    return [
        directory / "facts.toml",
        directory / "topics.toml",
        directory / "lexicon.toml",
        *entries,
    ]


def knowledge_hash(directory: Path) -> str:
    """Changes whenever any knowledge file is added, removed or edited, and whenever the
    compiled format does (a new field in the dataclasses: see bot/compiled.py), so an
    upgraded bot rebuilds its copy even though no knowledge file changed."""
    digest = hashlib.sha256(f"format {compiled.FORMAT}\n".encode())
    for path in knowledge_files(directory):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()[:16]


# -- reading the files ---------------------------------------------------------------


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Read and validate every file; raise KnowledgeInvalid naming each problem."""
    return read_knowledge(directory).kb


class Validated(NamedTuple):
    kb: KnowledgeBase
    warnings: list[Problem]
    files: dict[str, str]  # each entry's file, by entry id, named as problems name it


def read_knowledge(directory: Path) -> Validated:
    """Read and validate every file: the knowledge base and its warnings, or
    KnowledgeInvalid naming each problem (warnings included).

    This is the one validation: `kb check`, `kb build`, the rebuild at start-up and
    /muatulang all accept or refuse the same files. Besides each file's own rules, a
    phrasing that finds another entry than its own (the same words as another entry's
    phrasing, or ranked below another entry) is an error: a resident who types exactly
    that phrasing would get the other entry's answer, confidently (the matcher cannot
    tell them apart), and refusing costs residents nothing, since the last good build
    keeps serving until the phrasing is reworded.
    """
    directory = Path(directory)
    out = Collector(directory)
    if not directory.is_dir():
        out.add(directory, "the knowledge folder does not exist (set KNOWLEDGE_DIR?)")
        raise KnowledgeInvalid(out.problems)
    facts_doc = read_toml(directory / "facts.toml", out)
    topics_doc = read_toml(directory / "topics.toml", out)
    lexicon_doc = read_toml(directory / "lexicon.toml", out)
    source = parse_source(facts_doc, directory / "facts.toml", out)
    facts = parse_facts(facts_doc, directory / "facts.toml", out)
    topics = parse_topics(topics_doc, directory / "topics.toml", out)
    lexicon = parse_lexicon(lexicon_doc, directory / "lexicon.toml", out)
    entry_files = sorted((directory / "entries").glob("*.toml"))
    if not entry_files:
        out.add(directory / "entries", "no entry files (*.toml) found")
    raw_entries: list[tuple[Path, dict[str, Any], str]] = []
    # A file that cannot be read is one error; what depends on it is not checked (an
    # unreadable facts.toml is not forty answers that "do not render").
    entries_read = True
    for path in entry_files:
        doc = read_toml(path, out)
        if doc is None:
            entries_read = False
            continue
        topic = doc.get("topic")
        if not isinstance(topic, str) or (
            topics_doc is not None and not any(t.id == topic for t in topics)
        ):
            known = ", ".join(t.id for t in topics)
            out.add(
                path, f"'topic' must be one of the topics in topics.toml ({known})", field_="topic"
            )
            topic = str(topic)  # its entries are still checked, and others' links to them
        items = doc.get("entry")
        if not isinstance(items, list) or not items:
            out.add(path, "no [[entry]] tables found", field_="entry")
            continue
        for item in items:
            raw_entries.append((path, item, topic))
    renderer = FactRenderer(facts, source)
    speakers = parse_speakers(facts_doc, directory / "facts.toml", renderer, out)
    counts = parse_counts(facts_doc, directory / "facts.toml", facts, out)
    entries = parse_entries(
        raw_entries, topics, renderer, speakers, counts, out, facts_doc is not None, entries_read
    )
    if out.failed or source is None or lexicon is None:
        raise KnowledgeInvalid(out.problems)
    kb = KnowledgeBase(
        entries=tuple(entries),
        topics=tuple(topics),
        lexicon=lexicon,
        source=source,
        facts=facts,
        version=knowledge_hash(directory),
    )
    files = {str(item.get("id")): out.name_of(path) for path, item, _ in raw_entries}
    out.problems += _checked_answering(kb, files)
    if out.failed:
        raise KnowledgeInvalid(out.problems)
    return Validated(kb, out.problems, files)


def answering_problems(kb: KnowledgeBase, files: Mapping[str, str]) -> list[Problem]:
    """What the answering core itself finds wrong (`files`: the file of each entry, by
    id). Errors: phrasings that would not find their own entry (no word the bot can
    match on, the same words as another entry's phrasing, or another entry ranked
    first). Warnings: an answer that gives a figure nothing says the meaning of."""
    answerer = Answerer(kb)
    problems: list[Problem] = []
    signatures: dict[frozenset[str], str] = {}

    def report(entry: Entry, message: str) -> None:
        problems.append(Problem(files.get(entry.id, "entries"), message, entry.id, "questions"))

    for entry in kb.entries:
        for variant in entry.variants():
            query = answerer.normalizer.normalize(variant)
            tokens = frozenset(query.tokens)
            if not tokens:
                report(entry, f"'{variant}' has no words the bot can match on")
                continue
            other = signatures.setdefault(tokens, entry.id)
            if other != entry.id:
                report(
                    entry,
                    f"'{variant}' matches entry '{other}' exactly as well as its own; reword it",
                )
            ranked = answerer.index.rank(query, limit=2)
            if ranked and ranked[0].entry.id != entry.id:
                report(
                    entry, f"'{variant}' matches entry '{ranked[0].entry.id}' better than its own"
                )
    for entry in kb.entries:
        if not entry.gap and answerer.coverage.counts_unknown(entry):
            problems.append(
                Problem(
                    files.get(entry.id, "entries"),
                    "the answer gives a figure but nothing says what it counts: add "
                    "`counts = [...]` to the entry (or the fact's line to [counts] in "
                    "facts.toml), or any count question can be answered with it",
                    entry.id,
                    "counts",
                    "warning",
                )
            )
    return problems


# What the answering core finds in a set of files, by their version (a hash of every
# file's bytes): the same files in one process are judged once (the test suite reads the
# shipped files many times).
_ANSWERING_CHECKED: dict[str, list[Problem]] = {}


def _checked_answering(kb: KnowledgeBase, files: Mapping[str, str]) -> list[Problem]:
    key = f"{kb.version} {sorted(files.items())}"
    if key not in _ANSWERING_CHECKED:
        if len(_ANSWERING_CHECKED) >= 8:  # a bot reloaded many times keeps only a few
            _ANSWERING_CHECKED.clear()
        _ANSWERING_CHECKED[key] = answering_problems(kb, files)
    return list(_ANSWERING_CHECKED[key])


def with_learned(kb: KnowledgeBase, learned: Mapping[str, Iterable[str]]) -> KnowledgeBase:
    """The same knowledge base with phrasings staff taught the bot added to their entries."""
    entries = []
    for entry in kb.entries:
        extra = tuple(dict.fromkeys(learned.get(entry.id, ())))
        entries.append(replace(entry, learned=extra) if extra else entry)
    return KnowledgeBase(tuple(entries), kb.topics, kb.lexicon, kb.source, kb.facts, kb.version)


# -- the SQLite copy (bot/compiled.py) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class KnowledgeStatus:
    kb: KnowledgeBase
    rebuilt: bool
    problems: list[Problem]  # why the files were not used, when they were not


def current_knowledge(database: Path, directory: Path) -> KnowledgeBase | None:
    """The copy saved in the database if it matches the files, read without opening the
    database for writing (so without sqlite_utils); None when it is missing or stale, and
    ensure_knowledge has work to do."""
    if not directory.is_dir():
        return None
    return compiled.read_current_knowledge(database, knowledge_hash(directory))


def ensure_knowledge(db: sqlite_utils.Database, directory: Path) -> KnowledgeStatus:
    """Serve the saved knowledge if it matches the files; rebuild it if the files changed.

    A broken file never replaces a working database: the saved copy keeps serving and the
    problems are returned so the caller can tell staff. With no saved copy to fall back on,
    KnowledgeInvalid is raised.
    """
    saved = read_saved_knowledge(db)
    current = knowledge_hash(directory) if directory.is_dir() else None
    if saved is not None and saved.version == current:
        return KnowledgeStatus(saved, rebuilt=False, problems=[])
    try:
        kb = load_knowledge(directory)
    except KnowledgeInvalid as err:
        if saved is None:
            raise
        return KnowledgeStatus(saved, rebuilt=False, problems=err.problems)
    save_knowledge(db, kb)
    return KnowledgeStatus(kb, rebuilt=True, problems=[])
