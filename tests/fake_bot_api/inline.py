"""answerInlineQuery: results checked the way the Bot API server (Client.cpp) and Telegram check
them, kept so a test can read them and a user can choose one."""

from __future__ import annotations

import time
from typing import Any

from tests.fake_bot_api.messages import Messages
from tests.fake_bot_api.model import Upload
from tests.fake_bot_api.protocol import (
    MAX_INLINE_RESULTS,
    START_PARAMETER_RE,
    ApiError,
    JSONDict,
)

# The wording of the Bot API server: errors while reading one result are prefixed with this.
_RESULT = "Bad Request: Can't parse inline query result: "


class Inline(Messages):
    """Bot API methods of inline mode; users send the queries (users.py)."""

    async def _m_answer_inline_query(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        results = params.get("results")
        if results is None:
            results = []
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: Expected an Array of inline query results")
        if len(results) > MAX_INLINE_RESULTS:
            raise ApiError(400, "Bad Request: Too many inline query results specified")
        contents = {}
        for result in results:
            result_id, content = self._check_inline_result(result)
            if result_id in contents:
                raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
            contents[result_id] = content
        self._check_results_button(params.get("button"))
        next_offset = params.get("next_offset")
        if next_offset is not None and len(str(next_offset).encode()) > 64:
            raise ApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
        # Checked last, as Telegram does: malformed results are refused even for a stale query.
        entry = self._inline_queries.pop(query_id, None)
        expired = (
            entry is not None
            and self.inline_query_ttl is not None
            and time.monotonic() - entry[1] > self.inline_query_ttl
        )
        if entry is None or expired:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is "
                "invalid",
            )
        self.inline_answers[query_id] = dict(params)
        self._inline_results[query_id] = contents
        return True

    def _check_inline_result(self, result: Any) -> tuple[str, JSONDict]:
        """(result id, what choosing it posts) for one InlineQueryResult."""
        if not isinstance(result, dict):
            raise ApiError(400, _RESULT + "Inline query result must be an object")
        for field in ("type", "id"):
            if not isinstance(result.get(field), str):
                raise ApiError(400, _RESULT + f'Can\'t find field "{field}"')
        result_id = result["id"]
        if not 1 <= len(result_id.encode()) <= 64:
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        if result["type"].lower() != "article":
            raise ApiError(400, _RESULT + "the fake checks only results of type article")
        if not isinstance(result.get("title"), str):
            raise ApiError(400, _RESULT + 'Can\'t find field "title"')
        content = result.get("input_message_content")
        if not isinstance(content, dict):
            raise ApiError(400, _RESULT + "Input message content is not specified")
        if not isinstance(content.get("message_text"), str):
            raise ApiError(400, _RESULT + 'Can\'t find field "message_text"')
        text, entities = self._prepare_text(
            content["message_text"],
            content.get("parse_mode"),
            content.get("entities"),
            caption=False,
        )
        markup = self._check_reply_markup(result.get("reply_markup"))
        posted: JSONDict = {"text": text}
        if entities:
            posted["entities"] = entities
        if markup is not None:
            posted["reply_markup"] = markup
        return result_id, posted

    def _check_results_button(self, button: Any) -> None:
        """The button above the results (InlineQueryResultsButton): text and exactly one of
        start_parameter (opens the private chat with /start PARAMETER) or web_app."""
        if button is None:
            return
        prefix = "Bad Request: Can't parse inline query results button: "
        if not isinstance(button, dict):
            raise ApiError(400, prefix + "InlineQueryResultsButton must be an Object")
        if not isinstance(button.get("text"), str):
            raise ApiError(400, prefix + 'Can\'t find field "text"')
        if "start_parameter" in button:
            if not START_PARAMETER_RE.match(str(button["start_parameter"])):
                raise ApiError(400, "Bad Request: START_PARAM_INVALID")
        elif "web_app" not in button:
            raise ApiError(
                400, prefix + "InlineQueryResultsButton must have exactly one optional field"
            )
