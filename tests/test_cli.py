"""The `ukm-bot` command line, as a newcomer and as other tools use it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Protocol

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.knowledge import default_knowledge_dir

DATA = Path(__file__).parent / "data"
JSON_KEYS = {"question", "status", "entry_id", "score", "lang", "answer", "suggestions"}


class Run(Protocol):
    """`ukm-bot ARGS...` in-process: (exit code, stdout, stderr)."""

    def __call__(self, *args: str, input: str | None = None) -> tuple[int, str, str]: ...


@pytest.fixture
def run(clean_env: Path) -> Run:
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_ask_prints_the_reply_a_resident_reads(run: Run) -> None:
    code, out, _ = run("ask", "brp jumlah ukm di tangsel?")
    assert code == 0
    assert "15.000" in out and "ANTARA" in out


def test_ask_json_contract(run: Run) -> None:
    code, out, _ = run("ask", "--json", "kerupuk serpong diekspor ke mana?")
    assert code == 0
    result = json.loads(out)
    assert set(result) >= JSON_KEYS
    assert result["status"] == "answer" and result["entry_id"] == "ekspor-kerupuk"
    assert isinstance(result["score"], float) and 0 < result["score"] <= 1
    assert result["lang"] == "id" and "China" in result["answer"]
    assert "<" not in result["answer"]  # plain text, not Telegram HTML
    assert result["suggestions"] == []


def test_ask_json_clarify_and_fallback_shapes(run: Run) -> None:
    code, out, _ = run("ask", "--json", "harga batik berapa")
    assert code == 0
    fallback = json.loads(out)
    assert fallback["status"] == "fallback" and fallback["answer"]
    assert all(set(s) == {"entry_id", "question"} for s in fallback["suggestions"])


def test_ask_json_reads_json_lines_from_stdin_in_order(run: Run) -> None:
    questions = ["halo", "ekspor", "", "How many SMEs are in South Tangerang?", "cuaca besok?"]
    code, out, _ = run("ask", "--json", input="\n".join(questions) + "\n")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [r["question"] for r in lines] == questions
    assert [r["status"] for r in lines] == [
        "smalltalk",
        "answer",
        "fallback",
        "answer",
        "fallback",
    ]
    assert lines[3]["lang"] == "en"


def test_ask_json_takes_evaluation_set_lines_as_they_are(run: Run) -> None:
    """Piping an evaluation set in answers its questions, not the JSON text around them."""
    items = [json.loads(line) for line in (DATA / "dev.jsonl").read_text().splitlines()[:5]]
    code, out, _ = run("ask", "--json", input="".join(json.dumps(i) + "\n" for i in items))
    assert code == 0
    replies = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in replies] == [i["id"] for i in items]
    assert [r["question"] for r in replies] == [i["q"] for i in items]
    assert [r["status"] for r in replies] == [
        "smalltalk" if i["style"] == "greeting" else "answer" if i["expect"] else "fallback"
        for i in items
    ]
    # a resident's text that merely starts with a brace is still just a question
    code, out, _ = run("ask", "--json", input="{ ekspor\n")
    assert json.loads(out)["question"] == "{ ekspor"


def test_ask_json_lists_each_question_of_a_message(run: Run) -> None:
    code, out, _ = run(
        "ask", "--json", "Kerupuk serpong diekspor ke mana? Terus harga batiknya berapa?"
    )
    assert code == 0
    result = json.loads(out)
    assert set(result) >= JSON_KEYS  # the old fields stay
    assert result["status"] == "answer"  # one part is answered
    assert "China" in result["answer"] and "Harga produk" in result["answer"]
    assert [(p["status"], p["entry_id"]) for p in result["parts"]] == [
        ("answer", "ekspor-kerupuk"),
        ("fallback", "batas-harga"),
    ]
    assert all(set(p) == {"text", "status", "entry_id", "score"} for p in result["parts"])


def test_ask_json_answers_a_conversation_in_order(run: Run) -> None:
    lines = [
        {"id": 1, "conversation": "a", "q": "UKM batik ibu-ibu di Tangsel namanya apa?"},
        {"id": 2, "conversation": "b", "q": "Kerupuk Tangsel diekspor ke mana?"},
        {"id": 3, "conversation": "a", "q": "di mana tuh?"},
        {"id": 4, "q": "di mana tuh?"},  # no conversation: on its own, as before
        {"id": 5, "conversation": "b", "q": "siapa yang bilang?"},
    ]
    code, out, _ = run("ask", "--json", input="".join(json.dumps(x) + "\n" for x in lines))
    assert code == 0
    replies = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert "Pondok Cabe Udik" in replies[3]["answer"]
    assert "Pondok Cabe Udik" not in replies[4]["answer"]
    assert "Ismunandar" in replies[5]["answer"] and "Zeda" not in replies[5]["answer"]


def test_eval_grades_a_conversation_set_per_turn(run: Run, tmp_path: Path) -> None:
    chats = tmp_path / "chats.jsonl"
    chats.write_text(
        json.dumps(
            {
                "id": "c1",
                "lang": "id",
                "turns": [
                    {"q": "UKM batik ibu-ibu di Tangsel namanya apa?", "expect": ["F8"]},
                    {"q": "di mana tuh?", "expect": ["F9"]},
                    {"q": "nomor hp-nya ada?", "expect": []},
                ],
            }
        )
        + "\n"
    )
    code, out, _ = run("eval", str(chats))
    assert code == 0
    assert "turn 1 1/1" in out and "turn 2 1/1" in out and "turn 3 1/1" in out
    assert "accuracy: 1.000" in out


def test_eval_prints_the_figures_and_enforces_a_floor(run: Run) -> None:
    code, out, _ = run("eval", str(DATA / "dev.jsonl"), "--no-failures")
    assert code == 0
    for label in ("accuracy", "in-scope accuracy", "out-of-scope rejection", "confident-wrong"):
        assert label in out
    assert "Per style:" in out and "slang" in out
    code, _, err = run("eval", str(DATA / "dev.jsonl"), "--min-accuracy", "1.01")
    assert code == 1 and "below --min-accuracy" in err


def test_eval_names_a_broken_line(run: Run, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "x", "q": "halo", "expect": []}\n{not json\n', encoding="utf-8")
    code, _, err = run("eval", str(broken))
    assert code == 1 and "line 2" in err


def test_kb_check_passes_on_the_shipped_files(run: Run) -> None:
    code, out, _ = run("kb", "check")
    assert code == 0
    assert "entries in" in out and "0 error(s)" in out


def test_kb_check_and_build_refuse_broken_files(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), knowledge)
    code, out, _ = run("kb", "build")
    assert code == 0 and "Built" in out
    database = Path(tmp_path / "bot.db")
    before = database.stat().st_mtime_ns
    path = knowledge / "entries" / "data.toml"
    path.write_text(path.read_text().replace('id = "data-binaan"', 'id = "data binaan"'))
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge))
    code, out, _ = run("kb", "check")
    assert code == 1 and "entries/data.toml" in out and "field 'id'" in out
    code, _, err = run("kb", "build")
    assert code == 1 and "database was not changed" in err
    assert database.stat().st_mtime_ns == before
    # The bot still answers from the last good build, and says why.
    code, out, err = run("ask", "berapa ukm binaan 2011?")
    assert code == 0 and "411" in out and "last good build" in err


def test_chat_answers_and_presses_buttons_by_number(run: Run) -> None:
    code, out, _ = run("chat", input="1\nberapa anggota cipta karya?\nterima kasih\nkeluar\n")
    assert code == 0
    assert "Pelatihan" in out  # the topic list, then topic 1 opened
    assert "800" in out
    assert "Sama-sama" in out


def test_chat_keeps_the_conversation_and_names_a_missing_button(run: Run) -> None:
    code, out, _ = run(
        "chat", input="Apa manfaat ikut kelompok batik ibu-ibu?\ndi mana tuh?\n9\nkeluar\n"
    )
    assert code == 0
    benefits, where, button = out.split("Bot>")[-3:]
    assert "Pondok Cabe Udik" not in benefits and "Pondok Cabe Udik" in where
    assert "Tidak ada tombol 9" in button


def test_bad_settings_name_the_variable(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEND_RATE_LIMIT", "fast")
    code, _, err = run("ask", "halo")
    assert code == 2 and "SEND_RATE_LIMIT" in err and "number" in err


def test_run_without_a_token_explains_botfather_and_chat(run: Run) -> None:
    code, _, err = run("run")
    assert code == 2
    assert "TELEGRAM_BOT_TOKEN" in err and "@BotFather" in err and "ukm-bot chat" in err


def test_python_dash_m_bot(clean_env: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "pelatihan"],
        capture_output=True,
        text=True,
        check=True,
        cwd=clean_env,
    )
    assert json.loads(result.stdout)["entry_id"] == "pelatihan-program"


def test_stats_prints_the_figures_staff_see(run: Run, clean_env: Path) -> None:
    from bot.storage import Storage

    storage = Storage(clean_env / "bot.db")
    for status in ("answer", "answer", "fallback"):
        storage.log_question(
            chat_id=1,
            chat_type="private",
            user_id=1,
            lang="id",
            text="q",
            status=status,
            reason="",
            entry_id="data-jumlah",
            score=0.9,
        )
    storage.close()
    code, out, _ = run("stats")
    assert code == 0
    assert "Hari ini: 3 pertanyaan" in out and "dijawab 67%" in out
    # One line per period, as staff read them
    lines = out.splitlines()
    for period in ("Hari ini:", "7 hari:", "30 hari:"):
        assert any(line.startswith(period) for line in lines), (period, out)
    assert "Berapa jumlah pelaku UKM di Tangsel?: 2" in out
