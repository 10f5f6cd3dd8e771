"""`ukm-bot run` as a newcomer and an unlucky operator meet it: one copy per database, one
poller per token, a rejected token, a Bot API not there yet, a database path that cannot be
made, a damaged file. Real processes against the fake Bot API in a process of its own."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import SETTING_NAMES
from tests.fake_bot_api import DEFAULT_TOKEN, FakeBotAPIProcess

UP = "is up"  # the log line of a bot that answers


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeBotAPIProcess]:
    with FakeBotAPIProcess(DEFAULT_TOKEN) as running:
        yield running


class Bot:
    """One `ukm-bot run` process; everything it prints goes to one file."""

    def __init__(self, folder: Path, base_url: str, **env: str) -> None:
        self.log = folder / f"bot-{time.monotonic_ns()}.log"
        values = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
        values.update(
            TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
            TELEGRAM_BASE_URL=base_url,
            DATABASE_PATH=str(folder / "bot.db"),
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        values.update(env)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                env=values,
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 30) -> None:
        wait(lambda: text in self.output(), timeout, f"{text!r} in the bot's output")

    def exit_code(self, timeout: float = 30) -> int:
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "Error" in line or "Traceback" in line]


@pytest.fixture
def folder(tmp_path: Path, built_database: Path) -> Path:
    shutil.copyfile(built_database, tmp_path / "bot.db")  # no knowledge build in each test
    return tmp_path


def test_a_second_copy_on_the_same_database_exits_at_once(
    fake: FakeBotAPIProcess, folder: Path
) -> None:
    first = Bot(folder, fake.base_url)
    try:
        first.wait_for(UP)
        second = Bot(folder, fake.base_url)
        assert second.exit_code() == 1
        [line] = second.output().strip().splitlines()
        assert line.startswith("Error: another ukm-bot is already running on the database")
        assert str(folder / "bot.db") in line and f"pid {first.process.pid}" in line
        assert first.process.poll() is None  # the first one goes on
    finally:
        first.stop()
    third = Bot(folder, fake.base_url)  # once it is gone, the database is free again
    try:
        third.wait_for(UP)
    finally:
        third.stop()
    assert third.exit_code() == 0


def test_a_killed_copy_leaves_no_stale_lock(fake: FakeBotAPIProcess, folder: Path) -> None:
    first = Bot(folder, fake.base_url)
    first.wait_for(UP)
    first.process.kill()  # kill -9: no chance to clean up
    first.exit_code()
    second = Bot(folder, fake.base_url)
    try:
        second.wait_for(UP)
    finally:
        second.stop()


def test_another_poller_with_the_same_token_stops_the_bot_with_one_line(
    fake: FakeBotAPIProcess, folder: Path
) -> None:
    first = Bot(folder, fake.base_url)
    other = folder / "other"
    other.mkdir()
    shutil.copyfile(folder / "bot.db", other / "bot.db")
    try:
        first.wait_for(UP)
        second = Bot(other, fake.base_url)  # another machine, say: its own database
        assert first.exit_code() == 1
    finally:
        first.stop()
        second.stop()
    output = first.output()
    assert "Traceback" not in output and "NoneType" not in output
    [line] = error_lines(output)
    assert line.startswith("Error: another process is polling with this token (409 Conflict")


def test_a_rejected_token_is_named_and_never_printed(
    fake: FakeBotAPIProcess, folder: Path
) -> None:
    token = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # well formed, not this bot's
    bot = Bot(folder, fake.base_url, TELEGRAM_BOT_TOKEN=token, LOG_LEVEL="DEBUG")
    assert bot.exit_code() == 2
    output = bot.output()
    assert token not in output and token.split(":")[1] not in output
    assert "Traceback" not in output
    [line] = error_lines(output)
    assert line.startswith("Error: TELEGRAM_BOT_TOKEN: Telegram rejected the token")
    assert "@BotFather" in line


def test_an_unreachable_bot_api_is_waited_for_and_named(folder: Path) -> None:
    with socket.socket() as s:  # a port where nothing listens yet
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/bot"
    bot = Bot(folder, base_url)
    try:
        bot.wait_for(f"Waiting for the Telegram Bot API at {base_url} (TELEGRAM_BASE_URL)")
        bot.wait_for("Trying again in 2 s")  # backing off, not giving up
        assert bot.process.poll() is None
        with FakeBotAPIProcess(DEFAULT_TOKEN, port=port):  # the API comes up
            bot.wait_for(UP, timeout=60)
            assert "Traceback" not in bot.output()
            bot.stop()
    finally:
        bot.stop()


def test_a_bot_stopped_during_an_outage_still_exits(folder: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot = Bot(folder, f"http://127.0.0.1:{port}/bot")
    try:
        with FakeBotAPIProcess(DEFAULT_TOKEN, port=port):
            bot.wait_for(UP)
        bot.wait_for("Bot API unavailable")  # the API went away: polling waits for it
        bot.process.send_signal(signal.SIGTERM)
        # It used to retry PTB's last getUpdates (confirming what was fetched) for ever.
        assert bot.exit_code(timeout=30) == 0
        assert DEFAULT_TOKEN.split(":")[1] not in bot.output()
    finally:
        bot.stop()


def test_a_database_path_that_cannot_be_created_is_one_clean_error(folder: Path) -> None:
    blocker = folder / "data"
    blocker.write_text("a file where the folder should be")
    database = blocker / "bot.db"
    bot = Bot(folder, "http://127.0.0.1:9/bot", DATABASE_PATH=str(database))
    assert bot.exit_code() == 1
    [line] = bot.output().strip().splitlines()
    assert line.startswith(f"Error: cannot create the folder {blocker} for the database")
    assert "DATABASE_PATH" in line
    # The other commands that need the database say the same, with the same exit code.
    runner = CliRunner()
    for command in (["kb", "build"], ["stats"]):
        result = runner.invoke(main, command, env={"DATABASE_PATH": str(database)})
        assert result.exit_code == 1, command
        assert f"Error: cannot create the folder {blocker}" in result.stderr


def test_a_damaged_database_stops_start_up_with_one_line(
    fake: FakeBotAPIProcess, folder: Path
) -> None:
    database = folder / "bot.db"
    data = bytearray(database.read_bytes())
    data[:16] = b"garbage garbage!"
    database.write_bytes(bytes(data))
    bot = Bot(folder, fake.base_url)
    assert bot.exit_code() == 1
    [line] = bot.output().strip().splitlines()
    assert line.startswith(f"Error: the database {database} is damaged")
    assert "backup" in line
