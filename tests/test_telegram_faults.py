"""End to end, when Telegram misbehaves: errors, limits, outages, blocked users."""

from __future__ import annotations

import asyncio
import io
import logging
import time

import pytest
from telegram.ext import ApplicationBuilder
from telegram.warnings import PTBUserWarning

from bot.app import SetupError, require_job_queue
from bot.logs import configure_logging
from tests.conftest import TOKEN, BotStarter
from tests.fake_bot_api import FakeBotAPI


async def test_a_5xx_and_a_timeout_during_polling_lose_no_update(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.fail("getUpdates", 502, "Bad Gateway", times=2)
    fake.send_text(ana, None, "berapa jumlah ukm di tangsel?")
    [first] = await fake.wait_for_sent(1, timeout=10)
    assert "15.000" in first["text"]
    fake.delay("getUpdates", 15)  # longer than the client waits: PTB times out, retries
    fake.send_text(ana, None, "kerupuk diekspor ke mana?")
    [_, second] = await fake.wait_for_sent(1, count=2, timeout=30)
    assert "China" in second["text"]
    assert [m["text"][:20] for m in fake.sent(1)] == [first["text"][:20], second["text"][:20]]


async def test_429_on_send_is_waited_out_and_the_reply_still_arrives(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot(SEND_RATE_LIMIT="30")
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.fail("sendMessage", 429, retry_after=2)
    started = time.monotonic()
    fake.send_text(ana, None, "berapa jumlah ukm di tangsel?")
    [reply] = await fake.wait_for_sent(1, timeout=15)
    refused = [c for c in fake.calls_to("sendMessage") if c.status == 429]
    delivered = [c for c in fake.calls_to("sendMessage") if c.ok]
    assert "15.000" in reply["text"]
    assert len(refused) == 1 and len(delivered) == 1
    # The retry came after the wait Telegram asked for, not before.
    assert delivered[0].time - refused[0].time >= 2.0
    assert time.monotonic() - started >= 2.0


async def test_a_user_who_blocked_the_bot_causes_no_crash(
    fake: FakeBotAPI, start_bot: BotStarter, caplog: pytest.LogCaptureFixture
) -> None:
    await start_bot()
    ana, budi = fake.user(1, "Ana"), fake.user(2, "Budi")
    fake.private_chat(ana)
    fake.private_chat(budi)
    fake.block(1)
    with caplog.at_level(logging.INFO):
        fake.send_text(ana, None, "berapa jumlah ukm?")
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.status == 403, timeout=5)
        fake.send_text(budi, None, "berapa jumlah ukm?")
        [reply] = await fake.wait_for_sent(2)
    assert "15.000" in reply["text"]
    assert any("blocked" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_polling_recovers_after_the_bot_api_comes_back(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    await fake.stop()
    await asyncio.sleep(2)  # the bot polls into a closed port for a while
    await fake.start()  # the same port: the API is back
    fake.send_text(ana, None, "berapa jumlah ukm?")
    [reply] = await fake.wait_for_sent(1, timeout=20)
    assert "15.000" in reply["text"]


async def test_the_token_never_reaches_the_log(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging("DEBUG", [TOKEN], stream=stream)
    try:
        await start_bot()
        ana = fake.user(1, "Ana")
        fake.private_chat(ana)
        fake.fail("sendMessage", 500, "Internal Server Error")
        fake.send_text(ana, None, "halo")
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.status == 500, timeout=5)
        fake.send_text(ana, None, "berapa jumlah ukm?")
        await fake.wait_for_sent(1, count=2, timeout=10)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    output = stream.getvalue()
    assert "getUpdates" in output and "<TOKEN>" in output  # httpx and PTB did log URLs
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output


async def test_the_error_handler_apologises_once_and_alerts_staff(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    staff = -4242
    fake.user(900, "Staf")
    fake.group(staff, "Staf UKM", "supergroup", admins=[900])
    await start_bot(STAFF_CHAT_ID=str(staff))
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.fail(
        "sendMessage",
        400,
        "Bad Request: something unexpected",
        when=lambda p: "15.000" in str(p.get("text", "")),
    )
    fake.send_text(ana, None, "berapa jumlah ukm?")
    [apology] = await fake.wait_for_sent(1)
    assert "kesalahan" in apology["text"]
    [alert] = await fake.wait_for_sent(staff)
    assert "BadRequest" in alert["text"] and "update" in alert["text"]
    assert TOKEN not in alert["text"]


async def test_an_answer_lost_to_a_network_error_is_not_lost_silently(
    fake: FakeBotAPI, start_bot: BotStarter, caplog: pytest.LogCaptureFixture, quick_retries: None
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.fail(
        "sendMessage",
        502,
        "Bad Gateway",
        times=None,
        when=lambda p: "15.000" in str(p.get("text", "")),  # the answer, not the apology
    )
    with caplog.at_level(logging.INFO):
        fake.send_text(ana, None, "berapa jumlah ukm di tangsel?")
        [apology] = await fake.wait_for_sent(1, timeout=15)
    # The answer was sent again, with back-off, before the bot gave up (a 502 that passes
    # is test_delivery's)...
    answers = [c for c in fake.calls_to("sendMessage") if "15.000" in c.params["text"]]
    assert [c.status for c in answers] == [502, 502, 502, 502]
    # ...then the resident is told something went wrong and to try again...
    assert "terjadi kesalahan" in apology["text"] and "coba lagi" in apology["text"]
    # ...and the log says which update, chat and user lost their answer, and why.
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "chat 1 (private)" in error.getMessage() and "user 1" in error.getMessage()
    assert error.exc_info is not None and "Bad Gateway" in str(error.exc_info[1])
    fake.clear_faults()  # the network is back: asking again works
    fake.send_text(ana, None, "berapa jumlah ukm di tangsel?")
    [_, answer] = await fake.wait_for_sent(1, count=2)
    assert "15.000" in answer["text"]


async def test_when_even_the_apology_cannot_be_sent_the_log_says_so(
    fake: FakeBotAPI, start_bot: BotStarter, caplog: pytest.LogCaptureFixture, quick_retries: None
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.fail("sendMessage", 502, "Bad Gateway", times=None, when=lambda p: p["chat_id"] == 1)
    with caplog.at_level(logging.INFO):
        fake.send_text(ana, None, "berapa jumlah ukm di tangsel?")
        await fake.wait_until(
            lambda: any("Could not tell" in r.getMessage() for r in caplog.records),
            timeout=15,  # the answer and then the apology are each tried four times
            what="the log to say the resident could not be told",
        )
    assert fake.sent(1) == []  # the resident saw nothing: the log is where it shows
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "chat 1 (private)" in error.getMessage()
    [warning] = [r for r in caplog.records if "Could not tell" in r.getMessage()]
    assert "chat 1" in warning.getMessage() and "Bad Gateway" in warning.getMessage()


def test_without_the_job_queue_the_bot_refuses_to_start() -> None:
    """Scheduled announcements, the log flush and retention need it: no silent skipping."""
    bare = ApplicationBuilder().token(TOKEN).job_queue(None).build()
    # PTB itself only warns; the bot stops.
    with pytest.warns(PTBUserWarning), pytest.raises(SetupError, match="job queue is missing"):
        require_job_queue(bare)
