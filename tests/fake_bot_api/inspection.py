"""Inspection: what the bot called and sent, waiting for it, forgetting it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from tests.fake_bot_api.model import Call
from tests.fake_bot_api.protocol import JSONDict, MessageLike, canonical
from tests.fake_bot_api.state import FakeState

# A condition that no call wakes up is seen this late at most: short enough not to add up
# over a suite of waits, long enough to cost nothing while the bot works.
RECHECK_EVERY = 0.02


class Inspection(FakeState):
    """Assertions read these; the wait_* methods wake on every answered call."""

    # ---------------------------------------------------------------- what the bot called

    def calls_to(self, method: str) -> list[Call]:
        name = canonical(method)
        return [call for call in self.calls if call.method == name]

    def unknown_methods(self) -> list[str]:
        """Methods the bot called that the fake answered with 404 (PTB: InvalidToken)."""
        return sorted({call.method for call in self.calls if call.status == 404})

    def describe_calls(self, last: int = 15) -> str:
        """Human-readable list of the most recent calls (used in timeout errors)."""
        if not self.calls:
            return "no calls were recorded"
        lines = [f"last {min(last, len(self.calls))} of {len(self.calls)} calls:"]
        for call in self.calls[-last:]:
            details = []
            for key in ("chat_id", "message_id", "callback_query_id", "offset", "url"):
                if key in call.params:
                    details.append(f"{key}={call.params[key]!r}")
            text = call.params.get("text", call.params.get("caption"))
            if text is not None:
                shown = text if len(text) <= 80 else text[:77] + "..."
                details.append(f"text={shown!r}")
            if call.error:
                details.append(f"error={call.error!r}")
            lines.append(f"  {call.method} -> {call.status} {' '.join(details)}")
        return "\n".join(lines)

    # -------------------------------- what the bot sent, and what chats look like now

    def sent(self, chat_id: int | None = None) -> list[JSONDict]:
        """Messages the bot sent successfully, in order, as they were when sent."""
        if chat_id is None:
            return list(self._sent)
        return list(self._sent_by_chat.get(chat_id, ()))

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        return [str(m.get("text", m.get("caption", ""))) for m in self.sent(chat_id)]

    def messages_in(self, chat_id: int) -> list[JSONDict]:
        """Current state (after edits and deletions) of the bot's messages in a chat."""
        return [
            message
            for message in self._messages.get(chat_id, {}).values()
            if message.get("from", {}).get("id") == self.bot_id
        ]

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        return self._messages.get(chat_id, {}).get(message_id)

    def current(self, message: MessageLike) -> JSONDict:
        """``message`` as it is now, after the bot's edits (KeyError once it is deleted)."""
        return self._current_message(message)

    def buttons(self, message: MessageLike) -> list[tuple[str, str | None]]:
        """(text, callback_data) of every inline button of the message's current version."""
        current = self._current_message(message)
        return [
            (button.get("text", ""), button.get("callback_data"))
            for row in current.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[JSONDict]:
        """The bot commands stored for exactly this scope and language ([] if none)."""
        scope: JSONDict = {"type": scope_type}
        if chat_id is not None:
            scope["chat_id"] = chat_id
        if user_id is not None:
            scope["user_id"] = user_id
        return list(self._commands.get((self._scope_key(scope), language_code), []))

    def all_commands(self) -> dict[tuple[str, str], list[JSONDict]]:
        """Every stored command list keyed by (scope JSON, language_code)."""
        return {key: list(value) for key, value in self._commands.items()}

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        """The bot's description (or short description) as set for this language."""
        return self._descriptions.get((short, language_code), "")

    def inline_results(self, query: JSONDict | str) -> list[JSONDict]:
        """The results the bot answered an inline query with ([] if not answered)."""
        query_id = query if isinstance(query, str) else str(query["id"])
        answer = self.inline_answers.get(query_id, {})
        results = answer.get("results")
        return list(results) if isinstance(results, list) else []

    async def wait_for_inline_answer(
        self,
        query: JSONDict,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSONDict:
        """Wait until the bot answered the inline query; return answerInlineQuery's params."""
        query_id = str(query["id"])
        await self.wait_until(
            lambda: query_id in self.inline_answers,
            timeout,
            what=f"an answer to inline query {query_id} ({query.get('query')!r})",
        )
        return self.inline_answers[query_id]

    def duplicates(self) -> dict[int, list[str]]:
        """Chats that received the same text more than once -> those texts."""
        return {chat: list(texts) for chat, texts in self._duplicates.items()}

    def stats(self) -> JSONDict:
        return {
            "calls": dict(self.method_counts),
            "statuses": {str(code): n for code, n in self.status_counts.items()},
            "rate_limited": self.rate_limited_count,
            "rate_limited_overall": self.rate_limited_overall,
            "sent_total": len(self._sent),
            "sent_per_chat": {str(chat): n for chat, n in self.delivery_counts.items()},
            "duplicate_chats": len(self._duplicates),
            "duplicates": {str(chat): texts for chat, texts in self._duplicates.items()},
            "first_send": self.first_send_time,
            "last_send": self.last_send_time,
            "pending_updates": len(self._updates),
            "last_update_id": self._last_update_id,
            "users": len(self._users),
            "blocked": len(self._blocked),
            "webhook_deliveries": len(self.webhook_deliveries),
        }

    # ---------------------------------------------------------------- updates waiting for the bot

    @property
    def pending_updates(self) -> list[JSONDict]:
        return list(self._updates)

    @property
    def last_update_id(self) -> int:
        return self._last_update_id

    @property
    def webhook_url(self) -> str | None:
        return self._webhook.url if self._webhook else None

    # -------------------------------- waiting (each wakes whenever the fake answers a call)

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        since: int = 0,
    ) -> Call:
        """Wait for a recorded call (index >= ``since``) matching ``predicate``; return it."""
        if not self.record_calls:
            raise RuntimeError("wait_for needs record_calls=True")
        index = since
        found: list[Call] = []

        def check() -> bool:
            nonlocal index
            while index < len(self.calls):
                call = self.calls[index]
                index += 1
                if predicate(call):
                    found.append(call)
                    return True
            return False

        await self.wait_until(check, timeout, what=f"a call matching {predicate!r}")
        return found[0]

    async def wait_for_call(
        self,
        method: str,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        since: int = 0,
    ) -> Call:
        name = canonical(method)
        return await self.wait_for(lambda call: call.method == name, timeout, since=since)

    async def wait_for_sent(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[JSONDict]:
        """Wait until the bot sent at least ``count`` messages to the chat; return them all."""
        await self.wait_until(
            lambda: len(self._sent_by_chat.get(chat_id, ())) >= count,
            timeout,
            what=f"{count} message(s) sent to chat {chat_id} "
            f"(got {len(self._sent_by_chat.get(chat_id, ()))})",
        )
        return self.sent(chat_id)

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        what: str = "condition",
    ) -> None:
        """Re-check ``condition`` whenever the fake answers a call, up to ``timeout`` s.

        Conditions that change between calls (the bot's database, a log record, a task
        finishing) are also re-checked every RECHECK_EVERY seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}\n{self.describe_calls()}"
                )
            event = self._calls_event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, RECHECK_EVERY))

    # ---------------------------------------------------------------- forgetting

    def reset_records(self) -> None:
        """Forget recorded calls, sends and counters (users, chats, messages stay)."""
        self.calls.clear()
        self.method_counts.clear()
        self.status_counts.clear()
        self.rate_limited_count = 0
        self.rate_limited_overall = 0
        self.rate_limited_by_chat.clear()
        self.delivery_counts.clear()
        self.callback_answers.clear()
        self.inline_answers.clear()
        self.deleted.clear()
        self.webhook_deliveries.clear()
        self.first_send_time = self.last_send_time = None
        self._sent.clear()
        self._sent_by_chat.clear()
        self._text_counts.clear()
        self._duplicates.clear()

    def reset(self) -> None:
        """Forget everything except the bot itself, the webhook and the update counter."""
        self.reset_records()
        # No faults and no flood limits (what clear_faults() and set_rate_limit() do).
        self._faults.clear()
        self._delays.clear()
        self._global_window = None
        self._chat_rate = self._group_rate = None
        self._chat_windows.clear()
        self._group_windows.clear()
        self._refused_until.clear()
        self._users.clear()
        self._chats.clear()
        self._groups.clear()
        self._chat_by_username.clear()
        self._blocked.clear()
        self._migrated.clear()
        self._messages.clear()
        self._next_message_id.clear()
        self._files.clear()
        self._files_by_path.clear()
        self._callback_queries.clear()
        self._commands.clear()
        self._descriptions.clear()
        self._inline_queries.clear()
        self._inline_results.clear()
        self._updates.clear()
