"""The lists kept outside the code (.env.example, the README's tables) match the code's own:
the settings are the fields of Settings, the commands are bot/commands.py's table."""

from __future__ import annotations

import re
from pathlib import Path

from dotenv import dotenv_values

from bot.commands import COMMANDS, MENUS
from bot.config import SETTING_NAMES, Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def table_rows(heading: str) -> list[list[str]]:
    """The cells of the first table under a README heading (header and rule left out)."""
    section = README.split(f"\n{heading}\n", 1)[1]
    rows: list[list[str]] = []
    for line in section.splitlines():
        if not line.startswith("|"):
            if rows:
                break
            continue
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return rows[2:]


def env_example() -> dict[str, str]:
    return {k: v or "" for k, v in dotenv_values(ROOT / ".env.example").items()}


def test_env_example_lists_every_setting_once_with_its_default() -> None:
    example = env_example()
    assert list(example) == list(SETTING_NAMES)
    # Copied to .env as it is, the example configures exactly the defaults.
    assert Settings.parse(example) == Settings()


def test_readme_documents_every_setting_with_the_same_default() -> None:
    rows = table_rows("## Settings")
    assert [row[0].strip("`") for row in rows] == list(SETTING_NAMES)
    example = env_example()
    for name, default, _meaning in rows:
        if default.startswith("`"):  # a literal value (others are words: "(none)", ...)
            assert default.strip("`") == example[name.strip("`")], name


def test_readme_documents_every_command_with_who_may_use_it() -> None:
    rows = table_rows("### In Telegram")
    documented = [(re.findall(r"`/(\w+)", names), who) for names, who, _what in rows]
    assert documented == [(list(c.names), c.who) for c in COMMANDS]


def test_every_menu_line_is_a_declared_command() -> None:
    declared = {c.name for c in COMMANDS}
    for lines in MENUS.values():
        assert {line.command for line in lines} <= declared
