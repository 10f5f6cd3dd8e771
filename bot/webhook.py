"""The webhook server of `ukm-bot run --webhook`: Telegram's POSTs in, updates to the bot.

PTB's own webhook server (tornado) reads a request's whole body before it looks at the
secret: eight 95 MB POSTs without it took the process from 71 to 1,103 MB. It also served
only the last segment of WEBHOOK_URL's path, and answered malformed JSON with a 500 and a
traceback. This one is aiohttp (already the fake Bot API's server, so no new dependency),
as PTB documents for custom webhook servers: the update goes into the application's
update_queue, exactly where PTB's own server puts it.

A request is refused before its body is read when the secret header is wrong (403) or it
says it is larger than MAX_BODY (413); a body that turns out larger while being read is cut
off there (413); a body that is not a JSON update gets 400. Every refusal closes the
connection, so nobody can keep a refused upload streaming in.

Backpressure: PTB's update_queue is unbounded, and Telegram delivers as fast as the bot
says 200 (up to 40 connections at once), so a flood used to pile up in memory. An update is
taken only when the bot has room for it (`room`: the update processor's bound, shared with
the updates already waiting, ordering.py); the request waits for it up to ROOM_WAIT seconds,
which also slows Telegram's deliveries down, and past that gets 503 with Retry-After:
Telegram keeps the update and delivers it again later. Nothing is dropped.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's largest updates (a 4,096-character message quoting another, with entities and
# a keyboard) are tens of kilobytes; a megabyte leaves room and keeps eight at once small.
MAX_BODY = 1 << 20
# Seconds a delivery waits for room before it is refused with 503: well under Telegram's
# own wait for an answer, long enough that a short burst is simply taken more slowly.
ROOM_WAIT = 5.0
RETRY_AFTER = 1  # seconds Telegram is asked to wait before delivering a refused update again
BUSY_LOG_EVERY = 60.0  # one log line a minute while deliveries are turned away


def webhook_path(url: str) -> str:
    """The path Telegram posts to: all of WEBHOOK_URL's, as a proxy in front passes it on."""
    return urlsplit(url).path or "/"


class WebhookServer:
    """Listens on LISTEN:PORT for POSTs to the webhook path."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        path: str,
        secret: str,
        listen: str,
        port: int,
        room: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.application = application
        self.room = room
        self.refused_busy = 0  # deliveries turned away for lack of room (Telegram resends)
        self._busy_logged = -BUSY_LOG_EVERY
        self.path = path
        self.secret = secret.encode()
        self.listen = listen
        self.port = port
        self.received = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen (OSError when the address cannot be used)."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self.receive)
        # lingering_time=0: aiohttp would otherwise keep reading (and dropping) the rest of a
        # refused body for 10 s; the connection is closed instead.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, lingering_time=0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def receive(self, request: web.Request) -> web.StreamResponse:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self.secret):
            return refuse(403, "wrong or missing secret token")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return refuse(413, "request body too large")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return refuse(413, "request body too large")
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise TypeError("an update is a JSON object")
            update = Update.de_json(data, self.application.bot)
        except Exception as err:  # PTB's parser raises whatever a malformed field makes it
            log.warning("Refused a webhook request that is not a Telegram update: %s", err)
            return refuse(400, "not a Telegram update")
        if self.room is not None:
            try:
                await asyncio.wait_for(self.room(), ROOM_WAIT)
            except TimeoutError:
                return self._busy()
        self.received += 1
        await self.application.update_queue.put(update)
        return web.Response(status=200)

    def _busy(self) -> web.Response:
        self.refused_busy += 1
        now = time.monotonic()
        if now - self._busy_logged >= BUSY_LOG_EVERY:
            self._busy_logged = now
            log.warning(
                "Updates arrive faster than the bot answers them: Telegram is asked to deliver "
                "again later (503); %s so far",
                self.refused_busy,
            )
        response = refuse(503, "busy, deliver again later")
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response


def refuse(status: int, reason: str) -> web.Response:
    response = web.Response(status=status, text=reason)
    response.force_close()  # and stop reading whatever else the client sends
    return response
