"""The /_fake/ control API: drive a fake that runs in another process over HTTP."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from tests.fake_bot_api.faults import Faults
from tests.fake_bot_api.inspection import Inspection
from tests.fake_bot_api.protocol import JSONDict, json_response
from tests.fake_bot_api.users import UserActions


class Control(UserActions, Faults, Inspection):
    """POST /_fake/users, /_fake/updates, /_fake/fail, ...; GET /_fake/stats, /_fake/sent."""

    async def _handle_control(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        try:
            body: Any = {}
            if request.method == "POST" and request.can_read_body:
                body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            result = self._control(action, request.method, body, dict(request.query))
        except (ValueError, KeyError, TypeError) as exc:
            return json_response({"ok": False, "error": f"{type(exc).__name__}: {exc}"}, 400)
        if result is None:
            return json_response({"ok": False, "error": f"unknown action {action}"}, 404)
        return json_response({"ok": True, "result": result})

    def _control(
        self, action: str, http_method: str, body: JSONDict, query: dict[str, str]
    ) -> Any:
        if action == "stats":
            return self.stats()
        if action == "users" and http_method == "POST":
            return self._control_users(body)
        if action == "updates" and http_method == "POST":
            return self._control_updates(body)
        if action == "reset" and http_method == "POST":
            if body.get("full"):
                self.reset()
            else:
                self.reset_records()
            return True
        if action == "block" and http_method == "POST":
            for uid in body["user_ids"]:
                self.block(int(uid))
            return True
        if action == "groups" and http_method == "POST":
            chat = self.group(
                int(body["id"]),
                str(body.get("title", "Grup")),
                str(body.get("type", "supergroup")),
                admins=[int(uid) for uid in body.get("admins", [])],
                members=[int(uid) for uid in body.get("members", [])],
            )
            return chat
        if action == "fail" and http_method == "POST":
            self.fail(
                body["method"],
                int(body.get("error_code", 400)),
                body.get("description"),
                retry_after=body.get("retry_after"),
                migrate_to_chat_id=body.get("migrate_to_chat_id"),
                times=body.get("times", 1),
                when=_for_chat(body.get("chat_id")),
            )
            return True
        if action == "delay" and http_method == "POST":
            self.delay(
                body["method"],
                float(body["seconds"]),
                body.get("times", 1),
                when=_for_chat(body.get("chat_id")),
            )
            return True
        if action == "calls":
            if not self.record_calls:
                raise ValueError("the fake keeps no calls: start it with --record-calls")
            method = query.get("method")
            return [
                {
                    "method": c.method,
                    "chat_id": c.params.get("chat_id"),
                    "status": c.status,
                    "time": c.time,
                }
                for c in self.calls
                if method is None or c.method == method
            ]
        if action == "rate_limit" and http_method == "POST":
            self.set_rate_limit(
                body.get("per_second"),
                body.get("per_chat_per_second"),
                body.get("per_group_per_minute"),
            )
            return True
        if action == "clear_faults" and http_method == "POST":
            self.clear_faults()
            return True
        if action == "sent":
            chat_id = query.get("chat_id")
            return self.sent(int(chat_id) if chat_id else None)
        if action == "webhook":
            return {
                "url": self.webhook_url,
                "deliveries": len(self.webhook_deliveries),
                "failed": sum(
                    1
                    for d in self.webhook_deliveries
                    if d.status is None or not 200 <= d.status < 300
                ),
            }
        return None

    def _control_users(self, body: JSONDict) -> JSONDict:
        created: list[int] = []
        blocked: list[int] = []
        if "users" in body:
            for spec in body["users"]:
                uid = int(spec["id"])
                self.user(
                    uid,
                    spec.get("first_name", f"User {uid}"),
                    spec.get("username"),
                    spec.get("language_code", "id"),
                )
                self.private_chat(uid)
                created.append(uid)
                if spec.get("blocked"):
                    self._blocked.add(uid)
                    blocked.append(uid)
        else:
            count = int(body["count"])
            start_id = int(body.get("start_id", 1_000_000))
            fraction = float(body.get("blocked_fraction", 0.0))
            rng = random.Random(body.get("seed"))
            language = body.get("language_code", "id")
            prefix = body.get("first_name_prefix", "Pelanggan")
            for uid in range(start_id, start_id + count):
                self.user(uid, f"{prefix} {uid}", f"user{uid}", language)
                self.private_chat(uid)
                created.append(uid)
                if fraction and rng.random() < fraction:
                    self._blocked.add(uid)
                    blocked.append(uid)
        return {
            "created": len(created),
            "first_id": created[0] if created else None,
            "last_id": created[-1] if created else None,
            "blocked": blocked,
        }

    def _control_updates(self, body: JSONDict) -> JSONDict:
        specs: list[tuple[int, int | None, str]] = []
        if "inline_queries" in body:
            first = self._last_update_id + 1
            for spec in body["inline_queries"]:
                self.inline_query(int(spec["user_id"]), str(spec["query"]))
            return {
                "queued": len(body["inline_queries"]),
                "first_update_id": first,
                "last_update_id": self._last_update_id,
            }
        if "messages" in body:
            for spec in body["messages"]:
                specs.append((int(spec["user_id"]), spec.get("chat_id"), str(spec["text"])))
        else:
            if "user_ids" in body:
                user_ids: Iterable[int] = (int(uid) for uid in body["user_ids"])
            else:
                start = int(body["from_id"])
                user_ids = range(start, start + int(body["count"]))
            texts = body.get("texts")
            for n, uid in enumerate(user_ids):
                text = str(texts[n % len(texts)]) if texts else str(body["text"])
                specs.append((uid, None, text))
        first = self._last_update_id + 1
        for uid, chat_id, text in specs:
            if uid not in self._users:
                self.user(uid, f"Pelanggan {uid}", f"user{uid}")
            self.send_text(uid, chat_id, text)
        return {
            "queued": len(specs),
            "first_update_id": first,
            "last_update_id": self._last_update_id,
        }


def _for_chat(chat_id: Any) -> Callable[[JSONDict], bool] | None:
    """A fault or delay for one chat only (None: every chat)."""
    if chat_id is None:
        return None
    wanted = str(chat_id)
    return lambda params: str(params.get("chat_id")) == wanted
