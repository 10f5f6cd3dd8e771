"""End to end, personal data keeps its promise: the retention rule reaches the inbox's copies
of residents' words, names and chats; /hapusdata reaches the groups a resident acted for;
a group that became a supergroup takes its questions and askers along."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.conftest import ADMIN_ID, BotStarter
from tests.fake_bot_api import FakeBotAPI

DAY = 86400
STAFF_GROUP = -100800
GROUP, SUPERGROUP = -81, -100081
RESIDENT, OTHER, MEMBER = 81, 82, 83
OFF_TOPIC = "Berapa bunga KUR untuk modal usaha warung saya?"
ALSO_UNKNOWN = "Kapan pasar malam UMKM dibuka di Serpong?"


def setup(fake: FakeBotAPI) -> None:
    fake.user(ADMIN_ID, "Petugas Rina")
    fake.private_chat(ADMIN_ID)
    fake.group(
        STAFF_GROUP, "Staf UKM", "supergroup", admins=[ADMIN_ID], bot_status="administrator"
    )
    for user, name in ((RESIDENT, "Ana"), (OTHER, "Budi"), (MEMBER, "Citra")):
        fake.user(user, name)
        fake.private_chat(user)


def rows(path: Any, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql).fetchall())


async def test_retention_removes_old_askers_words_names_and_chats_from_the_inbox(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot(STAFF_CHAT_ID=str(STAFF_GROUP), QUESTION_LOG_DAYS="30")
    setup(fake)
    storage = app.bot_data.services.storage
    fake.send_text(RESIDENT, None, OFF_TOPIC)
    shared_card = await fake.wait_for_sent(STAFF_GROUP)
    fake.send_text(RESIDENT, None, ALSO_UNKNOWN)
    fake.send_text(OTHER, None, OFF_TOPIC)  # joins the first card
    *_, own_card = await fake.wait_for_sent(STAFF_GROUP, count=2)
    await fake.wait_until(lambda: "Ana dan 1 lainnya" in fake.current(shared_card[0])["text"])
    await storage.written()
    # A month passes for Ana's two questions (no sleeping): Budi's stays recent.
    with storage.db.conn:
        storage.db.execute(
            "UPDATE inbox_askers SET asked_at = asked_at - ? WHERE user_id = ?",
            [31 * DAY, RESIDENT],
        )
    assert app.job_queue is not None
    [retention] = app.job_queue.get_jobs_by_name("retention")
    await retention.run(app)

    # Nothing of Ana's stays in the inbox: not her words, name, chat or message.
    assert rows(storage.path, f"SELECT * FROM inbox_askers WHERE user_id = {RESIDENT}") == []
    kept = rows(storage.path, "SELECT question FROM inbox")
    assert kept == [(OFF_TOPIC,)]  # Budi's words now (the same), Ana's own card gone
    assert rows(storage.path, "SELECT chat_id, first_name FROM inbox_askers") == [(OTHER, "Budi")]
    # Staff see it too: her own card blanked, the shared one redrawn with Budi alone.
    await fake.wait_until(lambda: "disimpan paling lama 30 hari" in current(fake, own_card))
    await fake.wait_until(lambda: "Dari: Budi" in current(fake, shared_card[0]))
    assert "Ana" not in current(fake, shared_card[0])
    # The card still open works: the answer reaches Budi, and nobody else.
    fake.send_text(
        ADMIN_ID, STAFF_GROUP, "Tanyakan KUR ke bank penyalur.", reply_to=shared_card[0]
    )
    await fake.wait_for_sent(OTHER, count=3)
    assert "bank penyalur" in fake.sent(OTHER)[-1]["text"]
    assert not any("bank penyalur" in m.get("text", "") for m in fake.sent(RESIDENT))


async def test_hapusdata_takes_the_residents_id_off_the_groups_they_set_up(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot()
    setup(fake)
    fake.group(GROUP, "UKM Setu", "supergroup", admins=[RESIDENT], bot_status="administrator")
    fake.send_text(RESIDENT, GROUP, "/langganan")
    fake.send_text(RESIDENT, GROUP, "/otomatis on")
    await fake.wait_for_sent(GROUP, count=2)
    storage = app.bot_data.services.storage
    assert rows(storage.path, "SELECT subscribed_by FROM subscribers") == [(RESIDENT,)]
    fake.send_text(RESIDENT, None, "/hapusdata")
    [summary] = await fake.wait_for_sent(RESIDENT)
    fake.press(RESIDENT, summary, dict(fake.buttons(summary))["🗑 Hapus semua data saya"] or "")
    [_, done] = await fake.wait_for_sent(RESIDENT, count=2)
    assert "sudah dihapus" in done["text"]
    # The group keeps its subscription and its setting; who asked for them is forgotten.
    assert rows(storage.path, "SELECT chat_id, active, subscribed_by FROM subscribers") == [
        (GROUP, 1, None)
    ]
    assert rows(storage.path, "SELECT id, auto_answer, auto_answer_by FROM chats") == [
        (GROUP, 1, None)
    ]


async def test_a_staff_answer_reaches_a_group_that_became_a_supergroup(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot(STAFF_CHAT_ID=str(STAFF_GROUP))
    setup(fake)
    fake.group(GROUP, "UKM Setu", "group", members=[MEMBER], bot_status="administrator")
    fake.send_text(MEMBER, GROUP, f"/tanya {OFF_TOPIC}")
    await fake.wait_for_sent(GROUP)
    [card] = await fake.wait_for_sent(STAFF_GROUP)
    fake.migrate(GROUP, SUPERGROUP)  # the question now lives in the supergroup
    storage = app.bot_data.services.storage
    await fake.wait_until(
        lambda: rows(storage.path, "SELECT DISTINCT chat_id FROM inbox_askers") == [(SUPERGROUP,)],
        what="the askers moved",
    )
    assert rows(storage.path, "SELECT DISTINCT chat_id FROM questions") == [(SUPERGROUP,)]
    assert rows(storage.path, "SELECT DISTINCT chat_id FROM requests") == [(SUPERGROUP,)]
    fake.send_text(ADMIN_ID, STAFF_GROUP, "Tanyakan KUR ke bank penyalur.", reply_to=card)
    sent = await fake.wait_for_sent(SUPERGROUP, count=2)
    assert "Jawaban petugas" in sent[0]["text"] and "bank penyalur" in sent[1]["text"]


def current(fake: FakeBotAPI, message: dict[str, Any]) -> str:
    return str(fake.current(message)["text"])
