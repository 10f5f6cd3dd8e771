"""The announcement outbox: paced sending, retries, resuming after a crash, progress reports.

Delivery policy (also in the README):

* At Kirim the recipients are fixed: one `deliveries` row per (broadcast, chat), in the
  same transaction that moves the broadcast out of 'draft'. A second tap changes nothing.
* Each row goes 'pending' -> 'sending' (committed *before* the request) -> 'sent' /
  'blocked' / 'failed' (committed when Telegram answers). Rows are never skipped: a
  recipient is only ever left behind as 'blocked' (Telegram said so) or 'failed' (after
  retries, with the error kept).
* In-flight window: after a crash (kill -9) the rows still in 'sending' are the requests
  that were on their way when the process died. Telegram may or may not have delivered
  them, and it offers no way to ask, so on restart they are sent again: at most those
  few recipients (never more than MAX_IN_FLIGHT, in practice BROADCAST_RATE x the round
  trip, a handful) can get a second copy. Everything 'sent' is never sent again, and
  everything 'pending' is sent once.
* A clean stop (SIGTERM) is not a crash: no new send starts, and the requests on their way
  get up to STOP_WAIT seconds to be answered and recorded, so a restart resends nothing
  that was delivered. Only a request still unanswered after that is left in the window.
* A request that times out is also in that window: Telegram may have delivered it. The
  bot waits a generous SEND_TIMEOUT before calling it a timeout, then sends again.
* Its writes pause while another process holds the database's write lock (a backup, `kb
  build`), then go on (`Storage.write_patiently`): the order above holds, nothing is sent
  twice or skipped, and the event loop (everyone's answers) never waits.
* Pacing and retries are the pacer's (pacing.py): each row waits for its turn before it is
  marked 'sending', and every retry (a 429 waited out, a 5xx, a network error) takes a
  turn again, so a refusal never releases a burst that draws the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.pacing import Lane, TelegramLimits
from bot.storage import Broadcast, Storage

log = logging.getLogger(__name__)

ANNOUNCEMENT_TOPICS = ("pelatihan", "ekspor", "koperasi")
MAX_IN_FLIGHT = 64  # requests on their way at once: bounds the crash window above
SEND_TIMEOUT = 30.0  # seconds before a send counts as timed out (PTB's default is 5)
BATCH = 200  # recipients read from the database at a time: memory stays flat
STOP_WAIT = 5.0  # seconds a clean stop waits for the requests on their way


@dataclass(frozen=True, slots=True)
class Progress:
    broadcast: Broadcast
    sent: int
    blocked: int
    failed: int
    pending: int
    cancelled: int
    rate: float  # messages per second so far
    finished: bool

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed

    @property
    def seconds_left(self) -> float:
        return self.pending / self.rate if self.rate > 0 else 0.0


ProgressCallback = Callable[[Progress], Awaitable[None]]


class Broadcaster:
    """Sends announcements at the pacer's broadcast rate, one task per broadcast."""

    def __init__(
        self,
        storage: Storage,
        bot: ExtBot[Any],
        limits: TelegramLimits,
        on_progress: ProgressCallback,
        report_every: float = 3.0,
    ) -> None:
        self.storage = storage
        self.bot = bot
        self.limits = limits
        self.on_progress = on_progress
        self.report_every = report_every
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.cancelling: set[int] = set()
        self.stopping = False

    # -- control ------------------------------------------------------------------------

    def start(self, broadcast_id: int) -> None:
        if self.stopping:  # shutting down: it stays 'sending' and resumes on the next start
            return
        if broadcast_id in self.tasks and not self.tasks[broadcast_id].done():
            return
        task = asyncio.create_task(self.run(broadcast_id), name=f"broadcast-{broadcast_id}")
        self.tasks[broadcast_id] = task

    def resume(self) -> list[int]:
        """On start-up: continue every broadcast a restart or crash interrupted."""
        ids = self.storage.unfinished_broadcasts()
        for broadcast_id in ids:
            log.info("Resuming broadcast #%s", broadcast_id)
            self.start(broadcast_id)
        return ids

    async def start_due(self) -> list[int]:
        ids = await self.storage.write_patiently(self.storage.start_due_broadcasts)
        for broadcast_id in ids:
            self.start(broadcast_id)
        return ids

    async def drain(self, within: float = STOP_WAIT) -> None:
        """A clean stop: no new send starts; the requests on their way get `within` seconds
        to be answered and recorded. Whatever is still unanswered then is cancelled and
        stays 'sending' (the in-flight window: resent after the restart)."""
        self.stopping = True
        running = [task for task in self.tasks.values() if not task.done()]
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=within)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if late:
            log.warning(
                "Stopped with announcement sends unanswered after %.0f s; they will be sent "
                "again after the restart",
                within,
            )

    async def stop(self) -> None:
        """Shut down at once (after `drain`, nothing is left to wait for)."""
        await self.drain(within=0)

    # -- sending ------------------------------------------------------------------------

    async def run(self, broadcast_id: int) -> None:
        broadcast = self.storage.broadcast(broadcast_id)
        if broadcast is None or broadcast.status != "sending":
            return
        started = time.monotonic()
        already = sum(
            self.storage.delivery_counts(broadcast_id).get(s, 0)
            for s in ("sent", "blocked", "failed")
        )
        in_flight: set[asyncio.Task[None]] = set()
        slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        last_report = 0.0
        try:
            while not self._halted(broadcast_id):
                # Rows in flight are already 'sending', so this never returns them again.
                batch = self.storage.next_recipients(broadcast_id, BATCH)
                if not batch:
                    if not in_flight:
                        break
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                    continue
                for chat_id in batch:
                    await slots.acquire()
                    # The pacer's turn first, then the row: a row in 'sending' is a request
                    # on its way, never one still waiting for its turn.
                    await self.limits.broadcast_turn()
                    if self.stopping or broadcast_id in self.cancelling:
                        slots.release()
                        break
                    await self.storage.write_patiently(
                        self.storage.mark_delivery, broadcast_id, chat_id, "sending"
                    )
                    task = asyncio.create_task(self._deliver(broadcast, chat_id, slots))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                    if time.monotonic() - last_report >= self.report_every:
                        last_report = time.monotonic()
                        await self._report(broadcast_id, started, already, finished=False)
            if in_flight:
                await asyncio.gather(*in_flight)
        except asyncio.CancelledError:
            # Shutdown: whatever was in flight stays 'sending' and is resent on restart.
            for task in in_flight:
                task.cancel()
            raise
        if self.stopping:
            return  # not finished: the rest is sent after the restart
        await self.storage.write_patiently(self.storage.finish_broadcast, broadcast_id)
        await self._report(broadcast_id, started, already, finished=True)

    def _halted(self, broadcast_id: int) -> bool:
        if self.stopping or broadcast_id in self.cancelling:
            return True
        current = self.storage.broadcast(broadcast_id)
        return current is None or current.status == "cancelled"

    async def cancel(self, broadcast_id: int) -> str | None:
        """Stop a broadcast: nothing new is sent; requests already on their way finish."""
        previous = await self.storage.write_patiently(self.storage.cancel_broadcast, broadcast_id)
        if previous is not None:
            self.cancelling.add(broadcast_id)
        return previous

    async def _deliver(self, broadcast: Broadcast, chat_id: int, slots: asyncio.Semaphore) -> None:
        try:
            status, error, target = await self._send_to(broadcast, chat_id)
            if not (
                self.stopping and error is not None and error.startswith(("NotSent", "GivenUp"))
            ):
                # (a send given up by the stop stays 'sending': sent after the restart)
                await self.storage.write_patiently(
                    self.storage.mark_delivery, broadcast.id, target, status, error
                )
        finally:
            slots.release()

    async def _send_to(self, broadcast: Broadcast, chat_id: int) -> tuple[str, str | None, int]:
        """(status, error, the chat id finally used) for one recipient. Retries (429s, 5xx,
        network errors, time-outs) are the pacer's; what comes back here is final."""
        target = chat_id
        while True:
            try:
                await self._send(broadcast, target)
                return "sent", None, target
            except ChatMigrated as err:
                new_id = int(err.new_chat_id)
                await self.storage.write_queued(
                    self.storage.move_delivery, broadcast.id, target, new_id
                )
                target = new_id
                await self.limits.broadcast_turn()  # a second request: it takes a turn too
            except Forbidden as err:
                await self.storage.write_patiently(self.storage.deactivate, target, "blocked")
                return "blocked", str(err), target
            except BadRequest as err:
                if "chat not found" in str(err).lower() or "deactivated" in str(err).lower():
                    await self.storage.write_patiently(
                        self.storage.deactivate, target, "chat not found"
                    )
                    return "blocked", str(err), target
                return "failed", str(err), target
            except (RetryAfter, NetworkError) as err:  # the pacer's retries ran out
                return "failed", f"{type(err).__name__}: {err}", target

    async def _send(self, broadcast: Broadcast, chat_id: int) -> None:
        markup = announcement_button(broadcast)
        if broadcast.kind == "photo" and broadcast.photo:
            await self.bot.send_photo(
                chat_id,
                broadcast.photo,
                caption=broadcast.html,
                reply_markup=markup,
                read_timeout=SEND_TIMEOUT,
                write_timeout=SEND_TIMEOUT,
                rate_limit_args=Lane.BROADCAST,
            )
        else:
            await self.bot.send_message(
                chat_id,
                broadcast.html,
                reply_markup=markup,
                read_timeout=SEND_TIMEOUT,
                write_timeout=SEND_TIMEOUT,
                rate_limit_args=Lane.BROADCAST,
            )

    async def _report(
        self, broadcast_id: int, started: float, already: int, finished: bool
    ) -> None:
        broadcast = self.storage.broadcast(broadcast_id)
        if broadcast is None:
            return
        counts = self.storage.delivery_counts(broadcast_id)
        done_now = sum(counts.get(s, 0) for s in ("sent", "blocked", "failed")) - already
        elapsed = max(time.monotonic() - started, 1e-6)
        progress = Progress(
            broadcast=broadcast,
            sent=counts.get("sent", 0),
            blocked=counts.get("blocked", 0),
            failed=counts.get("failed", 0),
            pending=counts.get("pending", 0) + counts.get("sending", 0),
            cancelled=counts.get("cancelled", 0),
            rate=done_now / elapsed,
            finished=finished,
        )
        try:
            await self.on_progress(progress)
        except Exception:  # a progress message must never stop a broadcast
            log.exception("Could not report progress of broadcast #%s", broadcast_id)


def announcement_button(broadcast: Broadcast) -> InlineKeyboardMarkup | None:
    """The "Tanya soal ini" button an announcement may carry (a link into the bot)."""
    if not broadcast.button_text or not broadcast.button_url:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(broadcast.button_text, url=broadcast.button_url)]]
    )
