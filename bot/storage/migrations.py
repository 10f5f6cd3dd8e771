"""The database schema, as sqlite-utils migrations applied in order on every start.

Never edit or rename an applied migration: databases record each by its name. A change to
the schema is a new function at the end.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

MIGRATIONS = Migrations("ukm_bot")  # the set name is recorded in each database: never rename


@MIGRATIONS()
def m001_knowledge(db: sqlite_utils.Database) -> None:
    """The compiled knowledge base (rebuilt from knowledge/ by knowledge.save_knowledge)."""
    db.table("kb_topics").create(
        {"id": str, "position": int, "label": str, "intro": str, "gap": bool}, pk="id"
    )
    db.table("kb_entries").create(
        {
            "id": str,
            "position": int,
            "topic": str,
            "gap": bool,
            "answer_id": str,
            "answer_en": str,
            "keywords": str,
            "related": str,
            "show_contact": bool,
        },
        pk="id",
    )
    db.table("kb_questions").create(
        {"entry_id": str, "lang": str, "position": int, "text": str},
        pk=("entry_id", "lang", "position"),
    )
    db.table("kb_meta").create({"key": str, "value": str}, pk="key")


@MIGRATIONS()
def m002_chats_and_replies(db: sqlite_utils.Database) -> None:
    """Per-chat settings, and which bot messages answered which resident messages."""
    db.table("chats").create(
        {
            "id": int,
            "type": str,
            "title": str,
            "auto_answer": bool,
            "auto_answer_by": int,
            "updated_at": float,
        },
        pk="id",
        defaults={"auto_answer": False},
    )
    db.table("replies").create(
        {
            "chat_id": int,
            "message_id": int,
            "reply_ids": str,
            "entry_id": str,
            "created_at": float,
        },
        pk=("chat_id", "message_id"),
    )
    db.table("replies").create_index(["chat_id", "entry_id", "created_at"])
    db.table("replies").create_index(["created_at"])


@MIGRATIONS()
def m003_subscriptions_and_broadcasts(db: sqlite_utils.Database) -> None:
    """Opt-in subscribers, and the announcement outbox: one row per (broadcast, chat)."""
    db.table("subscribers").create(
        {
            "chat_id": int,
            "chat_type": str,
            "name": str,
            "lang": str,
            "topics": str,
            "active": bool,
            "subscribed_at": float,
            "subscribed_via": str,
            "subscribed_by": int,
            "inactive_reason": str,
            "updated_at": float,
        },
        pk="chat_id",
        defaults={"topics": "[]", "active": True},
    )
    db.table("subscribers").create_index(["active"])
    db.table("broadcasts").create(
        {
            "id": int,
            "created_by": int,
            "created_at": float,
            "kind": str,
            "html": str,
            "photo": str,
            "topic": str,
            "status": str,
            "scheduled_for": float,
            "started_at": float,
            "finished_at": float,
            "total": int,
            "control_chat_id": int,
            "control_message_id": int,
        },
        pk="id",
    )
    db.table("broadcasts").create_index(["status"])
    db.table("deliveries").create(
        {
            "broadcast_id": int,
            "chat_id": int,
            "status": str,
            "attempts": int,
            "last_error": str,
            "updated_at": float,
        },
        pk=("broadcast_id", "chat_id"),
        foreign_keys=[("broadcast_id", "broadcasts", "id")],
        defaults={"status": "pending", "attempts": 0},
    )
    db.table("deliveries").create_index(["broadcast_id", "status"])


@MIGRATIONS()
def m004_question_log_and_inbox(db: sqlite_utils.Database) -> None:
    """Every question asked; the staff inbox of unanswered ones; phrasings staff taught."""
    db.table("questions").create(
        {
            "id": int,
            "asked_at": float,
            "chat_id": int,
            "chat_type": str,
            "user_id": int,
            "lang": str,
            "text": str,
            "status": str,
            "reason": str,
            "entry_id": str,
            "score": float,
            "helpful": int,
        },
        pk="id",
    )
    # Covering index: the statistics read only these columns, never the table itself.
    db.table("questions").create_index(["asked_at", "status", "entry_id", "helpful"])
    db.table("questions").create_index(["user_id"])
    db.table("inbox").create(
        {
            "id": int,
            "key": str,
            "question": str,
            "lang": str,
            "count": int,
            "first_asked_at": float,
            "last_asked_at": float,
            "best_entry_id": str,
            "best_score": float,
            "status": str,
            "handled_by": str,
            "handled_at": float,
        },
        pk="id",
        defaults={"count": 1, "status": "open"},
    )
    db.table("inbox").create_index(["status", "key"])
    db.table("inbox_askers").create(
        {
            "card_id": int,
            "question_id": int,
            "chat_id": int,
            "chat_type": str,
            "user_id": int,
            "first_name": str,
            "message_id": int,
            "text": str,
            "asked_at": float,
            "answered": bool,
        },
        pk=("card_id", "question_id"),
        foreign_keys=[("card_id", "inbox", "id")],
        defaults={"answered": False},
    )
    db.table("inbox_askers").create_index(["user_id"])
    db.table("card_messages").create(
        {"chat_id": int, "message_id": int, "card_id": int}, pk=("chat_id", "message_id")
    )
    db.table("card_messages").create_index(["card_id"])
    db.table("kb_learned").create(
        {
            "id": int,
            "entry_id": str,
            "text": str,
            "lang": str,
            "added_by": str,
            "added_at": float,
            "card_id": int,
        },
        pk="id",
    )


@MIGRATIONS()
def m005_entry_speaker(db: sqlite_utils.Database) -> None:
    """Who the report quotes for an entry (JSON {id, en}), shown beside the source."""
    db.table("kb_entries").add_column("said_by", str)


@MIGRATIONS()
def m006_desk_card_queue(db: sqlite_utils.Database) -> None:
    """The staff inbox's posting queue lives in the database, so a restart posts what was
    still waiting: each card's post_state (queued / posted / held over the per-resident cap
    / none when there is no staff group), a flag for a refresh of its posted copies, when
    it was reminded; and the digests that list several cards in one staff-group message."""
    inbox = db.table("inbox")
    inbox.add_column("post_state", str)
    inbox.add_column("refresh", int)
    inbox.add_column("reminded_at", float)
    # Cards from before the queue: posted when a copy exists or they are closed.
    db.execute(
        "UPDATE inbox SET post_state = CASE WHEN status != 'open'"
        " OR id IN (SELECT card_id FROM card_messages) THEN 'posted' ELSE 'queued' END"
    )
    inbox.create_index(["post_state", "status"])
    inbox.create_index(["first_asked_at"])
    db.table("digest_lines").create(
        {"chat_id": int, "message_id": int, "number": int, "card_id": int},
        pk=("chat_id", "message_id", "number"),
    )
    db.table("digest_lines").create_index(["card_id"])


@MIGRATIONS()
def m007_desk_requests(db: sqlite_utils.Database) -> None:
    """A question sent to the office is a tracked request: one per resident and question,
    numbered for good (AUTOINCREMENT: an erased request's number is never given again),
    with when it is due, its state, the answer, the first-response time in working hours
    and the resident's one vote on the staff answer."""
    db.execute(
        "CREATE TABLE requests ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " card_id INTEGER NOT NULL,"
        " question_id INTEGER NOT NULL,"
        " chat_id INTEGER NOT NULL,"
        " chat_type TEXT NOT NULL,"
        " user_id INTEGER NOT NULL,"
        " lang TEXT NOT NULL,"
        " text TEXT NOT NULL,"
        " asked_at REAL NOT NULL,"
        " due_at REAL NOT NULL,"
        " status TEXT NOT NULL DEFAULT 'waiting',"  # waiting | answered | closed
        " answered_at REAL,"
        " answered_by TEXT,"
        " answer TEXT,"
        " response_hours REAL,"  # working hours from asked_at to the first answer
        " vote INTEGER,"  # 1 helpful, 0 not, NULL not voted
        " UNIQUE (card_id, question_id))"
    )
    db.table("requests").create_index(["user_id", "asked_at"])
    db.table("requests").create_index(["asked_at"])


@MIGRATIONS()
def m008_desk_sharing(db: sqlite_utils.Database) -> None:
    """Answers residents shared into other chats (inline mode; no user id kept), facts about
    the running bot the command line needs (its @username, for `ukm-bot link`), and the
    "Tanya soal ini" button an announcement may carry (its label and t.me link)."""
    db.table("shared_answers").create({"entry_id": str, "lang": str, "shared_at": float})
    db.table("broadcasts").add_column("button_text", str)
    db.table("broadcasts").add_column("button_url", str)
    db.table("shared_answers").create_index(["shared_at"])
    db.table("bot_meta").create({"key": str, "value": str}, pk="key")


@MIGRATIONS()
def m009_question_stats(db: sqlite_utils.Database) -> None:
    """Per hour, decision and entry: questions asked and their votes, kept up to date as
    questions are logged, so /statistik sums a few thousand rows instead of scanning the
    log (5,000,000 questions took 2.6 s). Filled from the log already there."""
    db.execute(
        "CREATE TABLE question_stats (hour INTEGER NOT NULL, status TEXT NOT NULL,"
        " entry_id TEXT NOT NULL DEFAULT '', questions INTEGER NOT NULL DEFAULT 0,"
        " helpful_up INTEGER NOT NULL DEFAULT 0, helpful_down INTEGER NOT NULL DEFAULT 0,"
        " PRIMARY KEY (hour, status, entry_id)) WITHOUT ROWID"
    )
    db.execute(
        "INSERT INTO question_stats (hour, status, entry_id, questions, helpful_up, helpful_down)"
        " SELECT CAST(asked_at / 3600 AS INTEGER), status, COALESCE(entry_id, ''), COUNT(*),"
        " COALESCE(SUM(helpful = 1), 0), COALESCE(SUM(helpful = 0), 0)"
        " FROM questions WHERE true GROUP BY 1, 2, 3"
    )
    # The figures no longer read the log, so its covering index (a third of the file) gives
    # way to one on the time alone: retention and the first hour of a period need no more.
    db.execute("DROP INDEX IF EXISTS idx_questions_asked_at_status_entry_id_helpful")
    db.table("questions").create_index(["asked_at"], if_not_exists=True)
