"""End to end, how long things are kept: the retention job deletes old questions and links."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import BotStarter
from tests.fake_bot_api import FakeBotAPI, JSONDict

DAY = 86400
RESIDENT = 51


async def test_questions_and_reply_links_older_than_question_log_days_are_deleted(
    fake: FakeBotAPI, start_bot: BotStarter, caplog: pytest.LogCaptureFixture
) -> None:
    app = await start_bot(QUESTION_LOG_DAYS="30")
    storage = app.bot_data.services.storage
    fake.user(RESIDENT, "Ana")
    fake.private_chat(RESIDENT)
    old = fake.send_text(RESIDENT, None, "berapa jumlah ukm di tangsel?")
    recent = fake.send_text(RESIDENT, None, "kerupuk diekspor ke mana?")
    old_reply, recent_reply = await fake.wait_for_sent(RESIDENT, count=2)
    # Time passes (no sleeping for a month): the first question and its link to the reply
    # are now 31 days old, the second 29.
    storage.flush_log()
    for days, message in ((31, old), (29, recent)):
        with storage.db.conn:
            storage.db.execute(
                "UPDATE questions SET asked_at = asked_at - ? WHERE text = ?",
                [days * DAY, message["text"]],
            )
            storage.db.execute(
                "UPDATE replies SET created_at = created_at - ? WHERE message_id = ?",
                [days * DAY, message["message_id"]],
            )
    assert app.job_queue is not None
    [retention] = app.job_queue.get_jobs_by_name("retention")
    with caplog.at_level(logging.INFO):
        await retention.run(app)
    # Whoever reads the log sees what was deleted and why.
    assert any("1 questions older than 30 days" in r.getMessage() for r in caplog.records)

    # The resident sees one question kept, for at most 30 days.
    fake.send_text(RESIDENT, None, "/hapusdata")
    *_, kept = await fake.wait_for_sent(RESIDENT, count=3)
    assert "• 1 pertanyaan" in kept["text"] and "30 hari" in kept["text"]
    # The old question's link to its reply is gone: an edit of it gets a new reply; an edit
    # of the recent one still updates the reply in place.
    fake.edit_text(recent, "berapa anggota cipta karya?")
    await fake.wait_until(lambda: "800" in current_text(fake, recent_reply), what="edit")
    fake.edit_text(old, "berapa ukm binaan tahun 2011?")
    *_, fresh = await fake.wait_for_sent(RESIDENT, count=4)
    assert "411" in fresh["text"]
    assert "15.000" in current_text(fake, old_reply)  # left as it was


def current_text(fake: FakeBotAPI, message: JSONDict) -> str:
    return str(fake.current(message)["text"])
