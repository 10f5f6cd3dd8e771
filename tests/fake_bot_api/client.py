"""A synchronous client for the control API of a fake running in another process."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tests.fake_bot_api.protocol import JSONDict


class FakeControlClient:
    """Synchronous (urllib) client for the /_fake/ control API of a standalone fake."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _request(self, http_method: str, action: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/_fake/{action}",
            data=data,
            method=http_method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            payload = json.loads(response.read())
        return payload["result"]

    def create_users(
        self,
        count: int,
        *,
        start_id: int = 1_000_000,
        blocked_fraction: float = 0.0,
        language_code: str = "id",
        seed: int | None = None,
    ) -> JSONDict:
        result: JSONDict = self._request(
            "POST",
            "users",
            {
                "count": count,
                "start_id": start_id,
                "blocked_fraction": blocked_fraction,
                "language_code": language_code,
                "seed": seed,
            },
        )
        return result

    def create_group(
        self,
        chat_id: int,
        title: str = "Grup",
        *,
        kind: str = "supergroup",
        admins: Iterable[int] = (),
        members: Iterable[int] = (),
    ) -> JSONDict:
        result: JSONDict = self._request(
            "POST",
            "groups",
            {
                "id": chat_id,
                "title": title,
                "type": kind,
                "admins": list(admins),
                "members": list(members),
            },
        )
        return result

    def add_users(self, users: Sequence[Mapping[str, Any]]) -> JSONDict:
        result: JSONDict = self._request("POST", "users", {"users": list(users)})
        return result

    def inject_texts(self, user_ids: Iterable[int], text: str | Sequence[str]) -> JSONDict:
        body: JSONDict = {"user_ids": list(user_ids)}
        if isinstance(text, str):
            body["text"] = text
        else:
            body["texts"] = list(text)
        result: JSONDict = self._request("POST", "updates", body)
        return result

    def inject_messages(self, messages: Sequence[Mapping[str, Any]]) -> JSONDict:
        result: JSONDict = self._request("POST", "updates", {"messages": list(messages)})
        return result

    def inject_inline_queries(self, queries: Sequence[Mapping[str, Any]]) -> JSONDict:
        """Users type "@bot QUERY": [{"user_id": ..., "query": ...}] (needs --inline)."""
        result: JSONDict = self._request("POST", "updates", {"inline_queries": list(queries)})
        return result

    def stats(self) -> JSONDict:
        result: JSONDict = self._request("GET", "stats")
        return result

    def sent(self, chat_id: int | None = None) -> list[JSONDict]:
        action = "sent" if chat_id is None else f"sent?chat_id={chat_id}"
        result: list[JSONDict] = self._request("GET", action)
        return result

    def reset(self, *, full: bool = False) -> None:
        self._request("POST", "reset", {"full": full})

    def block(self, user_ids: Iterable[int]) -> None:
        self._request("POST", "block", {"user_ids": list(user_ids)})

    def fail(
        self,
        method: str,
        error_code: int = 400,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int | None = 1,
        chat_id: int | None = None,
    ) -> None:
        """The next `times` calls of `method` fail (only those for `chat_id`, if given)."""
        self._request(
            "POST",
            "fail",
            {
                "method": method,
                "error_code": error_code,
                "description": description,
                "retry_after": retry_after,
                "times": times,
                "chat_id": chat_id,
            },
        )

    def delay(
        self, method: str, seconds: float, times: int | None = 1, chat_id: int | None = None
    ) -> None:
        self._request(
            "POST",
            "delay",
            {"method": method, "seconds": seconds, "times": times, "chat_id": chat_id},
        )

    def calls(self, method: str | None = None) -> list[JSONDict]:
        """Every recorded call (method, chat_id, status, time); the fake needs --record-calls."""
        action = "calls" if method is None else f"calls?method={method}"
        result: list[JSONDict] = self._request("GET", action)
        return result

    def set_rate_limit(
        self,
        per_second: float | None = None,
        per_chat_per_second: float | None = None,
        per_group_per_minute: float | None = None,
    ) -> None:
        self._request(
            "POST",
            "rate_limit",
            {
                "per_second": per_second,
                "per_chat_per_second": per_chat_per_second,
                "per_group_per_minute": per_group_per_minute,
            },
        )

    def clear_faults(self) -> None:
        self._request("POST", "clear_faults", {})
