"""End to end, the staff inbox under load: the card queue survives restarts and flood refusals,
a backlog becomes one digest answerable by number, staff speaking hold the cards back, and
one resident cannot fill the staff group."""

from __future__ import annotations

import logging

import pytest

import bot.app
from bot.context import BotApplication
from bot.handlers import cards
from tests.conftest import ADMIN_ID, BotStarter, stop_bot
from tests.fake_bot_api import FakeBotAPI, JSONDict

STAFF_GROUP = -100500
# Questions the report cannot answer, each a card of its own (different words).
OFF_TOPIC = [
    "Berapa bunga KUR untuk modal usaha warung saya?",
    "kapan pasar malam dibuka?",
    "dimana beli pupuk murah?",
    "cara ganti oli motor?",
    "jam berapa kantor pos buka?",
    "harga tiket kereta ke bandung?",
    "apakah ada lowongan kerja satpam?",
]
RESIDENTS = list(range(61, 61 + len(OFF_TOPIC)))


def setup(fake: FakeBotAPI) -> None:
    fake.user(ADMIN_ID, "Petugas Rina")
    fake.private_chat(ADMIN_ID)
    fake.group(
        STAFF_GROUP, "Staf UKM", "supergroup", admins=[ADMIN_ID], bot_status="administrator"
    )
    for user in RESIDENTS:
        fake.user(user, f"Warga{user}")
        fake.private_chat(user)


async def start(start_bot: BotStarter, **env: str) -> BotApplication:
    return await start_bot(STAFF_CHAT_ID=str(STAFF_GROUP), **env)


def to_staff_group(params: JSONDict) -> bool:
    return str(params.get("chat_id")) == str(STAFF_GROUP)


def questions_shown(fake: FakeBotAPI) -> str:
    """Everything the staff group was sent, as one text."""
    return "\n".join(fake.sent_texts(STAFF_GROUP))


async def test_cards_still_queued_at_a_restart_are_posted_after_it(
    fake: FakeBotAPI, start_bot: BotStarter, caplog: pytest.LogCaptureFixture
) -> None:
    setup(fake)
    # The staff group cannot be reached (the bot was removed for a moment, say).
    fake.fail("sendMessage", 400, "Bad Request: chat not found", times=None, when=to_staff_group)
    app = await start(start_bot)
    with caplog.at_level(logging.WARNING):
        for user, question in zip(RESIDENTS[:3], OFF_TOPIC, strict=False):
            fake.send_text(user, None, question)
            await fake.wait_for_sent(user)
        await fake.wait_until(
            lambda: any("refused an inbox card" in r.getMessage() for r in caplog.records),
            what="the refusal logged",
        )
    # Staff are told what to check, and nothing was lost.
    assert any("STAFF_CHAT_ID" in r.getMessage() for r in caplog.records)
    assert app.bot_data.services.storage.count_queued_cards() == 3
    await stop_bot(app)
    fake.clear_faults()
    await start(start_bot)
    await fake.wait_until(
        lambda: all(q in questions_shown(fake) for q in OFF_TOPIC[:3]),
        what="every card queued before the restart in the staff group",
    )


async def test_a_card_refused_for_flood_again_and_again_is_posted_after_the_wait(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    setup(fake)
    # Four refusals in a row: more than the rate limiter's own retries (three).
    fake.fail("sendMessage", 429, retry_after=1, times=4, when=to_staff_group)
    app = await start(start_bot)
    fake.send_text(RESIDENTS[0], None, OFF_TOPIC[0])
    [card] = await fake.wait_for_sent(STAFF_GROUP, timeout=15)
    assert OFF_TOPIC[0] in card["text"]
    assert len(fake.calls_to("sendMessage")) >= 5  # refused four times, then posted
    storage = app.bot_data.services.storage
    await fake.wait_until(lambda: storage.count_queued_cards() == 0, what="the card done")


async def test_questions_arriving_while_staff_talk_come_as_one_digest_answerable_by_number(
    fake: FakeBotAPI, start_bot: BotStarter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cards, "STAFF_YIELD", 3.0)  # long enough for five questions to queue
    setup(fake)
    await start(start_bot)
    # A staff member is busy in the staff group: the cards wait for them to finish.
    fake.send_text(ADMIN_ID, STAFF_GROUP, "/belumterjawab")
    await fake.wait_for_sent(STAFF_GROUP)
    for user, question in zip(RESIDENTS[:5], OFF_TOPIC, strict=False):
        fake.send_text(user, None, question)
    [_, digest] = await fake.wait_for_sent(STAFF_GROUP, count=2, timeout=10)
    assert "5 pertanyaan baru" in digest["text"]
    assert all(q in digest["text"] for q in OFF_TOPIC[:5])
    assert [label for label, _ in fake.buttons(digest)] == [f"📥 {n}" for n in range(1, 6)]
    # The second question is answered by replying with its number.
    second = RESIDENTS[1]
    fake.send_text(ADMIN_ID, STAFF_GROUP, "2 Tiap Jumat malam di lapangan kecamatan.", digest)
    *_, header, answer = await fake.wait_for_sent(second, count=3)
    assert "Jawaban petugas" in header["text"] and OFF_TOPIC[1] in header["text"]
    assert answer["text"] == "Tiap Jumat malam di lapangan kecamatan."
    await fake.wait_until(
        lambda: "✅ “kapan pasar malam dibuka?”" in fake.current(digest)["text"],
        what="the digest showing the answered question",
    )
    assert "📥 2" not in [label for label, _ in fake.buttons(fake.current(digest))]
    # A number button brings up the full card, where Tambahkan and Abaikan are.
    fake.press(ADMIN_ID, digest, dict(fake.buttons(digest))["📥 3"] or "")
    *_, card = await fake.wait_for_sent(STAFF_GROUP, count=4)
    assert OFF_TOPIC[2] in card["text"] and "🙈 Abaikan" in dict(fake.buttons(card))
    # A reply without a number is explained, and answers nobody.
    fake.send_text(ADMIN_ID, STAFF_GROUP, "sudah saya cek", digest)
    *_, how = await fake.wait_for_sent(STAFF_GROUP, count=5)
    assert "nomor 1–5" in how["text"]
    assert all(len(fake.sent(user)) == 1 for user in (RESIDENTS[0], *RESIDENTS[2:5]))


async def test_one_resident_opens_at_most_the_cap_of_cards_an_hour(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    setup(fake)
    app = await start(start_bot, INBOX_CARDS_PER_HOUR="2")
    storage = app.bot_data.services.storage
    flooder = RESIDENTS[0]
    for question in OFF_TOPIC[:5]:
        fake.send_text(flooder, None, question)
    replies = await fake.wait_for_sent(flooder, count=5)
    # Every question still gets its answer and is kept for staff...
    assert all("teruskan ke petugas" in r["text"] for r in replies)
    await fake.wait_until(lambda: storage.count_queued_cards() == 0, what="the queue empty")
    await fake.wait_until(lambda: len(fake.sent(STAFF_GROUP)) >= 1, what="the cards posted")
    # ...but only two reach the staff group; the rest wait in /belumterjawab.
    shown = questions_shown(fake)
    assert sum(q in shown for q in OFF_TOPIC[:5]) == 2
    assert storage.count_held_cards() == 3
    fake.send_text(ADMIN_ID, None, "/belumterjawab")
    summary, *listed = await fake.wait_for_sent(ADMIN_ID, count=6)
    assert "5 pertanyaan belum terjawab" in summary["text"]
    assert {q for q in OFF_TOPIC[:5] if any(q in m["text"] for m in listed)} == set(OFF_TOPIC[:5])
    # Another resident is not held back by the first one's flood.
    fake.send_text(RESIDENTS[1], None, OFF_TOPIC[5])
    await fake.wait_until(lambda: OFF_TOPIC[5] in questions_shown(fake), what="their card")


def little_room_for_a_crowd(
    fake: FakeBotAPI, monkeypatch: pytest.MonkeyPatch, users: range, room: int
) -> list[int]:
    """Residents in a bot with two workers and room for `room` waiting updates."""
    monkeypatch.setattr(bot.app, "QUEUED_UPDATES", room)
    monkeypatch.setattr(bot.app, "UPDATE_BATCH", 5)  # getUpdates batches that fit the room
    monkeypatch.setattr(bot.app, "UPDATE_WORKERS", 2)
    setup(fake)
    for user in users:
        fake.user(user, f"Warga{user}")
        fake.private_chat(user)
    return list(users)


# Room for 500 updates: the residents' are all in the bot; for 10: most still wait at
# Telegram, before the staff command, and must be fetched (parked) for it to be seen.
@pytest.mark.parametrize("room", [500, 10])
async def test_a_staff_command_is_answered_before_the_residents_answers_already_waiting(
    fake: FakeBotAPI, start_bot: BotStarter, monkeypatch: pytest.MonkeyPatch, room: int
) -> None:
    crowd = little_room_for_a_crowd(fake, monkeypatch, range(2_000, 2_040), room)
    # 40 residents ask at once; at 10 messages a second their answers take 4 s to go out.
    await start(start_bot, SEND_RATE_LIMIT="10", BROADCAST_RATE="5")
    for user in crowd:
        fake.send_text(user, None, "Apa saja pelatihan untuk UKM?")
    await fake.wait_for_sent(crowd[0], timeout=10)
    fake.send_text(ADMIN_ID, STAFF_GROUP, "/umumkan Rapat koordinasi Senin")
    await fake.wait_until(
        lambda: any("Rapat koordinasi" in text for text in fake.sent_texts(STAFF_GROUP)),
        timeout=15,
        what="the staff command's preview",
    )
    # Staff go first: the preview did not wait for the residents' answers queued before it
    # (in arrival order it came after all of them)...
    answered_first = sum(1 for user in crowd if fake.sent(user))
    assert answered_first < len(crowd) // 2
    # ...and nobody's answer was lost for it.
    for user in crowd:
        await fake.wait_for_sent(user, timeout=15)


async def test_questions_fetched_but_unanswered_at_a_stop_are_answered_after_the_restart(
    fake: FakeBotAPI,
    start_bot: BotStarter,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(bot.app, "STOP_WAIT", 0.5)
    crowd = little_room_for_a_crowd(fake, monkeypatch, range(3_000, 3_030), 10)
    app = await start(start_bot, SEND_RATE_LIMIT="5", BROADCAST_RATE="2")
    for user in crowd:
        fake.send_text(user, None, "Apa saja pelatihan untuk UKM?")
    await fake.wait_until(lambda: not fake.pending_updates, what="every update fetched")
    await fake.wait_for_sent(crowd[0], timeout=10)
    await stop_bot(app)  # long before 30 answers at 5 a second
    assert sum(1 for user in crowd if fake.sent(user)) < len(crowd)
    # A reply given up by the stop is one line, not an error with its traceback.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await start(start_bot, SEND_RATE_LIMIT="0")
    # Telegram will not send them again: the bot kept them, and answers each exactly once,
    # those whose answer was still waiting for its turn at the stop too.
    await fake.wait_until(
        lambda: all(fake.sent(user) for user in crowd),
        timeout=15,
        what="the questions kept at the stop answered",
    )
    assert all(len(fake.sent(user)) <= 1 for user in crowd)
