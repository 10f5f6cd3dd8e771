"""End to end, `ukm-bot run --webhook`: Telegram's deliveries are answered; the secret is
checked before a body is read; bodies are small; the whole path of WEBHOOK_URL is served;
what is not an update gets 400, not a traceback."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

import bot.app
import bot.webhook
from bot.app import build_application
from bot.config import Settings
from bot.runner import BotRunner
from bot.webhook import MAX_BODY, SECRET_HEADER
from tests.conftest import TOKEN, copy_unless_present
from tests.fake_bot_api import FakeBotAPI, JSONDict

SECRET = "s3cret-Value_1"
PUBLIC_URL = "https://bot.example/telegram/webhook"  # behind a proxy that keeps the path
RESIDENT = 71


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def webhook_bot(
    fake: FakeBotAPI, tmp_path: Path, built_database: Path
) -> AsyncIterator[str]:
    """The bot receiving webhooks, as `ukm-bot run --webhook` runs it; yields its local URL
    of the webhook path (what the proxy in front of it forwards to)."""
    port = free_port()
    copy_unless_present(built_database, tmp_path / "bot.db")
    settings = Settings.parse(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": fake.base_url,
            "DATABASE_PATH": str(tmp_path / "bot.db"),
            "WEBHOOK_URL": PUBLIC_URL,
            "WEBHOOK_SECRET": SECRET,
            "LISTEN": "127.0.0.1",
            "PORT": str(port),
            "SEND_RATE_LIMIT": "0",
        }
    )
    runner = BotRunner(build_application(settings), settings, webhook=True)
    assert await runner.start()
    try:
        yield f"http://127.0.0.1:{port}/telegram/webhook"
    finally:
        await runner.shutdown()


def message_update(text: str) -> JSONDict:
    chat = {"id": RESIDENT, "type": "private", "first_name": "Ana"}
    user = {"id": RESIDENT, "is_bot": False, "first_name": "Ana"}
    return {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        },
    }


async def test_telegram_delivers_to_the_whole_path_of_webhook_url(
    fake: FakeBotAPI, webhook_bot: str
) -> None:
    assert fake.webhook_url == PUBLIC_URL  # registered with Telegram as configured
    fake.user(RESIDENT, "Ana")
    fake.private_chat(RESIDENT)
    # The proxy at bot.example passes /telegram/webhook on to the bot unchanged.
    await set_webhook(fake, webhook_bot)
    fake.send_text(RESIDENT, None, "berapa jumlah ukm di tangsel?")
    [reply] = await fake.wait_for_sent(RESIDENT)
    assert "15.000" in reply["text"]
    assert [d.status for d in fake.webhook_deliveries] == [200]
    # Only the configured path: not its last segment, not the root.
    last_segment = webhook_bot.replace("/telegram/webhook", "/webhook")
    for url in (last_segment, webhook_bot.replace("/telegram/webhook", "/")):
        assert await fake.post_to_webhook(message_update("halo"), SECRET, url=url) == 404


async def test_without_the_secret_nothing_is_read_or_answered(
    fake: FakeBotAPI, webhook_bot: str
) -> None:
    update = message_update("berapa jumlah ukm?")
    assert await fake.post_to_webhook(update, secret=None, url=webhook_bot) == 403
    assert await fake.post_to_webhook(update, secret="wrong", url=webhook_bot) == 403
    # A huge upload without the secret is refused from its headers alone: the answer comes
    # while almost none of the announced 95 MB has been sent.
    status = await send_headers_then_wait(webhook_bot, 95 * 2**20, secret=None)
    assert status == 403
    assert fake.sent(RESIDENT) == []


async def test_a_body_over_the_limit_is_refused_even_with_the_secret(webhook_bot: str) -> None:
    assert await send_headers_then_wait(webhook_bot, MAX_BODY + 1, secret=SECRET) == 413

    # A body without a length that grows past the limit is cut off there.
    async def endless() -> AsyncIterator[bytes]:
        for _ in range(4 * MAX_BODY // 65536):
            yield b" " * 65536

    async with (
        aiohttp.ClientSession() as session,
        session.post(webhook_bot, data=endless(), headers={SECRET_HEADER: SECRET}) as response,
    ):
        assert response.status == 413


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[1, 2]", b'"text"', json.dumps({"message": "no update_id"}).encode()],
)
async def test_what_is_not_an_update_gets_400_and_no_traceback(
    webhook_bot: str, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        async with (
            aiohttp.ClientSession() as session,
            session.post(webhook_bot, data=body, headers={SECRET_HEADER: SECRET}) as response,
        ):
            assert response.status == 400
    assert not any(r.exc_info for r in caplog.records)
    assert any("not a Telegram update" in r.getMessage() for r in caplog.records)


async def set_webhook(fake: FakeBotAPI, url: str) -> None:
    """Point Telegram's deliveries at `url` (as if through the proxy)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{fake.base_url}{TOKEN}/setWebhook", json={"url": url, "secret_token": SECRET}
        ) as response,
    ):
        assert (await response.json())["ok"]


async def send_headers_then_wait(url: str, length: int, secret: str | None) -> int:
    """POST announcing `length` bytes, send 64 KB of them, and read the status line. A
    server that reads the whole body first never answers; the wait is cut at 10 s."""
    host, _, rest = url.removeprefix("http://").partition("/")
    address, port = host.split(":")
    reader, writer = await asyncio.open_connection(address, int(port))
    headers = [
        f"POST /{rest} HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/json",
        f"Content-Length: {length}",
    ]
    if secret is not None:
        headers.append(f"{SECRET_HEADER}: {secret}")
    writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + b"{" + b" " * 65535)
    try:
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    return int(status_line.split()[1])


@pytest.fixture
def little_room(monkeypatch: pytest.MonkeyPatch) -> None:
    """One worker and room for four waiting updates (two of them parked): a handful of
    residents is a flood."""
    monkeypatch.setattr(bot.app, "UPDATE_WORKERS", 1)
    monkeypatch.setattr(bot.app, "QUEUED_UPDATES", 2)
    monkeypatch.setattr(bot.app, "PARKED_UPDATES", 2)
    monkeypatch.setattr(bot.webhook, "ROOM_WAIT", 0.2)


async def test_a_flood_is_delivered_again_later_not_piled_up_or_dropped(
    little_room: None, fake: FakeBotAPI, webhook_bot: str
) -> None:
    residents = range(81, 89)
    for user in residents:
        fake.user(user, f"Warga {user}")
        fake.private_chat(user)
    fake.delay("sendMessage", 0.5, times=None)  # answers go out slowly
    await set_webhook(fake, webhook_bot)
    for user in residents:
        fake.send_text(user, None, "berapa jumlah ukm di tangsel?")
    for user in residents:
        await fake.wait_for_sent(user, timeout=30)
    # Beyond the room the bot has, Telegram was told to deliver again later (a status it
    # retries), and it did: every resident got exactly one answer.
    statuses = [d.status for d in fake.webhook_deliveries]
    assert 503 in statuses
    assert statuses.count(200) == len(residents)
    assert all(len(fake.sent(user)) == 1 for user in residents)
