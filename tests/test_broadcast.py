"""End to end, announcements: opt-in, staff preview, Kirim/Batal, faults, schedule, photos."""

from __future__ import annotations

import time
from collections import Counter
from itertools import pairwise

import pytest

from bot.context import BotApplication
from bot.storage import Subscriber
from tests.conftest import ADMIN_ID, BotStarter
from tests.fake_bot_api import FakeBotAPI, JSONDict

GROUP = -1007
MEMBER, GROUP_ADMIN = 31, 32


def staff_chat(fake: FakeBotAPI) -> None:
    fake.user(ADMIN_ID, "Petugas")
    fake.private_chat(ADMIN_ID)


def subscribers(
    app: BotApplication, fake: FakeBotAPI, ids: range, topics: list[str] | None = None
) -> None:
    storage = app.bot_data.services.storage
    for i in ids:
        fake.user(i, f"Warga {i}")
        fake.private_chat(i)
        storage.subscribe(i, "private", f"Warga {i}", "id", "test", i)
        if topics:
            storage.set_topics(i, topics)


async def preview(fake: FakeBotAPI, command: str, reply_to: JSONDict | None = None) -> JSONDict:
    """Send /umumkan as staff; return the control message (the one with Kirim/Batal)."""
    before = len(fake.sent(ADMIN_ID))
    fake.send_text(ADMIN_ID, None, command, reply_to=reply_to)
    sent = await fake.wait_for_sent(ADMIN_ID, count=before + 2)
    return sent[-1]


def subscription(app: BotApplication, chat_id: int) -> Subscriber:
    """The chat's subscription, active or not (it must have subscribed once)."""
    found = app.bot_data.services.storage.subscriber(chat_id)
    assert found is not None, f"chat {chat_id} never subscribed"
    return found


def press(fake: FakeBotAPI, control: JSONDict, label_start: str) -> None:
    data = next(d for label, d in fake.buttons(control) if label.startswith(label_start))
    assert data is not None
    fake.press(ADMIN_ID, control, data)


async def test_subscribe_choose_topics_and_stop(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start_bot()
    fake.user(1, "Ana")
    fake.private_chat(1)
    fake.send_text(1, None, "/langganan")
    [confirmation] = await fake.wait_for_sent(1)
    assert "semua topik" in confirmation["text"] and "/berhenti" in confirmation["text"]
    labels = [label for label, _ in fake.buttons(confirmation)]
    assert labels[:3] == ["🎓 Pelatihan", "🌏 Ekspor", "🤝 Koperasi/Kelompok UKM"]
    fake.press(1, confirmation, dict(fake.buttons(confirmation))["🌏 Ekspor"] or "")
    await fake.wait_for_call("editMessageText")
    assert subscription(app, 1).topics == ["ekspor"]
    assert "✅ 🌏 Ekspor" in [label for label, _ in fake.buttons(fake.messages_in(1)[0])]
    fake.send_text(1, None, "/berhenti")
    [_, stopped] = await fake.wait_for_sent(1, count=2)
    assert "tidak akan menerima" in stopped["text"]
    assert not subscription(app, 1).active


async def test_the_start_button_subscribes(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start_bot()
    fake.user(1, "Ana")
    fake.private_chat(1)
    fake.send_text(1, None, "/start")
    [welcome] = await fake.wait_for_sent(1)
    fake.press(1, welcome, dict(fake.buttons(welcome))["🔔 Terima pengumuman"] or "")
    [_, confirmation] = await fake.wait_for_sent(1, count=2)
    assert "Anda sekarang menerima pengumuman" in confirmation["text"]
    assert subscription(app, 1).active


async def test_a_group_subscribes_only_through_an_admin(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot()
    storage = app.bot_data.services.storage
    fake.user(MEMBER, "Budi")
    fake.user(GROUP_ADMIN, "Sari")
    fake.group(GROUP, "UKM Ciputat", "supergroup", admins=[GROUP_ADMIN], members=[MEMBER])
    fake.send_text(MEMBER, GROUP, "/langganan")
    [refusal] = await fake.wait_for_sent(GROUP)
    assert "hanya admin" in refusal["text"]
    assert storage.subscriber(GROUP) is None
    fake.send_text(GROUP_ADMIN, GROUP, "/langganan")
    [_, confirmation] = await fake.wait_for_sent(GROUP, count=2)
    assert "Grup ini sekarang menerima" in confirmation["text"]
    assert subscription(app, GROUP).active
    fake.send_text(MEMBER, GROUP, "/berhenti")
    await fake.wait_for_sent(GROUP, count=3)
    assert subscription(app, GROUP).active


async def test_non_staff_cannot_announce_or_see_reports(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot()
    subscribers(app, fake, range(1, 4))
    fake.send_text(2, None, "/umumkan halo semua")
    fake.send_text(2, None, "/laporan")
    sent = await fake.wait_for_sent(2, count=2)
    assert all("khusus petugas" in m["text"] for m in sent)
    assert not any("3" in m["text"] or "pelanggan" in m["text"] for m in sent)
    assert not app.bot_data.services.storage.recent_broadcasts()


async def test_preview_then_kirim_reaches_everyone_once_with_progress_and_report(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot(BROADCAST_RATE="50")
    staff_chat(fake)
    subscribers(app, fake, range(1, 41))
    control = await preview(
        fake, "/umumkan Pelatihan <b>ekspor</b> & pemasaran digital, Senin 09.00"
    )
    assert "Penerima: 40" in control["text"]
    [announcement] = fake.sent(ADMIN_ID)[-2:-1]
    assert "Pelatihan" in announcement["text"] and "/berhenti" in announcement["text"]
    assert [label for label, _ in fake.buttons(control)] == ["✅ Kirim", "✖️ Batal"]
    assert not any(fake.sent(i) for i in range(1, 41))  # nothing before Kirim
    press(fake, control, "✅ Kirim")
    await fake.wait_until(
        lambda: all(fake.sent(i) for i in range(1, 41)),
        timeout=15,
        what="every subscriber reached",
    )
    report = await fake.wait_for(
        lambda c: (
            c.method == "sendMessage" and "Laporan pengumuman" in str(c.params.get("text", ""))
        ),
        timeout=10,
    )
    assert "Diterima 40 dari 40" in str(report.params["text"])
    assert all(len(fake.sent(i)) == 1 for i in range(1, 41))
    assert fake.sent(1)[0]["text"] == announcement["text"]
    assert "selesai" in fake.current(control)["text"]


async def test_batal_sends_nothing(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start_bot()
    staff_chat(fake)
    subscribers(app, fake, range(1, 6))
    control = await preview(fake, "/umumkan jangan dikirim")
    press(fake, control, "✖️ Batal")
    await fake.wait_for_call("editMessageText")
    cancelled = fake.current(control)
    assert "dibatalkan" in cancelled["text"]
    assert fake.buttons(cancelled) == []  # no Kirim left to press
    assert not any(fake.sent(i) for i in range(1, 6))


async def test_double_tap_and_old_previews_never_send_twice(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot(BROADCAST_RATE="50")
    staff_chat(fake)
    subscribers(app, fake, range(1, 11))
    old = await preview(fake, "/umumkan versi pertama")
    control = await preview(fake, "/umumkan versi kedua")
    press(fake, control, "✅ Kirim")
    press(fake, control, "✅ Kirim")
    press(fake, old, "✅ Kirim")  # the superseded preview
    await fake.wait_until(
        lambda: all(fake.sent(i) for i in range(1, 11)), timeout=10, what="delivery"
    )
    await fake.wait_for(
        lambda c: "Laporan pengumuman" in str(c.params.get("text", "")), timeout=10
    )
    assert all(len(fake.sent(i)) == 1 for i in range(1, 11))
    assert all("versi kedua" in fake.sent(i)[0]["text"] for i in range(1, 11))
    refusals = [c.params.get("text", "") for c in fake.calls_to("answerCallbackQuery")]
    assert sum("tidak berlaku" in t for t in refusals) == 2


async def test_topic_filter(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start_bot(BROADCAST_RATE="50")
    staff_chat(fake)
    subscribers(app, fake, range(1, 4), topics=["ekspor"])
    subscribers(app, fake, range(4, 7), topics=["pelatihan"])
    subscribers(app, fake, range(7, 9))  # every topic
    control = await preview(fake, "/umumkan #ekspor pameran produk ekspor")
    assert "Penerima: 5" in control["text"]
    press(fake, control, "✅ Kirim")
    await fake.wait_for(
        lambda c: "Laporan pengumuman" in str(c.params.get("text", "")), timeout=10
    )
    assert [bool(fake.sent(i)) for i in range(1, 9)] == [True] * 3 + [False] * 3 + [True] * 2


async def test_a_photo_announcement_is_sent_as_a_photo(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot()
    staff_chat(fake)
    subscribers(app, fake, range(1, 4))
    photo = fake.send_photo(ADMIN_ID, None, caption="Brosur pelatihan batik")
    await fake.wait_for_sent(ADMIN_ID)  # the usual "please type" hint for a photo
    control = await preview(fake, "/umumkan", reply_to=photo)
    preview_photo = fake.sent(ADMIN_ID)[-2]
    assert "photo" in preview_photo and "Brosur pelatihan batik" in preview_photo["caption"]
    press(fake, control, "✅ Kirim")
    await fake.wait_until(
        lambda: all(fake.sent(i) for i in range(1, 4)), timeout=10, what="photos"
    )
    for i in range(1, 4):
        [received] = fake.sent(i)
        assert "photo" in received and received["caption"] == preview_photo["caption"]


async def test_faults_every_active_recipient_gets_exactly_one_copy(
    fake: FakeBotAPI, start_bot: BotStarter, quick_retries: None, short_read_timeout: float
) -> None:
    app = await start_bot(BROADCAST_RATE="100")
    staff_chat(fake)
    recipients = range(1, 201)
    subscribers(app, fake, recipients)
    blocked = set(range(1, 201, 20))  # 5 %
    for i in blocked:
        fake.block(i)
    fake.fail(
        "sendMessage", 429, retry_after=1, times=3, when=lambda p: p.get("chat_id") in (50, 51, 52)
    )
    fake.fail(
        "sendMessage", 502, "Bad Gateway", times=4, when=lambda p: p.get("chat_id") in (60, 61)
    )
    # Slower than the usual timeout, within the broadcast's own (30 s): no duplicate.
    fake.delay(
        "sendMessage", short_read_timeout + 1, times=2, when=lambda p: p.get("chat_id") in (70, 71)
    )
    control = await preview(fake, "/umumkan uji ketahanan")
    press(fake, control, "✅ Kirim")
    await fake.wait_for(
        lambda c: "Laporan pengumuman" in str(c.params.get("text", "")), timeout=60
    )
    counts = Counter({i: len(fake.sent(i)) for i in recipients})
    assert {i for i in recipients if counts[i] != 1} == blocked
    assert all(counts[i] == 0 for i in blocked)
    assert all(not subscription(app, i).active for i in blocked)
    # The next broadcast skips the blocked ones without asking Telegram.
    tried_before = Counter(c.params.get("chat_id") for c in fake.calls_to("sendMessage"))
    control = await preview(fake, "/umumkan kedua kalinya")
    assert "Penerima: 190" in control["text"]
    press(fake, control, "✅ Kirim")
    await fake.wait_until(
        lambda: (
            sum(
                "Laporan pengumuman" in str(c.params.get("text", ""))
                for c in fake.calls_to("sendMessage")
            )
            == 2
        ),
        timeout=30,
        what="second report",
    )
    tried_after = Counter(c.params.get("chat_id") for c in fake.calls_to("sendMessage"))
    assert all(tried_after[i] == tried_before[i] for i in blocked)


async def test_a_running_broadcast_can_be_stopped(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start_bot(BROADCAST_RATE="10")
    staff_chat(fake)
    subscribers(app, fake, range(1, 101))
    control = await preview(fake, "/umumkan pelan-pelan")
    press(fake, control, "✅ Kirim")
    await fake.wait_until(
        lambda: sum(bool(fake.sent(i)) for i in range(1, 101)) >= 5,
        timeout=10,
        what="a few deliveries",
    )
    stop = await fake.wait_for(
        lambda c: (
            c.method == "editMessageText" and "Hentikan" in str(c.params.get("reply_markup", ""))
        ),
        timeout=10,
    )
    assert stop
    current = fake.current(control)
    press(fake, current, "⛔ Hentikan")
    report = await fake.wait_for(
        lambda c: "Laporan pengumuman" in str(c.params.get("text", "")), timeout=10
    )
    delivered = sum(bool(fake.sent(i)) for i in range(1, 101))
    assert delivered < 100
    assert f"Diterima {delivered} dari 100" in str(report.params["text"])
    assert "tidak dikirim karena dihentikan" in str(report.params["text"])


async def test_a_scheduled_announcement_fires_after_a_restart(
    fake: FakeBotAPI, start_bot: BotStarter, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.app

    monkeypatch.setattr(bot.app, "SCHEDULE_CHECK_EVERY", 0.5)
    app = await start_bot()
    staff_chat(fake)
    subscribers(app, fake, range(1, 4))
    control = await preview(fake, "/umumkan @besok 09:00 pameran UMKM besok pagi")
    assert "terjadwal" in control["text"]
    press(fake, control, "✅ Kirim")
    await fake.wait_for_call("editMessageText")
    storage = app.bot_data.services.storage
    [broadcast] = storage.recent_broadcasts(1)
    assert broadcast.status == "scheduled"
    from tests.conftest import stop_bot

    await stop_bot(app)  # the bot restarts before the time comes
    app2 = await start_bot()
    assert not any(fake.sent(i) for i in range(1, 4))
    # Time passes: the scheduled moment arrives.
    app2.bot_data.services.storage.db.execute(
        "UPDATE broadcasts SET scheduled_for = ? WHERE id = ?", [time.time() - 1, broadcast.id]
    )
    app2.bot_data.services.storage.db.conn.commit()
    await fake.wait_until(lambda: all(fake.sent(i) for i in range(1, 4)), timeout=10, what="fired")
    assert all("pameran UMKM" in fake.sent(i)[0]["text"] for i in range(1, 4))


async def test_blocking_makes_inactive_and_start_brings_back(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot()
    subscribers(app, fake, range(1, 2))
    fake.my_chat_member(1, 1, "member", "kicked")
    await fake.wait_until(
        lambda: not subscription(app, 1).active,
        timeout=5,
        what="inactive after the block",
    )
    fake.my_chat_member(1, 1, "kicked", "member")  # unblocked: not yet a subscriber again
    await fake.wait_until(lambda: not fake.pending_updates, timeout=5, what="update fetched")
    assert not subscription(app, 1).active
    fake.send_text(1, None, "/start")
    [back, _welcome] = await fake.wait_for_sent(1, count=2)
    assert "kembali menerima" in back["text"]
    assert subscription(app, 1).active


async def test_migration_moves_the_subscription(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start_bot()
    storage = app.bot_data.services.storage
    fake.user(GROUP_ADMIN, "Sari")
    fake.group(-9, "UKM Setu", "group", admins=[GROUP_ADMIN])
    fake.send_text(GROUP_ADMIN, -9, "/langganan")
    await fake.wait_for_sent(-9)
    fake.migrate(-9, -1009)
    await fake.wait_until(lambda: storage.subscriber(-1009) is not None, timeout=5, what="moved")
    assert storage.subscriber(-9) is None
    assert subscription(app, -1009).active


async def laporan(fake: FakeBotAPI) -> JSONDict:
    before = len(fake.sent(ADMIN_ID))
    fake.send_text(ADMIN_ID, None, "/laporan")
    *_, listing = await fake.wait_for_sent(ADMIN_ID, count=before + 1)
    return listing


async def report_of(fake: FakeBotAPI, number: int = 1) -> str:
    """The text of the `number`-th "Laporan pengumuman" staff got when a delivery ended."""
    await fake.wait_until(
        lambda: len(reports(fake)) >= number, timeout=30, what=f"report {number}"
    )
    return reports(fake)[number - 1]


def reports(fake: FakeBotAPI) -> list[str]:
    return [t for t in fake.sent_texts(ADMIN_ID) if "Laporan pengumuman" in t]


async def test_laporan_and_rincian_show_who_missed_an_announcement_and_why(
    fake: FakeBotAPI, start_bot: BotStarter, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.pacing

    # The same retries, without seconds between them.
    monkeypatch.setattr(bot.pacing, "BROADCAST_BACKOFF", (0.01, 0.01, 0.01))
    app = await start_bot(BROADCAST_RATE="50")
    staff_chat(fake)
    assert "Belum ada pengumuman" in (await laporan(fake))["text"]
    subscribers(app, fake, range(1, 5))
    fake.block(2)
    # Telegram keeps failing for one resident: the retries run out.
    fake.fail("sendMessage", 502, "Bad Gateway", times=None, when=lambda p: p["chat_id"] == 3)
    control = await preview(fake, "/umumkan Pameran batik hari Sabtu di Pamulang")
    press(fake, control, "✅ Kirim")
    report = await report_of(fake)
    assert "Diterima 2 dari 4" in report and "1 memblokir" in report and "1 gagal" in report
    assert [bool(fake.sent(i)) for i in range(1, 5)] == [True, False, False, True]
    assert len([c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == 3]) > 1

    listing = await laporan(fake)
    assert "#1" in listing["text"] and "selesai" in listing["text"]
    assert "terkirim 2/4 · diblokir 1 · gagal 1" in listing["text"]
    assert "Pameran batik hari Sabtu" in listing["text"]
    assert "Pelanggan aktif: 3" in listing["text"] and "nonaktif: 1" in listing["text"]
    fake.press(ADMIN_ID, listing, dict(fake.buttons(listing))["🔎 Rincian #1"] or "")
    *_, detail = await fake.wait_for_sent(ADMIN_ID, count=len(fake.sent(ADMIN_ID)) + 1)
    assert "Yang tidak menerima pengumuman #1" in detail["text"]
    assert "Warga 2 (2): blocked, Forbidden: bot was blocked by the user" in detail["text"]
    assert "Warga 3 (3): failed, ServerError: Bad Gateway" in detail["text"]
    assert "Warga 1 " not in detail["text"] and "Warga 4 " not in detail["text"]


async def test_a_chat_that_no_longer_exists_is_marked_inactive_and_reported(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot(BROADCAST_RATE="50")
    staff_chat(fake)
    subscribers(app, fake, range(1, 3))
    # A group that subscribed once and is gone: Telegram answers "chat not found".
    app.bot_data.services.storage.subscribe(-4404, "group", "UKM Bubar", "id", "test", 1)
    control = await preview(fake, "/umumkan pengumuman pertama")
    assert "Penerima: 3" in control["text"]
    press(fake, control, "✅ Kirim")
    report = await report_of(fake)
    assert "Diterima 2 dari 3" in report and "chat sudah tidak ada (dinonaktifkan)" in report
    listing = await laporan(fake)
    assert "nonaktif: 1" in listing["text"]
    fake.press(ADMIN_ID, listing, dict(fake.buttons(listing))["🔎 Rincian #1"] or "")
    *_, detail = await fake.wait_for_sent(ADMIN_ID, count=len(fake.sent(ADMIN_ID)) + 1)
    assert "UKM Bubar (-4404): blocked, Chat not found" in detail["text"]
    # The next announcement leaves it out, without asking Telegram again.
    control = await preview(fake, "/umumkan pengumuman kedua")
    assert "Penerima: 2" in control["text"]
    press(fake, control, "✅ Kirim")
    await report_of(fake, 2)
    assert [c.params["chat_id"] for c in fake.calls_to("sendMessage")].count(-4404) == 1


async def test_an_announcement_follows_a_group_that_became_a_supergroup(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot(BROADCAST_RATE="50")
    staff_chat(fake)
    fake.user(GROUP_ADMIN, "Sari")
    fake.group(-9, "UKM Setu", "group", admins=[GROUP_ADMIN])
    app.bot_data.services.storage.subscribe(-9, "group", "UKM Setu", "id", "test", GROUP_ADMIN)
    fake.migrate(-9, -1009, notify=False)  # while the bot was offline: it never heard
    control = await preview(fake, "/umumkan pelatihan ekspor Senin")
    press(fake, control, "✅ Kirim")
    assert "Diterima 1 dari 1" in await report_of(fake)
    [received] = fake.sent(-1009)
    assert "pelatihan ekspor Senin" in received["text"]
    # The next one goes straight to the supergroup.
    control = await preview(fake, "/umumkan pameran Selasa")
    press(fake, control, "✅ Kirim")
    assert "Diterima 1 dari 1" in await report_of(fake, 2)
    assert "pameran Selasa" in fake.sent(-1009)[-1]["text"]
    assert [c.params["chat_id"] for c in fake.calls_to("sendMessage")].count(-9) == 1


async def test_flood_control_pauses_and_resends_then_records_a_fourth_refusal(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    app = await start_bot()
    storage = app.bot_data.services.storage
    staff_chat(fake)
    subscribers(app, fake, range(1, 4))
    # Resident 1 is refused once, resident 2 four times in a row ("retry after 1" each).
    fake.fail("sendMessage", 429, retry_after=1, times=1, when=lambda p: p.get("chat_id") == 1)
    fake.fail("sendMessage", 429, retry_after=1, times=4, when=lambda p: p.get("chat_id") == 2)
    control = await preview(fake, "/umumkan banjir permintaan")
    press(fake, control, "✅ Kirim")
    await fake.wait_for(
        lambda c: "Laporan pengumuman" in str(c.params.get("text", "")), timeout=30
    )
    assert [len(fake.sent(i)) for i in (1, 2, 3)] == [1, 0, 1]  # resent once, never twice
    tries = [c.time for c in fake.calls_to("sendMessage") if c.params.get("chat_id") == 2]
    assert len(tries) == 4  # the first send and three resends, each after the asked wait
    assert all(later - earlier >= 1 for earlier, later in pairwise(tries))
    [broadcast] = storage.recent_broadcasts(1)
    [(chat_id, _, status, error)] = storage.undelivered(broadcast.id)
    assert (chat_id, status) == (2, "failed") and "RetryAfter" in error
