"""The fake's records (calls, uploads, webhook deliveries) and the state it keeps."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fake_bot_api.protocol import JSONDict


@dataclass(slots=True)
class Upload:
    """A file uploaded with multipart/form-data."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(slots=True)
class Call:
    """One request the fake answered (params decoded, nested JSON values already parsed)."""

    method: str
    params: JSONDict
    status: int
    time: float
    result: Any = None
    error: str | None = None
    files: dict[str, Upload] = field(default_factory=dict)
    rate_limited: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(slots=True)
class WebhookDelivery:
    """One POST of an update to the bot's webhook (status None when it could not connect)."""

    update_id: int
    status: int | None
    error: str | None
    time: float
    secret_sent: str | None


@dataclass(slots=True)
class Fault:
    error_code: int
    description: str
    parameters: JSONDict | None
    times: int | None
    when: Callable[[JSONDict], bool] | None


@dataclass(slots=True)
class Delay:
    seconds: float
    times: int | None
    when: Callable[[JSONDict], bool] | None


@dataclass(slots=True)
class Group:
    chat: JSONDict
    creator: int | None
    admins: set[int]
    members: set[int]
    kicked: set[int]
    bot_status: str


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes | None
    size: int
    path: str


@dataclass(slots=True)
class Webhook:
    url: str
    secret: str | None
    max_connections: int
    ip_address: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None
    task: asyncio.Task[None] | None = None


class Window:
    """Sliding-window counter: at most ``limit`` hits per ``period`` seconds."""

    __slots__ = ("limit", "period", "stamps")

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.stamps: deque[float] = deque()

    def wait(self, now: float) -> float:
        stamps = self.stamps
        cutoff = now - self.period
        while stamps and stamps[0] <= cutoff:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return stamps[0] + self.period - now
        return 0.0


# A Bot API method: (decoded params, uploaded files) -> the "result" of the answer.
Handler = Callable[[JSONDict, dict[str, Upload]], Awaitable[Any]]
