"""End to end, the staff inbox: cards, answers, learning, feedback, stats, reload, erasing."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import pytest

from bot.context import BotApplication
from bot.knowledge import default_knowledge_dir
from bot.stats import collect_stats
from tests.conftest import ADMIN_ID, BotStarter, stop_bot
from tests.fake_bot_api import FakeBotAPI, JSONDict

STAFF_GROUP = -100500
RESIDENT, OTHER, NOSY = 41, 42, 43
OFF_TOPIC = "Berapa bunga KUR untuk modal usaha warung saya?"


def setup(fake: FakeBotAPI) -> None:
    fake.user(ADMIN_ID, "Petugas Rina")
    fake.private_chat(ADMIN_ID)
    fake.user(NOSY, "Iseng")
    fake.group(
        STAFF_GROUP,
        "Staf UKM",
        "supergroup",
        admins=[ADMIN_ID],
        members=[NOSY],
        bot_status="administrator",
    )
    for user, name in ((RESIDENT, "Ana"), (OTHER, "Budi")):
        fake.user(user, name)
        fake.private_chat(user)


async def start(start_bot: BotStarter, **env: str) -> BotApplication:
    return await start_bot(STAFF_CHAT_ID=str(STAFF_GROUP), **env)


async def card_for(fake: FakeBotAPI, count: int = 1) -> JSONDict:
    cards = await fake.wait_for_sent(STAFF_GROUP, count=count)
    return cards[-1]


async def staff_answer_to(fake: FakeBotAPI, user: int) -> str:
    """The staff answer a resident got: the message after its "Jawaban petugas" header (the
    question whether it helped follows it)."""
    await fake.wait_until(
        lambda: any("jawaban petugas membantu" in t for t in fake.sent_texts(user)),
        what=f"a staff answer and the question about it in chat {user}",
    )
    texts = fake.sent_texts(user)
    header = max(i for i, text in enumerate(texts) if "Jawaban petugas" in text)
    return texts[header + 1]


async def test_fallback_card_then_staff_reply_reaches_the_resident(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start(start_bot)
    setup(fake)
    fake.send_text(RESIDENT, None, OFF_TOPIC)
    [fallback] = await fake.wait_for_sent(RESIDENT)
    assert "teruskan ke petugas" in fallback["text"]
    card = await card_for(fake)
    assert OFF_TOPIC in card["text"] and "Ana" in card["text"] and "chat pribadi" in card["text"]
    assert [label for label, _ in fake.buttons(card)] == [
        "✍️ Jawab",
        "➕ Tambahkan ke entri…",
        "🙈 Abaikan",
    ]
    fake.send_text(
        ADMIN_ID,
        STAFF_GROUP,
        "Info KUR ada di bank penyalur, Bu. Kami bantu via kantor.",
        reply_to=card,
    )
    await fake.wait_for_sent(RESIDENT, count=4)
    header, copy, vote = fake.sent(RESIDENT)[1:]
    assert "Jawaban petugas" in header["text"] and OFF_TOPIC in header["text"]
    assert "bank penyalur" in copy["text"]
    assert "Apakah jawaban petugas membantu?" in vote["text"]
    await fake.wait_until(
        lambda: "Dijawab oleh Petugas Rina" in fake.current(card)["text"],
        timeout=5,
        what="card marked answered",
    )
    assert fake.buttons(fake.current(card)) == []


async def test_a_staff_answer_still_arrives_after_a_restart(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start(start_bot)
    setup(fake)
    fake.send_text(RESIDENT, None, OFF_TOPIC)
    card = await card_for(fake)
    await stop_bot(app)
    await start(start_bot)
    fake.send_text(ADMIN_ID, STAFF_GROUP, "Jawaban setelah restart.", reply_to=card)
    assert "setelah restart" in await staff_answer_to(fake, RESIDENT)


async def test_repeated_questions_share_one_card_and_one_answer_reaches_all(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start(start_bot)
    setup(fake)
    fake.send_text(RESIDENT, None, "berapa bunga kur untuk modal usaha?")
    card = await card_for(fake)
    fake.send_text(OTHER, None, "Bunga KUR untuk modal usaha berapa ya??")
    await fake.wait_for_sent(OTHER)
    await fake.wait_until(
        lambda: "ditanyakan 2×" in fake.current(card)["text"],
        timeout=5,
        what="the card to count 2",
    )
    assert len(fake.sent(STAFF_GROUP)) == 1  # one card, not two
    fake.send_text(ADMIN_ID, STAFF_GROUP, "Silakan tanya ke bank penyalur KUR.", reply_to=card)
    assert "bank penyalur" in await staff_answer_to(fake, RESIDENT)
    assert "bank penyalur" in await staff_answer_to(fake, OTHER)


async def test_tambahkan_teaches_the_phrasing_at_once(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start(start_bot)
    setup(fake)
    # A phrasing the bot cannot answer yet (the first of these it does not answer).
    candidates = [
        "ada inkubator bisnis buat emak2 gak?",
        "program inkubasi startup ada?",
        "sekolah dagang buat ibu-ibu kampung",
    ]
    assistant = app.bot_data.services.assistant
    phrasing = next(q for q in candidates if assistant.decide(q).status != "answer")
    status = assistant.decide(phrasing).status
    fake.send_text(RESIDENT, None, phrasing)
    [first] = await fake.wait_for_sent(RESIDENT)
    if status == "clarify":  # "did you mean...?": none of those, so say "Bukan ini"
        fake.press(RESIDENT, first, dict(fake.buttons(first))["🙅 Bukan ini"] or "")
    card = await card_for(fake)
    fake.press(ADMIN_ID, card, dict(fake.buttons(card))["➕ Tambahkan ke entri…"] or "")
    await fake.wait_for_call("editMessageText")
    choices = fake.buttons(fake.current(card))
    data = next(d for label, d in choices if "pelatihan" in label.lower())
    fake.press(ADMIN_ID, card, data or "")
    # The resident who asked gets the entry's answer...
    await fake.wait_until(
        lambda: any("Petugas menemukan jawaban" in m["text"] for m in fake.sent(RESIDENT)),
        timeout=5,
        what="the learned answer",
    )
    # ...and the next resident asking the same way is answered straight away.
    fake.send_text(OTHER, None, phrasing)
    [answer] = await fake.wait_for_sent(OTHER)
    assert "ANTARA" in answer["text"] and "pelatihan" in answer["text"].lower()
    assert app.bot_data.services.storage.learned_variants()


async def test_thumbs_down_files_the_question(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start(start_bot)
    setup(fake)
    fake.send_text(RESIDENT, None, "berapa jumlah ukm di tangsel?")
    [answer] = await fake.wait_for_sent(RESIDENT)
    labels = [label for label, _ in fake.buttons(answer)]
    assert labels[-2:] == ["👍 Membantu", "👎 Tidak membantu"]
    fake.press(RESIDENT, answer, dict(fake.buttons(answer))["👎 Tidak membantu"] or "")
    card = await card_for(fake)
    assert "berapa jumlah ukm di tangsel?" in card["text"]
    [_, sorry] = await fake.wait_for_sent(RESIDENT, count=2)
    assert "teruskan ke petugas" in sorry["text"]
    assert "👍 Membantu" not in [label for label, _ in fake.buttons(fake.current(answer))]
    storage = app.bot_data.services.storage
    assert storage.question_counts(0) == {"answer": 1}
    assert storage.helpful_votes(0) == (0, 1)


async def test_non_staff_can_use_none_of_it(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start(start_bot)
    setup(fake)
    fake.send_text(RESIDENT, None, OFF_TOPIC)
    card = await card_for(fake)
    fake.send_text(NOSY, STAFF_GROUP, "saya jawab deh: 6%", reply_to=card)
    fake.press(NOSY, card, dict(fake.buttons(card))["🙈 Abaikan"] or "")
    for command in ("/belumterjawab", "/statistik", "/muatulang"):
        fake.send_text(RESIDENT, None, command)
    await fake.wait_for_sent(RESIDENT, count=4)
    assert all("khusus petugas" in m["text"] for m in fake.sent(RESIDENT)[1:])
    assert not any("6%" in m.get("text", "") for m in fake.sent(RESIDENT))
    card_now = app.bot_data.services.storage.card(1)
    assert card_now is not None and card_now.status == "open"


async def test_staff_answer_from_a_private_chat(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start_bot()  # no staff group at all
    setup(fake)
    fake.send_text(RESIDENT, None, OFF_TOPIC)
    [fallback] = await fake.wait_for_sent(RESIDENT)
    assert "teruskan ke petugas" in fallback["text"]
    # The card is filed by the storage's writer, a moment after the answer went out.
    await app.bot_data.services.storage.written()
    fake.send_text(ADMIN_ID, None, "/belumterjawab")
    summary, card = await fake.wait_for_sent(ADMIN_ID, count=2)
    assert "1 pertanyaan belum terjawab" in summary["text"] and OFF_TOPIC in card["text"]
    # The count, then on its own line how to answer
    assert summary["text"].splitlines()[1].startswith("Balas (reply)"), summary["text"]
    fake.send_text(ADMIN_ID, None, "Jawaban dari chat pribadi.", reply_to=card)
    assert "dari chat pribadi" in await staff_answer_to(fake, RESIDENT)


async def test_hapusdata_erases_the_residents_rows(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start(start_bot)
    setup(fake)
    storage = app.bot_data.services.storage
    fake.send_text(RESIDENT, None, "/langganan")
    fake.send_text(RESIDENT, None, "berapa jumlah ukm?")
    fake.send_text(RESIDENT, None, OFF_TOPIC)
    fake.send_text(OTHER, None, "berapa jumlah ukm?")
    await fake.wait_for_sent(RESIDENT, count=3)
    await fake.wait_for_sent(OTHER)
    await card_for(fake)
    assert storage.personal_data(RESIDENT) == {"questions": 2, "inbox": 1, "subscription": 1}
    assert storage.count_requests_of(RESIDENT) == 1  # the question sent to the office
    fake.send_text(RESIDENT, None, "/hapusdata")
    [*_, summary] = await fake.wait_for_sent(RESIDENT, count=4)
    assert "2 pertanyaan" in summary["text"] and "UU 27/2022" in summary["text"]
    fake.press(RESIDENT, summary, dict(fake.buttons(summary))["🗑 Hapus semua data saya"] or "")
    [*_, done] = await fake.wait_for_sent(RESIDENT, count=5)
    assert "sudah dihapus" in done["text"]
    assert storage.personal_data(RESIDENT) == {"questions": 0, "inbox": 0, "subscription": 0}
    assert storage.count_requests_of(RESIDENT) == 0
    assert storage.personal_data(OTHER)["questions"] == 1  # nobody else's rows
    assert storage.open_cards() == []
    # The staff group's card no longer shows the resident's words.
    await fake.wait_until(
        lambda: OFF_TOPIC not in fake.messages_in(STAFF_GROUP)[-1]["text"],
        timeout=5,
        what="the card blanked",
    )


async def test_statistik_matches_a_seeded_log(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start(start_bot)
    setup(fake)
    storage = app.bot_data.services.storage
    now = time.time()
    rows = []
    for i in range(120):
        status = ("answer", "answer", "answer", "clarify", "fallback", "smalltalk")[i % 6]
        rows.append(
            (
                i + 1,
                now - (i % 40) * 86400 - 60,
                1000 + i,
                "private",
                1000 + i,
                "id",
                f"q{i}",
                status,
                "",
                "data-jumlah" if status == "answer" else None,
                0.9,
                1 if i % 12 == 0 else None,
            )
        )
    with storage.db.conn:
        storage.db.conn.executemany("INSERT INTO questions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    storage.recount_question_stats()  # rows put into the log directly, as a migration would
    expected_30 = sum(1 for r in rows if r[1] >= now - 30 * 86400)
    stats = collect_stats(storage, now)
    assert stats.periods[2].total == expected_30
    assert stats.periods[2].by_decision["answer"] == sum(
        1 for r in rows if r[1] >= now - 30 * 86400 and r[7] == "answer"
    )
    assert stats.top_entries[0][0] == "data-jumlah"
    fake.send_text(ADMIN_ID, None, "/statistik")
    text, chart = await fake.wait_for_sent(ADMIN_ID, count=2)
    assert f"30 hari: {expected_30} pertanyaan" in text["text"]
    assert "photo" in chart
    upload = fake.calls_to("sendPhoto")[-1]
    assert upload.files and next(iter(upload.files.values())).data.startswith(b"\x89PNG")


async def test_muatulang_with_a_broken_file_keeps_answering(
    fake: FakeBotAPI, start_bot: BotStarter, tmp_path: Path
) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), knowledge)
    await start(start_bot, KNOWLEDGE_DIR=str(knowledge))
    setup(fake)
    facts = knowledge / "facts.toml"
    facts.write_text(facts.read_text().replace("sme_actors = 15000", "sme_actors = 16000"))
    fake.send_text(ADMIN_ID, None, "/muatulang")
    [reloaded] = await fake.wait_for_sent(ADMIN_ID)
    assert "dimuat ulang" in reloaded["text"]
    fake.send_text(RESIDENT, None, "berapa jumlah ukm di tangsel?")
    [answer] = await fake.wait_for_sent(RESIDENT)
    assert "16.000" in answer["text"]
    entries = knowledge / "entries" / "data.toml"
    entries.write_text(entries.read_text().replace('id = "data-binaan"', 'id = "data binaan"'))
    fake.send_text(ADMIN_ID, None, "/muatulang")
    [_, refused] = await fake.wait_for_sent(ADMIN_ID, count=2)
    assert "TIDAK dimuat ulang" in refused["text"] and "entries/data.toml" in refused["text"]
    fake.send_text(RESIDENT, None, "berapa ukm binaan tahun 2011?")
    [_, still] = await fake.wait_for_sent(RESIDENT, count=2)
    assert "411" in still["text"]


async def test_abaikan_closes_the_card_for_good(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    await start(start_bot)
    setup(fake)
    fake.send_text(RESIDENT, None, OFF_TOPIC)
    card = await card_for(fake)
    fake.press(ADMIN_ID, card, dict(fake.buttons(card))["🙈 Abaikan"] or "")
    await fake.wait_until(
        lambda: "Diabaikan oleh Petugas Rina" in fake.current(card)["text"],
        what="the card marked ignored",
    )
    assert fake.buttons(fake.current(card)) == []  # nothing left to press
    # It is no longer in the inbox, and a late reply to it reaches nobody.
    fake.send_text(ADMIN_ID, None, "/belumterjawab")
    [summary] = await fake.wait_for_sent(ADMIN_ID)
    assert "Semua pertanyaan sudah ditangani" in summary["text"]
    fake.send_text(ADMIN_ID, STAFF_GROUP, "Telat: infonya di bank.", reply_to=card)
    *_, closed = await fake.wait_for_sent(STAFF_GROUP, count=2)
    assert "sudah ditangani" in closed["text"]
    assert len(fake.sent(RESIDENT)) == 1  # only the bot's own fallback, no answer, no copy


async def test_kembali_brings_the_card_back_after_tambahkan(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start(start_bot)
    setup(fake)
    fake.send_text(RESIDENT, None, OFF_TOPIC)
    card = await card_for(fake)
    as_posted = fake.buttons(card)
    fake.press(ADMIN_ID, card, dict(as_posted)["➕ Tambahkan ke entri…"] or "")
    await fake.wait_until(
        lambda: "⬅️ Kembali" in dict(fake.buttons(fake.current(card))),
        what="the list of entries",
    )
    picking = fake.current(card)
    assert "sebagai cara bertanya baru" in picking["text"]
    assert any(label.startswith("→ ") for label, _ in fake.buttons(picking))
    fake.press(ADMIN_ID, picking, dict(fake.buttons(picking))["⬅️ Kembali"] or "")
    await fake.wait_until(
        lambda: "⬅️ Kembali" not in dict(fake.buttons(fake.current(card))),
        what="the card back",
    )
    back = fake.current(card)
    assert back["text"] == card["text"] and fake.buttons(back) == as_posted
    # Nothing was learned and the card is still open: a reply still answers the resident.
    assert not app.bot_data.services.storage.learned_variants()
    fake.send_text(ADMIN_ID, STAFF_GROUP, "Tanyakan ke bank penyalur KUR.", reply_to=card)
    assert "bank penyalur" in await staff_answer_to(fake, RESIDENT)


async def test_a_staff_answer_to_a_resident_who_blocked_the_bot(
    fake: FakeBotAPI, start_bot: BotStarter, caplog: pytest.LogCaptureFixture
) -> None:
    await start(start_bot)
    setup(fake)
    fake.send_text(RESIDENT, None, "berapa bunga kur untuk modal usaha?")
    card = await card_for(fake)
    fake.send_text(OTHER, None, "Bunga KUR untuk modal usaha berapa ya??")  # joins the card
    await fake.wait_until(lambda: "2×" in fake.current(card)["text"], what="count 2")
    fake.block(RESIDENT)
    with caplog.at_level(logging.INFO):
        fake.send_text(ADMIN_ID, STAFF_GROUP, "Silakan tanya ke bank penyalur KUR.", reply_to=card)
        *_, receipt = await fake.wait_for_sent(STAFF_GROUP, count=2)
        await fake.wait_until(
            lambda: "Dijawab oleh Petugas Rina" in fake.current(card)["text"],
            what="the card marked answered",
        )
    # Staff are told who could not be reached; the resident who can be reached is answered.
    assert "dikirim ke 1 penanya (1 tidak bisa dihubungi)" in receipt["text"]
    assert "bank penyalur" in await staff_answer_to(fake, OTHER)
    assert len(fake.sent(RESIDENT)) == 1  # the fallback before the block, nothing since
    # Nothing crashed: no error was logged, nobody got an apology for one.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not any("kesalahan" in m.get("text", "") for m in fake.sent())
