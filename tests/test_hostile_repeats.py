"""End to end, the smaller faults a hostile or unlucky user found: the same 👎 pressed 30
times, a /statistik long enough to be split inside `&amp;`, an announcement whose link
carries & or a quote."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.conftest import ADMIN_ID, BotStarter
from tests.fake_bot_api import FakeBotAPI, JSONDict

STAFF_GROUP = -100900
RESIDENT = 91


def setup(fake: FakeBotAPI) -> None:
    fake.user(ADMIN_ID, "Petugas Rina")
    fake.private_chat(ADMIN_ID)
    fake.group(
        STAFF_GROUP, "Staf UKM", "supergroup", admins=[ADMIN_ID], bot_status="administrator"
    )
    fake.user(RESIDENT, "Ana")
    fake.private_chat(RESIDENT)


async def settled(fake: FakeBotAPI) -> None:
    """Every update fetched and given time to be (wrongly) acted upon."""
    await fake.wait_until(lambda: not fake.pending_updates, what="updates fetched")
    await asyncio.sleep(0.8)


async def test_the_same_thumbs_down_pressed_30_times_is_one_vote(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot(STAFF_CHAT_ID=str(STAFF_GROUP))
    setup(fake)
    fake.send_text(RESIDENT, None, "berapa jumlah ukm di tangsel?")
    [answer] = await fake.wait_for_sent(RESIDENT)
    down = dict(fake.buttons(answer))["👎 Tidak membantu"] or ""
    for _ in range(30):  # faster than the bot takes the buttons away
        fake.press(RESIDENT, answer, down)
    [card] = await fake.wait_for_sent(STAFF_GROUP)
    await settled(fake)
    assert len(fake.sent(STAFF_GROUP)) == 1 and "ditanyakan" not in fake.current(card)["text"]
    assert not [c for c in fake.calls_to("editMessageText") if c.params["chat_id"] == STAFF_GROUP]
    forwarded = [m for m in fake.sent(RESIDENT) if "teruskan ke petugas" in m["text"]]
    assert len(forwarded) == 1
    storage = app.bot_data.services.storage
    assert storage.helpful_votes(0) == (0, 1)
    [open_card] = storage.open_cards()
    assert open_card.count == 1


async def test_a_long_statistik_with_ampersands_arrives_whole_with_its_chart(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot()
    setup(fake)
    storage = app.bot_data.services.storage
    questions = [f"R{'&' * 990}D nomor {i}" for i in range(5)]  # 5,000 characters of &amp;
    for i, question in enumerate(questions):
        storage.add_to_inbox(
            key=f"rd {i}",
            question_id=i + 1,
            text=question,
            lang="id",
            chat_id=RESIDENT,
            chat_type="private",
            user_id=RESIDENT,
            first_name="Ana",
            message_id=i + 1,
            best_entry_id=None,
            best_score=0.1,
        )
    fake.send_text(ADMIN_ID, None, "/statistik")
    await fake.wait_until(lambda: bool(fake.calls_to("sendPhoto")), what="the chart")
    refused = [c for c in fake.calls_to("sendMessage") if c.status != 200]
    assert refused == [], [c.error for c in refused]
    text = "".join(m["text"] for m in fake.sent(ADMIN_ID) if "text" in m)
    assert all(question in text for question in questions)


@pytest.mark.parametrize(
    "url",
    [
        "https://ukm.tangsel.id/daftar?kelas=ekspor&sesi=2",
        "https://ukm.tangsel.id/cari?q=&lt;batik&gt;&amp=1",
        'https://ukm.tangsel.id/cari?q="kerupuk"',
    ],
)
async def test_an_announcement_link_keeps_its_address(
    fake: FakeBotAPI, start_bot: BotStarter, url: str
) -> None:
    await start_bot()
    setup(fake)
    command = "/umumkan Daftar di sini ya"
    fake.push_update(
        {
            "message": {
                "message_id": 700,
                "date": int(time.time()),
                "chat": fake.private_chat(ADMIN_ID),
                "from": {"id": ADMIN_ID, "is_bot": False, "first_name": "Petugas Rina"},
                "text": command,
                "entities": [
                    {"type": "bot_command", "offset": 0, "length": 8},
                    {"type": "text_link", "offset": 9, "length": 6, "url": url},
                ],
            }
        }
    )
    preview, control = await fake.wait_for_sent(ADMIN_ID, count=2)
    assert links(preview) == [url]  # exactly the address staff wrote
    assert "Kirim" in str(fake.buttons(control))


def links(message: JSONDict) -> list[str]:
    return [e["url"] for e in message.get("entities", []) if e["type"] == "text_link"]
