"""`ukm-bot ask` starts quickly: a current saved copy is read without the storage layer,
and a stale or missing one is still rebuilt from the files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from bot.knowledge import default_knowledge_dir

ASK = (
    "import sys\n"
    "from bot.cli import main\n"
    "try:\n"
    "    main(['ask', '--json', sys.argv[1]])\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlite_utils')))\n"
)


def ask(folder: Path, question: str, **env: str) -> tuple[dict[str, object], list[str]]:
    """The reply to `question`, and the sqlite_utils modules the command imported."""
    result = subprocess.run(
        [sys.executable, "-c", "import json\n" + ASK, question],
        capture_output=True,
        text=True,
        check=True,
        cwd=folder,
        env={"PATH": "/usr/bin:/bin", "DATABASE_PATH": str(folder / "bot.db"), **env},
    )
    reply, imported = result.stdout.strip().splitlines()
    return json.loads(reply), json.loads(imported)


def test_ask_builds_the_database_once_then_reads_it_without_the_storage_layer(
    clean_env: Path,
) -> None:
    first, imported = ask(clean_env, "berapa jumlah ukm di tangsel?")
    assert first["entry_id"] == "data-jumlah" and imported  # built: storage was needed
    again, imported = ask(clean_env, "berapa jumlah ukm di tangsel?")
    assert again == first
    assert imported == []  # sqlite_utils (and numpy, where installed) never loaded


def test_ask_rebuilds_when_the_files_changed_then_reads_quickly_again(clean_env: Path) -> None:
    knowledge = clean_env / "knowledge"
    shutil.copytree(default_knowledge_dir(), knowledge)
    env = {"KNOWLEDGE_DIR": str(knowledge)}
    before, _ = ask(clean_env, "berapa jumlah ukm di tangsel?", **env)
    assert "15.000" in str(before["answer"])
    facts = knowledge / "facts.toml"
    facts.write_text(facts.read_text().replace("15000", "16000", 1))
    changed, imported = ask(clean_env, "berapa jumlah ukm di tangsel?", **env)
    assert "16.000" in str(changed["answer"]) and imported
    again, imported = ask(clean_env, "berapa jumlah ukm di tangsel?", **env)
    assert again == changed and imported == []
