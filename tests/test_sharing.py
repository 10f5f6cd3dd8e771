"""Answers residents can share: inline mode end to end (an answer, out of scope, the empty
query, both languages, the button into the bot, a chosen result), the same thresholds as a
chat, the brief cache, ?start= deep links, `ukm-bot link`, and an announcement's "Tanya soal
ini" button."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.assistant import Assistant
from bot.cli import main
from bot.sharing import SharedAnswers, deep_link
from tests.conftest import ADMIN_ID, DATA, BotStarter
from tests.fake_bot_api import FakeBotAPI, JSONDict

ANA, EMMA, BUDI = 51, 52, 53  # Emma's Telegram is in English
FAMILY = -4001  # a family group where answers get shared
BOT = "ukm_test_bot"


def setup(fake: FakeBotAPI) -> None:
    fake.supports_inline_queries = True  # BotFather's /setinline
    fake.inline_feedback = True  # BotFather's /setinlinefeedback
    fake.user(ANA, "Ana")
    fake.user(EMMA, "Emma", language_code="en")
    fake.user(BUDI, "Budi")
    fake.user(ADMIN_ID, "Petugas Rina")
    for user in (ANA, EMMA, BUDI, ADMIN_ID):
        fake.private_chat(user)
    fake.group(FAMILY, "Keluarga Besar", members=[ANA, BUDI])


async def answer_to(fake: FakeBotAPI, user: int, text: str) -> JSONDict:
    query = fake.inline_query(user, text)
    return await fake.wait_for_inline_answer(query)


def button_urls(result: JSONDict) -> list[str]:
    return [str(b.get("url")) for row in result["reply_markup"]["inline_keyboard"] for b in row]


# -- inline mode ----------------------------------------------------------------------------


async def test_an_inline_query_lists_the_answer_to_share_with_its_source_and_a_way_in(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    setup(fake)
    answer = await answer_to(fake, ANA, "berapa jumlah ukm di tangsel")
    first, *others = answer["results"]
    assert first["type"] == "article" and first["id"] == "data-jumlah"
    assert first["title"] == "Berapa jumlah pelaku UKM di Tangsel?"
    assert first["description"].startswith("Menurut Dinas Koperasi dan UKM")
    text = first["input_message_content"]["message_text"]
    assert "15.000" in text and "Sumber:" in text  # the answer as in a chat, with its source
    assert button_urls(first) == [f"https://t.me/{BOT}?start=data-jumlah"]
    assert [b["text"] for row in first["reply_markup"]["inline_keyboard"] for b in row] == [
        "💬 Tanya lebih lanjut"
    ]
    assert {r["id"] for r in others} <= {"data-binaan", "data-fokus", "ekspor-ringkas"}
    # Above the results, a button that opens the private chat with the bot.
    assert answer["button"] == {"text": "💬 Tanya langsung ke bot", "start_parameter": "tanya"}
    assert answer["is_personal"] is False and 0 < answer["cache_time"] <= 300


async def test_out_of_scope_is_one_result_that_opens_the_bot(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    setup(fake)
    for question in ("harga cabai di pasar minggu ini", "halo", "asdf qwerty"):
        answer = await answer_to(fake, ANA, question)
        [only] = answer["results"]
        assert only["id"] == "ask" and only["title"] == "💬 Tanya langsung ke bot"
        assert button_urls(only) == [f"https://t.me/{BOT}?start=tanya"]
        assert f"@{BOT}" in only["input_message_content"]["message_text"]
        assert answer["is_personal"] is True  # it is in the asker's language


async def test_the_empty_query_lists_the_topics_questions_in_the_users_language(
    fake: FakeBotAPI, start_bot: BotStarter, assistant: Assistant
) -> None:
    await start_bot()
    setup(fake)
    kb = assistant.kb
    expected = [e for topic in kb.browsable_topics() for e in kb.entries_in(topic.id) if not e.gap]
    indonesian = (await answer_to(fake, ANA, ""))["results"]
    english = (await answer_to(fake, EMMA, ""))["results"]
    assert [r["id"] for r in indonesian] == [e.id for e in expected]
    assert [r["title"] for r in indonesian] == [e.label("id") for e in expected]
    assert [r["title"] for r in english] == [e.label("en") for e in expected]
    assert "Source:" in english[0]["input_message_content"]["message_text"]
    assert all(
        b["text"] == "💬 Ask more"
        for r in english
        for row in r["reply_markup"]["inline_keyboard"]
        for b in row
    )


async def test_answers_follow_the_language_of_the_query(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    setup(fake)
    english = await answer_to(fake, ANA, "how many SMEs are there in Tangsel?")
    assert english["results"][0]["title"] == "How many SME owners are there in South Tangerang?"
    assert "💬 Ask more" in json.dumps(english["results"][0], ensure_ascii=False)
    indonesian = await answer_to(fake, EMMA, "kerupuk diekspor ke mana")
    assert indonesian["results"][0]["title"] == "Kerupuk dari Tangsel diekspor ke mana?"
    # The button above the results speaks the asker's own language.
    assert indonesian["button"]["text"] == "💬 Ask the bot directly"


async def test_a_chosen_answer_is_posted_into_the_group_and_counted(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot()
    setup(fake)
    query = fake.inline_query(ANA, "kerupuk diekspor ke mana", chat_type="group")
    await fake.wait_for_inline_answer(query)
    posted = fake.choose_inline_result(ANA, query, "ekspor-kerupuk", chat=FAMILY)
    assert posted is not None and posted["via_bot"]["username"] == BOT
    assert "Sumber:" in posted["text"] and "Tiongkok" in posted["text"]
    assert fake.buttons(posted) == [("💬 Tanya lebih lanjut", None)]
    storage = app.bot_data.services.storage
    await fake.wait_until(lambda: storage.shares_since(0) == 1, what="the share counted")
    # Staff see it in /statistik.
    fake.send_text(ADMIN_ID, None, "/statistik")
    [figures, *_] = await fake.wait_for_sent(ADMIN_ID)
    assert "Jawaban yang dibagikan warga ke chat lain (inline): 1" in figures["text"]
    # Whoever presses the button lands in the bot on that answer (the deep link, below).


async def test_inline_mode_uses_the_chat_thresholds_and_never_guesses(
    assistant: Assistant,
) -> None:
    """For every question of the development set: a confident answer lists that answer first,
    a "did you mean" lists its candidates, anything else lists nothing (the ask-the-bot
    result instead): no confident wrong answer inline either."""
    shared = SharedAnswers(assistant)
    questions = [json.loads(line)["q"] for line in (DATA / "dev.jsonl").read_text().splitlines()]
    assert len(questions) > 50
    for question in questions:
        decision = assistant.decide(question)
        listed = [a.entry_id for a in shared.listing(question, "id").answers]
        if decision.status == "answer" and decision.entry is not None:
            assert listed[0] == decision.entry.id, question
        elif decision.status == "clarify":
            assert listed == [e.id for e in decision.suggestions if not e.gap], question
        else:
            assert listed == [], question


def test_listings_are_cached_briefly_per_query(assistant: Assistant) -> None:
    now = [1000.0]
    shared = SharedAnswers(assistant, ttl=60, size=2, clock=lambda: now[0])
    first = shared.listing("Pelatihan  UKM", "id")
    assert shared.listing("pelatihan ukm", "id") is first  # the same words, cached
    assert shared.listing("pelatihan ukm", "en") is not first  # another language, its own
    now[0] += 61
    assert shared.listing("pelatihan ukm", "id") is not first  # expired
    shared.listing("ekspor", "id")
    shared.listing("kerupuk", "id")
    assert len(shared._cache) == 2  # the oldest went


# -- deep links -----------------------------------------------------------------------------


async def test_a_deep_link_opens_the_private_chat_on_that_answer(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    setup(fake)
    fake.send_text(BUDI, None, "/start ekspor-kerupuk")
    [answer] = await fake.wait_for_sent(BUDI)
    assert "Tiongkok" in answer["text"] and "Sumber:" in answer["text"]
    fake.send_text(EMMA, None, "/start data-jumlah")
    [english] = await fake.wait_for_sent(EMMA)
    assert "15,000" in english["text"]
    # An unknown or a general payload is a plain welcome.
    for payload in ("tanya", "entri-yang-sudah-dihapus"):
        fake.send_text(ANA, None, f"/start {payload}")
    replies = await fake.wait_for_sent(ANA, count=2)
    assert all("Selamat datang" in r["text"] for r in replies)


async def test_the_subscribe_deep_link_subscribes(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start_bot()
    setup(fake)
    fake.send_text(BUDI, None, "/start langganan")
    [confirmation] = await fake.wait_for_sent(BUDI)
    subscriber = app.bot_data.services.storage.subscriber(BUDI)
    assert subscriber is not None and subscriber.active
    assert "pengumuman" in confirmation["text"].lower()


def test_deep_links_keep_telegrams_rule_for_start_parameters() -> None:
    assert deep_link("@ukm_test_bot", "data-jumlah") == f"https://t.me/{BOT}?start=data-jumlah"
    for bad in ("", "spasi di sini", "x" * 65, "titik.koma"):
        with pytest.raises(ValueError, match="start parameter"):
            deep_link(BOT, bad)


async def test_ukm_bot_link_prints_the_link_once_the_bot_has_run(
    fake: FakeBotAPI, start_bot: BotStarter, clean_env: Path
) -> None:
    runner = CliRunner()
    before = runner.invoke(main, ["link", "data-jumlah"])
    assert before.exit_code == 1 and "--bot" in before.output and "ukm-bot run" in before.output
    given = runner.invoke(main, ["link", "data-jumlah", "--bot", "@dinas_ukm_bot"])
    assert given.output.strip() == "https://t.me/dinas_ukm_bot?start=data-jumlah"
    await start_bot()  # learns its @username from Telegram and keeps it
    ran = runner.invoke(main, ["link", "langganan"])
    assert ran.output.strip() == f"https://t.me/{BOT}?start=langganan"
    typo = runner.invoke(main, ["link", "data-jumlh"])
    assert typo.exit_code == 1 and "did you mean data-jumlah" in typo.output


# -- announcements --------------------------------------------------------------------------


async def test_an_announcement_can_carry_a_button_into_the_bot(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    setup(fake)
    fake.send_text(BUDI, None, "/langganan")
    await fake.wait_for_sent(BUDI)
    fake.send_text(ADMIN_ID, None, "/umumkan +tanya=pelatihan-ikut Pelatihan ekspor dibuka Senin.")
    preview, control = await fake.wait_for_sent(ADMIN_ID, count=2)
    assert fake.buttons(preview) == [("💬 Tanya soal ini", None)]
    assert button_urls(preview) == [f"https://t.me/{BOT}?start=pelatihan-ikut"]
    fake.press(ADMIN_ID, control, dict(fake.buttons(control))["✅ Kirim"] or "")
    *_, announcement = await fake.wait_for_sent(BUDI, count=2)
    assert "Pelatihan ekspor dibuka Senin." in announcement["text"]
    assert button_urls(announcement) == [f"https://t.me/{BOT}?start=pelatihan-ikut"]
    # A button for an entry that does not exist is refused before anything is sent.
    fake.send_text(ADMIN_ID, None, "/umumkan +tanya=pelatihan-gratis Ada pelatihan.")
    await fake.wait_until(
        lambda: any(
            "<code>" not in t and "pelatihan-gratis tidak ada" in t
            for t in fake.sent_texts(ADMIN_ID)
        ),
        what="the refusal",
    )
    assert not any("Ada pelatihan." in t for t in fake.sent_texts(ADMIN_ID))  # no preview
