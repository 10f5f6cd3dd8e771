"""The database behind the running bot: writes wait for a locked, read-only or full disk
without anyone waiting on them, nothing is lost or half-done, trouble is reported once, a
damaged or vanished file is noticed; and the figures of /statistik equal the log's."""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage import DatabaseDamaged, Problem, Storage, StorageUnavailable
from bot.storage.writer import Writer

DAY = 86400


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    opened = Storage(tmp_path / "bot.db")
    yield opened
    opened.close()


def ask(
    storage: Storage, user_id: int = 5, text: str = "berapa jumlah ukm?", **extra: object
) -> int:
    fields: dict[str, object] = {
        "chat_id": user_id,
        "chat_type": "private",
        "user_id": user_id,
        "lang": "id",
        "text": text,
        "status": "answer",
        "reason": "match",
        "entry_id": "data-jumlah",
        "score": 0.9,
    }
    fields.update(extra)
    return storage.log_question(**fields)  # type: ignore[arg-type]


def in_file(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """What another process reading the file would see."""
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql).fetchall())


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def on_both_connections(storage: Storage, pragma: str) -> None:
    """What the disk does to every connection: the writer thread's and the event loop's."""
    storage.writer.db.execute(pragma)
    storage.db.execute(pragma)


class Lock:
    """Another process's write lock on the file (a backup, `kb build`, a sqlite3 shell)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def test_writes_queue_behind_another_process_lock_and_none_is_lost(storage: Storage) -> None:
    lock = Lock(storage.path)
    try:
        question = ask(storage, text="ekspor kerupuk ke mana?")
        storage.remember_reply(5, 10, [11, 12], "ekspor-kerupuk")
        # Readers see them at once, from memory; nothing is in the file yet.
        logged = storage.question(question)
        assert logged is not None and logged.text == "ekspor kerupuk ke mana?"
        assert storage.replies_to(5, 10) == [11, 12]
        assert storage.personal_data(5)["questions"] == 1
        with pytest.raises(StorageUnavailable, match="locked"):
            storage.writer.drain(timeout=1.5)
        assert in_file(storage.path, "SELECT COUNT(*) FROM questions") == [(0,)]
    finally:
        lock.release()
    storage.flush_log()
    assert in_file(storage.path, "SELECT id, text FROM questions") == [
        (question, "ekspor kerupuk ke mana?")
    ]
    assert in_file(storage.path, "SELECT reply_ids FROM replies") == [("[11, 12]",)]


async def test_a_write_someone_waits_for_fails_cleanly_and_works_later(storage: Storage) -> None:
    lock = Lock(storage.path)
    try:
        with pytest.raises(StorageUnavailable) as refused:
            await storage.write_within(1.5, storage.subscribe, 7, "private", "Ana", "id", "c", 7)
        assert refused.value.failure == "locked"
    finally:
        lock.release()
    assert storage.subscriber(7) is None  # nothing half-done: the resident may simply retry
    subscriber = await storage.write(storage.subscribe, 7, "private", "Ana", "id", "c", 7)
    assert subscriber.active and in_file(storage.path, "SELECT chat_id FROM subscribers") == [(7,)]


async def test_a_read_only_database_is_reported_once_and_nothing_queued_is_lost(
    storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    problems: list[Problem | None] = []
    storage.on_problem = problems.append
    storage.writer.RETRY_AFTER = 0.2
    await storage.written()  # the writer's connection is open
    on_both_connections(storage, "PRAGMA query_only = ON")  # as a read-only file or mount
    with caplog.at_level(logging.WARNING):
        questions = [ask(storage, text=f"pertanyaan {i}") for i in range(3)]
        with pytest.raises(StorageUnavailable) as refused:  # at once, not after a timeout
            await storage.write(storage.subscribe, 7, "private", "Ana", "id", "c", 7)
        assert refused.value.failure == "readonly"
        await asyncio.sleep(1)  # several attempts fail meanwhile
    assert [p.failure if p else None for p in problems] == ["readonly"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and str(storage.path) in warnings[0], warnings
    assert "permissions" in warnings[0] and "Residents are still answered" in warnings[0]
    assert not any(r.exc_info for r in caplog.records)

    on_both_connections(storage, "PRAGMA query_only = OFF")  # fixed
    wait_until(lambda: problems[-1] is None, "the recovery report")
    storage.flush_log()
    assert [r[0] for r in in_file(storage.path, "SELECT id FROM questions ORDER BY id")] == (
        questions
    )


async def test_a_full_disk_is_reported_and_the_queued_writes_follow(storage: Storage) -> None:
    problems: list[Problem | None] = []
    storage.on_problem = problems.append
    storage.writer.RETRY_AFTER = 0.2
    await storage.written()
    pages = storage.writer.db.execute("PRAGMA page_count").fetchone()[0]
    on_both_connections(storage, f"PRAGMA max_page_count = {pages}")  # not one page more
    for i in range(300):
        ask(storage, text=f"pertanyaan panjang nomor {i} " + "x" * 500)
    wait_until(lambda: bool(problems), "the report")
    assert problems[0] is not None and problems[0].failure == "full"
    on_both_connections(storage, "PRAGMA max_page_count = 1073741823")
    wait_until(lambda: problems[-1] is None, "the recovery report")
    storage.flush_log()
    assert in_file(storage.path, "SELECT COUNT(*) FROM questions") == [(300,)]


def test_a_deleted_database_file_is_noticed(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "bot.db")
    problems: list[Problem | None] = []
    storage.on_problem = problems.append
    storage.writer.CHECK_EVERY = 0.1
    storage.writer.start()
    try:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{storage.path}{suffix}").unlink(missing_ok=True)
        wait_until(lambda: bool(problems), "the report")
        assert problems[0] is not None and problems[0].failure == "gone"
        # Nothing more goes into the deleted file, and nothing claims it was saved.
        ask(storage)
        with pytest.raises(StorageUnavailable, match="gone"):
            storage.writer.drain(timeout=1)
    finally:
        storage.close()


def test_a_replaced_database_file_is_noticed(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "bot.db")
    problems: list[Problem | None] = []
    storage.on_problem = problems.append
    try:
        ask(storage)
        storage.flush_log()
        copy = tmp_path / "copy.db"
        with sqlite3.connect(storage.path) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        copy.replace(storage.path)  # a restored backup dropped in while running
        ask(storage)
        storage.flush_queued()
        wait_until(lambda: bool(problems), "the report")
        assert problems[0] is not None and problems[0].failure == "gone"
    finally:
        storage.close()


def test_a_damaged_database_stops_with_its_name_and_the_way_back(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    Storage(path).close()
    data = bytearray(path.read_bytes())
    data[0:16] = b"not a database!!"
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamaged) as damaged:
        Storage(path, check=True)
    message = str(damaged.value)
    assert str(path) in message and "backup" in message and "\n" not in message


def test_a_damaged_page_is_found_at_start(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    storage = Storage(path)
    for i in range(2000):
        ask(storage, text=f"pertanyaan {i} " + "y" * 200)
    storage.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2 // 4096 * 4096
    data[middle : middle + 4096] = bytes(range(256)) * 16  # one page of garbage
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamaged, match=str(path)):
        Storage(path, check=True)


def test_too_many_waiting_writes_drop_the_oldest_and_say_so(
    storage: Storage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(Writer, "MAX_PENDING", 10)
    monkeypatch.setattr(Writer, "WARN_LOCKED_AFTER", 0.0)
    lock = Lock(storage.path)
    try:
        questions = [ask(storage, text=f"pertanyaan {i}") for i in range(25)]
        with caplog.at_level(logging.WARNING), pytest.raises(StorageUnavailable):
            storage.writer.drain(timeout=1.5)
        # At most 10 kept: 9 questions and the flush waiting behind them.
        assert storage.writer.dropped == 16
        assert storage.question(questions[0]) is None  # dropped, not pretended kept
        assert storage.question(questions[-1]) is not None
        assert any("16 dropped" in r.getMessage() for r in caplog.records)
    finally:
        lock.release()
    storage.flush_log()
    kept = [r[0] for r in in_file(storage.path, "SELECT id FROM questions ORDER BY id")]
    assert kept == questions[16:]


def test_one_vote_per_question(storage: Storage) -> None:
    question = ask(storage)
    assert storage.set_helpful(question, False)
    assert not storage.set_helpful(question, False)  # the same 👎 again
    assert not storage.set_helpful(question, True)  # or the other one
    storage.flush_log()
    assert not storage.set_helpful(question, False)
    assert storage.helpful_votes(0) == (0, 1)
    assert in_file(storage.path, "SELECT helpful FROM questions") == [(0,)]
    assert not storage.set_helpful(question + 1, True)  # no such question


def test_the_figures_equal_the_log_at_every_boundary(storage: Storage) -> None:
    """Hourly figures plus the log's first partial hour plus what is still queued: the same
    numbers as counting the log itself, for periods that start anywhere."""
    rng = random.Random(7)
    now = time.time()
    rows = []
    for i in range(1, 3001):
        status = rng.choice(["answer", "answer", "clarify", "fallback", "smalltalk"])
        entry = rng.choice(["a", "b", "c"]) if status == "answer" else None
        helpful = rng.choice([None, None, 1, 0]) if status == "answer" else None
        asked = now - rng.random() * 40 * DAY
        rows.append((i, asked, i, "private", i, "id", f"q{i}", status, "", entry, 0.5, helpful))
    with storage.db.conn:
        storage.db.conn.executemany("INSERT INTO questions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    storage.recount_question_stats()
    for i in range(40):  # and some asked just now, some still queued, with votes
        question = ask(storage, text=f"baru {i}", entry_id=rng.choice(["a", "b"]))
        if i % 3 == 0:
            storage.set_helpful(question, i % 2 == 0)
        if i == 20:
            storage.flush_log()
    everything = [
        (r[1], r[7], r[9], r[11])
        for r in in_file(storage.path, "SELECT * FROM questions")
        if r[0] <= 3000
    ]
    with storage._pending_lock:
        queued_votes = dict(storage._pending_votes)
    recent = "SELECT id, asked_at, status, entry_id, helpful FROM questions WHERE id > 3000"
    for question_id, asked, status, entry, helpful in in_file(storage.path, recent):
        everything.append((asked, status, entry, queued_votes.get(question_id, helpful)))
    with storage._pending_lock:
        for q in storage._pending_questions.values():
            everything.append((q[1], q[7], q[9], queued_votes.get(q[0])))
    for since in (0, now - 30 * DAY, now - 7 * DAY - 1234.5, now - 3 * 3600 + 17, now - 5):
        period = [e for e in everything if e[0] >= since]
        assert storage.question_counts(since) == dict(Counter(e[1] for e in period))
        votes = [e[3] for e in period if e[3] is not None]
        assert storage.helpful_votes(since) == (
            sum(1 for v in votes if v),
            sum(1 for v in votes if not v),
        )
        answered = Counter(e[2] for e in period if e[1] == "answer" and e[2])
        assert (
            storage.top_entries(since, 3)
            == sorted(answered.items(), key=lambda item: (-item[1], item[0]))[:3]
        )
        days = Counter(
            (time.strftime("%Y-%m-%d", time.gmtime(e[0] + 7 * 3600)), e[1]) for e in period
        )
        assert storage.daily_counts(since, 7 * 3600) == sorted(
            (day, status, n) for (day, status), n in days.items()
        )
