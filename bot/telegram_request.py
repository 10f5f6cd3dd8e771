"""The HTTP request used for getUpdates: rides out a Bot API outage in one-second steps."""

from __future__ import annotations

import asyncio
import logging

import httpx
from telegram._utils.types import ODVInput
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)


class ResilientPollingRequest(HTTPXRequest):
    """Retries getUpdates every second while the Bot API is unreachable or failing.

    PTB's polling loop backs off after errors (1 s, 1.5 s, ... up to 30 s), so after an
    outage of half a minute residents could wait another 30 s for answers. Retrying here
    at a steady pace means the bot is polling again within about a second of the API
    coming back. Offsets are untouched, so no update is lost or handled twice.
    """

    RETRY_EVERY = 1.0
    GIVE_UP_AFTER = 60.0  # then PTB's own loop takes over, and logs the error

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        waited = 0.0
        while True:
            try:
                code, payload = await super().do_request(
                    url,
                    method,
                    request_data,
                    read_timeout,
                    write_timeout,
                    connect_timeout,
                    pool_timeout,
                )
            except Exception as err:  # only network failures are retried, see below
                if not _is_network_failure(err) or waited >= self.GIVE_UP_AFTER:
                    raise
                log.warning(
                    "Bot API unreachable (%s); retrying in %.0f s",
                    type(err).__name__,
                    self.RETRY_EVERY,
                )
            else:
                if code < 500 or waited >= self.GIVE_UP_AFTER:
                    return code, payload
                log.warning("Bot API answered %s; retrying in %.0f s", code, self.RETRY_EVERY)
            await asyncio.sleep(self.RETRY_EVERY)
            waited += self.RETRY_EVERY


def _is_network_failure(err: BaseException) -> bool:
    from telegram.error import NetworkError, TimedOut

    if isinstance(err, TimedOut):
        return False  # a long poll that timed out is normal: PTB retries at once
    return isinstance(err, NetworkError | httpx.TransportError)
