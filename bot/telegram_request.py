"""The HTTP request used for getUpdates: rides out a Bot API outage in one-second steps."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)


class ResilientPollingRequest(HTTPXRequest):
    """Retries getUpdates every second while the Bot API is unreachable or failing.

    PTB's polling loop backs off after errors (1 s, 1.5 s, ... up to 30 s), so after an
    outage of half a minute residents could wait another 30 s for answers. Retrying here
    at a steady pace means the bot is polling again within about a second of the API
    coming back. Offsets are untouched, so no update is lost or handled twice. It never
    gives up while the API is away (PTB would only log and back off further); stopping
    the bot cancels the wait.
    """

    RETRY_EVERY = 1.0
    LOG_EVERY = 30  # one warning per half minute of outage, not one per second

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        # The arguments (URL, method, data, timeouts) go through untouched: only whether
        # and when to try again is decided here.
        attempt = 0
        while True:
            try:
                code, payload = await super().do_request(*args, **kwargs)
            except Exception as err:  # only network failures are retried, see below
                if not _is_network_failure(err):
                    raise
                problem = type(err).__name__
            else:
                if code < 500:
                    return code, payload
                problem = f"HTTP {code}"
            if attempt % self.LOG_EVERY == 0:
                log.warning(
                    "Bot API unavailable (%s); retrying every %.0f s", problem, self.RETRY_EVERY
                )
            attempt += 1
            await asyncio.sleep(self.RETRY_EVERY)


def _is_network_failure(err: BaseException) -> bool:
    if isinstance(err, TimedOut):
        return False  # a long poll that timed out is normal: PTB retries at once
    return isinstance(err, NetworkError | httpx.TransportError)
