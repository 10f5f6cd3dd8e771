"""Knowledge files: validation that names file, entry and field; the SQLite copy."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import compiled
from bot.answering import KnowledgeBase
from bot.knowledge import (
    KnowledgeInvalid,
    default_knowledge_dir,
    ensure_knowledge,
    load_knowledge,
    read_saved_knowledge,
    save_knowledge,
)
from bot.knowledge_check import check_knowledge
from bot.storage import Storage


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeInvalid) as caught:
        load_knowledge(directory)
    return [str(p) for p in caught.value.problems if p.severity == "error"]


def test_shipped_knowledge_is_valid_and_covers_every_topic() -> None:
    kb = load_knowledge(default_knowledge_dir())
    for topic in kb.topics:
        assert kb.entries_in(topic.id), topic.id
    for entry in kb.entries:
        assert len(entry.questions["id"]) >= 6 and len(entry.questions["en"]) >= 2
    # What ships is clean: `ukm-bot kb check` shows a newcomer no warning to puzzle over.
    _, problems = check_knowledge(default_knowledge_dir())
    assert problems == [], [str(p) for p in problems]


def test_no_sentence_of_the_report_is_copied() -> None:
    """No run of 6 consecutive words of the report appears in the knowledge files
    (beyond the two official names it contains).

    The report is not in the project; tests/data/report_shingles.txt holds hashes of its
    6-word runs, so the check needs nothing of its text.
    """
    lines = (Path(__file__).parent / "data" / "report_shingles.txt").read_text().splitlines()
    report = {line for line in lines if line and not line.startswith("#")}
    # Official names are names, not sentences: they may stand as they are.
    names = {"dinas koperasi dan usaha kecil menengah", "forum pendidikan anak usia dini"}
    copied = []
    for path in default_knowledge_dir().rglob("*.toml"):
        words = re.findall(r"\w+", path.read_text(encoding="utf-8").lower())
        for i in range(len(words) - 5):
            run = " ".join(words[i : i + 6])
            if any(run in name or name in run for name in names):
                continue
            if hashlib.sha256(run.encode()).hexdigest()[:16] in report:
                copied.append(f"{path.name}: {run}")
    assert copied == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: edit(
                d / "entries/ekspor.toml", 'id = "ekspor-kerupuk"', 'id = "ekspor-ringkas"'
            ),
            "entries/ekspor.toml: entry 'ekspor-ringkas', field 'id': duplicate id",
        ),
        (
            lambda d: edit(
                d / "entries/data.toml",
                '\nen = """\n{{ fact.head_of_office }} expects',
                '\nxx = """\n{{ fact.head_of_office }} expects',
            ),
            "entries/data.toml: entry 'data-fokus', field 'answer.en': "
            "the English answer is missing",
        ),
        (
            lambda d: edit(
                d / "entries/data.toml",
                "{{ fact.sme_actors | number }} ({{ fact.sme_actors | thousands }})",
                "{{ fact.sme_actorz }}",
            ),
            "entries/data.toml: entry 'data-jumlah', field 'answer.id': does not render: "
            "'dict object' has no attribute 'sme_actorz'",
        ),
        (
            lambda d: edit(
                d / "entries/berita.toml",
                'related = ["berita-narasumber", "berita-acara", "data-jumlah"]',
                'related = ["berita-nope"]',
            ),
            "entries/berita.toml: entry 'berita-sumber', field 'related': "
            "'berita-nope' is not an entry id",
        ),
        (
            lambda d: edit(
                d / "entries/pelatihan.toml",
                'id = "pelatihan-program"\n',
                'id = "pelatihan-program"\nanswr = 1\n',
            ),
            "entries/pelatihan.toml: entry 'pelatihan-program', field 'answr': unknown field",
        ),
        (
            lambda d: edit(d / "facts.toml", "[fact]", "[fact"),
            "is not valid TOML: Expected ']' at the end of a table declaration: \"[fact\"",
        ),
        (
            lambda d: edit(
                d / "entries/data.toml",
                'id = "data-jumlah"\nsaid_by = "head_of_office"',
                'id = "data-jumlah"\nsaid_by = "mayor"',
            ),
            "entries/data.toml: entry 'data-jumlah', field 'said_by': 'mayor' is not a "
            "speaker in facts.toml [speaker]",
        ),
        (
            lambda d: edit(d / "entries/ekspor.toml", 'topic = "ekspor"', 'topic = "eksport"'),
            "entries/ekspor.toml, field 'topic': 'topic' must be one of the topics",
        ),
        (
            lambda d: edit(d / "facts.toml", "[counts]\n", "[counts]\nmembers = []\n"),
            "facts.toml, field 'counts.members': 'members' is not a fact in [fact]",
        ),
    ],
)
def test_problems_name_file_entry_and_field(
    knowledge_copy: Path, change: Callable[[Path], None], expected: str
) -> None:
    change(knowledge_copy)
    problems = problems_of(knowledge_copy)
    assert any(expected in p for p in problems), problems


def test_too_few_questions_in_a_language(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries" / "berita.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('en = [\n    "Who is quoted in the report?"')
    end = text.index("]", start)
    path.write_text(text[:start] + 'en = ["Who is quoted?"' + text[end:], encoding="utf-8")
    problems = problems_of(knowledge_copy)
    assert any(
        "entry 'berita-narasumber', field 'questions.en': needs at least 2 English" in p
        for p in problems
    ), problems


def test_check_reports_a_phrasing_that_belongs_to_another_entry(knowledge_copy: Path) -> None:
    edit(
        knowledge_copy / "entries" / "data.toml",
        '    "Berapa UKM yang dibina dinas?",',
        '    "Berapa UKM yang dibina dinas?",\n    "Berapa jumlah pelaku UKM di Tangsel?",',
    )
    kb, problems = check_knowledge(knowledge_copy)
    assert kb is None  # refused, as kb build and the bot refuse it (tests/test_kb_check.py)
    messages = [str(p) for p in problems]
    assert any(
        "entry 'data-binaan'" in m
        and "'Berapa jumlah pelaku UKM di Tangsel?' matches entry 'data-jumlah'" in m
        for m in messages
    ), messages


def test_database_is_built_then_reused_then_rebuilt_when_files_change(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    storage = Storage(tmp_path / "bot.db")
    first = ensure_knowledge(storage.db, knowledge_copy)
    assert first.rebuilt and not first.problems
    again = ensure_knowledge(storage.db, knowledge_copy)
    assert not again.rebuilt and again.kb.version == first.kb.version
    edit(knowledge_copy / "facts.toml", "sme_actors = 15000", "sme_actors = 16000")
    changed = ensure_knowledge(storage.db, knowledge_copy)
    assert changed.rebuilt
    entry = changed.kb.entry("data-jumlah")
    assert entry is not None and "16.000" in entry.answer["id"]
    saved = read_saved_knowledge(storage.db)
    assert saved is not None and saved.entries == changed.kb.entries


def test_an_upgrade_that_compiles_differently_rebuilds_the_database(
    knowledge_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database built by an older release lacks new fields (who said what): the next
    start rebuilds it although no knowledge file changed."""
    storage = Storage(tmp_path / "bot.db")
    assert ensure_knowledge(storage.db, knowledge_copy).rebuilt
    monkeypatch.setattr(compiled, "FORMAT", "another-release")
    upgraded = ensure_knowledge(storage.db, knowledge_copy)
    assert upgraded.rebuilt
    entry = upgraded.kb.entry("ekspor-kerupuk")
    assert entry is not None and entry.said_by is not None
    assert "Ismunandar" in entry.said_by["id"]


def test_a_broken_file_never_replaces_a_working_database(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    storage = Storage(tmp_path / "bot.db")
    good = ensure_knowledge(storage.db, knowledge_copy)
    edit(knowledge_copy / "entries" / "ekspor.toml", "[[entry]]", "[[entry]\n")
    status = ensure_knowledge(storage.db, knowledge_copy)
    assert status.kb.version == good.kb.version and not status.rebuilt
    assert any("entries/ekspor.toml" in str(p) for p in status.problems)
    assert read_saved_knowledge(storage.db) is not None


def test_broken_files_and_no_database_is_an_error(knowledge_copy: Path, tmp_path: Path) -> None:
    edit(
        knowledge_copy / "topics.toml",
        '[[topic]]\nid = "pelatihan"',
        '[[topic]]\nid = "Pelatihan!"',
    )
    storage = Storage(tmp_path / "bot.db")
    with pytest.raises(KnowledgeInvalid, match=r"topics\.toml"):
        ensure_knowledge(storage.db, knowledge_copy)


def test_the_saved_copy_reads_back_equal_field_for_field(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    """Every field of every dataclass survives the database, with no field named in the
    code that saves it: a field added tomorrow is saved too."""
    storage = Storage(tmp_path / "bot.db")
    save_knowledge(storage.db, kb)
    saved = read_saved_knowledge(storage.db)
    assert saved == kb
    assert saved is not None and saved.lexicon == kb.lexicon and saved.facts == kb.facts


@dataclasses.dataclass(frozen=True)
class _Before:
    name: str


@dataclasses.dataclass(frozen=True)
class _After:
    name: str
    said_by: str | None = None


@dataclasses.dataclass(frozen=True)
class _Holder:
    entries: tuple[_Before, ...]


@dataclasses.dataclass(frozen=True)
class _NewHolder:
    entries: tuple[_After, ...]


def test_the_compiled_format_follows_the_dataclasses() -> None:
    """A new field changes the format by itself: no number to remember to bump."""
    assert compiled.schema_fingerprint(_Holder) != compiled.schema_fingerprint(_NewHolder)
    assert compiled.schema_fingerprint(_Holder) == compiled.schema_fingerprint(_Holder)


def test_a_copy_an_older_release_wrote_is_rebuilt(knowledge_copy: Path, tmp_path: Path) -> None:
    storage = Storage(tmp_path / "bot.db")
    ensure_knowledge(storage.db, knowledge_copy)
    storage.db.execute("UPDATE kb_meta SET value = '{\"entries\": []}' WHERE key = 'knowledge'")
    assert read_saved_knowledge(storage.db) is None  # unreadable, so not served
    assert ensure_knowledge(storage.db, knowledge_copy).rebuilt


def test_a_figure_said_in_words_follows_the_fact(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "facts.toml", "sme_actors = 15000", "sme_actors = 17000")
    entry = load_knowledge(knowledge_copy).entry("data-jumlah")
    assert entry is not None and "17.000 (17 ribu)" in entry.answer["id"]


def test_kb_check_warns_about_a_number_that_repeats_a_fact(knowledge_copy: Path) -> None:
    path = knowledge_copy / "entries" / "data.toml"
    edit(path, "({{ fact.sme_actors | thousands }})", "(15 ribu)")
    _, problems = check_knowledge(knowledge_copy)
    warnings = [str(p) for p in problems if p.severity == "warning"]
    assert any("'15 ribu' repeats fact 'sme_actors'" in w and "data-jumlah" in w for w in warnings)
    assert not any(p.severity == "error" for p in problems)


def test_an_answer_counts_what_the_figures_it_cites_count() -> None:
    kb = load_knowledge(default_knowledge_dir())
    members, summary = kb.entry("kelompok-anggota"), kb.entry("ekspor-ringkas")
    assert members is not None and summary is not None
    assert "anggota" in members.counts and "UKM" not in members.counts  # group_members
    assert summary.counts == ("produk", "negara", "pasar")  # its own: "ada dua"


def test_kb_check_warns_about_a_figure_nothing_says_the_count_of(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "facts.toml", "group_members = [", "# group_members = [")
    _, problems = check_knowledge(knowledge_copy)
    warnings = [str(p) for p in problems if p.severity == "warning"]
    assert any("kelompok-anggota" in w and "nothing says what it counts" in w for w in warnings)
