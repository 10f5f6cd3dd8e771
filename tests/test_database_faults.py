"""End to end, a database in trouble: locked by another process, read-only, deleted while
running. Residents keep getting their answers; nothing claims to be saved that was not;
staff hear about it once; nothing queued is lost."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

import bot.storage
from bot.storage import Storage
from bot.storage.writer import Writer
from tests.conftest import ADMIN_ID, BotStarter
from tests.fake_bot_api import FakeBotAPI

STAFF_GROUP = -100700
RESIDENT, OTHER = 61, 62
ANSWERED = "berapa jumlah ukm di tangsel?"
UNKNOWN = "Berapa bunga KUR untuk modal usaha warung saya?"
NOT_SAVED = "belum bisa kami simpan"


def delete_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def read_only(storage: Storage, on: bool) -> None:
    """As a read-only file or mount: for the writer thread's connection and the loop's."""
    for db in (storage.writer.db, storage.db):
        db.execute(f"PRAGMA query_only = {int(on)}")


def setup(fake: FakeBotAPI) -> None:
    fake.group(STAFF_GROUP, "Staf UKM", "supergroup", bot_status="administrator")
    for user, name in ((RESIDENT, "Ana"), (OTHER, "Budi")):
        fake.user(user, name)
        fake.private_chat(user)


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorter waits than in production, so the test does not sit through them."""
    monkeypatch.setattr(bot.storage, "WRITE_TIMEOUT", 1.0)
    monkeypatch.setattr(Writer, "RETRY_AFTER", 0.2)


async def test_answers_never_wait_for_another_process_lock(
    fake: FakeBotAPI, start_bot: BotStarter, tmp_path: Path
) -> None:
    app = await start_bot(STAFF_CHAT_ID=str(STAFF_GROUP))
    setup(fake)
    storage = app.bot_data.services.storage
    # A backup, `ukm-bot kb build` or an open sqlite3 shell holds the write lock...
    lock = sqlite3.connect(storage.path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        question = fake.send_text(RESIDENT, None, ANSWERED)
        fake.send_text(OTHER, None, UNKNOWN)
        # ...and residents are answered while it still does.
        [answer] = await fake.wait_for_sent(RESIDENT)
        [fallback] = await fake.wait_for_sent(OTHER)
        assert "15.000" in answer["text"] and "tidak membahas" in fallback["text"]
        # No request number can be given before the card is written: none is promised.
        assert "#UKM-" not in fallback["text"]
        # An edit of the question just answered updates that answer (the link is known).
        fake.edit_text(question, "kerupuk diekspor ke mana?")
        await fake.wait_until(lambda: "Kerupuk" in fake.current(answer)["text"], what="edit")
        # A subscription cannot be saved now: the resident is told so, not ✅.
        fake.send_text(RESIDENT, None, "/langganan")
        [*_, refused] = await fake.wait_for_sent(RESIDENT, count=2)
        assert NOT_SAVED in refused["text"] and "✅" not in refused["text"]
        assert storage.subscriber(RESIDENT) is None
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    fake.send_text(RESIDENT, None, "/langganan")
    [*_, subscribed] = await fake.wait_for_sent(RESIDENT, count=3)
    assert "✅" in subscribed["text"]
    # Nothing asked meanwhile was lost: the log and the staff card are in the file.
    [card] = await fake.wait_for_sent(STAFF_GROUP)
    assert UNKNOWN in card["text"]
    await storage.written()
    with sqlite3.connect(storage.path) as conn:
        texts = {r[0] for r in conn.execute("SELECT text FROM questions")}
    assert {ANSWERED, UNKNOWN} <= texts


async def test_a_read_only_database_still_answers_and_tells_staff_once(
    fake: FakeBotAPI, start_bot: BotStarter, caplog: pytest.LogCaptureFixture
) -> None:
    app = await start_bot(STAFF_CHAT_ID=str(STAFF_GROUP))
    setup(fake)
    storage = app.bot_data.services.storage
    await storage.written()
    read_only(storage, True)  # as a read-only file or mount
    with caplog.at_level(logging.INFO):
        for i in range(3):
            fake.send_text(RESIDENT, None, ANSWERED if i % 2 == 0 else "siapa ketua forum PAUD?")
        replies = await fake.wait_for_sent(RESIDENT, count=3)
        assert all("Maaf" not in r["text"] for r in replies)  # answers, no apologies
        fake.send_text(RESIDENT, None, "/langganan")
        [*_, refused] = await fake.wait_for_sent(RESIDENT, count=4)
        assert NOT_SAVED in refused["text"] and "✅" not in refused["text"]
        [alert] = await fake.wait_for_sent(STAFF_GROUP)
        assert "tidak bisa ditulis" in alert["text"] and "hanya-baca" in alert["text"]
        fake.send_text(OTHER, None, ANSWERED)
        await fake.wait_for_sent(OTHER)

        read_only(storage, False)  # the operator fixed it
        [_, recovered] = await fake.wait_for_sent(STAFF_GROUP, count=2, timeout=10)
        assert "bisa ditulis lagi" in recovered["text"]
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len([r for r in problems if "cannot be written" in r.getMessage()]) == 1
    assert not any(r.exc_info for r in caplog.records), "no tracebacks for a read-only disk"
    await storage.written()
    with sqlite3.connect(storage.path) as conn:
        logged = conn.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
    assert logged == 4  # none of the questions asked meanwhile was lost


async def test_a_deleted_database_file_is_noticed(
    fake: FakeBotAPI, start_bot: BotStarter, caplog: pytest.LogCaptureFixture
) -> None:
    app = await start_bot(STAFF_CHAT_ID=str(STAFF_GROUP))
    setup(fake)
    storage = app.bot_data.services.storage
    delete_database(storage.path)
    with caplog.at_level(logging.WARNING):
        fake.send_text(RESIDENT, None, ANSWERED)
        [answer] = await fake.wait_for_sent(RESIDENT)
        assert "15.000" in answer["text"]
        [alert] = await fake.wait_for_sent(STAFF_GROUP)
        assert "dihapus atau diganti" in alert["text"]
        # A subscription would vanish with the deleted file at the next start: not ✅.
        fake.send_text(RESIDENT, None, "/langganan")
        [_, refused] = await fake.wait_for_sent(RESIDENT, count=2)
        assert NOT_SAVED in refused["text"]
    assert any(
        "deleted or replaced" in r.getMessage() and str(storage.path) in r.getMessage()
        for r in caplog.records
    )


async def test_an_announcement_and_the_staff_cards_pause_through_another_process_lock(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot(STAFF_CHAT_ID=str(STAFF_GROUP), BROADCAST_RATE="20")
    setup(fake)
    storage = app.bot_data.services.storage
    fake.user(ADMIN_ID, "Petugas")
    fake.private_chat(ADMIN_ID)
    recipients = range(1_000, 1_060)  # three seconds of sending at 20 a second
    for chat in recipients:
        fake.user(chat, f"Warga {chat}")
        fake.private_chat(chat)
        storage.subscribe(chat, "private", f"Warga {chat}", "id", "test", chat)
    askers = {71: UNKNOWN, 72: "kapan pasar malam dibuka?", 73: "dimana beli pupuk murah?"}
    for user in askers:
        fake.user(user, f"Warga {user}")
        fake.private_chat(user)
    # The staff group answers slowly: the cards are on their way when the lock comes.
    fake.delay("sendMessage", 1.0, times=None, when=to_staff_group)
    fake.send_text(ADMIN_ID, None, "/umumkan Pelatihan ekspor hari Senin")
    *_, control = await fake.wait_for_sent(ADMIN_ID, count=2)
    for user, question in askers.items():
        fake.send_text(user, None, question)
        await fake.wait_for_sent(user)
    await storage.written()  # the cards are filed, the poster takes them
    kirim = next(data for label, data in fake.buttons(control) if label.startswith("✅"))
    fake.press(ADMIN_ID, control, kirim or "")
    await fake.wait_until(lambda: sum(bool(fake.sent(c)) for c in recipients) >= 5, what="sent")
    # A backup, `ukm-bot kb build` or an sqlite3 shell takes the write lock mid-announcement.
    lock = sqlite3.connect(storage.path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        fake.send_text(RESIDENT, None, ANSWERED)  # residents are still answered meanwhile
        [answer] = await fake.wait_for_sent(RESIDENT)
        assert "15.000" in answer["text"]
        await asyncio.sleep(3)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    await fake.wait_for(lambda c: "Laporan pengumuman" in str(c.params.get("text")), timeout=30)
    # Every subscriber got exactly one copy: the sends paused and went on.
    assert {chat: len(fake.sent(chat)) for chat in recipients} == dict.fromkeys(recipients, 1)
    # Every card is in the staff group exactly once.
    await fake.wait_until(lambda: storage.count_queued_cards() == 0, timeout=30, what="cards")
    staff_texts = "\n".join(fake.sent_texts(STAFF_GROUP))
    assert all(staff_texts.count(question) == 1 for question in askers.values())


def to_staff_group(params: dict[str, object]) -> bool:
    return str(params.get("chat_id")) == str(STAFF_GROUP)
