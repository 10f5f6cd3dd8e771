"""Shared fixtures: the shipped knowledge base, an assistant, and a clean environment."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# PTB 22 warns when RetryAfter.retry_after is read as a number; the bot reads the
# timedelta form, and this opts PTB into it so no deprecation warning fires (warnings
# are errors in this suite).
os.environ["PTB_TIMEDELTA"] = "1"

from bot.answering import KnowledgeBase
from bot.assistant import Assistant
from bot.config import SETTING_NAMES
from bot.knowledge import default_knowledge_dir, load_knowledge
from tests.fake_bot_api import FakeBotAPI, running_fake

if TYPE_CHECKING:
    from bot.context import BotApplication

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


@pytest.fixture(scope="session")
def assistant(kb: KnowledgeBase) -> Assistant:
    return Assistant(kb)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No bot settings from the developer's shell or .env leak into a test."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.db"))
    return tmp_path


# -- end to end: the real Application against a fake Bot API on 127.0.0.1 ---------------------

TOKEN = "123456:TEST-token-for-the-fake-api"
ADMIN_ID = 900


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with running_fake(TOKEN, "ukm_test_bot") as server:
        yield server


BotStarter = Callable[..., Awaitable["BotApplication"]]


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same number of retries of a failed request, a tenth of the waits between them
    (bot.pacing's back-off for answers and announcements): for tests about what happens
    after the retries, not about how long they take."""
    import bot.pacing

    for name in ("ANSWER_BACKOFF", "BROADCAST_BACKOFF"):
        monkeypatch.setattr(bot.pacing, name, tuple(s / 10 for s in getattr(bot.pacing, name)))


@pytest.fixture
def short_read_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    """The bot waits 1 s for the Bot API's answer to a request instead of its 5 s
    (bot.telegram_request.READ_TIMEOUT): the same give-up, sooner. Returns the seconds."""
    import functools

    import bot.app
    from bot.telegram_request import AiohttpRequest

    seconds = 1.0
    monkeypatch.setattr(
        bot.app, "AiohttpRequest", functools.partial(AiohttpRequest, read_timeout=seconds)
    )
    return seconds


@pytest.fixture(scope="session")
def built_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database the bot has already built the shipped knowledge into, as on a second run.

    Each end-to-end test starts from a copy: compiling the knowledge base again for every
    test would cost about a tenth of a second each, and the first build is tested on its own
    (test_knowledge.py, test_cli.py).
    """
    from bot.app import build_application
    from bot.config import Settings

    path = tmp_path_factory.mktemp("built") / "bot.db"
    app = build_application(
        Settings.parse({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_PATH": str(path)})
    )
    app.bot_data.services.storage.close()
    return path


@pytest.fixture
async def start_bot(
    fake: FakeBotAPI, tmp_path: Path, built_database: Path
) -> AsyncIterator[BotStarter]:
    """Start the bot exactly as `ukm-bot run` does, pointed at the fake; extra env allowed."""
    from bot.app import build_application
    from bot.config import Settings

    running: list[BotApplication] = []

    async def start(**env: str) -> BotApplication:
        values = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": fake.base_url,
            "DATABASE_PATH": str(tmp_path / "bot.db"),
            "ADMIN_IDS": str(ADMIN_ID),
            "SEND_RATE_LIMIT": "0",
        }
        values.update(env)
        copy_unless_present(built_database, Path(values["DATABASE_PATH"]))
        app = build_application(Settings.parse(values))
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        running.append(app)
        return app

    yield start
    for app in reversed(running):
        await stop_bot(app)


def copy_unless_present(built: Path, database: Path) -> None:
    """A restart keeps the database the test already has."""
    if not database.exists():
        shutil.copyfile(built, database)


async def stop_bot(app: BotApplication) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_shutdown:
        await app.post_shutdown(app)
    await app.shutdown()


def knowledge_with_entries(folder: Path, entries_toml: str) -> Path:
    """A knowledge folder made for one test: the shipped facts, topics and lexicon, and
    `entries_toml` as its only entry file (point KNOWLEDGE_DIR at the returned path)."""
    knowledge = folder / "knowledge"
    (knowledge / "entries").mkdir(parents=True)
    for name in ("facts.toml", "topics.toml", "lexicon.toml"):
        shutil.copyfile(default_knowledge_dir() / name, knowledge / name)
    (knowledge / "entries" / "test.toml").write_text(entries_toml, encoding="utf-8")
    return knowledge
