"""The fake server: FakeBotAPI (lifecycle and HTTP layer) and running_fake()."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from functools import cached_property
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from tests.fake_bot_api.chats import Chats
from tests.fake_bot_api.control import Control
from tests.fake_bot_api.inline import Inline
from tests.fake_bot_api.model import Call, Handler, Upload
from tests.fake_bot_api.protocol import (
    DEFAULT_TOKEN,
    MEDIA_KINDS,
    SEND_METHODS,
    TOKEN_RE,
    ApiError,
    JSONDict,
    decode_value,
    json_response,
)
from tests.fake_bot_api.updates import Updates


class FakeBotAPI(Control, Updates, Inline, Chats):
    """In-process fake of api.telegram.org for one bot token.

    Holds the world (users, chats, messages), queues injected updates for getUpdates or a
    webhook, injects faults and flood limits, and records every call for assertions. Each
    part lives in its own module (see the package docstring); this class starts and stops
    the server and answers HTTP.
    """

    # ---------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the fake has not been started yet")
        return self._port

    @property
    def url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:PORT`` (the control API lives under /_fake/)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for ``Bot(base_url=...)`` / ``ApplicationBuilder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``Bot(base_file_url=...)`` so ``File.download_*`` hits the fake."""
        return f"{self.url}/file/bot"

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        """Listen on 127.0.0.1 (a random free port first, the same port on later starts)."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already running")
        self._stopping = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/bot{token}/", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._handle_file)
        app.router.add_route("*", "/_fake/{action}", self._handle_control)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=self.shutdown_timeout
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        if not self._port:
            self._port = int(runner.addresses[0][1])
        self._runner = runner
        self._session = aiohttp.ClientSession()
        if self._webhook is not None:
            self._start_webhook_worker(self._webhook)

    async def stop(self) -> None:
        """Stop listening (state is kept, so ``start()`` again simulates recovery)."""
        if self._runner is None:
            return
        self._stopping = True
        self._notify_updates()
        if self._webhook is not None and self._webhook.task is not None:
            self._webhook.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook.task
            self._webhook.task = None
        runner, self._runner = self._runner, None
        await runner.cleanup()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---------------------------------------------------------------- HTTP layer

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, Upload]]:
        params: JSONDict = {}
        files: dict[str, Upload] = {}
        for key, value in request.query.items():
            params[key] = decode_value(key, value)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: can't parse JSON object")
                for key, value in body.items():
                    params[key] = decode_value(key, value)
            else:
                form = await request.post()
                for key, field_value in form.items():
                    if isinstance(field_value, str):
                        params[key] = decode_value(key, field_value)
                    elif isinstance(field_value, bytes | bytearray):
                        text = bytes(field_value).decode("utf-8", "replace")
                        params[key] = decode_value(key, text)
                    else:
                        files[key] = Upload(
                            key,
                            field_value.filename,
                            field_value.content_type,
                            field_value.file.read(),
                        )
        return params, files

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        raw_method = request.match_info.get("method", "")
        entry = self._handlers.get(raw_method.lower())
        method = entry[0] if entry else raw_method
        params: JSONDict = {}
        files: dict[str, Upload] = {}
        result: Any = None
        rate_limited = False
        try:
            if token != self.token:
                if TOKEN_RE.match(token):
                    raise ApiError(401, "Unauthorized")
                raise ApiError(404, "Not Found")
            if entry is None:
                raise ApiError(404, "Not Found")
            params, files = await self._read_params(request)
            await self._apply_delays(method, params)
            self._apply_faults(method, params)
            if method in SEND_METHODS and (
                self._global_window or self._chat_rate or self._group_rate
            ):
                rate_limited = True
                self._check_rate_limit(params)
                rate_limited = False
            result = await entry[1](params, files)
        except ApiError as exc:
            return self._finish(method, params, files, exc.code, None, exc, rate_limited)
        return self._finish(method, params, files, 200, result, None, False)

    def _finish(
        self,
        method: str,
        params: JSONDict,
        files: dict[str, Upload],
        status: int,
        result: Any,
        error: ApiError | None,
        rate_limited: bool,
    ) -> web.Response:
        self.method_counts[method] += 1
        self.status_counts[status] += 1
        if self.record_calls:
            self.calls.append(
                Call(
                    method=method,
                    params=params,
                    status=status,
                    time=time.time(),
                    result=result,
                    error=error.description if error else None,
                    files=files,
                    rate_limited=rate_limited,
                )
            )
        event, self._calls_event = self._calls_event, asyncio.Event()
        event.set()
        if error is not None:
            return json_response(error.payload(), status)
        payload: JSONDict = {"ok": True, "result": result}
        if method in ("setWebhook", "deleteWebhook"):
            payload["description"] = self._webhook_description
        return json_response(payload)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return await self._handle_not_found(request)
        file = self._files_by_path.get(request.match_info["path"])
        if file is None:
            return await self._handle_not_found(request)
        return web.Response(body=file.data if file.data is not None else b"\0" * file.size)

    # ---------------------------------------------------------------- the Bot API methods

    @cached_property
    def _handlers(self) -> dict[str, tuple[str, Handler]]:
        """lower-case method name -> (canonical name, implementation): Telegram ignores case."""
        handlers: dict[str, Handler] = {
            "getMe": self._m_get_me,
            "logOut": self._m_true,
            "close": self._m_true,
            "getUpdates": self._m_get_updates,
            "setWebhook": self._m_set_webhook,
            "deleteWebhook": self._m_delete_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
            "sendMessage": self._m_send_message,
            "copyMessage": self._m_copy_message,
            "forwardMessage": self._m_forward_message,
            "sendLocation": self._m_send_location,
            "sendChatAction": self._m_send_chat_action,
            "editMessageText": self._m_edit_message_text,
            "editMessageCaption": self._m_edit_message_caption,
            "editMessageReplyMarkup": self._m_edit_message_reply_markup,
            "deleteMessage": self._m_delete_message,
            "answerCallbackQuery": self._m_answer_callback_query,
            "answerInlineQuery": self._m_answer_inline_query,
            "setMyDescription": self._m_set_my_description,
            "getMyDescription": self._m_get_my_description,
            "setMyShortDescription": self._m_set_my_short_description,
            "getMyShortDescription": self._m_get_my_short_description,
            "setMyCommands": self._m_set_my_commands,
            "getMyCommands": self._m_get_my_commands,
            "deleteMyCommands": self._m_delete_my_commands,
            "getChat": self._m_get_chat,
            "getChatMember": self._m_get_chat_member,
            "getChatAdministrators": self._m_get_chat_administrators,
            "getChatMemberCount": self._m_get_chat_member_count,
            "leaveChat": self._m_leave_chat,
            "getFile": self._m_get_file,
        }
        for name in MEDIA_KINDS:
            handlers[name] = self._media_handler(name)
        for name in (
            "setMyName",
            "setChatMenuButton",
            "setMyDefaultAdministratorRights",
            "pinChatMessage",
            "unpinChatMessage",
            "unpinAllChatMessages",
            "setMessageReaction",
        ):
            handlers[name] = self._m_true
        return {name.lower(): (name, handler) for name, handler in handlers.items()}


@contextlib.asynccontextmanager
async def running_fake(
    token: str = DEFAULT_TOKEN, bot_username: str = "ukm_test_bot", **options: Any
) -> AsyncIterator[FakeBotAPI]:
    """``async with running_fake() as fake:`` starts a FakeBotAPI and stops it afterwards."""
    fake = FakeBotAPI(token, bot_username, **options)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
