"""HTTP to the Bot API: aiohttp under PTB's BaseRequest, failures sorted by whether the request
may have been carried out, and the polling request that rides out an outage."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import ExtBot
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

# Seconds; PTB's own defaults for the same four timeouts.
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0  # an upload (the /statistik chart) takes longer to write


class NotSent(NetworkError):
    """The request never reached the Bot API (refused or timed-out connection, no free
    connection in the pool): nothing was carried out, so sending again cannot duplicate."""


class GivenUp(NotSent):
    """The bot is stopping and the request was still waiting for its turn: never sent."""


class ServerError(NetworkError):
    """The Bot API answered 5xx: it did not carry the request out; it may work again soon."""


def surely_not_delivered(error: BaseException) -> bool:
    """True when Telegram certainly did not carry the request out: it refused it (400, 403,
    429...), answered 5xx, or was never reached. A time-out or a connection dropped while
    waiting for the answer is the one case where it may have been (False)."""
    if isinstance(error, NotSent | ServerError | BadRequest):  # (PTB: BadRequest is a
        return True  # NetworkError too)
    return not isinstance(error, NetworkError)  # TimedOut is one as well


class AiohttpRequest(BaseRequest):
    """PTB's request interface over one aiohttp session.

    Why not PTB's default HTTPXRequest: under load httpx/httpcore spend most of a request's
    CPU on connection-pool bookkeeping (the pool rescans its connections and waiting requests
    at every start and end of a request). Measured against the fake Bot API, a sendMessage
    cost 1.5 ms of CPU through httpx at 32 in flight and 0.19 ms through aiohttp
    (0.8 / 0.3 ms one at a time); the bot's answers are mostly that request.

    Parameters are sent as one JSON body (nested values as JSON objects), files as
    multipart. Failures are raised as PTB's errors, sorted for whoever decides to retry:
    `NotSent` (sending again is safe), `ServerError` (5xx), `TimedOut` / `NetworkError`
    (the request may have been carried out).

    With `brief_messages`, a message Telegram returns (what sendMessage, sendPhoto and
    editMessageText answer) is read back as its id, date, chat and topic only: the bot uses
    nothing else of what it sent (`message_id` for reply links, cards and previews), and PTB
    would otherwise build the whole Message from Telegram's echo of it, its entities and
    its keyboard: 12 % of the bot's CPU per answer, measured. The polling request (incoming
    updates) is never cut.
    """

    def __init__(
        self,
        connections: int = 32,
        read_timeout: float | None = READ_TIMEOUT,
        write_timeout: float | None = WRITE_TIMEOUT,
        connect_timeout: float | None = CONNECT_TIMEOUT,
        pool_timeout: float | None = POOL_TIMEOUT,
        *,
        brief_messages: bool = False,
    ) -> None:
        self.connections = connections
        self.brief_messages = brief_messages
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections),
                headers={"User-Agent": self.USER_AGENT},
                # Telegram's answers are read as bytes and parsed by PTB; no cookies to keep.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        read = self._given(read_timeout, self._read_timeout)
        write = self._given(write_timeout, MEDIA_WRITE_TIMEOUT if files else self._write_timeout)
        connect = self._given(connect_timeout, self._connect_timeout)
        pool = self._given(pool_timeout, self._pool_timeout)
        timeout = self._timeouts.get((read, write, connect, pool))
        if timeout is None:  # (a handful of combinations: each built once)
            timeout = aiohttp.ClientTimeout(
                # aiohttp's `connect` covers waiting for a pooled connection and connecting;
                # writing the body has no timeout of its own, so the total bounds it.
                total=_total(read, write, connect, pool),
                connect=None if connect is None or pool is None else connect + pool,
                sock_connect=connect,
                sock_read=read,
            )
            if len(self._timeouts) >= 64:
                self._timeouts.clear()
            self._timeouts[read, write, connect, pool] = timeout
        data: Any = None
        headers = None
        if request_data is not None:
            if files:
                data = _multipart(request_data, files)
            else:
                # One JSON document, nested values as JSON objects (the Bot API reads
                # both); PTB's `json_payload` encodes each nested value on its own first.
                data = json.dumps(request_data.parameters).encode()
                headers = _JSON
        try:
            async with session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                payload = await response.read()
                status = response.status
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as err:
            raise NotSent(f"Could not reach the Bot API: {type(err).__name__}: {err}") from err
        except (aiohttp.ServerTimeoutError, TimeoutError) as err:
            raise TimedOut(f"No answer from the Bot API in time ({type(err).__name__})") from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
        if status >= 500:
            raise ServerError(_description(payload, status))
        return status, payload

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        # (PTB declares it a staticmethod; the instance's setting decides here.)
        decoded = BaseRequest.parse_json_payload(payload)
        if self.brief_messages:
            result = decoded.get("result")
            if isinstance(result, dict) and "message_id" in result and "chat" in result:
                decoded["result"] = _brief(result)
        return decoded

    @staticmethod
    def _given(value: Any, default: float | None) -> float | None:
        return default if value is BaseRequest.DEFAULT_NONE else value


_JSON = {"Content-Type": "application/json"}
_BRIEF_FIELDS = ("message_id", "date", "message_thread_id", "is_topic_message")


def _brief(message: dict[str, Any]) -> dict[str, Any]:
    """A sent message as the bot reads it back: which message, when, where."""
    brief = {key: message[key] for key in _BRIEF_FIELDS if key in message}
    chat = message["chat"]
    brief["chat"] = {"id": chat["id"], "type": chat["type"]} if isinstance(chat, dict) else chat
    return brief


def _total(*values: float | None) -> float | None:
    """No limit if any part has none; else all of them together."""
    return None if None in values else sum(v for v in values if v is not None)


def _multipart(request_data: RequestData, files: dict[str, Any]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        if name not in files:
            form.add_field(name, value)
    for name, upload in files.items():
        if isinstance(upload, tuple):
            filename, content, mime = upload
            form.add_field(name, content, filename=filename, content_type=mime)
        else:
            form.add_field(name, upload)
    return form


def _description(payload: bytes, status: int) -> str:
    """Telegram's own words for an error answer, as PTB would word it."""
    try:
        decoded = json.loads(payload)
    except ValueError:
        decoded = None
    if isinstance(decoded, dict) and isinstance(decoded.get("description"), str):
        return str(decoded["description"])
    return f"HTTP {status}"


class ResilientPollingRequest(AiohttpRequest):
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
    # PTB's last getUpdates at a stop (timeout 0, to confirm what was fetched) is tried a
    # few times only: retried for ever, a bot stopped during an outage would never exit.
    # PTB logs the failure and stops; the unconfirmed updates come again at the next start.
    LAST_CALL_ATTEMPTS = 3

    def __init__(self, room: Callable[[], Awaitable[None]] | None = None) -> None:
        super().__init__(connections=2)
        self.room = room
        # Telegram's JSON of the updates of the last two batches, by update_id (see `raw`).
        self._recent: dict[int, dict[str, Any]] = {}
        self._latest: dict[int, dict[str, Any]] = {}

    def raw(self, update_id: int) -> dict[str, Any] | None:
        """An update of the last two batches fetched as Telegram sent it (None if older).

        Why: an update parked while it waits its turn (ordering.py) is kept as its JSON;
        PTB's `to_json` rebuilds that from the parsed objects at 0.1 ms an update, 4 % of
        the bot's CPU when a backlog comes in (measured), while Telegram's own is here.
        PTB parses copies of these dicts, so they are as Telegram sent them."""
        found = self._latest.get(update_id)
        return found if found is not None else self._recent.get(update_id)

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        decoded = super().parse_json_payload(payload)
        result = decoded.get("result")
        if isinstance(result, list):
            self._recent = self._latest
            self._latest = {
                u["update_id"]: u
                for u in result
                if isinstance(u, dict) and isinstance(u.get("update_id"), int)
            }
        return decoded

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        # A long poll waits until the bot has room for a whole batch of updates (`room`,
        # ordering.py): the backlog stays at Telegram. PTB's last call at a stop (timeout 0,
        # to confirm what was fetched) never waits.
        long_poll = _long_poll(request_data)
        if self.room is not None and long_poll:
            await self.room()
        # The arguments (URL, method, data, timeouts) go through untouched: only whether
        # and when to try again is decided here.
        attempt = 0
        while True:
            try:
                return await super().do_request(url, method, request_data, *args, **kwargs)
            except (NotSent, ServerError) as err:
                problem = str(err)
            except TimedOut:
                raise  # a long poll that timed out is normal: PTB retries at once
            except NetworkError as err:
                problem = str(err)
            if not long_poll and attempt + 1 >= self.LAST_CALL_ATTEMPTS:
                raise NetworkError(f"Bot API unavailable ({problem})")
            if attempt % self.LOG_EVERY == 0:
                log.warning(
                    "Bot API unavailable (%s); retrying every %.0f s", problem, self.RETRY_EVERY
                )
            attempt += 1
            await asyncio.sleep(self.RETRY_EVERY)


def _long_poll(request_data: RequestData | None) -> bool:
    timeout = request_data.parameters.get("timeout") if request_data is not None else None
    return isinstance(timeout, int | float) and timeout > 0


class TelegramBot(ExtBot[Any]):
    """PTB's ExtBot with one addition: `send_text`, the bot's everyday reply.

    Why: PTB's `send_message` builds a whole `Message` from Telegram's echo of every
    message sent (about a hundred attributes, each set through a checked `__setattr__`),
    and the bot reads nothing of it but its id. Under load that was 6 % of the bot's CPU per
    answer, measured (benchmarks/telegram_throughput.py). `send_text` sends the same request
    through the same path (PTB's defaults, rate limiter, request and errors) and returns
    the id alone.
    """

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
        markup: dict[str, Any] | None = None,
    ) -> int:
        """sendMessage; returns the message's id. `markup`: a keyboard as Telegram's JSON."""
        defaults = self.defaults
        preview = defaults.link_preview_options if defaults else None
        # Nested values as Telegram's JSON (PTB would write its objects out per request).
        data: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": defaults.parse_mode if defaults else None,
            "link_preview_options": preview.to_dict() if preview is not None else None,
            "disable_notification": defaults.disable_notification if defaults else None,
            "protect_content": defaults.protect_content if defaults else None,
            "message_thread_id": thread_id,
            "reply_parameters": (
                None
                if reply_to is None
                else {"message_id": reply_to, "allow_sending_without_reply": True}
            ),
            "reply_markup": markup,
        }
        # Straight to ExtBot's request step (rate limiter, request, errors): every value is
        # final here, so PTB's pass that fills in defaults has nothing to do.
        result = await self._do_post(
            "sendMessage", {k: v for k, v in data.items() if v is not None}
        )
        if not isinstance(result, dict) or not isinstance(result.get("message_id"), int):
            raise NetworkError(f"sendMessage answered without a message id: {result!r:.200}")
        return int(result["message_id"])
