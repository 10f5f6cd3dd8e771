"""The state every part of the fake shares: configuration, the world, queues, records."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import Counter, deque
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import web

from tests.fake_bot_api.model import (
    Call,
    Delay,
    Fault,
    Group,
    StoredFile,
    Webhook,
    WebhookDelivery,
    Window,
)
from tests.fake_bot_api.protocol import (
    DEFAULT_ALLOWED_UPDATES,
    DEFAULT_TOKEN,
    SCOPE_TYPES,
    ApiError,
    ChatLike,
    JSONDict,
    MessageLike,
    UserLike,
    as_dict,
    int_param,
)


class FakeState:
    """Configuration and state; the helpers every part of the fake uses."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "ukm_test_bot",
        *,
        bot_first_name: str = "UKM Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        can_join_groups: bool = True,
        can_read_all_group_messages: bool = False,
        supports_inline_queries: bool = False,
        inline_feedback: bool = False,
        strict_html: bool = False,
        record_calls: bool = True,
        callback_query_ttl: float | None = None,
        inline_query_ttl: float | None = None,
        webhook_retry_delay: float = 0.2,
        webhook_timeout: float = 10.0,
        shutdown_timeout: float = 0.25,
        first_update_id: int = 100_000,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 123456
        self.bot_user: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.host = host
        self._port = port
        self.can_join_groups = can_join_groups
        self.can_read_all_group_messages = can_read_all_group_messages
        self.supports_inline_queries = supports_inline_queries  # BotFather's /setinline
        self.inline_feedback = inline_feedback  # BotFather's /setinlinefeedback
        self.strict_html = strict_html
        self.record_calls = record_calls
        self.callback_query_ttl = callback_query_ttl
        self.inline_query_ttl = inline_query_ttl
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.shutdown_timeout = shutdown_timeout

        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._stopping = False

        # world state
        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._groups: dict[int, Group] = {}
        self._chat_by_username: dict[str, int] = {}
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._messages: dict[int, dict[int, JSONDict]] = {}
        self._next_message_id: dict[int, int] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._callback_queries: dict[str, tuple[JSONDict, float]] = {}
        self._callback_counter = itertools.count(4_000_000_000_000_001)
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        # The bot's descriptions: (short?, language_code) -> text ("" = every language).
        self._descriptions: dict[tuple[bool, str], str] = {}
        self._inline_queries: dict[str, tuple[JSONDict, float]] = {}
        self._inline_counter = itertools.count(8_000_000_000_000_001)
        # What choosing each answered result would post: query id -> result id -> content.
        self._inline_results: dict[str, dict[str, JSONDict]] = {}

        # updates
        self._updates: deque[JSONDict] = deque()
        self._last_update_id = first_update_id - 1
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._updates_event = asyncio.Event()
        self._poll_generation = 0
        self.waiting_polls = 0  # getUpdates long polls waiting for an update right now
        self._webhook: Webhook | None = None
        # Telegram describes what setWebhook/deleteWebhook did ("Webhook is already deleted").
        self._webhook_description = "Webhook was set"
        self.dropped_updates = 0
        self.filtered_group_messages = 0

        # faults
        self._faults: dict[str, list[Fault]] = {}
        self._delays: dict[str, list[Delay]] = {}
        self._global_window: Window | None = None
        self._chat_rate: tuple[int, float] | None = None
        self._group_rate: tuple[int, float] | None = None
        self._chat_windows: dict[int | str, Window] = {}
        self._group_windows: dict[int | str, Window] = {}
        # After a 429, Telegram refuses the same scope until retry_after has passed: the
        # whole bot (key None) when the overall limit was hit, else the one chat.
        self._refused_until: dict[int | str | None, float] = {}

        # records
        self.calls: list[Call] = []
        self.method_counts: Counter[str] = Counter()
        self.status_counts: Counter[int] = Counter()
        self.rate_limited_count = 0
        self.rate_limited_overall = 0  # of those, refused for the bot's overall limit
        self.rate_limited_by_chat: Counter[int | str] = Counter()
        self.delivery_counts: Counter[int] = Counter()
        self.callback_answers: dict[str, JSONDict] = {}
        self.inline_answers: dict[str, JSONDict] = {}  # inline query id -> its answer
        self.deleted: list[tuple[int, int]] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.first_send_time: float | None = None
        self.last_send_time: float | None = None
        self._sent: list[JSONDict] = []
        self._sent_by_chat: dict[int, list[JSONDict]] = {}
        self._text_counts: dict[int, Counter[str]] = {}
        self._duplicates: dict[int, list[str]] = {}
        self._calls_event = asyncio.Event()

    # ---------------------------------------------------------------- chats, messages, files

    def _private_chat_dict(self, user: Mapping[str, Any]) -> JSONDict:
        chat: JSONDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return chat

    def _user_id(self, user: UserLike) -> int:
        uid = user if isinstance(user, int) else int(as_dict(user)["id"])
        if uid not in self._users and uid != self.bot_id:
            raise KeyError(f"unknown user {uid}; create it first with fake.user({uid}, ...)")
        return uid

    def _chat_id(self, chat: ChatLike) -> int:
        return chat if isinstance(chat, int) else int(as_dict(chat)["id"])

    def _resolve_chat(self, chat_id: Any) -> JSONDict:
        """Chat for a chat_id param (int or @username), raising Telegram's errors."""
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                found = self._chat_by_username.get(chat_id[1:].lower())
                if found is None:
                    raise ApiError(400, "Bad Request: chat not found")
                chat_id = found
            else:
                try:
                    chat_id = int(chat_id)
                except ValueError:
                    raise ApiError(400, "Bad Request: chat not found") from None
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _chat_for_send(self, chat_id: Any) -> JSONDict:
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._resolve_chat(chat_id)
        if chat["type"] == "private":
            if chat["id"] in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        else:
            group = self._groups.get(chat["id"])
            if group is not None and group.bot_status in ("kicked", "left"):
                kind = "supergroup chat" if chat["type"] == "supergroup" else "group chat"
                if chat["type"] == "channel":
                    kind = "channel chat"
                if group.bot_status == "kicked":
                    raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")
        return chat

    def _store_message(self, fields: JSONDict) -> JSONDict:
        chat_id = fields["chat"]["id"]
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message: JSONDict = {"message_id": message_id}
        if "from" in fields:
            message["from"] = fields.pop("from")
        message["chat"] = fields.pop("chat")
        message["date"] = int(time.time())
        message.update(fields)
        self._messages.setdefault(chat_id, {})[message_id] = message
        return message

    def _current_message(self, message: MessageLike) -> JSONDict:
        data = as_dict(message)
        chat_id = data["chat"]["id"]
        current = self._messages.get(chat_id, {}).get(data["message_id"])
        if current is None:
            raise KeyError(
                f"message {data['message_id']} in chat {chat_id} does not exist (any more)"
            )
        return current

    def _new_file(self, kind: str, data: bytes | None, size: int) -> StoredFile:
        n = next(self._file_counter)
        prefixes = {
            "photo": "AgACAgUAAxkBAAI",
            "sticker": "CAACAgUAAxkBAAI",
            "voice": "AwACAgUAAxkBAAI",
            "document": "BQACAgUAAxkBAAI",
        }
        file_id = f"{prefixes.get(kind, 'BAACAgUAAxkBAAI')}{n:08d}{random.getrandbits(40):010x}"
        extension = {"photo": "jpg", "voice": "oga", "sticker": "webp"}.get(kind, "bin")
        file = StoredFile(
            file_id=file_id,
            file_unique_id=f"AQAD{n:08d}",
            kind=kind,
            data=data,
            size=size,
            path=f"{kind}s/file_{n}.{extension}",
        )
        self._files[file_id] = file
        self._files_by_path[file.path] = file
        return file

    def _photo_sizes(self, file: StoredFile) -> list[JSONDict]:
        small: JSONDict = {
            "file_id": file.file_id + "s",
            "file_unique_id": file.file_unique_id + "s",
            "width": 90,
            "height": 90,
            "file_size": max(1, file.size // 20),
        }
        self._files[small["file_id"]] = file
        large = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "width": 800,
            "height": 800,
            "file_size": file.size,
        }
        return [small, large]

    # ---------------------------------------------------------------- the update queue

    def _notify_updates(self) -> None:
        event, self._updates_event = self._updates_event, asyncio.Event()
        event.set()

    def _emit(self, kind: str, payload: JSONDict) -> JSONDict | None:
        return self._enqueue(kind, payload)

    def _enqueue(self, kind: str, payload: Any) -> JSONDict | None:
        if kind not in self._allowed_updates:
            self.dropped_updates += 1
            return None
        self._last_update_id += 1
        update = {"update_id": self._last_update_id, kind: payload}
        self._updates.append(update)
        self._notify_updates()
        return update

    def _chat_member_dict(self, user: JSONDict, status: str) -> JSONDict:
        member: JSONDict = {"user": user, "status": status}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_pin_messages=True,
            )
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "restricted":
            member.update(
                is_member=True,
                can_send_messages=False,
                can_send_audios=False,
                can_send_documents=False,
                can_send_photos=False,
                can_send_videos=False,
                can_send_video_notes=False,
                can_send_voice_notes=False,
                can_send_polls=False,
                can_send_other_messages=False,
                can_add_web_page_previews=False,
                can_change_info=False,
                can_invite_users=False,
                can_pin_messages=False,
                can_manage_topics=False,
                until_date=0,
            )
        return member

    def _emit_my_chat_member(
        self, uid: int, chat: JSONDict, old_status: str, new_status: str
    ) -> JSONDict:
        updated: JSONDict = {
            "chat": chat,
            "from": self._users.get(uid, self.bot_user),
            "date": int(time.time()),
            "old_chat_member": self._chat_member_dict(self.bot_user, old_status),
            "new_chat_member": self._chat_member_dict(self.bot_user, new_status),
        }
        self._emit("my_chat_member", updated)
        return updated

    # ---------------------------------------------------------------- command menus

    def _scope_key(self, scope: Any) -> str:
        """The key a command list is stored under (setMyCommands and fake.commands())."""
        if scope is None:
            scope = {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope")
        normalised: JSONDict = {"type": scope["type"]}
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            normalised["chat_id"] = self._resolve_chat(scope.get("chat_id"))["id"]
        if scope["type"] == "chat_member":
            normalised["user_id"] = int_param(scope, "user_id")
        return json.dumps(normalised, sort_keys=True)
