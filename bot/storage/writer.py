"""Every write of the running bot, queued, so that no answer ever waits on the database.

A SQLite write waits while another process holds the write lock (a backup, `ukm-bot kb
build`, an open sqlite3 shell), or fails when the disk is full or the file read-only. Made
on the event loop, that wait held up every resident's answer (39 s behind a 40 s lock).

* Writes nobody waits for (the question log, reply links, votes) are queued (`later`) and
  committed together once a second (`flush_soon`, from the bot's job), or as soon as
  FLUSH_SOON are waiting: one commit instead of one per answer. That commit is made on the
  calling thread, the event loop's, because it is cheap there (a few microseconds a write,
  no fsync in WAL mode) while a second thread doing it costs the loop far more in GIL
  hand-overs (measured: +30 % per answer): but it never waits, its busy timeout is zero.
  Readers see queued writes at once through the areas' in-memory copies (questions.py).
* Writes whose outcome the caller needs (a subscription, an erasure) are jobs (`submit`),
  run by the writer thread with its own connection, in order after everything queued
  before them, each in its own transaction; one the database cannot take before its
  deadline fails with StorageUnavailable and changes nothing: the resident is told to try
  again.
* When a commit fails (locked, read-only, full, damaged, deleted), the writer thread takes
  over until it succeeds: at once again while another process holds the lock (each attempt
  waiting BUSY_TIMEOUT), every RETRY_AFTER seconds while the file cannot be written. At
  most MAX_PENDING writes are kept; past that the oldest are dropped and counted. The
  trouble is logged once a minute and reported once to `on_problem` (the bot tells the
  staff chat), and so is the recovery.

Only one thread writes at a time (`_writing`), and always from the front of the queue, so
the order is kept. Readers never wait: in WAL mode a reader sees the last commit while a
write is under way. The WAL is checkpointed by the writer thread, not by the loop's commits
(a checkpoint syncs the disk).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from bot.storage.database_file import (
    GONE,
    WAL_SIZE_LIMIT,
    Problem,
    connect,
    describe,
    file_identity,
)
from bot.storage.errors import Failure, StorageUnavailable, failure_of

log = logging.getLogger(__name__)

T = TypeVar("T")
Runner = Callable[[list[Any]], object]  # writes a list of queued payloads in one go


@dataclass(eq=False, slots=True)
class _Write:
    """A queued write: statements nobody waits for (`runner` with its `payload`), or a job
    someone awaits (`job`, with its `future` and `deadline`)."""

    runner: Runner | None = None
    payload: Any = None
    phase: int = 0  # queued statements are written phase by phase within a commit
    done: Callable[[bool], None] | None = None  # True once committed, False if dropped
    job: Callable[[], object] | None = None  # runs on the writer thread
    future: Future[object] | None = None
    deadline: float | None = None  # monotonic; a job not written by then fails
    queued_at: float = field(default_factory=time.monotonic)

    @property
    def batch(self) -> bool:
        return self.job is None


class Writer:
    """The write queue of one Storage, its writer thread and the thread's connection."""

    FLUSH_EVERY = 1.0  # seconds between the bot's commits of the queue
    FLUSH_SOON = 200  # ...or fewer, once this many writes wait
    BACKSTOP = 3.0  # seconds after which the thread commits what nobody else has
    MAX_BATCH = 5000  # writes in one transaction
    BUSY_TIMEOUT = 1.0  # seconds one attempt of the thread waits for another process's lock
    RETRY_AFTER = 5.0  # seconds between attempts while the file cannot be written
    MAX_PENDING = 100_000  # writes kept while the database cannot take them (~30 MB)
    WARN_EVERY = 60.0  # one log warning a minute while writes fail
    WARN_LOCKED_AFTER = 5.0  # a lock shorter than this is ordinary: not worth a warning
    ALERT_LOCKED_AFTER = 30.0  # staff hear about a lock held this long
    CHECK_EVERY = 5.0  # seconds between looks at the file while idle (deleted? replaced?)
    CHECKPOINT_AFTER = WAL_SIZE_LIMIT  # bytes of WAL the thread folds in when idle

    def __init__(self, path: Path, main: sqlite_utils.Database, busy_timeout: float) -> None:
        self.path = path
        self.identity = file_identity(path)
        self.problem: Problem | None = None
        # Called (on the writer thread) when writes start failing, with the Problem, and
        # when they work again, with None; it must not block.
        self.on_problem: Callable[[Problem | None], None] | None = None
        self.dropped = 0  # writes given up because too many were waiting
        self._main = main  # the calling thread's connection, for flush_soon
        self._main_busy_ms = int(busy_timeout * 1000)
        self._items: deque[_Write] = deque()
        self._jobs = 0
        self._new_job = False
        self._defer = False  # a commit failed: the thread commits until it succeeds
        self._retry_at = 0.0
        self._cond = threading.Condition(threading.Lock())
        self._writing = threading.Lock()  # whoever writes takes the queue from its front
        self._thread: threading.Thread | None = None
        self._thread_id: int | None = None
        self._db: sqlite_utils.Database | None = None
        self._stopping = False
        self._stop_by = 0.0

    # -- for the areas ----------------------------------------------------------------------

    def in_writer_thread(self) -> bool:
        return threading.get_ident() == self._thread_id

    @property
    def db(self) -> sqlite_utils.Database:
        """The writer thread's own connection: the areas use it on that thread only (tests
        reach it to make the disk fail). Opened by the thread's first write or checkpoint."""
        assert self._db is not None
        return self._db

    def start(self) -> None:
        """Start the thread now (it also starts with the first write), so a deleted or
        replaced file is noticed, and the WAL checkpointed, even while nothing is written."""
        with self._cond:
            self._start_thread()

    def later(
        self,
        runner: Runner,
        payload: object,
        *,
        phase: int = 0,
        done: Callable[[bool], None] | None = None,
    ) -> None:
        """Queue a write nobody waits for: `runner([payload, ...])` writes it together with
        the others queued for the same runner. `phase` orders kinds within a commit (a vote
        after the question it is on); `done` hears whether it was written."""
        self._put(_Write(runner, payload, phase, done))
        if len(self._items) >= self.FLUSH_SOON:
            self.flush_soon()

    def submit(self, job: Callable[[], object], timeout: float | None) -> Future[object]:
        """Queue a job for the writer thread; its Future has job()'s result, or
        StorageUnavailable after `timeout` s (None: kept until written)."""
        future: Future[object] = Future()
        deadline = None if timeout is None else time.monotonic() + timeout
        self._put(_Write(job=job, future=future, deadline=deadline))
        return future

    def flush_soon(self) -> None:
        """Commit the queued writes now on the calling thread, if that needs no waiting:
        in one transaction that never waits for a lock. Anything else (a job queued before
        them, a lock, a failure, another commit under way) is left to the writer thread."""
        if self.in_writer_thread() or not self._items:
            return
        with self._cond:
            if self._defer or self._jobs or self._stopping or self.problem is not None:
                self._cond.notify()
                return
        if not self._writing.acquire(blocking=False):
            return  # the thread is writing: it takes these along
        try:
            with self._cond:
                group = list(itertools.takewhile(lambda w: w.batch, list(self._items)))
            if not group:
                return
            if file_identity(self.path) != self.identity:
                raise sqlite3.OperationalError(GONE)
            conn = self._main.conn
            conn.execute("PRAGMA busy_timeout = 0")
            try:
                self._commit(group[: self.MAX_BATCH], conn)
            finally:
                conn.execute(f"PRAGMA busy_timeout = {self._main_busy_ms}")
        except Exception:  # whatever it was (a lock, a bug), the thread retries and reports
            with self._cond:
                self._defer = True
                self._start_thread()
                self._cond.notify()
        else:
            self._remove(group[: self.MAX_BATCH], written=True)
        finally:
            self._writing.release()

    def run_now(self, job: Callable[[], T], *, in_order: bool = False) -> T:
        """Run a write on the calling thread at once, in its own transaction, never waiting
        for another process's lock: StorageUnavailable (nothing changed) when writes are
        failing already, when the writer thread is busy longer than a moment, or when the
        database is locked. For a write whose result the caller needs right away and that
        it can otherwise queue (see handlers/cards.py). `in_order`: also refused while jobs
        wait in the queue (it must not pass them), and without waiting for the thread."""
        if self.in_writer_thread():
            return job()
        problem = self.problem
        if problem is not None:
            raise StorageUnavailable(problem.failure, problem.detail)
        if self._defer or self._stopping or (in_order and self._jobs):
            raise StorageUnavailable("locked", "queued writes are waiting for the database")
        # The thread writes for milliseconds: a moment's wait, or none for an in-order
        # write, whose caller queues it instead (many of them would add up on the loop).
        if not self._writing.acquire(timeout=0 if in_order else 0.05):
            raise StorageUnavailable("locked", "the writer thread is waiting for the database")
        try:
            if file_identity(self.path) != self.identity:
                raise StorageUnavailable("gone", GONE)
            conn = self._main.conn
            conn.execute("PRAGMA busy_timeout = 0")
            try:
                return job()
            except sqlite3.Error as err:
                _rollback(conn)
                failure = failure_of(err)
                if failure is None:
                    raise
                raise StorageUnavailable(failure, str(err)) from err
            finally:
                conn.execute(f"PRAGMA busy_timeout = {self._main_busy_ms}")
        finally:
            self._writing.release()

    def drain(self, timeout: float) -> None:
        """Block until everything queued so far is written (StorageUnavailable after
        `timeout`). Never on the event loop: that is what the thread is for."""
        if self.in_writer_thread() or (self._thread is None and not self._items):
            return
        self.submit(lambda: None, timeout).result(timeout + self.BUSY_TIMEOUT + 5)

    def pending(self) -> int:
        return len(self._items)

    def close(self, timeout: float) -> int:
        """Write what is queued (waiting at most `timeout` s), stop; returns writes lost."""
        with self._cond:
            if self._items:
                self._start_thread()
            self._stopping = True
            self._stop_by = time.monotonic() + timeout
            self._retry_at = 0.0  # one more attempt now, whatever the last failure was
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout + self.BUSY_TIMEOUT + 5)
        lost = len(self._items)
        if lost:
            problem = self.problem
            log.error(
                "%s writes could not be made to the database %s before stopping and are lost%s",
                lost,
                self.path,
                f" ({problem.failure}: {problem.detail})" if problem else "",
            )
        return lost

    # -- the queue ------------------------------------------------------------------------

    def _put(self, write: _Write) -> None:
        if self._stopping:
            # After close(): nothing will be written any more.
            if write.future is not None:
                write.future.set_exception(StorageUnavailable("io", "the storage is closed"))
            else:
                log.warning("A write after the database %s was closed is lost", self.path)
            return
        if write.batch:
            # Nobody needs waking for it, and deque.append is atomic: no lock (this runs
            # for every answer).
            self._items.append(write)
            return
        with self._cond:
            self._items.append(write)
            self._jobs += 1
            self._new_job = True
            self._start_thread()
            self._cond.notify()

    def _start_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._main_loop, name=f"storage-writer {self.path.name}", daemon=True
            )
            self._thread.start()

    def _due(self, now: float) -> bool:
        if self._stopping and (not self._items or now >= self._stop_by):
            return True
        if not self._items:
            return False
        if self._new_job:
            return True
        if now < self._retry_at:
            return False
        oldest = self._items[0].queued_at
        return self._stopping or self._jobs > 0 or self._defer or now - oldest >= self.BACKSTOP

    def _wake_in(self, now: float) -> float:
        times = [self.CHECK_EVERY]
        if self._retry_at > now:
            times.append(self._retry_at - now)
        elif self._items:
            times.append(self._items[0].queued_at + self.BACKSTOP - now)
        if self._stopping:
            times.append(self._stop_by - now)
        return max(0.01, min(times))

    def _main_loop(self) -> None:
        self._thread_id = threading.get_ident()
        checked = time.monotonic()
        try:
            while True:
                with self._cond:
                    while not self._due(time.monotonic()):
                        if time.monotonic() - checked >= self.CHECK_EVERY:
                            break
                        self._cond.wait(self._wake_in(time.monotonic()))
                    if self._stopping and (not self._items or time.monotonic() >= self._stop_by):
                        return
                    due = self._due(time.monotonic())
                    self._new_job = False
                if not due:
                    checked = time.monotonic()
                    self._look_after_the_file()
                    continue
                with self._writing:
                    written = self._write(list(self._items))
                if not written:
                    self._retry_at = time.monotonic() + (
                        0.2
                        if self._stopping
                        else 0.0
                        if self.problem and self.problem.failure == "locked"
                        else self.RETRY_AFTER
                    )
        except Exception:  # never expected; without this thread nothing would be retried
            log.exception("The database writer stopped")
        finally:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()

    def _look_after_the_file(self) -> None:
        """While idle: is the file still the one written to? Fold a long WAL back in."""
        if self.problem is None and file_identity(self.path) != self.identity:
            with self._writing:
                self._failed("gone", GONE)
            return
        with contextlib.suppress(OSError, sqlite3.Error):
            if os.stat(f"{self.path}-wal").st_size > self.CHECKPOINT_AFTER:
                self._connection().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _connection(self) -> sqlite_utils.Database:
        """The thread's own connection, opened the first time it is needed."""
        if self._db is None:
            self._db = sqlite_utils.Database(connect(self.path, self.BUSY_TIMEOUT))
        return self._db

    # -- writing (holding _writing) -----------------------------------------------------

    def _write(self, snapshot: list[_Write]) -> bool:
        """Write the queued writes in order; False at the first that cannot be written."""
        if file_identity(self.path) != self.identity:
            self._failed("gone", GONE)
            return False
        try:
            conn = self._connection().conn
        except sqlite3.Error as err:
            self._failed(failure_of(err) or "io", str(err))
            return False
        i = 0
        while i < len(snapshot):
            write = snapshot[i]
            if write.batch:
                group = list(itertools.takewhile(lambda w: w.batch, snapshot[i:]))
                group = group[: self.MAX_BATCH]
                try:
                    self._commit(group, conn)
                except Exception as err:
                    failure = failure_of(err)
                    if failure is not None:
                        self._failed(failure, str(err))
                        return False
                    if not self._commit_one_by_one(group, conn):
                        return False
                else:
                    self._remove(group, written=True)
                i += len(group)
                continue
            future = write.future
            assert future is not None and write.job is not None
            if future.cancelled():
                self._remove([write], written=False)
                i += 1
                continue
            try:
                result = write.job()
            except Exception as err:
                _rollback(conn)
                failure = failure_of(err)
                if failure is not None:
                    self._failed(failure, str(err))
                    return False
                self._remove([write], written=False)
                _settle(future, error=err)
            else:
                self._remove([write], written=True)
                _settle(future, result=result)
            i += 1
        self._defer = False
        self._recovered()
        return True

    @staticmethod
    def _commit(group: list[_Write], conn: sqlite3.Connection) -> None:
        """One transaction: each runner once with its payloads, phase by phase."""
        ordered = sorted(group, key=lambda w: w.phase)  # stable: order kept within a phase
        conn.execute("BEGIN IMMEDIATE")
        try:
            for runner, writes in itertools.groupby(ordered, key=lambda w: w.runner):
                assert runner is not None
                runner([w.payload for w in writes])
            conn.commit()
        except BaseException:
            _rollback(conn)
            raise

    def _commit_one_by_one(self, group: list[_Write], conn: sqlite3.Connection) -> bool:
        """A write that fails by itself (a bug, a constraint) is logged and dropped; the
        others are kept. False when the database failed instead."""
        for write in group:
            try:
                self._commit([write], conn)
            except Exception as err:
                failure = failure_of(err)
                if failure is not None:
                    self._failed(failure, str(err))
                    return False
                log.exception("A database write failed and was dropped")
                self._remove([write], written=False)
            else:
                self._remove([write], written=True)
        return True

    def _remove(self, writes: list[_Write], written: bool) -> None:
        """Take written (or given-up) writes off the front of the queue: only the holder of
        `_writing` removes, and the queue only grows at the other end."""
        with self._cond:
            for write in writes:
                first = self._items.popleft()
                assert first is write
                if not write.batch:
                    self._jobs -= 1
        for write in writes:
            if write.done is not None:
                write.done(written)

    def _failed(self, failure: Failure, detail: str) -> None:
        now = time.monotonic()
        problem = self.problem
        if problem is None or problem.failure != failure:
            problem = self.problem = Problem(failure, detail, since=now)
        problem.detail = detail
        hard = failure != "locked"
        if failure == "gone" and self._stopping:
            self._stop_by = now  # nothing will bring the file back before the end
        with self._cond:
            # Iterate a copy (list() of a deque is one step), and remove in place: writes
            # are appended without the lock meanwhile.
            queued = list(self._items)
            expired = [
                w
                for w in queued
                if not w.batch and w.deadline is not None and (hard or w.deadline <= now)
            ]
            for write in expired:
                self._items.remove(write)
                self._jobs -= 1
            excess = len(queued) - len(expired) - self.MAX_PENDING
            dropped = [w for w in queued if w.batch][: max(0, excess)]
            for write in dropped:
                self._items.remove(write)
            problem.waiting = len(self._items)
        for write in expired:
            assert write.future is not None
            _settle(write.future, error=StorageUnavailable(failure, detail))
        for write in dropped:
            if write.done is not None:
                write.done(False)
        self.dropped += len(dropped)
        if not hard and problem.seconds < self.WARN_LOCKED_AFTER:
            return
        if problem.warned_at is None or now - problem.warned_at >= self.WARN_EVERY:
            problem.warned_at = now
            log.warning("%s", describe(problem, self.path, self.dropped))
        if not problem.alerted and (hard or problem.seconds >= self.ALERT_LOCKED_AFTER):
            problem.alerted = True
            self._tell(problem)

    def _recovered(self) -> None:
        problem = self.problem
        if problem is None:
            return
        self.problem = None
        if problem.warned_at is not None:
            log.warning(
                "The database %s takes writes again after %.0f s (%s); the writes kept "
                "meanwhile are written%s",
                self.path,
                problem.seconds,
                problem.failure,
                f", except {self.dropped} dropped" if self.dropped else "",
            )
        if problem.alerted:
            self._tell(None)

    def _tell(self, problem: Problem | None) -> None:
        if self.on_problem is None:
            return
        try:
            self.on_problem(problem)
        except Exception:  # a report must never stop the writer
            log.exception("Could not report a database problem")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.rollback()


def _settle(
    future: Future[object], result: object = None, error: BaseException | None = None
) -> None:
    """Resolve a job's future, unless its caller has given up on it."""
    with contextlib.suppress(InvalidStateError):
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
