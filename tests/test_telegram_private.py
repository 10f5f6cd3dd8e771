"""End to end, private chats: the real Application over HTTP against the fake Bot API."""

from __future__ import annotations

from pathlib import Path

from bot.commands import menu
from tests.conftest import BotStarter, knowledge_with_entries
from tests.fake_bot_api import FakeBotAPI, JSONDict


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


# Two entries that differ only in the one word the question leaves out, so any question
# without it fits both equally: the bot cannot know which is meant and must ask.
TWIN_CLASSES = """
topic = "pelatihan"
""" + "".join(
    f"""
[[entry]]
id = "kelas-{thing}"
keywords = ["kelas {thing}"]

[entry.questions]
id = [
    "Kapan kelas {thing} dibuka?",
    "jadwal kelas {thing} kapan",
    "kelas {thing} mulai tanggal berapa",
    "pendaftaran kelas {thing} kapan",
    "kelas {thing} dibuka bulan apa",
    "info jadwal kelas {thing}",
]
en = ["When does the {english} class open?", "{english} class schedule"]

[entry.answer]
id = "Kelas {thing} dibuka hari {day}."
en = "The {english} class opens on {day}."
"""
    for thing, english, day in (("kain", "fabric", "Senin"), ("kayu", "wood", "Kamis"))
)


async def test_clarify_offers_buttons_and_a_tap_answers(
    fake: FakeBotAPI, start_bot: BotStarter, tmp_path: Path
) -> None:
    await start_bot(KNOWLEDGE_DIR=str(knowledge_with_entries(tmp_path, TWIN_CLASSES)))
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.send_text(ana, None, "kapan kelasnya dibuka?")
    [reply] = await fake.wait_for_sent(1)
    assert "Maksud Anda" in reply["text"]
    buttons = dict(fake.buttons(reply))
    assert set(buttons) == {"Kapan kelas kain dibuka?", "Kapan kelas kayu dibuka?", "🙅 Bukan ini"}
    fake.press(ana, reply, buttons["Kapan kelas kayu dibuka?"] or "")
    [_, answer] = await fake.wait_for_sent(1, count=2)
    assert "Kelas kayu dibuka hari Kamis." in answer["text"]
    assert "ANTARA" in answer["text"]  # an answer like any other, with its source


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


def marked(message: JSONDict, kind: str) -> list[str]:
    """The parts of a message's text Telegram shows as `kind` (italic, bot_command, ...)."""
    units = message["text"].encode("utf-16-le")  # entity offsets count UTF-16 code units
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.get("entities", [])
        if e["type"] == kind
    ]


async def assert_help_is_true(fake: FakeBotAPI, user: int, help_: JSONDict, unknown: str) -> None:
    """Every example the help gives is answered (not "did you mean", not "I don't know":
    an answer carries its 📰 source), and every command it names is one the bot knows."""
    examples, commands = marked(help_, "italic"), marked(help_, "bot_command")
    assert len(examples) >= 3 and len(commands) >= 3
    before = len(fake.sent(user))
    for example in examples:
        fake.send_text(user, None, example)
    replies = (await fake.wait_for_sent(user, count=before + len(examples)))[before:]
    assert all("📰 " in r["text"] for r in replies), [r["text"] for r in replies]
    for command in commands:
        count = len(fake.sent(user))
        fake.send_text(user, None, command)
        *_, reply = await fake.wait_for_sent(user, count=count + 1)
        assert unknown not in reply["text"], command


async def test_bantuan_explains_how_to_ask_and_its_examples_are_answered(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    ana = fake.user(1, "Ana")
    fake.private_chat(ana)
    fake.send_text(ana, None, "/bantuan")
    [help_] = await fake.wait_for_sent(1)
    assert "Cara bertanya" in help_["text"]
    labels = [label for label, _ in fake.buttons(help_)]
    assert labels[:2] == ["🎓 Pelatihan", "🌏 Ekspor"]  # the topics, one tap away
    await assert_help_is_true(fake, 1, help_, unknown="tidak saya kenal")


async def test_help_in_english_for_an_english_telegram(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    john = fake.user(2, "John", language_code="en-GB")
    fake.private_chat(john)
    fake.send_text(john, None, "/help")
    [help_] = await fake.wait_for_sent(2)
    assert "How to ask" in help_["text"]
    assert [label for label, _ in fake.buttons(help_)][:2] == ["🎓 Training", "🌏 Exports"]
    await assert_help_is_true(fake, 2, help_, unknown="don't know that command")


async def test_an_answer_unfolds_no_link_preview_and_carries_its_vote_buttons(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    """Every message goes out with link previews off (the Defaults, written out once), and an
    answer's buttons arrive as Telegram reads them (the answers' path writes them as JSON)."""
    await start_bot()
    ana = fake.user(1, "Ana", language_code="id")
    fake.private_chat(ana)
    fake.send_text(ana, None, "berapa jumlah ukm di tangsel?")
    [answer] = await fake.wait_for_sent(1)
    assert answer["link_preview_options"] == {"is_disabled": True}
    votes = [str(data).split(":")[0] for _, data in fake.buttons(answer)]
    assert votes[-2:] == ["fb|id|up", "fb|id|down"]
