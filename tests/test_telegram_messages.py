"""End to end, whole messages in Telegram: a story and its question, several questions in
one reply, narrowed questions, follow-ups per private chat and per asker in a group, the
20-minute window, edits and /hapusdata. The real Application against the fake Bot API."""

from __future__ import annotations

import asyncio

from bot.assistant import Memory
from bot.context import BotApplication
from tests.conftest import ADMIN_ID, BotStarter
from tests.fake_bot_api import FakeBotAPI, JSONDict

STAFF_GROUP = -100500
GROUP = -1001
ANA, BUDI, CITRA = 41, 42, 43

BATIK_GROUP = "UKM batik yang anggotanya ibu-ibu rumah tangga di Tangsel namanya apa?"
CRACKERS = "kerupuk serpong diekspor ke mana?"
WHERE = "di mana tuh?"  # leans on the answer before: the batik group is in Pondok Cabe Udik
WHO_SAID = "siapa yang bilang?"


def residents(fake: FakeBotAPI) -> None:
    fake.user(ADMIN_ID, "Petugas Rina")
    fake.private_chat(ADMIN_ID)
    fake.group(
        STAFF_GROUP, "Staf UKM", "supergroup", admins=[ADMIN_ID], bot_status="administrator"
    )
    for user, name in ((ANA, "Ana"), (BUDI, "Budi"), (CITRA, "Citra")):
        fake.user(user, name)
        fake.private_chat(user)


async def start(start_bot: BotStarter) -> BotApplication:
    return await start_bot(STAFF_CHAT_ID=str(STAFF_GROUP))


async def ask(fake: FakeBotAPI, user: int, text: str, chat: int | None = None) -> JSONDict:
    """Send a message and return the one reply it gets."""
    where = user if chat is None else chat
    before = len(fake.sent(where))
    fake.send_text(user, chat, text)
    sent = await fake.wait_for_sent(where, count=before + 1)
    return sent[-1]


async def settled(fake: FakeBotAPI) -> None:
    """The bot has fetched everything and had time to (wrongly) send more."""
    await fake.wait_until(lambda: not fake.pending_updates, timeout=5, what="updates fetched")
    await asyncio.sleep(0.5)


def numbered(text: str) -> list[str]:
    """The quoted questions of a reply of several parts ("1. …", "2. …"), in order."""
    return [line for line in text.splitlines() if line[:1].isdigit() and line[1:3] == ". "]


# -- whole messages ---------------------------------------------------------------------------


async def test_a_long_story_then_a_question_gets_the_answer(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start(start_bot)
    residents(fake)
    reply = await ask(
        fake,
        ANA,
        "Saya staf kelurahan di Pondok Aren. Arsip kami hilang waktu banjir kemarin, jadi "
        "saya harus menyusun ulang laporan untuk pak lurah. Tahun 2011 dinas membina berapa UKM?",
    )
    assert "411" in reply["text"] and "📰" in reply["text"]
    assert "👍 Membantu" in [label for label, _ in fake.buttons(reply)]
    await settled(fake)
    assert fake.sent(STAFF_GROUP) == []  # answered: nothing for staff


async def test_two_questions_are_answered_in_order_in_one_reply(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start(start_bot)
    residents(fake)
    reply = await ask(
        fake, ANA, "Berapa anggota Cipta Karya Sejahtera? Siapa kepala dinas koperasi Tangsel?"
    )
    text = reply["text"]
    first, second = numbered(text)
    assert "anggota" in first and "kepala dinas" in second
    assert text.index(first) < text.index("800") < text.index(second) < text.index("Ismunandar")
    assert text.count("📰") == 1  # one source line for the whole reply
    await settled(fake)
    assert len(fake.sent(ANA)) == 1  # one reply, not one per question
    storage = app.bot_data.services.storage
    assert storage.question_counts(0) == {"answer": 2}  # the log counts questions


async def test_a_narrowed_question_gets_what_the_report_gives_and_a_card(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start(start_bot)
    residents(fake)
    reply = await ask(fake, ANA, "ukm di ciputat doang ada brp?")
    assert "tidak memberi angka" in reply["text"] and "per kecamatan" in reply["text"]
    assert "15.000" in reply["text"]  # the broader fact the report does give
    assert "teruskan ke petugas" in reply["text"]
    [card] = await fake.wait_for_sent(STAFF_GROUP)
    assert "ciputat" in card["text"] and "Ana" in card["text"]


async def test_each_unanswered_part_gets_its_own_card_and_a_vote_covers_each_answer(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start(start_bot)
    residents(fake)
    reply = await ask(
        fake,
        ANA,
        "Berapa bunga KUR untuk modal usaha? Siapa pemenang MTQ Banten? "
        "Kerupuk serpong diekspor ke mana? Bunga KUR untuk modal usaha berapa?",
    )
    text = reply["text"]
    assert len(numbered(text)) == 3  # the fourth asks the first again: answered once
    assert "China" in text and "teruskan ke petugas" in text
    cards = await fake.wait_for_sent(STAFF_GROUP, count=2)
    assert "bunga KUR" in cards[0]["text"] and "MTQ" in cards[1]["text"]
    storage = app.bot_data.services.storage
    assert storage.question_counts(0) == {"fallback": 2, "answer": 1}
    # 👎 under the reply: the one answer goes to staff too (the only part not filed yet).
    fake.press(ANA, reply, dict(fake.buttons(reply))["👎 Tidak membantu"] or "")
    [*_, third] = await fake.wait_for_sent(STAFF_GROUP, count=3)
    assert "Kerupuk serpong diekspor ke mana?" in third["text"]
    assert storage.helpful_votes(0) == (0, 1)
    await settled(fake)
    assert len(fake.sent(STAFF_GROUP)) == 3


async def test_ten_questions_get_three_answers_and_a_request_to_send_the_rest_separately(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start(start_bot)
    residents(fake)
    questions = [
        "Kerupuk serpong diekspor ke mana?",
        "Berapa anggota Cipta Karya Sejahtera?",
        "Siapa kepala dinas koperasi Tangsel?",
        "Berapa jumlah UKM di Tangsel?",
        "Batik Cipta Karya bisa bikin berapa helai sebulan?",
        "Pelatihan UKM itu untuk siapa?",
        "Di mana lokasi Cipta Karya Sejahtera?",
        "Siapa ketua forum PAUD Tangsel?",
        "Berapa UKM yang dibina dinas tahun 2011?",
        "Dinas mau fokus ke apa?",
    ]
    story = (
        "Saya pedagang kecil di pasar dan sudah lama ingin mengembangkan usaha keluarga "
        "bersama tetangga sekitar rumah, jadi saya kumpulkan dulu semua yang ingin saya tahu. "
    )
    message = "\n\n".join(
        f"{story * 2}Usaha kami masih kecil tapi terus berjalan. {q}" for q in questions
    )
    assert 3_900 < len(message) <= 4_096  # as long as Telegram lets a message be
    reply = await ask(fake, ANA, message)
    text = reply["text"]
    assert numbered(text) == [f"{i}. {q}" for i, q in enumerate(questions[:3], 1)]
    assert "China" in text and "800" in text and "Ismunandar" in text
    assert "Ada 7 pertanyaan lain" in text and "kirim pertanyaan itu terpisah" in text


async def test_a_story_without_a_question_gets_an_invitation_and_no_card(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start(start_bot)
    residents(fake)
    reply = await ask(
        fake,
        ANA,
        "Saya baru pindah ke Tangsel bulan lalu. Usaha saya warung kecil di depan rumah. "
        "Senang sekali bisa kenal banyak pelaku UKM di sini.",
    )
    assert "Apa yang ingin Anda tanyakan" in reply["text"]
    assert fake.buttons(reply)[0][0] == "🎓 Pelatihan"  # the topics, to start from
    await settled(fake)
    assert fake.sent(STAFF_GROUP) == []
    assert app.bot_data.services.storage.open_cards() == []


# -- follow-ups -------------------------------------------------------------------------------


async def test_a_follow_up_in_a_private_chat_uses_the_previous_answer(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start(start_bot)
    residents(fake)
    first = await ask(fake, ANA, BATIK_GROUP)
    assert "Cipta Karya Sejahtera" in first["text"]
    where = await ask(fake, ANA, WHERE)
    assert "Pondok Cabe Udik" in where["text"]
    # Budi never asked about the group: the same words mean nothing more to him.
    alone = await ask(fake, BUDI, WHERE)
    assert "Pondok Cabe" not in alone["text"]


async def test_two_residents_asking_follow_ups_at_once_in_a_group_keep_their_own_context(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start(start_bot)
    residents(fake)
    fake.group(GROUP, "Pelaku UKM Pamulang", "supergroup", members=[ANA, BUDI])
    fake.send_text(ANA, GROUP, f"/tanya {BATIK_GROUP}")
    fake.send_text(BUDI, GROUP, f"/tanya {CRACKERS}")
    ana_follow_up = fake.send_text(ANA, GROUP, f"/tanya {WHO_SAID}")["message_id"]
    budi_follow_up = fake.send_text(BUDI, GROUP, f"/tanya {WHO_SAID}")["message_id"]
    replies = await fake.wait_for_sent(GROUP, count=4)
    by_question = {r["reply_to_message"]["message_id"]: r["text"] for r in replies}
    assert "Maulini Zeda" in by_question[ana_follow_up]  # who spoke of the batik group
    assert "Ismunandar" in by_question[budi_follow_up]  # who spoke of the crackers


async def test_a_follow_up_after_the_window_starts_afresh(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start(start_bot)
    residents(fake)
    now = [1_000.0]
    app.bot_data.services.memory = Memory(clock=lambda: now[0])
    await ask(fake, ANA, BATIK_GROUP)
    await ask(fake, BUDI, BATIK_GROUP)
    now[0] += 19 * 60  # within the 20 minutes: still read with the question before
    assert "Pondok Cabe Udik" in (await ask(fake, BUDI, WHERE))["text"]
    now[0] += 60 + 1  # 20 minutes and a second after Ana's question: forgotten
    assert "Pondok Cabe" not in (await ask(fake, ANA, WHERE))["text"]


async def test_a_new_subject_starts_afresh(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    await start(start_bot)
    residents(fake)
    await ask(fake, ANA, BATIK_GROUP)
    # A full question of its own is not read with the batik group.
    reply = await ask(fake, ANA, "Siapa kepala dinas koperasi Tangsel?")
    assert "Ismunandar" in reply["text"] and "Maulini" not in reply["text"]


async def test_an_edited_follow_up_is_read_with_the_context_the_original_had(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start(start_bot)
    residents(fake)
    await ask(fake, ANA, BATIK_GROUP)
    follow_up = fake.send_text(ANA, None, "anggotanya berapa?")
    [_, members] = await fake.wait_for_sent(ANA, count=2)
    assert "800" in members["text"]
    await ask(fake, ANA, CRACKERS)  # the newest context is now the crackers
    fake.edit_text(follow_up, WHO_SAID)
    await fake.wait_for_call("editMessageText", timeout=5)
    edited = fake.current(members)["text"]
    assert "Maulini Zeda" in edited  # read after the batik group, as the original was
    assert len(fake.sent(ANA)) == 3  # edited in place


async def test_hapusdata_forgets_the_conversation_too(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start(start_bot)
    residents(fake)
    await ask(fake, ANA, BATIK_GROUP)
    summary = await ask(fake, ANA, "/hapusdata")
    assert "20 menit" in summary["text"]  # says that the last questions are remembered
    fake.press(ANA, summary, dict(fake.buttons(summary))["🗑 Hapus semua data saya"] or "")
    [*_, done] = await fake.wait_for_sent(ANA, count=3)
    assert "sudah dihapus" in done["text"]
    assert "Pondok Cabe" not in (await ask(fake, ANA, WHERE))["text"]


# -- groups -----------------------------------------------------------------------------------


async def test_automatic_answers_stay_quiet_unless_every_question_is_answered(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start(start_bot)
    residents(fake)
    fake.group(
        GROUP,
        "Pelaku UKM Pamulang",
        "supergroup",
        admins=[ANA],
        members=[BUDI],
        bot_status="administrator",
    )
    await ask(fake, ANA, "/otomatis on", chat=GROUP)
    fake.send_text(BUDI, GROUP, f"{CRACKERS} terus harga batiknya berapa ya?")  # one unknown
    await settled(fake)
    assert len(fake.sent(GROUP)) == 1
    reply = await ask(fake, BUDI, f"{CRACKERS} terus batiknya ke mana?", chat=GROUP)
    first, second = numbered(reply["text"])
    assert "kerupuk" in first and "batik" in second and "Amerika" in reply["text"]
