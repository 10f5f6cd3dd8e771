"""End to end, groups: answer only when addressed; no floods; admins control automatic mode."""

from __future__ import annotations

import asyncio

from tests.conftest import BotStarter
from tests.fake_bot_api import FakeBotAPI

GROUP = -1001
ADMIN, MEMBER = 10, 11


def setup_group(fake: FakeBotAPI, *, reads_everything: bool = True) -> None:
    fake.user(ADMIN, "Admin")
    fake.user(MEMBER, "Budi")
    # As an administrator (or with privacy mode off) the bot receives every message;
    # the point of these tests is that it still stays quiet unless addressed.
    fake.group(
        GROUP,
        "Pelaku UKM Pamulang",
        "supergroup",
        admins=[ADMIN],
        members=[MEMBER],
        bot_status="administrator" if reads_everything else "member",
    )


async def quiet_for(fake: FakeBotAPI, seconds: float = 0.6) -> None:
    """Give the bot time to (wrongly) answer, after it has surely seen the updates."""
    await fake.wait_until(lambda: not fake.pending_updates, timeout=5, what="updates fetched")
    await asyncio.sleep(seconds)


async def test_unaddressed_chatter_is_ignored(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    await start_bot()
    setup_group(fake)
    for text in [
        "pagi semua",
        "ada yg tau pelatihan ukm?",
        "harga batik brp ya",
        "🙏",
        "/start@otherbot",
    ]:
        fake.send_text(MEMBER, GROUP, text)
    fake.send_sticker(MEMBER, GROUP)
    await quiet_for(fake)
    assert fake.sent(GROUP) == []


async def test_tanya_and_tanya_at_bot_are_answered_quoting_the_asker(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    setup_group(fake, reads_everything=False)
    first = fake.send_text(MEMBER, GROUP, "/tanya berapa jumlah ukm di tangsel?")
    [reply] = await fake.wait_for_sent(GROUP)
    assert "15.000" in reply["text"]
    assert reply["reply_to_message"]["message_id"] == first["message_id"]
    second = fake.send_text(MEMBER, GROUP, "/tanya@ukm_test_bot kerupuk diekspor ke mana?")
    [_, reply2] = await fake.wait_for_sent(GROUP, count=2)
    assert "China" in reply2["text"]
    assert reply2["reply_to_message"]["message_id"] == second["message_id"]


async def test_tanya_for_another_bot_is_ignored(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    await start_bot()
    setup_group(fake)
    fake.send_text(MEMBER, GROUP, "/tanya@otherbot berapa jumlah ukm?")
    await quiet_for(fake)
    assert fake.sent(GROUP) == []


async def test_tanya_without_a_question_explains(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    await start_bot()
    setup_group(fake)
    fake.send_text(MEMBER, GROUP, "/tanya")
    [reply] = await fake.wait_for_sent(GROUP)
    assert "/tanya" in reply["text"]


async def test_a_mention_and_a_reply_to_the_bot_are_answered(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    setup_group(fake)
    mention = fake.send_text(MEMBER, GROUP, "@ukm_test_bot anggota cipta karya berapa orang?")
    [reply] = await fake.wait_for_sent(GROUP)
    assert "800" in reply["text"]
    assert reply["reply_to_message"]["message_id"] == mention["message_id"]
    fake.send_text(ADMIN, GROUP, "lokasinya di mana?", reply_to=reply)
    [_, second] = await fake.wait_for_sent(GROUP, count=2)
    assert "Pamulang" in second["text"]


async def test_the_same_answer_within_minutes_points_to_the_earlier_one(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    setup_group(fake)
    fake.send_text(MEMBER, GROUP, "/tanya berapa jumlah ukm di tangsel?")
    [answer] = await fake.wait_for_sent(GROUP)
    fake.send_text(ADMIN, GROUP, "/tanya jumlah pelaku umkm tangsel ada berapa?")
    [_, pointer] = await fake.wait_for_sent(GROUP, count=2)
    assert "15.000" not in pointer["text"]  # not repeated
    assert pointer["reply_to_message"]["message_id"] == answer["message_id"]
    assert "Admin" in pointer["text"]


async def test_otomatis_by_an_admin_answers_only_confident_questions(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    setup_group(fake)
    fake.send_text(ADMIN, GROUP, "/otomatis on")
    [confirmation] = await fake.wait_for_sent(GROUP)
    assert "menyala" in confirmation["text"]
    fake.send_text(MEMBER, GROUP, "pagi semua, semangat!")  # not a question
    fake.send_text(MEMBER, GROUP, "harga batik cipta karya berapa ya?")  # would fall back
    fake.send_text(MEMBER, GROUP, "ada yg tau kerupuk serpong diekspor ke mana?")  # confident
    [_, auto] = await fake.wait_for_sent(GROUP, count=2)
    assert "China" in auto["text"]
    await quiet_for(fake)
    assert len(fake.sent(GROUP)) == 2
    fake.send_text(ADMIN, GROUP, "/otomatis off")
    await fake.wait_for_sent(GROUP, count=3)
    fake.send_text(MEMBER, GROUP, "berapa jumlah ukm di tangsel?")
    await quiet_for(fake)
    assert len(fake.sent(GROUP)) == 3


async def test_otomatis_by_a_member_is_refused(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start_bot()
    setup_group(fake)
    fake.send_text(MEMBER, GROUP, "/otomatis on")
    [refusal] = await fake.wait_for_sent(GROUP)
    assert "hanya admin" in refusal["text"]
    assert fake.calls_to("getChatMember")  # asked Telegram, did not trust the message
    assert not app.bot_data.services.storage.auto_answer(GROUP)


async def test_migration_keeps_the_group_settings(fake: FakeBotAPI, start_bot: BotStarter) -> None:
    app = await start_bot()
    fake.user(ADMIN, "Admin")
    fake.group(-5, "UKM Setu", "group", admins=[ADMIN], bot_status="administrator")
    fake.send_text(ADMIN, -5, "/otomatis on")
    await fake.wait_for_sent(-5)
    fake.migrate(-5, -1005)
    storage = app.bot_data.services.storage
    await fake.wait_until(lambda: storage.auto_answer(-1005), timeout=5, what="settings moved")
    fake.send_text(ADMIN, -1005, "kerupuk serpong diekspor ke mana?")
    [auto] = await fake.wait_for_sent(-1005)
    assert "China" in auto["text"]


async def test_an_edited_group_question_edits_the_answer(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    setup_group(fake)
    question = fake.send_text(MEMBER, GROUP, "@ukm_test_bot berapa jumlah ukm di tangsel?")
    [reply] = await fake.wait_for_sent(GROUP)
    fake.edit_text(question, "@ukm_test_bot siapa kepala dinas koperasi?")
    await fake.wait_for_call("editMessageText", timeout=5)
    assert "Ismunandar" in fake.current(reply)["text"]


async def test_bantuan_in_a_group_explains_how_to_call_the_bot(
    fake: FakeBotAPI, start_bot: BotStarter
) -> None:
    await start_bot()
    setup_group(fake, reads_everything=False)
    fake.send_text(MEMBER, GROUP, "/bantuan@ukm_test_bot")
    [help_] = await fake.wait_for_sent(GROUP)
    assert "/tanya pertanyaan" in help_["text"] and "@ukm_test_bot" in help_["text"]
    assert fake.buttons(help_) == []  # no topic menu to clutter the group
    # Doing what it says works, even with BotFather's privacy mode on.
    fake.send_text(MEMBER, GROUP, "/tanya berapa jumlah ukm di tangsel?")
    [_, answer] = await fake.wait_for_sent(GROUP, count=2)
    assert "15.000" in answer["text"]
