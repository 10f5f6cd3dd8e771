"""The database: an older bot's file upgrades in place, and rows read back as they were written."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from bot.storage import Storage
from bot.storage import migrations as schema


def older_database(path: Path) -> None:
    """A file as the bot left it before the speaker column (m005), with a resident and
    three questions in it."""
    older = Migrations("ukm_bot")
    for step in (
        schema.m001_knowledge,
        schema.m002_chats_and_replies,
        schema.m003_subscriptions_and_broadcasts,
        schema.m004_question_log_and_inbox,
    ):
        older()(step)
    db = sqlite_utils.Database(sqlite3.connect(path))
    older.apply(db)
    db.execute(
        "INSERT INTO subscribers (chat_id, chat_type, name, lang, topics, active, subscribed_at,"
        " subscribed_via, subscribed_by, updated_at)"
        " VALUES (42, 'private', 'Siti', 'id', '[\"ekspor\"]', 1, 1000.0, 'command', 42, 1000.0)"
    )
    # Questions logged before the hourly figures existed (m009 counts them).
    for i, (status, entry, helpful) in enumerate(
        [("answer", "data-jumlah", 1), ("answer", "data-jumlah", 0), ("fallback", None, None)]
    ):
        db.execute(
            "INSERT INTO questions (asked_at, chat_id, chat_type, user_id, lang, text, status,"
            " reason, entry_id, score, helpful) VALUES (?, 42, 'private', 42, 'id', ?, ?, '',"
            " ?, 0.5, ?)",
            [time.time() - 3600 * i, f"q{i}", status, entry, helpful],
        )
    db.conn.commit()
    db.close()


def test_an_older_database_upgrades_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    older_database(path)
    storage = Storage(path)
    try:
        applied = [m.name for m in schema.MIGRATIONS.applied(storage.db)]
        assert "m009_question_stats" in applied and not schema.MIGRATIONS.pending(storage.db)
        assert "said_by" in storage.db.table("kb_entries").columns_dict
        subscriber = storage.subscriber(42)
        assert subscriber is not None
        assert (subscriber.name, subscriber.topics) == ("Siti", ["ekspor"])
        assert subscriber.active
        # The figures of /statistik include the questions logged before the upgrade.
        day = time.time() - 86400
        assert storage.question_counts(day) == {"answer": 2, "fallback": 1}
        assert storage.top_entries(day) == [("data-jumlah", 2)]
        assert storage.helpful_votes(day) == (1, 1)
    finally:
        storage.close()
    reopened = Storage(path)  # nothing left to apply, nothing applied twice
    try:
        assert len(schema.MIGRATIONS.applied(reopened.db)) == len(applied)
    finally:
        reopened.close()


def test_open_cards_of_an_older_database_are_queued_unless_already_posted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    older_database(path)
    db = sqlite_utils.Database(sqlite3.connect(path))
    for card_id, status in ((1, "open"), (2, "open"), (3, "answered")):
        db.execute(
            "INSERT INTO inbox (id, key, question, lang, count, first_asked_at, last_asked_at,"
            " status) VALUES (?, ?, 'q', 'id', 1, 1000.0, 1000.0, ?)",
            [card_id, f"k{card_id}", status],
        )
    db.execute("INSERT INTO card_messages (chat_id, message_id, card_id) VALUES (-5, 9, 2)")
    db.conn.commit()
    db.close()
    storage = Storage(path)
    try:
        # The card nobody saw yet is posted after the upgrade; the others are not again.
        assert [card.id for card in storage.queued_cards(10)] == [1]
        states = [card.post_state for i in (1, 2, 3) if (card := storage.card(i))]
        assert states == ["queued", "posted", "posted"]
    finally:
        storage.close()


def test_rows_read_back_as_written(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "bot.db")
    try:
        assert storage.subscriber(7) is None and storage.card(1) is None
        storage.subscribe(7, "group", "Kelompok Batik", "en", "command", 99)
        storage.set_topics(7, ["pelatihan"])
        subscriber = storage.subscriber(7)
        assert subscriber is not None
        assert (subscriber.chat_type, subscriber.lang, subscriber.topics) == (
            "group",
            "en",
            ["pelatihan"],
        )
        question_id = storage.log_question(
            chat_id=7,
            chat_type="group",
            user_id=5,
            lang="id",
            text="harga batik berapa",
            status="fallback",
            reason="low",
            entry_id=None,
            score=0.2,
        )
        card_id, new = storage.add_to_inbox(
            key="batik harga",
            question_id=question_id,
            text="harga batik berapa",
            lang="id",
            chat_id=7,
            chat_type="group",
            user_id=5,
            first_name="Budi",
            message_id=3,
            best_entry_id=None,
            best_score=0.2,
        )
        card = storage.card(card_id)
        assert new and card is not None
        assert (card.question, card.count, card.status, card.best_entry_id) == (
            "harga batik berapa",
            1,
            "open",
            None,
        )
        logged = storage.question(question_id)
        assert logged is not None and (logged.user_id, logged.text) == (5, "harga batik berapa")
        broadcast_id = storage.create_broadcast(
            created_by=1, kind="text", html="Hai", photo=None, topic=None, scheduled_for=None
        )
        broadcast = storage.broadcast(broadcast_id)
        assert broadcast is not None
        assert (broadcast.status, broadcast.total, broadcast.scheduled_for) == ("draft", 0, None)
    finally:
        storage.close()
