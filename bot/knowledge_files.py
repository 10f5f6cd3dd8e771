"""Each knowledge file's own rules: the TOML of knowledge/ read into typed parts (source,
facts, speakers, counts, topics, lexicon, entries), every problem collected with its file,
entry and field so a staff member can fix it."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2

from bot.answering.model import LANGS, Entry, Lang, Lexicon, Source, Topic
from bot.rendering import number_filter

ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")  # short: it travels in callback_data
MIN_QUESTIONS: dict[Lang, int] = {"id": 6, "en": 2}
LABEL_MAX = 64  # the first question is a button label; longer ones are cut on phones
ENTRY_FIELDS = {
    "id",
    "keywords",
    "related",
    "questions",
    "answer",
    "show_contact",
    "said_by",
    "counts",
}
# A fact an answer cites: {{ fact.NAME }}, with or without a filter.
_FACT_REFERENCE = re.compile(r"\bfact\.(\w+)")
Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the knowledge files, said so a staff member can fix it."""

    file: str
    message: str
    entry: str | None = None
    field: str | None = None
    severity: Severity = "error"
    line: int | None = None  # where in the file, when the file could not be read as TOML
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        if self.entry:
            where += f": entry '{self.entry}'"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


@dataclass
class Collector:
    root: Path
    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        path: Path | str,
        message: str,
        entry: str | None = None,
        field_: str | None = None,
        severity: Severity = "error",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        name = path if isinstance(path, str) else self.name_of(path)
        self.problems.append(Problem(name, message, entry, field_, severity, line, column))

    def name_of(self, path: Path) -> str:
        try:
            return str(Path(self.root.name) / path.relative_to(self.root))
        except ValueError:
            return str(path)

    @property
    def failed(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def read_toml(path: Path, out: Collector) -> dict[str, Any] | None:
    if not path.is_file():
        out.add(path, "file is missing")
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        out.add(path, "is not UTF-8 text; save it as UTF-8")
    except tomllib.TOMLDecodeError as err:
        line, column, reason = _toml_position(err)
        text = path.read_text(encoding="utf-8").splitlines()
        shown = f': "{text[line - 1].strip()}"' if line is not None and line <= len(text) else ""
        out.add(
            path,
            f"is not valid TOML: {reason}{shown}. Fix the syntax there (a missing quote, "
            "bracket or comma is the usual cause); what depends on this file is checked "
            "once it reads",
            line=line,
            column=column,
        )
    return None


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$|\s*\(at end of document\)$")


def _toml_position(err: tomllib.TOMLDecodeError) -> tuple[int | None, int | None, str]:
    """Line, column and reason of a TOML syntax error (Python 3.11's tomllib keeps them
    only in the message: "Expected ']' at the end of a table declaration (at line 8,
    column 8)")."""
    message = str(err)
    found = _TOML_AT.search(message)
    reason = message[: found.start()] if found else message
    if found and found.group(1):
        return int(found.group(1)), int(found.group(2)), reason
    return None, None, reason + (" (at the end of the file)" if found else "")


def _bilingual(
    value: Any, path: Path, out: Collector, entry: str | None, name: str
) -> dict[Lang, str] | None:
    if not isinstance(value, Mapping):
        out.add(
            path, 'needs an Indonesian and an English text: { id = "…", en = "…" }', entry, name
        )
        return None
    result: dict[Lang, str] = {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            language = "Indonesian" if lang == "id" else "English"
            out.add(path, f"the {language} text is missing or empty", entry, f"{name}.{lang}")
        else:
            result[lang] = text.strip()
    extra = set(value) - set(LANGS)
    if extra:
        out.add(path, f"unknown language(s) {sorted(extra)}; use 'id' and 'en'", entry, name)
    return result if len(result) == len(LANGS) else None


def parse_source(doc: dict[str, Any] | None, path: Path, out: Collector) -> Source | None:
    if doc is None:
        return None
    raw = doc.get("source")
    if not isinstance(raw, Mapping):
        out.add(
            path, "needs a [source] table (outlet, year, dateline, editor, title)", field_="source"
        )
        return None
    ok = True
    for key, kind in (("outlet", str), ("year", int), ("dateline", str), ("editor", str)):
        if not isinstance(raw.get(key), kind):
            out.add(path, f"'{key}' is missing or not a {kind.__name__}", field_=f"source.{key}")
            ok = False
    title = _bilingual(raw.get("title"), path, out, None, "source.title")
    if not ok or title is None:
        return None
    return Source(raw["outlet"], raw["year"], raw["dateline"], raw["editor"], title)


def parse_facts(doc: dict[str, Any] | None, path: Path, out: Collector) -> dict[str, object]:
    if doc is None:
        return {}
    raw = doc.get("fact")
    if not isinstance(raw, Mapping):
        out.add(path, "needs a [fact] table", field_="fact")
        return {}
    facts: dict[str, object] = {}
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float | Mapping):
            out.add(path, "a fact is text, a number, or { id = …, en = … }", field_=f"fact.{name}")
        elif isinstance(value, Mapping):
            both = _bilingual(value, path, out, None, f"fact.{name}")
            if both:
                facts[name] = both
        else:
            facts[name] = value
    return facts


def parse_speakers(
    doc: dict[str, Any] | None, path: Path, renderer: FactRenderer, out: Collector
) -> dict[str, dict[Lang, str]]:
    """[speaker]: the people the report quotes, as an entry's `said_by` names them."""
    raw = (doc or {}).get("speaker", {})
    if not isinstance(raw, Mapping):
        out.add(path, "[speaker] must be a table of { id = …, en = … }", field_="speaker")
        return {}
    speakers: dict[str, dict[Lang, str]] = {}
    for name, value in raw.items():
        both = _bilingual(value, path, out, None, f"speaker.{name}")
        if both is None:
            continue
        try:
            speakers[name] = {lang: renderer.render(both[lang], lang) for lang in LANGS}
        except jinja2.TemplateError as err:
            out.add(path, f"does not render: {err}", field_=f"speaker.{name}")
    return speakers


def parse_counts(
    doc: dict[str, Any] | None, path: Path, facts: Mapping[str, object], out: Collector
) -> dict[str, tuple[str, ...]]:
    """[counts]: what each figure counts, in residents' words ("sme_actors": UKM, pelaku
    usaha). An answer citing the figure counts those; a count question about something
    else ("berapa UKM di Pondok Cabe Udik?" against the group's members) is not answered
    by it."""
    raw = (doc or {}).get("counts", {})
    if not isinstance(raw, Mapping):
        out.add(path, "[counts] must be a table of fact = [words]", field_="counts")
        return {}
    counts: dict[str, tuple[str, ...]] = {}
    for name, words in raw.items():
        if name not in facts:
            out.add(path, f"'{name}' is not a fact in [fact]", field_=f"counts.{name}")
        elif not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            out.add(path, "must be a list of words", field_=f"counts.{name}")
        else:
            counts[name] = tuple(words)
    return counts


def parse_topics(doc: dict[str, Any] | None, path: Path, out: Collector) -> list[Topic]:
    if doc is None:
        return []
    raw = doc.get("topic")
    if not isinstance(raw, list) or not raw:
        out.add(path, "needs [[topic]] tables", field_="topic")
        return []
    topics: list[Topic] = []
    for item in raw:
        topic_id = item.get("id") if isinstance(item, Mapping) else None
        if not isinstance(topic_id, str) or not ENTRY_ID.match(topic_id):
            out.add(
                path, "each topic needs an 'id' of lower-case letters, digits and '-'", field_="id"
            )
            continue
        if any(t.id == topic_id for t in topics):
            out.add(path, f"topic id '{topic_id}' is used twice", topic_id, "id")
            continue
        label = _bilingual(item.get("label"), path, out, topic_id, "label")
        intro = _bilingual(item.get("intro"), path, out, topic_id, "intro")
        if label and intro:
            topics.append(Topic(topic_id, label, intro, gap=bool(item.get("gap", False))))
    return topics


def parse_lexicon(
    doc: Mapping[str, Any] | None, path: Path | str, out: Collector
) -> Lexicon | None:
    """Build the lexicon; every list must hold lower-case text."""
    if doc is None:
        return None
    start = len(out.problems)

    def words(value: Any, name: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            out.add(path, "must be a list of texts", field_=name)
            return []
        bad = [v for v in value if v != v.casefold().strip() or not v]
        if bad:
            out.add(
                path, f"write these in lower case without outer spaces: {bad[:5]}", field_=name
            )
        return [v for v in value if v]

    def phrase_table(section: str) -> dict[tuple[str, ...], str]:
        raw = doc.get(section)
        table: dict[tuple[str, ...], str] = {}
        if not isinstance(raw, Mapping):
            out.add(path, f"needs a [{section}] table", field_=section)
            return table
        for canonical, surfaces in raw.items():
            for surface in words(surfaces, f"{section}.{canonical}"):
                key = tuple(surface.split())
                if key in table and table[key] != canonical:
                    out.add(
                        path,
                        f"'{surface}' is listed under both '{table[key]}' and "
                        f"'{canonical}'; keep it under one",
                        field_=f"{section}.{canonical}",
                        severity="warning",
                    )
                table.setdefault(key, canonical)
        return table

    abbreviations: dict[str, tuple[str, ...]] = {}
    raw_abbr = doc.get("abbreviations")
    if not isinstance(raw_abbr, Mapping):
        out.add(path, "needs an [abbreviations] table", field_="abbreviations")
    else:
        for short, long in raw_abbr.items():
            if not isinstance(long, str) or not long.strip():
                out.add(path, "must be the written-out text", field_=f"abbreviations.{short}")
            else:
                abbreviations[short] = tuple(long.split())
    question_words = phrase_table("question_words")
    synonyms = phrase_table("synonyms")
    sections: dict[str, Mapping[str, Any]] = {"": doc}
    for name in ("words", "smalltalk", "language", "restrictions"):
        value = doc.get(name)
        sections[name] = value if isinstance(value, Mapping) else {}
    smalltalk = {
        kind: frozenset(tuple(p.split()) for p in words(phrases, f"smalltalk.{kind}"))
        for kind, phrases in sections["smalltalk"].items()
    }
    if not smalltalk:
        out.add(path, "needs a [smalltalk] table (greeting, thanks, ...)", field_="smalltalk")
    restrictions = {
        kind: frozenset(words(values, f"restrictions.{kind}"))
        for kind, values in sections["restrictions"].items()
    }
    # Every other field is a word list, read by its own name (see Lexicon's docstring).
    lists: dict[str, frozenset[str]] = {}
    for item in dataclasses.fields(Lexicon):
        if item.name in _LEXICON_TABLES:
            continue
        section = _LEXICON_SECTIONS.get(item.name, "words")
        found = words(sections[section].get(item.name, []), f"{section}.{item.name}".lstrip("."))
        # `common` may hold phrases ("rumah sakit"); each of their words is ordinary.
        lists[item.name] = frozenset(
            w for v in found for w in (v.split() if item.name == "common" else (v,))
        )
    if any(p.severity == "error" for p in out.problems[start:]):
        return None
    return Lexicon(
        abbreviations=abbreviations,
        question_words=question_words,
        synonyms=synonyms,
        smalltalk=smalltalk,
        restrictions=restrictions,
        **lists,
    )


# Lexicon fields that are tables, read above; and where the word lists not under [words]
# live ("" is the top of the file).
_LEXICON_TABLES = {"abbreviations", "question_words", "synonyms", "smalltalk", "restrictions"}
_LEXICON_SECTIONS = {"protected": "", "english": "language"}


class FactRenderer:
    """Fills {{ fact.NAME }} into answers, per language; fails loudly on unknown names."""

    def __init__(self, facts: Mapping[str, object], source: Source | None) -> None:
        self.env = jinja2.Environment(
            undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
        )
        self.env.filters["number"] = number_filter
        self.env.filters["thousands"] = thousands_filter
        self.facts = facts
        self.source = source

    def render(self, template: str, lang: Lang) -> str:
        facts = {k: _in_lang(v, lang) for k, v in self.facts.items()}
        source: dict[str, object] = {}
        if self.source:
            source = {
                "outlet": self.source.outlet,
                "year": self.source.year,
                "dateline": self.source.dateline,
                "editor": self.source.editor,
                "title": self.source.title[lang],
            }
        text = self.env.from_string(template).render(fact=facts, source=source, lang=lang)
        return " ".join(text.split())


@jinja2.pass_context
def thousands_filter(context: jinja2.runtime.Context, value: object) -> str:
    """15000 -> "15 ribu" / "15 thousand": a figure as people say it, from the fact."""
    if not isinstance(value, int) or value < 1000 or value % 1000:
        return number_filter(context, value)
    word = "ribu" if context.get("lang") == "id" else "thousand"
    return f"{value // 1000:,} {word}".replace(",", ".")


def _in_lang(value: object, lang: Lang) -> object:
    if isinstance(value, Mapping):
        return value[lang]
    return value


def parse_entries(
    raw: list[tuple[Path, dict[str, Any], str]],
    topics: list[Topic],
    renderer: FactRenderer,
    speakers: Mapping[str, dict[Lang, str]],
    counts: Mapping[str, tuple[str, ...]],
    out: Collector,
    facts_read: bool = True,
    entries_read: bool = True,
) -> list[Entry]:
    """`facts_read`, `entries_read`: whether facts.toml and every entry file could be
    read; if not, what depends on them (facts in answers, speakers, links to entries
    that may be in the unreadable file) is not judged."""
    gap_topics = {t.id for t in topics if t.gap}
    entries: list[Entry] = []
    seen: dict[str, Path] = {}
    pending_related: list[tuple[Path, str, tuple[str, ...]]] = []
    for path, item, topic in raw:
        entry_id = item.get("id")
        if not isinstance(entry_id, str) or not ENTRY_ID.match(entry_id):
            out.add(
                path,
                f"needs an 'id' of 2-40 lower-case letters, digits and '-' (got {entry_id!r})",
                field_="id",
            )
            continue
        if entry_id in seen:
            out.add(
                path, f"duplicate id: also used in {out.name_of(seen[entry_id])}", entry_id, "id"
            )
            continue
        seen[entry_id] = path
        for extra in sorted(set(item) - ENTRY_FIELDS):
            out.add(
                path, f"unknown field (expected one of {sorted(ENTRY_FIELDS)})", entry_id, extra
            )
        questions: dict[Lang, tuple[str, ...]] = {}
        raw_q = item.get("questions")
        if not isinstance(raw_q, Mapping):
            out.add(path, "needs questions.id and questions.en lists", entry_id, "questions")
            continue
        for lang in LANGS:
            values = raw_q.get(lang)
            language = "Indonesian" if lang == "id" else "English"
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                out.add(
                    path, f"needs a list of {language} questions", entry_id, f"questions.{lang}"
                )
                continue
            cleaned = tuple(v.strip() for v in values if v.strip())
            if len(cleaned) < MIN_QUESTIONS[lang]:
                out.add(
                    path,
                    f"needs at least {MIN_QUESTIONS[lang]} {language} questions, "
                    f"found {len(cleaned)}",
                    entry_id,
                    f"questions.{lang}",
                )
            if cleaned and len(cleaned[0]) > LABEL_MAX:
                out.add(
                    path,
                    f"the first question labels a button: keep it under {LABEL_MAX} characters",
                    entry_id,
                    f"questions.{lang}",
                    "warning",
                )
            questions[lang] = cleaned
        answer: dict[Lang, str] = {}
        raw_answer = item.get("answer")
        if not isinstance(raw_answer, Mapping):
            out.add(path, "needs answer.id and answer.en", entry_id, "answer")
            continue
        for lang in LANGS:
            template = raw_answer.get(lang)
            language = "Indonesian" if lang == "id" else "English"
            if not isinstance(template, str) or not template.strip():
                out.add(path, f"the {language} answer is missing", entry_id, f"answer.{lang}")
                continue
            try:
                answer[lang] = renderer.render(template, lang)
            except jinja2.UndefinedError as err:
                if facts_read:
                    out.add(
                        path,
                        f"does not render: {err.message} (facts are defined in facts.toml)",
                        entry_id,
                        f"answer.{lang}",
                    )
            except jinja2.TemplateError as err:
                out.add(path, f"does not render: {err}", entry_id, f"answer.{lang}")
        keywords = item.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            out.add(path, "must be a list of texts", entry_id, "keywords")
            keywords = []
        related = item.get("related", [])
        if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
            out.add(path, "must be a list of entry ids", entry_id, "related")
            related = []
        show_contact = item.get("show_contact", False)
        if not isinstance(show_contact, bool):
            out.add(path, "must be true or false", entry_id, "show_contact")
            show_contact = False
        said_by = item.get("said_by")
        if said_by is not None and said_by not in speakers:
            known = ", ".join(sorted(speakers)) or "none defined"
            if facts_read:
                out.add(
                    path,
                    f"'{said_by}' is not a speaker in facts.toml [speaker] ({known})",
                    entry_id,
                    "said_by",
                )
            said_by = None
        counted = item.get("counts", [])
        if not isinstance(counted, list) or not all(isinstance(c, str) for c in counted):
            out.add(path, "must be a list of words", entry_id, "counts")
            counted = []
        cited = {
            name
            for template in raw_answer.values()
            if isinstance(template, str)
            for name in _FACT_REFERENCE.findall(template)
        }
        counted = [*(w for name in sorted(cited) for w in counts.get(name, ())), *counted]
        pending_related.append((path, entry_id, tuple(related)))
        if len(questions) == len(LANGS) and len(answer) == len(LANGS):
            entries.append(
                Entry(
                    id=entry_id,
                    topic=topic,
                    questions=questions,
                    answer=answer,
                    keywords=tuple(k.strip() for k in keywords if k.strip()),
                    related=tuple(related),
                    show_contact=show_contact,
                    gap=topic in gap_topics,
                    said_by=speakers[said_by] if said_by is not None else None,
                    counts=tuple(dict.fromkeys(c.strip() for c in counted if c.strip())),
                )
            )
    for path, entry_id, related_ids in pending_related:
        for rid in related_ids:
            if rid == entry_id:
                out.add(path, "an entry cannot be related to itself", entry_id, "related")
            elif rid not in seen and entries_read:
                out.add(path, f"'{rid}' is not an entry id", entry_id, "related")
    return entries
