"""End to end, delivery: nobody waits on somebody else's flood or 429, a transient error
loses no answer, a time-out brings no apology, a clean stop sends nothing twice."""

from __future__ import annotations

import logging

import pytest

from bot.storage import Storage
from tests.conftest import BotStarter, stop_bot
from tests.fake_bot_api import FakeBotAPI
from tests.test_broadcast import press, preview, staff_chat, subscribers

GROUP = -1009
MEMBER = 11
ANA, BUDI = 1, 2


def residents(fake: FakeBotAPI) -> None:
    for user_id, name in ((ANA, "Ana"), (BUDI, "Budi")):
        fake.user(user_id, name)
        fake.private_chat(user_id)


async def test_a_flood_in_one_group_does_not_hold_another_chats_answer(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    residents(fake)
    fake.user(MEMBER, "Joko")
    fake.group(GROUP, "UKM Serpong", "supergroup", members=[MEMBER])
    # 120 /tanya at once: at the group's 20 messages a minute that is six minutes of answers.
    for i in range(120):
        fake.send_text(MEMBER, GROUP, f"/tanya pelatihan gelombang {i} kapan dibuka?")
    fake.send_text(MEMBER, GROUP, "/tanya berapa jumlah ukm di tangsel?")
    fake.send_text(ANA, None, "kerupuk diekspor ke mana?")
    [answer] = await fake.wait_for_sent(ANA)
    assert "China" in answer["text"]
    # The group: one polite notice, then the answer to the latest question of the burst.
    notice, latest = await fake.wait_for_sent(GROUP, count=2, timeout=10)
    assert "Joko" in notice["text"] and "terakhir" in notice["text"]
    assert "15.000" in latest["text"]
    to_group = [c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == GROUP]
    assert answer_call_time(fake, ANA) < max(c.time for c in to_group)
    assert len(fake.sent(GROUP)) == 2


def answer_call_time(fake: FakeBotAPI, chat_id: int) -> float:
    return next(c.time for c in fake.calls_to("sendMessage") if c.params["chat_id"] == chat_id)


async def test_a_resident_flooding_in_private_gets_a_notice_and_the_latest_answer(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    residents(fake)
    for i in range(200):
        fake.send_text(ANA, None, f"halo min {i}")
    fake.send_text(ANA, None, "berapa jumlah ukm di tangsel?")
    fake.send_text(BUDI, None, "kerupuk diekspor ke mana?")
    [answer] = await fake.wait_for_sent(BUDI)
    assert "China" in answer["text"]
    await fake.wait_until(
        lambda: any("15.000" in m["text"] for m in fake.sent(ANA)),
        timeout=10,
        what="the answer to Ana's latest question",
    )
    sent = fake.sent(ANA)
    assert len([m for m in sent if "terakhir" in m["text"]]) == 1  # one notice
    assert len(sent) == 2 and "15.000" in sent[-1]["text"]  # then the latest, only


async def test_a_429_for_one_chat_pauses_that_chat_only(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    residents(fake)
    fake.fail("sendMessage", 429, retry_after=3, when=lambda p: p["chat_id"] == ANA)
    fake.send_text(ANA, None, "berapa jumlah ukm di tangsel?")
    refused = await fake.wait_for(lambda c: c.method == "sendMessage" and c.status == 429)
    fake.send_text(BUDI, None, "kerupuk diekspor ke mana?")
    [to_budi] = await fake.wait_for_sent(BUDI)
    [to_ana] = await fake.wait_for_sent(ANA, timeout=10)
    assert "China" in to_budi["text"] and "15.000" in to_ana["text"]
    delivered = [c for c in fake.calls_to("sendMessage") if c.ok]
    # Budi was answered while Ana's chat waited; Ana's answer came after the 3 s Telegram
    # asked for (the fake's clock, not the test's).
    assert [c.params["chat_id"] for c in delivered] == [BUDI, ANA]
    assert delivered[1].time - refused.time >= 3.0


async def test_a_transient_502_is_retried_and_the_answer_delivered(
    fake: FakeBotAPI, start_bot: BotStarter, quick_retries: None
) -> None:
    await start_bot()
    residents(fake)
    fake.fail("sendMessage", 502, "Bad Gateway", times=2)
    fake.send_text(ANA, None, "berapa jumlah ukm di tangsel?")
    [answer] = await fake.wait_for_sent(ANA)
    assert "15.000" in answer["text"]
    statuses = [c.status for c in fake.calls_to("sendMessage")]
    assert statuses == [502, 502, 200]
    fake.send_text(ANA, None, "kerupuk diekspor ke mana?")
    [_, second] = await fake.wait_for_sent(ANA, count=2)
    assert "China" in second["text"]  # no apology came in between


async def test_a_timed_out_answer_is_not_followed_by_an_apology(
    fake: FakeBotAPI,
    start_bot: BotStarter,
    caplog: pytest.LogCaptureFixture,
    short_read_timeout: float,
) -> None:
    await start_bot()
    residents(fake)
    # Slower than the bot waits: the bot gives up, yet the fake delivers the answer.
    fake.delay("sendMessage", short_read_timeout + 1, when=lambda p: p["chat_id"] == ANA)
    with caplog.at_level(logging.INFO):
        fake.send_text(ANA, None, "berapa jumlah ukm di tangsel?")
        [answer] = await fake.wait_for_sent(ANA, timeout=10)
        # A chat's updates are handled in order: the next answer comes after the first
        # question's handling (and any apology) is over.
        fake.send_text(ANA, None, "kerupuk diekspor ke mana?")
        *_, last = await fake.wait_for_sent(ANA, count=2, timeout=10)
    assert "15.000" in answer["text"] and "China" in last["text"]
    assert not any("kesalahan" in m["text"] for m in fake.sent(ANA))
    assert len(fake.sent(ANA)) == 2
    assert any("may have been delivered" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_clean_stop_mid_announcement_then_a_restart_sends_each_exactly_once(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot(BROADCAST_RATE="20")
    staff_chat(fake)
    recipients = range(101, 141)
    subscribers(app, fake, recipients)
    # A slow API keeps a score of requests on their way at any moment.
    fake.delay("sendMessage", 1.0, times=None, when=lambda p: p["chat_id"] in recipients)
    control = await preview(fake, "/umumkan Pelatihan ekspor hari Sabtu")
    press(fake, control, "✅ Kirim")
    await fake.wait_until(
        lambda: (
            sum(1 for c in fake.calls_to("sendMessage") if c.params["chat_id"] in recipients) >= 10
        ),
        timeout=10,
        what="the announcement to be under way",
    )
    await stop_bot(app)  # what SIGTERM does (run_polling stops the same way)
    database = app.bot_data.services.settings.database_path
    storage = Storage(database)
    counts = storage.delivery_counts(1)
    storage.close()
    assert counts.get("pending", 0) > 0, "the stop must land in the middle"
    assert counts.get("sending", 0) == 0, "every request on its way was answered and recorded"
    fake.clear_faults()

    await start_bot(BROADCAST_RATE="20")  # the same database: the announcement resumes
    await fake.wait_until(
        lambda: all(fake.sent(chat) for chat in recipients),
        timeout=15,
        what="every subscriber to get the announcement",
    )
    assert all(len(fake.sent(chat)) == 1 for chat in recipients)
    assert fake.duplicates() == {}


async def test_every_question_of_a_burst_is_counted_though_only_the_latest_is_answered(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot(ADMIN_IDS="900")
    residents(fake)
    fake.user(900, "Petugas")
    fake.private_chat(900)
    burst = [f"pelatihan gelombang {i} kapan dibuka?" for i in range(30)]
    for question in burst:
        fake.send_text(ANA, None, question)
    fake.send_text(ANA, None, "berapa jumlah ukm di tangsel?")
    await fake.wait_until(
        lambda: any("15.000" in m["text"] for m in fake.sent(ANA)),
        timeout=15,
        what="the answer to Ana's latest question",
    )
    storage = app.bot_data.services.storage
    await storage.written()
    # Every question Ana asked is in the log, those replaced by a later one as coalesced...
    logged = storage.rows("SELECT text, status FROM questions WHERE user_id = ?", [ANA])
    assert sorted(row["text"] for row in logged) == sorted(
        [*burst, "berapa jumlah ukm di tangsel?"]
    )
    coalesced = [row["text"] for row in logged if row["status"] == "coalesced"]
    assert coalesced and set(coalesced) <= set(burst)  # the latest was answered
    # ...and /statistik counts them all.
    fake.send_text(900, None, "/statistik")
    [figures, *_] = await fake.wait_for_sent(900, timeout=10)
    assert f"Hari ini: {len(burst) + 1} pertanyaan" in figures["text"]
    assert (
        f"digabung (banjir pesan, dijawab pertanyaan terakhirnya) {len(coalesced)}"
        in (figures["text"])
    )
    # /hapusdata erases them with the rest of Ana's questions.
    storage.erase_personal_data(ANA)
    assert storage.personal_data(ANA).get("questions", 0) == 0
