"""End to end, private chats: the real Application over HTTP against the fake Bot API."""

from __future__ import annotations

from bot.commands import menu
from tests.conftest import BotStarter
from tests.fake_bot_api import FakeBotAPI


async def test_start_welcomes_with_topic_buttons_in_the_users_language(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana", language_code="id")
    fake.private_chat(ana)
    fake.send_text(ana, None, "/start")
    [welcome] = await fake.wait_for_sent(1)
    assert "Selamat datang" in welcome["text"]
    labels = [label for label, _ in fake.buttons(welcome)]
    assert labels[:4] == ["🎓 Pelatihan", "🌏 Ekspor", "🤝 Koperasi/Kelompok UKM", "📊 Data UKM"]
    assert "🔔 Terima pengumuman" in labels
    john = fake.user(2, "John", language_code="en-US")
    fake.private_chat(john)
    fake.send_text(john, None, "/start")
    [hello] = await fake.wait_for_sent(2)
    assert "Welcome" in hello["text"]


async def test_command_menus_are_set_per_scope_and_language(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    private_id = [c["command"] for c in fake.commands("all_private_chats", "")]
    private_en = [c["command"] for c in fake.commands("all_private_chats", "en")]
    group_id = [c["command"] for c in fake.commands("all_group_chats", "")]
    assert private_id == [c for c, _ in menu("private", "id")]
    assert "help" in private_en and "subscribe" in private_en
    assert "tanya" in group_id and "otomatis" in group_id


async def test_a_question_is_answered_with_source_and_related_buttons(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.send_text(ana, None, "min, kerupuk serpong udh diekspor ke negara mana?")
    [reply] = await fake.wait_for_sent(1)
    assert "China" in reply["text"] and "ANTARA" in reply["text"]
    related = fake.buttons(reply)
    assert related and all(len(data.encode()) <= 64 for _, data in related if data)
    # Tapping a related question answers it.
    _, data = related[0]
    assert data is not None
    fake.press(ana, reply, data)
    [_, tapped] = await fake.wait_for_sent(1, count=2)
    assert "ANTARA" in tapped["text"]
    assert fake.callback_answers


async def test_clarify_offers_buttons_and_a_tap_answers(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    # Two entries fit about equally: the anggota and produksi of the same group.
    fake.send_text(ana, None, "ukm batik 800 orang sebulan")
    [reply] = await fake.wait_for_sent(1)
    if "Maksud Anda" not in reply["text"]:
        # The matcher may be sure; then this must at least be a real answer.
        assert "ANTARA" in reply["text"]
        return
    buttons = fake.buttons(reply)
    assert 1 <= len(buttons) <= 3
    fake.press(ana, reply, buttons[0][1] or "")
    [_, answer] = await fake.wait_for_sent(1, count=2)
    assert "ANTARA" in answer["text"]


async def test_fallback_is_honest_and_offers_topics(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.send_text(ana, None, "siapa yang menang pertandingan persita semalam?")
    [reply] = await fake.wait_for_sent(1)
    assert "belum punya informasi" in reply["text"]
    assert [label for label, _ in fake.buttons(reply)][:2] == ["🎓 Pelatihan", "🌏 Ekspor"]


async def test_topic_menu_lists_questions_and_a_tap_answers(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.send_text(ana, None, "/topik")
    [menu] = await fake.wait_for_sent(1)
    topic_data = dict(fake.buttons(menu))["🤝 Koperasi/Kelompok UKM"]
    assert topic_data is not None
    fake.press(ana, menu, topic_data)
    [_, topic] = await fake.wait_for_sent(1, count=2)
    questions = fake.buttons(topic)
    assert any("Cipta Karya" in label for label, _ in questions)
    data = next(d for lbl, d in questions if "Berapa anggota" in lbl)
    assert data is not None
    fake.press(ana, topic, data)
    [*_, answer] = await fake.wait_for_sent(1, count=3)
    assert "800" in answer["text"]


async def test_stale_or_forged_buttons_get_a_polite_answer(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.send_text(ana, None, "/topik")
    [menu] = await fake.wait_for_sent(1)
    fake.push_update(
        {
            "callback_query": {
                "id": "forged-1",
                "from": fake.user(1, "Ana"),
                "chat_instance": "x",
                "message": menu,
                "data": "entry|id|no-such-entry",
            }
        }
    )
    fake.push_update(
        {
            "callback_query": {
                "id": "forged-2",
                "from": fake.user(1, "Ana"),
                "chat_instance": "x",
                "message": menu,
                "data": "💣" * 20,
            }
        }
    )
    await fake.wait_until(
        lambda: len(fake.calls_to("answerCallbackQuery")) >= 2,
        timeout=5,
        what="two callback answers",
    )
    answers = [c.params for c in fake.calls_to("answerCallbackQuery")]
    assert all("tidak berlaku" in a.get("text", "") for a in answers)
    # Telegram refuses to acknowledge a query id it never issued; the bot shrugs it off:
    # no apology for an "error", nothing else sent.
    fake.send_text(ana, None, "halo")
    await fake.wait_for_sent(1, count=2)
    assert "kesalahan" not in fake.sent(1)[-1]["text"]


async def test_non_text_messages_get_a_hint(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.send_sticker(ana)
    fake.send_photo(ana)
    fake.send_voice(ana)
    fake.send_location(ana)
    fake.send_document(ana)
    sent = await fake.wait_for_sent(1, count=5)
    assert all("pesan teks" in m["text"] for m in sent)


async def test_an_edited_question_edits_the_earlier_reply(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    question = fake.send_text(ana, None, "berapa jumlah ukm di tangsel?")
    [reply] = await fake.wait_for_sent(1)
    assert "15.000" in reply["text"]
    fake.edit_text(question, "kerupuk diekspor ke mana?")
    await fake.wait_for_call("editMessageText", timeout=5)
    [edited] = fake.messages_in(1)
    assert edited["message_id"] == reply["message_id"]
    assert "China" in edited["text"]
    assert len(fake.sent(1)) == 1  # edited in place, no new message


async def test_hostile_text_always_gets_valid_html(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    hostile = [
        "<b>bold</b> & </a> <script>",
        "a" * 10_000,
        "ukm\x00 pelatihan",
        "\u202eابحث",
        "😀" * 50,
        "*bold* _it_ [x](http://y)",
        "&amp;&lt;&#0;",
    ]
    for text in hostile:
        fake.send_text(ana, None, text)
    sent = await fake.wait_for_sent(1, count=len(hostile))
    assert len(sent) == len(hostile)
    assert not [c for c in fake.calls_to("sendMessage") if not c.ok]


async def test_an_unknown_command_points_to_help(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.send_text(ana, None, "/apaini")
    [reply] = await fake.wait_for_sent(1)
    assert "/bantuan" in reply["text"]


async def test_staff_commands_show_only_in_staff_chats(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    from tests.conftest import ADMIN_ID

    fake.user(ADMIN_ID, "Petugas")
    fake.private_chat(ADMIN_ID)
    await start_bot()
    staff_menu = [c["command"] for c in fake.commands("chat", "", chat_id=ADMIN_ID)]
    resident_menu = [c["command"] for c in fake.commands("all_private_chats", "")]
    for command in ("umumkan", "laporan", "belumterjawab", "statistik", "muatulang"):
        assert command in staff_menu
        assert command not in resident_menu
