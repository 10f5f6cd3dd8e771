"""Faults: injected errors, delays and Telegram's flood limits (429 with retry_after)."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import NoReturn

from tests.fake_bot_api.model import Delay, Fault, Window
from tests.fake_bot_api.protocol import DEFAULT_DESCRIPTIONS, ApiError, JSONDict, canonical
from tests.fake_bot_api.state import FakeState


class Faults(FakeState):
    """Make the fake misbehave the way Telegram does."""

    def fail(
        self,
        method: str,
        error_code: int = 400,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int | None = 1,
        when: Callable[[JSONDict], bool] | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any) with an error.

        ``when`` filters on the decoded params. ``times=None`` means until clear_faults().
        """
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
            else:
                description = DEFAULT_DESCRIPTIONS.get(error_code, "Unknown Error")
        parameters: JSONDict = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        elif error_code == 429:
            parameters["retry_after"] = 1
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        key = "*" if method == "*" else canonical(method).lower()
        self._faults.setdefault(key, []).append(
            Fault(error_code, description, parameters or None, times, when)
        )

    def delay(
        self,
        method: str,
        seconds: float,
        times: int | None = 1,
        *,
        when: Callable[[JSONDict], bool] | None = None,
    ) -> None:
        """Sleep before answering the next ``times`` calls of ``method`` ("*" = any).

        The request is still processed after the sleep (a client that timed out has in fact
        sent its message, exactly the situation that produces duplicates on retry).
        """
        key = "*" if method == "*" else canonical(method).lower()
        self._delays.setdefault(key, []).append(Delay(seconds, times, when))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._delays.clear()

    def set_rate_limit(
        self,
        per_second: float | None = None,
        per_chat_per_second: float | None = None,
        per_group_per_minute: float | None = None,
    ) -> None:
        """Telegram-like flood limits on send methods; None disables a limit.

        Over the limit: 429 "Too Many Requests: retry after N", parameters.retry_after=N >= 1,
        and, as Telegram does, every send in the same scope (the whole bot for the overall
        limit, else the chat) is refused the same way until those N seconds have passed: a
        client that ignores retry_after only collects more 429s.
        Real Telegram: ~30/s overall, ~1/s per chat, 20/min per group.
        """
        self._global_window = Window(*self._limit_spec(per_second, 1.0)) if per_second else None
        self._chat_rate = (
            self._limit_spec(per_chat_per_second, 1.0) if per_chat_per_second else None
        )
        self._group_rate = (
            self._limit_spec(per_group_per_minute, 60.0) if per_group_per_minute else None
        )
        self._chat_windows.clear()
        self._group_windows.clear()
        self._refused_until.clear()

    @staticmethod
    def _limit_spec(rate: float | None, period: float) -> tuple[int, float]:
        assert rate is not None
        assert rate > 0
        if rate >= 1:
            return int(rate), period
        return 1, period / rate

    # -- applied to every request, in this order, before the method runs (server.py)

    async def _apply_delays(self, method: str, params: JSONDict) -> None:
        for key in (method.lower(), "*"):
            delays = self._delays.get(key)
            if not delays:
                continue
            for delay in delays:
                if delay.when is None or delay.when(params):
                    if delay.times is not None:
                        delay.times -= 1
                        if delay.times <= 0:
                            delays.remove(delay)
                    await asyncio.sleep(delay.seconds)
                    return

    def _apply_faults(self, method: str, params: JSONDict) -> None:
        for key in (method.lower(), "*"):
            faults = self._faults.get(key)
            if not faults:
                continue
            for fault in faults:
                if fault.when is None or fault.when(params):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            faults.remove(fault)
                    raise ApiError(fault.error_code, fault.description, fault.parameters)

    def _check_rate_limit(self, params: JSONDict) -> None:
        chat_key: int | str = params.get("chat_id", "")
        if isinstance(chat_key, str) and chat_key.lstrip("-").isdigit():
            chat_key = int(chat_key)
        chat = self._chats.get(chat_key) if isinstance(chat_key, int) else None
        is_group = (chat is not None and chat["type"] != "private") or (
            isinstance(chat_key, int) and chat_key < 0
        )
        now = time.monotonic()
        for scope in (None, chat_key):
            until = self._refused_until.get(scope, 0.0)
            if until > now:
                self._refuse(chat_key, until - now, overall=scope is None)
        overall_wait = self._global_window.wait(now) if self._global_window is not None else 0.0
        windows: list[Window] = []
        if self._chat_rate is not None:
            window = self._chat_windows.get(chat_key)
            if window is None:
                window = self._chat_windows[chat_key] = Window(*self._chat_rate)
            windows.append(window)
        if self._group_rate is not None and is_group:
            window = self._group_windows.get(chat_key)
            if window is None:
                window = self._group_windows[chat_key] = Window(*self._group_rate)
            windows.append(window)
        chat_wait = max((w.wait(now) for w in windows), default=0.0)
        if overall_wait > 0 or chat_wait > 0:
            overall = overall_wait >= chat_wait
            retry_after = max(1, math.ceil(max(overall_wait, chat_wait)))
            self._refused_until[None if overall else chat_key] = now + retry_after
            self._refuse(chat_key, retry_after, overall=overall)
        if self._global_window is not None:
            self._global_window.stamps.append(now)
        for window in windows:
            window.stamps.append(now)

    def _refuse(self, chat_key: int | str, wait: float, *, overall: bool) -> NoReturn:
        retry_after = max(1, math.ceil(wait))
        self.rate_limited_count += 1
        self.rate_limited_overall += overall
        self.rate_limited_by_chat[chat_key] += 1
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )
