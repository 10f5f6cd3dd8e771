"""Tests for the fake Telegram Bot API server, driven through python-telegram-bot itself.

The pure text helpers (Telegram HTML, automatic entities) are tested in test_fake_telegram_text.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import aiohttp.web
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from tests.fake_bot_api import (
    DEFAULT_TOKEN,
    FakeBotAPI,
    FakeBotAPIProcess,
    running_fake,
)

ALICE = 111
BOB = 222
GROUP = -4001
SUPERGROUP = -1001234567890


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with running_fake() as server:
        server.user(ALICE, "Alice", "alice")
        server.user(BOB, "Bob", None, "en")
        server.private_chat(ALICE)
        server.private_chat(BOB)
        yield server


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


@pytest.fixture
def timedelta_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns (an error here) when RetryAfter is built unless PTB_TIMEDELTA is set."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _build_app(fake: FakeBotAPI) -> Application[Any, Any, Any, Any, Any, Any]:
    return (
        Application.builder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )


@contextlib.asynccontextmanager
async def _running(
    app: Application[Any, Any, Any, Any, Any, Any],
    *,
    polling: bool = False,
    webhook: dict[str, Any] | None = None,
) -> AsyncIterator[None]:
    """Run an Application (polling or webhook) and always shut it down cleanly."""
    async with app:
        assert app.updater is not None
        if polling:
            await app.updater.start_polling(poll_interval=0)
        if webhook is not None:
            await app.updater.start_webhook(**webhook)
        await app.start()
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


# ------------------------------------------------------------------ basic methods


async def test_get_me(fake: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "ukm_test_bot")
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.supports_inline_queries is False
    assert fake.calls_to("getMe")[-1].status == 200


async def test_send_message_round_trip(fake: FakeBotAPI, bot: Bot) -> None:
    incoming = fake.send_text(ALICE, None, "Jam buka toko?")
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ya 👍", callback_data="yes"),
                InlineKeyboardButton("Web", url="https://tangerangselatankota.go.id"),
            ]
        ]
    )
    sent = await bot.send_message(
        ALICE,
        "<b>Buka</b> 08.00-17.00 🕗 &amp; hari <i>Minggu</i> tutup",
        parse_mode="HTML",
        reply_markup=keyboard,
        reply_parameters=ReplyParameters(incoming["message_id"]),
        disable_notification=True,
    )
    assert sent.text == "Buka 08.00-17.00 🕗 & hari Minggu tutup"
    assert sent.from_user is not None
    assert sent.from_user.username == "ukm_test_bot"
    assert sent.reply_markup == keyboard
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.text == "Jam buka toko?"
    assert sent.parse_entity(sent.entities[1]) == "Minggu"
    assert [e.type for e in sent.entities] == [MessageEntity.BOLD, MessageEntity.ITALIC]

    call = fake.calls_to("sendMessage")[-1]
    assert call.params["chat_id"] == ALICE
    assert call.params["disable_notification"] is True
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"
    assert call.params["reply_parameters"] == {"message_id": incoming["message_id"]}
    assert fake.sent(ALICE)[-1]["message_id"] == sent.message_id
    assert fake.messages_in(ALICE)[-1]["text"] == sent.text


async def test_html_errors_surface_as_bad_request(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest) as info:
        await bot.send_message(ALICE, "<div>Halo</div>", parse_mode="HTML")
    # PTB strips "Bad Request: " and str.capitalize()s the rest, lowercasing tdlib's words.
    assert (
        info.value.message == 'Can\'t parse entities: unsupported start tag "div" at byte offset 0'
    )
    assert fake.calls_to("sendMessage")[-1].error == (
        'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0'
    )
    with pytest.raises(BadRequest, match="Can't parse entities: can't find end tag"):
        await bot.send_message(ALICE, "<b>Halo", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ALICE, "🙂" * 2049)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(ALICE, "<b> </b>", parse_mode="HTML")
    await bot.send_message(ALICE, "🙂" * 2048)  # exactly 4096 UTF-16 units
    assert fake.sent(ALICE)[-1]["text"] == "🙂" * 2048


async def test_button_validation(fake: FakeBotAPI, bot: Bot) -> None:
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest) as info:
        await bot.send_message(ALICE, "pilih", reply_markup=too_long)
    assert fake.calls_to("sendMessage")[-1].error == "Bad Request: BUTTON_DATA_INVALID"
    assert info.value.message == "Button_data_invalid"  # PTB's capitalize() at work
    empty = InlineKeyboardMarkup([[InlineKeyboardButton(" ", callback_data="a")]])
    with pytest.raises(BadRequest, match="Button_text_invalid"):
        await bot.send_message(ALICE, "pilih", reply_markup=empty)


async def test_unknown_chat_unknown_method_and_wrong_token(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(999, "halo")
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")
    assert fake.calls_to("fooBar")[-1].status == 404
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.base_url}{fake.token}/getMe") as response:
            assert (await response.json())["result"]["username"] == "ukm_test_bot"
        async with session.post(f"{fake.base_url}{fake.token}/nope") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with session.post(f"{fake.base_url}not-a-token/getMe") as response:
            assert response.status == 404
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with Bot("654321:wrong", base_url=fake.base_url):
            pass
    assert fake.calls_to("getMe")[-1].error == "Unauthorized"


# ------------------------------------------------------------------ errors PTB maps


async def test_rate_limit_raises_retry_after(
    fake: FakeBotAPI, bot: Bot, timedelta_mode: None
) -> None:
    fake.set_rate_limit(per_chat_per_second=1)
    await bot.send_message(ALICE, "satu")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(ALICE, "dua")
    assert info.value.retry_after == dtm.timedelta(seconds=1)
    await bot.send_message(BOB, "chat lain tidak terbatas")
    assert fake.rate_limited_count == 1
    assert fake.rate_limited_by_chat[ALICE] == 1
    limited = [c for c in fake.calls if c.rate_limited]
    assert len(limited) == 1
    assert limited[0].error == "Too Many Requests: retry after 1"

    fake.fail("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(BOB, "lagi")
    assert info.value.retry_after == dtm.timedelta(seconds=7)


async def test_a_refused_scope_stays_refused_until_retry_after_has_passed(
    fake: FakeBotAPI, bot: Bot, timedelta_mode: None
) -> None:
    fake.set_rate_limit(per_second=2)
    await bot.send_message(ALICE, "satu")
    await bot.send_message(BOB, "dua")
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "tiga")  # the bot's overall limit...
    with pytest.raises(RetryAfter):
        await bot.send_message(BOB, "empat")  # ...refuses every chat for retry_after
    assert fake.rate_limited_overall == 2
    fake.set_rate_limit(per_chat_per_second=1)
    await bot.send_message(ALICE, "lima")
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "enam")
    await bot.send_message(BOB, "tujuh")  # a chat's limit refuses that chat only
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "delapan")  # still within its retry_after
    assert fake.rate_limited_by_chat[ALICE] == 3 and fake.rate_limited_overall == 2


async def test_retry_after_warns_without_ptb_timedelta(
    fake: FakeBotAPI, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    fake.fail("sendMessage", 429, retry_after=3)
    # RetryAfter.__init__ itself reads .retry_after: under filterwarnings=error the
    # PTBDeprecationWarning would replace the RetryAfter, hence the timedelta_mode fixture.
    with pytest.warns(PTBDeprecationWarning, match="PTB_TIMEDELTA"), pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "x")


async def test_blocked_user_is_forbidden(fake: FakeBotAPI, bot: Bot) -> None:
    fake.block(ALICE, notify=True)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(ALICE, "halo")
    updates = await bot.get_updates()
    member = updates[-1].my_chat_member
    assert member is not None
    assert (member.old_chat_member.status, member.new_chat_member.status) == ("member", "kicked")
    fake.unblock(ALICE)
    await bot.send_message(ALICE, "halo lagi")


async def test_group_migration(fake: FakeBotAPI, bot: Bot) -> None:
    fake.group(GROUP, "UKM Ciputat", admins=[ALICE], members=[BOB])
    await bot.send_message(GROUP, "sebelum")
    fake.migrate(GROUP, SUPERGROUP)
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(GROUP, "sesudah")
    assert info.value.new_chat_id == SUPERGROUP
    assert fake.calls_to("sendMessage")[-1].error == (
        "Bad Request: group chat was upgraded to a supergroup chat"
    )
    updates = await bot.get_updates()
    service = [u.message for u in updates if u.message]
    assert [(m.chat.id, m.migrate_to_chat_id, m.migrate_from_chat_id) for m in service] == [
        (GROUP, SUPERGROUP, None),
        (SUPERGROUP, None, GROUP),
    ]
    sent = await bot.send_message(SUPERGROUP, "sesudah")
    assert sent.chat.type == "supergroup"


async def test_a_migration_the_bot_missed(fake: FakeBotAPI, bot: Bot) -> None:
    fake.group(GROUP, "UKM Ciputat", admins=[ALICE])
    fake.migrate(GROUP, SUPERGROUP, notify=False)
    assert await bot.get_updates() == ()
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(GROUP, "sesudah")
    assert info.value.new_chat_id == SUPERGROUP


async def test_delay_makes_the_client_time_out(fake: FakeBotAPI, bot: Bot) -> None:
    fake.delay("sendMessage", 0.4)
    with pytest.raises(TimedOut):
        await bot.send_message(ALICE, "lambat", read_timeout=0.1)
    await bot.send_message(ALICE, "cepat")
    # the slow request is still processed by the server afterwards, like Telegram would
    await fake.wait_for_sent(ALICE, count=2, timeout=3)
    assert fake.sent_texts(ALICE) == ["cepat", "lambat"]


async def test_fail_with_predicate_and_5xx(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail("sendMessage", 502, when=lambda params: params["chat_id"] == ALICE, times=2)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(ALICE, "a")
    await bot.send_message(BOB, "b")
    with pytest.raises(NetworkError):
        await bot.send_message(ALICE, "c")
    await bot.send_message(ALICE, "d")
    assert fake.sent_texts() == ["b", "d"]


async def test_outage_and_recovery_on_same_port(fake: FakeBotAPI, bot: Bot) -> None:
    port = fake.port
    await fake.stop()
    with pytest.raises(NetworkError):
        await bot.send_message(ALICE, "offline")
    await fake.start()
    assert fake.port == port
    await bot.send_message(ALICE, "online")
    assert fake.sent_texts(ALICE) == ["online"]


# ------------------------------------------------------------------ updates


async def test_injected_entities_are_utf16(fake: FakeBotAPI, bot: Bot) -> None:
    fake.user(333, "Citra", "citra_ukm")
    message = fake.send_text(333, None, "/harga@ukm_test_bot 🙂 @ukm_test_bot kopi")
    assert message["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 19},
        {"type": "mention", "offset": 23, "length": 13},
    ]
    (update,) = await bot.get_updates()
    assert update.message is not None
    parsed = update.message.parse_entities()
    assert list(parsed.values()) == ["/harga@ukm_test_bot", "@ukm_test_bot"]


async def test_a_long_poll_returns_when_an_update_arrives(fake: FakeBotAPI, bot: Bot) -> None:
    # The poll may wait an hour: the update can only come back this soon by waking it.
    poll = asyncio.create_task(bot.get_updates(timeout=3600))
    await fake.wait_until(lambda: fake.waiting_polls == 1, what="the long poll to wait")
    fake.send_text(ALICE, None, "halo")
    await fake.wait_until(poll.done, what="the long poll to return the update")
    updates = poll.result()
    assert len(updates) == 1
    assert updates[0].message is not None
    assert updates[0].message.text == "halo"
    fake.send_text(ALICE, None, "kedua")
    fake.send_text(ALICE, None, "ketiga")
    again = await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id + 1, updates[0].update_id + 2]
    assert await bot.get_updates(offset=again[-1].update_id + 1, timeout=0) == ()
    assert fake.pending_updates == []


async def test_injected_media_edits_and_member_updates(fake: FakeBotAPI, bot: Bot) -> None:
    fake.group(GROUP, "UKM Ciledug", admins=[ALICE], bot_status="administrator")
    text = fake.send_text(ALICE, GROUP, "pesan di grup")
    fake.send_sticker(ALICE, None, "🎉")
    voice = fake.send_voice(ALICE, None, duration=4, data=b"OggS voice")
    fake.send_location(ALICE)
    fake.send_document(ALICE, None, "menu.pdf", caption="Menu #promo")
    fake.send_photo(ALICE, None, caption="/harga@ukm_test_bot")
    fake.edit_text(text, "pesan diedit")
    fake.my_chat_member(ALICE, GROUP, "administrator", "kicked")
    fake.push_update({"message": {**text, "message_id": 99, "text": "mentah"}})
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == list(
        range(updates[0].update_id, updates[0].update_id + 9)
    )
    messages = [u.message for u in updates[:6]]
    assert all(m is not None for m in messages)
    assert messages[1] is not None
    assert messages[1].sticker is not None
    assert messages[1].sticker.emoji == "🎉"
    assert messages[2] is not None
    assert messages[2].voice is not None
    assert messages[3] is not None
    assert messages[3].location is not None
    assert messages[4] is not None
    assert messages[4].document is not None
    assert messages[4].document.file_name == "menu.pdf"
    assert messages[4].parse_caption_entities() == {messages[4].caption_entities[0]: "#promo"}
    assert messages[5] is not None
    assert messages[5].photo
    assert updates[6].edited_message is not None
    assert updates[6].edited_message.text == "pesan diedit"
    member = updates[7].my_chat_member
    assert member is not None
    assert member.new_chat_member.status == "kicked"
    assert updates[8].message is not None
    assert updates[8].message.text == "mentah"
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(GROUP, "masih di sini?")

    file = await bot.get_file(voice["voice"]["file_id"])
    assert bytes(await file.download_as_bytearray()) == b"OggS voice"

    await bot.get_updates(offset=updates[-1].update_id + 1, allowed_updates=["message"])
    sent = await bot.send_message(
        ALICE,
        "pilih",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]]),
    )
    fake.press(ALICE, sent, "a")  # callback_query is not in allowed_updates: dropped
    with pytest.raises(AssertionError, match="no button with callback_data 'b'"):
        fake.press(ALICE, sent, "b")
    assert fake.pending_updates == []
    assert fake.dropped_updates == 1
    with pytest.raises(InvalidToken):
        await bot.send_poll(ALICE, "Favorit?", ["kopi", "teh"])  # not in the fake -> 404
    assert fake.unknown_methods() == ["sendPoll"]


async def test_group_privacy_mode(fake: FakeBotAPI, bot: Bot) -> None:
    fake.group(GROUP, "UKM Pamulang", admins=[ALICE], members=[BOB])
    bot_message = await bot.send_message(GROUP, "Selamat datang")
    fake.send_text(BOB, GROUP, "obrolan biasa")
    fake.send_text(BOB, GROUP, "/menu@other_bot")
    fake.send_text(BOB, GROUP, "/menu@ukm_test_bot")
    fake.send_text(BOB, GROUP, "balasan", reply_to=bot_message.to_dict())
    texts = [u.message.text for u in await bot.get_updates() if u.message]
    assert texts == ["/menu@ukm_test_bot", "balasan"]
    assert fake.filtered_group_messages == 2


async def test_application_polling_commands_and_buttons(fake: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Katalog", callback_data="cat")]])
        await update.effective_message.reply_html(
            f"Halo <b>{update.effective_user.first_name}</b>!",
            reply_markup=keyboard,
            do_quote=True,  # PTB 22 does not quote (reply_to) by default
        )

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Memuat…")
        await query.edit_message_text("Katalog: kopi, keripik")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    app = _build_app(fake)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with _running(app, polling=True):
        first = fake.send_text(ALICE, None, "/start")
        (reply,) = await fake.wait_for_sent(ALICE, 1)
        assert reply["text"] == "Halo Alice!"
        assert reply["reply_to_message"]["message_id"] == first["message_id"]
        query = fake.press(ALICE, reply, "cat")
        await fake.wait_for(lambda c: c.method == "editMessageText" and c.ok)
        assert fake.callback_answers[query["id"]]["text"] == "Memuat…"
        (current,) = fake.messages_in(ALICE)
        assert current["text"] == "Katalog: kopi, keripik"
        assert "reply_markup" not in current  # editing text without markup drops the keyboard
        fake.send_text(ALICE, None, "kopi ada?")
        await fake.wait_for_sent(ALICE, 2)
    offsets = [c.params.get("offset") for c in fake.calls_to("getUpdates")]
    last_update_id = fake.last_update_id
    assert offsets[-1] == last_update_id + 1  # every update was confirmed
    assert fake.pending_updates == []
    assert fake.sent_texts(ALICE)[-1] == "echo: kopi ada?"
    assert fake.calls_to("deleteWebhook")  # start_polling always calls it first


async def test_webhook_delivery_with_secret(fake: FakeBotAPI) -> None:
    port = _free_port()
    hook_url = f"http://127.0.0.1:{port}/hook"

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("diterima")

    app = _build_app(fake)
    app.add_handler(MessageHandler(filters.TEXT, echo))
    webhook = {
        "listen": "127.0.0.1",
        "port": port,
        "url_path": "hook",
        "webhook_url": hook_url,
        "secret_token": "s3cr3t_TOKEN",
    }
    async with _running(app, webhook=webhook):
        assert fake.webhook_url == hook_url
        fake.send_text(ALICE, None, "pesan via webhook")
        await fake.wait_for_sent(ALICE, 1)
        delivery = fake.webhook_deliveries[-1]
        assert (delivery.status, delivery.secret_sent) == (200, "s3cr3t_TOKEN")
        assert fake.pending_updates == []
        stray = {"message": fake.message(ALICE, 1)}
        assert await fake.post_to_webhook(stray, secret="wrong") == 403
        assert await fake.post_to_webhook(stray, secret=None) == 403
        with pytest.raises(Conflict, match="webhook is active"):
            await app.bot.get_updates()
        info = await app.bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (hook_url, 0)


async def test_webhook_retries_until_the_bot_is_back(fake: FakeBotAPI, bot: Bot) -> None:
    fake.webhook_retry_delay = 0.05
    port = _free_port()
    assert await bot.set_webhook(f"http://127.0.0.1:{port}/tg", secret_token="abc")
    fake.send_text(ALICE, None, "saat bot mati")
    await fake.wait_until(lambda: len(fake.webhook_deliveries) >= 2, 2, what="two attempts")
    assert all(d.status is None for d in fake.webhook_deliveries)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message is not None

    received: list[dict[str, Any]] = []

    async def handler(request: aiohttp.web.Request) -> aiohttp.web.Response:
        assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == "abc"
        received.append(await request.json())
        return aiohttp.web.Response()

    web_app = aiohttp.web.Application()
    web_app.router.add_post("/tg", handler)
    runner = aiohttp.web.AppRunner(web_app)
    await runner.setup()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await fake.wait_until(lambda: not fake.pending_updates, 3, what="redelivery")
    finally:
        await runner.cleanup()
    assert [u["message"]["text"] for u in received] == ["saat bot mati"]
    assert fake.webhook_deliveries[-1].status == 200
    assert await bot.delete_webhook()
    assert fake.webhook_url is None


# ------------------------------------------------------------------ other methods


async def test_edit_delete_and_callback_errors(fake: FakeBotAPI, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(
        ALICE, "<b>versi 1</b>", parse_mode="HTML", reply_markup=keyboard
    )
    with pytest.raises(BadRequest, match=r"^Message is not modified"):
        await bot.edit_message_text(
            "<b>versi 1</b>", ALICE, sent.message_id, parse_mode="HTML", reply_markup=keyboard
        )
    edited = await bot.edit_message_text("versi 2", ALICE, sent.message_id, reply_markup=keyboard)
    assert not isinstance(edited, bool)
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"^Message is not modified"):
        await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=keyboard)
    await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=None)
    assert "reply_markup" not in fake.messages_in(ALICE)[0]
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("x", ALICE, 9999)
    assert await bot.delete_message(ALICE, sent.message_id)
    assert fake.messages_in(ALICE) == []
    with pytest.raises(BadRequest, match=r"^Message to delete not found$"):
        await bot.delete_message(ALICE, sent.message_id)
    with pytest.raises(BadRequest, match=r"^Query is too old and response timeout expired"):
        await bot.answer_callback_query("12345")


async def test_commands_per_scope(fake: FakeBotAPI, bot: Bot) -> None:
    commands = [BotCommand("start", "Mulai"), BotCommand("katalog", "Lihat katalog")]
    await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(), language_code="id")
    await bot.set_my_commands([BotCommand("start", "Start")])
    assert fake.commands("all_private_chats", "id") == [
        {"command": "start", "description": "Mulai"},
        {"command": "katalog", "description": "Lihat katalog"},
    ]
    assert fake.commands() == [{"command": "start", "description": "Start"}]
    assert fake.commands("all_private_chats") == []
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="id")
    assert got == tuple(commands)
    await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="id")
    assert fake.commands("all_private_chats", "id") == []
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "x")])


async def test_chats_and_members(fake: FakeBotAPI, bot: Bot) -> None:
    fake.user(333, "Citra")
    fake.user(444, "Dedi")
    fake.group(SUPERGROUP, "Komunitas UKM", "supergroup", admins=[ALICE, BOB], members=[333])
    fake.set_member_status(SUPERGROUP, 444, "kicked")
    statuses = {
        uid: (await bot.get_chat_member(SUPERGROUP, uid)).status
        for uid in (ALICE, BOB, 333, 444, fake.bot_id)
    }
    assert statuses == {
        ALICE: "creator",
        BOB: "administrator",
        333: "member",
        444: "kicked",
        fake.bot_id: "member",
    }
    admins = await bot.get_chat_administrators(SUPERGROUP)
    assert [(m.user.id, m.status) for m in admins] == [(ALICE, "creator"), (BOB, "administrator")]
    chat = await bot.get_chat(SUPERGROUP)
    assert (chat.type, chat.title) == ("supergroup", "Komunitas UKM")
    private = await bot.get_chat(ALICE)
    assert (private.type, private.username) == ("private", "alice")
    assert await bot.get_chat_member_count(SUPERGROUP) == 4


async def test_copy_message_and_send_photo(fake: FakeBotAPI, bot: Bot) -> None:
    fake.group(GROUP, "UKM Serpong", admins=[ALICE])
    incoming = fake.send_photo(ALICE, None, caption="foto produk")
    copied = await bot.copy_message(GROUP, ALICE, incoming["message_id"])
    assert fake.message(GROUP, copied.message_id) is not None
    assert fake.sent(GROUP)[-1]["caption"] == "foto produk"
    with pytest.raises(BadRequest, match=r"^Message to copy not found$"):
        await bot.copy_message(GROUP, ALICE, 999)

    photo = await bot.send_photo(
        ALICE, b"\x89PNG fake bytes", caption="<i>Keripik</i>", parse_mode="HTML"
    )
    assert photo.caption == "Keripik"
    assert photo.photo[-1].file_size == len(b"\x89PNG fake bytes")
    call = fake.calls_to("sendPhoto")[-1]
    assert call.files["photo"].data == b"\x89PNG fake bytes"
    again = await bot.send_photo(GROUP, photo.photo[-1].file_id)
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
        await bot.send_photo(ALICE, photo.photo[-1].file_id, caption="x" * 1025)
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(ALICE, "not-a-file-id")
    assert await bot.send_chat_action(ALICE, "typing")


async def test_wait_for_reports_recent_calls(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(ALICE, "sesuatu")
    with pytest.raises(AssertionError, match=r"(?s)1 message\(s\) sent to chat 999.*sendMessage"):
        await fake.wait_for_sent(999, timeout=0.1)


async def test_duplicate_detection(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(ALICE, "Pesanan diterima")
    await bot.send_message(ALICE, "Pesanan diterima")
    await bot.send_message(BOB, "Pesanan diterima")
    assert fake.duplicates() == {ALICE: ["Pesanan diterima"]}
    assert fake.delivery_counts == {ALICE: 2, BOB: 1}
    assert fake.stats()["duplicate_chats"] == 1


def test_standalone_process_and_control_client() -> None:
    with FakeBotAPIProcess(DEFAULT_TOKEN, rate_limit=1000) as process:
        control = process.control
        created = control.create_users(4, start_id=5000, blocked_fraction=0.5, seed=3)
        assert created["created"] == 4
        queued = control.inject_texts(range(5000, 5004), "/start")
        assert queued["queued"] == 4

        async def use_bot() -> None:
            async with Bot(DEFAULT_TOKEN, base_url=process.base_url) as bot:
                updates = await bot.get_updates(timeout=0)
                assert len(updates) == 4
                for update in updates:
                    assert update.effective_chat is not None
                    chat_id = update.effective_chat.id
                    try:
                        await bot.send_message(chat_id, "Halo")
                        await bot.send_message(chat_id, "Halo")
                    except Forbidden:
                        assert chat_id in created["blocked"]

        asyncio.run(use_bot())
        stats = control.stats()
        delivered = 4 - len(created["blocked"])
        assert stats["sent_total"] == 2 * delivered
        assert stats["duplicate_chats"] == delivered
        assert stats["calls"]["getUpdates"] == 1
        assert stats["statuses"].get("403", 0) == len(created["blocked"])
        control.reset()
        assert control.stats()["sent_total"] == 0


# -- inline mode and descriptions (answerInlineQuery, set/getMy(Short)Description) ---------------


def article(result_id: str, title: str = "Judul", text: str = "<b>Jawaban</b>") -> Any:
    from telegram import InlineQueryResultArticle, InputTextMessageContent

    return InlineQueryResultArticle(
        result_id, title, InputTextMessageContent(text, parse_mode="HTML")
    )


async def test_inline_queries_need_inline_mode_and_are_answered_once(
    fake: FakeBotAPI, bot: Bot
) -> None:
    with pytest.raises(AssertionError, match=r"(?i)setinline"):
        fake.inline_query(ALICE, "pelatihan")
    fake.supports_inline_queries = True
    query = fake.inline_query(ALICE, "pelatihan")
    [update] = await bot.get_updates()
    assert update.inline_query is not None and update.inline_query.query == "pelatihan"
    assert update.inline_query.chat_type == "sender"
    await bot.answer_inline_query(str(query["id"]), [article("a"), article("b", "Lain")])
    assert [r["id"] for r in fake.inline_results(query)] == ["a", "b"]
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query(str(query["id"]), [article("a")])  # once only
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query("999", [article("a")])


async def test_answer_inline_query_checks_results_as_telegram_does(
    fake: FakeBotAPI, bot: Bot
) -> None:
    from telegram import InlineQueryResultsButton

    fake.supports_inline_queries = True
    query_id = str(fake.inline_query(BOB, "x")["id"])
    too_many = [article(str(n)) for n in range(51)]
    with pytest.raises(BadRequest, match=r"(?i)Too many inline query results"):
        await bot.answer_inline_query(query_id, too_many)
    with pytest.raises(BadRequest, match=r"(?i)RESULT_ID_DUPLICATE"):
        await bot.answer_inline_query(query_id, [article("a"), article("a")])
    with pytest.raises(BadRequest, match=r"(?i)RESULT_ID_INVALID"):
        await bot.answer_inline_query(query_id, [article("x" * 65)])
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.answer_inline_query(query_id, [article("a", text="<b>open")])
    with pytest.raises(BadRequest, match=r"(?i)START_PARAM_INVALID"):
        await bot.answer_inline_query(
            query_id,
            [article("a")],
            button=InlineQueryResultsButton("Buka", start_parameter="a b"),
        )
    # None of these used up the query: a correct answer still goes through.
    await bot.answer_inline_query(
        query_id, [article("a")], button=InlineQueryResultsButton("Buka", start_parameter="tanya")
    )
    assert fake.inline_answers[query_id]["button"] == {"text": "Buka", "start_parameter": "tanya"}


async def test_a_chosen_result_is_posted_via_the_bot_and_reported_with_feedback_on(
    fake: FakeBotAPI, bot: Bot
) -> None:
    fake.supports_inline_queries = True
    fake.group(GROUP, "Keluarga", members=[ALICE])
    query = fake.inline_query(ALICE, "pelatihan", chat_type="group")
    await bot.get_updates()
    button = InlineKeyboardMarkup([[InlineKeyboardButton("Tanya", url="https://t.me/x?start=a")]])
    from telegram import InlineQueryResultArticle, InputTextMessageContent

    result = InlineQueryResultArticle(
        "a", "Judul", InputTextMessageContent("<b>Jawaban</b>", parse_mode="HTML"), button
    )
    await bot.answer_inline_query(str(query["id"]), [result])
    before = fake.last_update_id
    posted = fake.choose_inline_result(ALICE, query, "a", chat=GROUP)
    assert posted is not None and posted["text"] == "Jawaban" and posted["via_bot"]["is_bot"]
    assert posted["entities"] == [{"type": "bold", "offset": 0, "length": 7}]
    assert fake.last_update_id == before  # inline feedback is off: nothing for the bot
    fake.inline_feedback = True
    fake.choose_inline_result(ALICE, query, "a")
    [update] = await bot.get_updates(offset=fake.last_update_id)
    assert update.chosen_inline_result is not None
    assert update.chosen_inline_result.result_id == "a"
    with pytest.raises(AssertionError, match=r"(?i)no answered result"):
        fake.choose_inline_result(ALICE, query, "b")


async def test_descriptions_per_language_with_telegrams_limits(fake: FakeBotAPI, bot: Bot) -> None:
    assert (await bot.get_my_description()).description == ""
    await bot.set_my_description("Asisten UKM")
    await bot.set_my_description("SME assistant", language_code="en")
    await bot.set_my_short_description("Tanya soal UKM")
    assert (await bot.get_my_description()).description == "Asisten UKM"
    assert (await bot.get_my_description("en")).description == "SME assistant"
    assert (await bot.get_my_short_description()).short_description == "Tanya soal UKM"
    assert (await bot.get_my_short_description("en")).short_description == ""
    assert fake.description("en") == "SME assistant"
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.set_my_description("x" * 513)
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.set_my_short_description("x" * 121)
    with pytest.raises(BadRequest, match=r"(?i)language code"):
        await bot.set_my_description("x", language_code="eng")
    await bot.set_my_description("", language_code="en")  # removes it
    assert (await bot.get_my_description("en")).description == ""
