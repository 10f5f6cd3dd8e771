"""Delivering updates: getUpdates (long polling) and webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

import aiohttp

from tests.fake_bot_api.model import Upload, Webhook, WebhookDelivery
from tests.fake_bot_api.protocol import (
    DEFAULT_ALLOWED_UPDATES,
    NOT_GIVEN,
    SECRET_RE,
    ApiError,
    JSONDict,
    int_param,
)
from tests.fake_bot_api.state import FakeState


class Updates(FakeState):
    """getUpdates, setWebhook, deleteWebhook, getWebhookInfo, and the webhook worker."""

    # ---------------------------------------------------------------- long polling

    async def _m_get_updates(self, params: JSONDict, files: dict[str, Upload]) -> list[JSONDict]:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int_param(params, "offset", 0) or 0
        limit = min(100, max(1, int_param(params, "limit", 100) or 100))
        try:
            timeout = max(0.0, float(params.get("timeout") or 0))
        except (TypeError, ValueError):
            raise ApiError(400, 'Bad Request: invalid "timeout" specified') from None
        self._set_allowed_updates(params.get("allowed_updates"))
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify_updates()  # wakes (and thereby terminates) an older long poll
        self._confirm_updates(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            if self._updates or self._stopping:
                return list(itertools.islice(self._updates, limit))
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            event = self._updates_event
            self.waiting_polls += 1
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
            finally:
                self.waiting_polls -= 1

    def _set_allowed_updates(self, allowed: Any) -> None:
        if allowed is None:
            return
        if not isinstance(allowed, list):
            raise ApiError(400, "Bad Request: can't parse allowed updates")
        self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES

    def _confirm_updates(self, offset: int) -> None:
        updates = self._updates
        if offset > 0:
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()
        elif offset < 0:
            while len(updates) > -offset:
                updates.popleft()

    # ---------------------------------------------------------------- webhooks

    async def _m_set_webhook(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        url = params.get("url") or ""
        if not url:
            return await self._m_delete_webhook(params, files)
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not SECRET_RE.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._set_allowed_updates(params.get("allowed_updates"))
        await self._stop_webhook_worker()
        self._webhook = Webhook(
            url=url,
            secret=str(secret) if secret is not None else None,
            max_connections=int_param(params, "max_connections", 40) or 40,
            ip_address=params.get("ip_address"),
        )
        self._poll_generation += 1
        self._notify_updates()
        self._start_webhook_worker(self._webhook)
        self._webhook_description = "Webhook was set"
        return True

    async def _m_delete_webhook(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if self._webhook is None:
            self._webhook_description = "Webhook is already deleted"
            return True
        await self._stop_webhook_worker()
        self._webhook = None
        self._webhook_description = "Webhook was deleted"
        return True

    async def _m_get_webhook_info(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        hook = self._webhook
        info: JSONDict = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if self._allowed_updates != DEFAULT_ALLOWED_UPDATES:
                info["allowed_updates"] = sorted(self._allowed_updates)
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def post_to_webhook(
        self, update: Mapping[str, Any], secret: str | None = NOT_GIVEN, *, url: str | None = None
    ) -> int:
        """POST one update straight to the webhook URL; return the HTTP status (-1: no connection).

        ``secret`` defaults to the configured secret token; pass None to omit the header or a
        wrong value to test the bot's check. Does not touch the pending-update queue.
        """
        target = url or (self._webhook.url if self._webhook else None)
        if not target:
            raise RuntimeError("no webhook is set and no url was given")
        if secret is NOT_GIVEN:
            secret = self._webhook.secret if self._webhook else None
        upd = dict(update)
        if "update_id" not in upd:
            self._last_update_id += 1
            upd["update_id"] = self._last_update_id
        status, _error = await self._post_update(target, upd, secret)
        return -1 if status is None else status

    def _start_webhook_worker(self, hook: Webhook) -> None:
        if self._runner is None or (hook.task is not None and not hook.task.done()):
            return
        hook.task = asyncio.get_running_loop().create_task(self._webhook_worker(hook))

    async def _stop_webhook_worker(self) -> None:
        hook = self._webhook
        if hook is not None and hook.task is not None:
            hook.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hook.task
            hook.task = None

    async def _webhook_worker(self, hook: Webhook) -> None:
        delay = self.webhook_retry_delay
        while self._webhook is hook:
            if not self._updates:
                await self._updates_event.wait()
                continue
            update = self._updates[0]
            status, error = await self._post_update(hook.url, update, hook.secret)
            if status is not None and 200 <= status < 300:
                if self._updates and self._updates[0] is update:
                    self._updates.popleft()
                delay = self.webhook_retry_delay
                continue
            hook.last_error_date = int(time.time())
            hook.last_error_message = error or f"Wrong response from the webhook: {status}"
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _post_update(
        self, url: str, update: JSONDict, secret: str | None
    ) -> tuple[int | None, str | None]:
        session = self._session
        if session is None:
            raise RuntimeError("the fake is not running")
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        status: int | None = None
        error: str | None = None
        try:
            async with session.post(
                url,
                data=json.dumps(update).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                await response.read()
                status = response.status
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {exc!r}"
        self.webhook_deliveries.append(
            WebhookDelivery(update["update_id"], status, error, time.time(), secret)
        )
        self._calls_event.set()
        self._calls_event = asyncio.Event()
        return status, error
