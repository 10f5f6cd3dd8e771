"""`ukm-bot kb check` and `kb build` as a knowledge editor sees them: the same verdict on
the same files, one error for one mistake, and warnings always shown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.knowledge import default_knowledge_dir


@pytest.fixture
def knowledge(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = clean_env / "knowledge"
    shutil.copytree(default_knowledge_dir(), folder)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(folder))
    return folder


def ukm_bot(*args: str) -> tuple[int, str]:
    """`ukm-bot ARGS`: exit code, and everything printed (stdout and stderr)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout + result.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def lines(output: str, severity: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"{severity}: ")]


def test_a_phrasing_two_entries_share_is_refused_by_check_build_and_the_bot(
    knowledge: Path,
) -> None:
    code, out = ukm_bot("kb", "build")
    assert code == 0, out
    # "How many SMEs are there" added to the fostered-SMEs entry as well: a resident
    # asking it would be told the fostered figure (2,110 / 411) instead of 15,000.
    edit(
        knowledge / "entries" / "data.toml",
        '    "Berapa UKM yang dibina dinas?",',
        '    "Berapa UKM yang dibina dinas?",\n    "Berapa jumlah pelaku UKM di Tangsel?",',
    )
    code, checked = ukm_bot("kb", "check")
    assert code == 1
    shared = (
        "knowledge/entries/data.toml: entry 'data-binaan', field 'questions': 'Berapa jumlah "
        "pelaku UKM di Tangsel?' matches entry 'data-jumlah' exactly as well as its own"
    )
    assert any(shared in line for line in lines(checked, "error")), checked
    code, built = ukm_bot("kb", "build")
    assert code == 1 and "the database was not changed" in built
    assert lines(built, "error") == lines(checked, "error")
    # The bot's own rebuild refuses the files too: residents keep the last good build.
    code, out = ukm_bot("ask", "Berapa jumlah pelaku UKM di Tangsel?")
    assert code == 0 and "15.000" in out and "last good build" in out


@pytest.mark.parametrize(
    ("file", "old", "new", "knock_on"),
    [
        # Answers use facts and speakers from facts.toml.
        ("facts.toml", "[fact]", "[fact", ("does not render", "is not a speaker")),
        # Every entry file names a topic of topics.toml.
        ("topics.toml", "[[topic]]", "[[topic]", ("must be one of the topics",)),
        # Entries elsewhere list entries of this file as related.
        ("entries/data.toml", 'id = "data-binaan"', 'id = "data-binaan', ("not an entry id",)),
    ],
)
def test_a_toml_syntax_error_is_one_error_with_its_line_and_column(
    knowledge: Path, file: str, old: str, new: str, knock_on: tuple[str, ...]
) -> None:
    path = knowledge / file
    line = path.read_text(encoding="utf-8").splitlines().index(old) + 1
    edit(path, old, new)
    code, out = ukm_bot("kb", "check")
    assert code == 1
    [error] = lines(out, "error")
    assert error.startswith(f"error: knowledge/{file}, line {line}, column ")
    assert "is not valid TOML" in error and f'"{new}"' in error and "Fix the syntax" in error
    assert not any(k in out for k in knock_on)
    code, built = ukm_bot("kb", "build")
    assert code == 1 and lines(built, "error") == [error]


def test_an_independent_error_beside_a_syntax_error_is_still_reported(knowledge: Path) -> None:
    edit(knowledge / "facts.toml", "[fact]", "[fact")
    edit(
        knowledge / "entries" / "berita.toml",
        'related = ["berita-narasumber", "berita-acara", "data-jumlah"]',
        'related = ["berita-nope"]',
    )
    code, out = ukm_bot("kb", "check")
    errors = lines(out, "error")
    assert code == 1 and len(errors) == 2, out
    assert "facts.toml, line" in errors[0] and "'berita-nope' is not an entry id" in errors[1]


def test_lexicon_warnings_show_when_nothing_else_is_wrong_and_do_not_stop_a_build(
    knowledge: Path,
) -> None:
    path = knowledge / "lexicon.toml"
    text = path.read_text(encoding="utf-8")
    synonyms = text.index("[synonyms]\n")
    end = text.index("\n[", synonyms)
    # The first synonym's first word, listed again at the end under another name (the
    # first listing keeps its meaning, so the bot answers as before).
    first = text[synonyms:].splitlines()[1].split('"')[1]
    path.write_text(f'{text[:end]}\nzzz_test = ["{first}"]{text[end:]}', encoding="utf-8")
    warning = f"'{first}' is listed under both"
    code, out = ukm_bot("kb", "check")
    assert code == 0 and not lines(out, "error")
    assert any(warning in line for line in lines(out, "warning")), out
    code, built = ukm_bot("kb", "build")
    assert code == 0 and "Built" in built
    assert any(warning in line for line in lines(built, "warning")), built
