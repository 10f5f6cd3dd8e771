"""Bot API methods on messages: send, copy, forward, edit, delete, answer button taps."""

from __future__ import annotations

import time
import urllib.parse
from collections import Counter
from collections.abc import Iterable
from typing import Any, Final

from tests.fake_bot_api.entities import detect_entities, strip_text
from tests.fake_bot_api.html import TelegramHTMLError, entity_sort_key, parse_telegram_html
from tests.fake_bot_api.model import Handler, Upload
from tests.fake_bot_api.protocol import (
    CHAT_ACTIONS,
    CONTENT_FIELDS,
    INLINE_BUTTON_ACTIONS,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    MEDIA_KINDS,
    SERVICE_FIELDS,
    ApiError,
    JSONDict,
    int_param,
    require,
    strip_reply,
    utf16_len,
)
from tests.fake_bot_api.state import FakeState


class Messages(FakeState):
    """Validates like Telegram (HTML, lengths, keyboards) and stores what the bot sent."""

    # -- sending

    def _prepare_text(
        self, text: Any, parse_mode: Any, entities: Any, *, caption: bool
    ) -> tuple[str, list[JSONDict]]:
        text = "" if text is None else str(text)
        mode = str(parse_mode or "").lower()
        if mode == "html":
            try:
                plain, parsed = parse_telegram_html(text, strict=self.strict_html)
            except TelegramHTMLError as exc:
                raise ApiError(400, exc.description) from None
        elif mode in ("", "markdown", "markdownv2"):
            # Markdown is passed through unparsed (this fake only validates HTML).
            plain = text
            parsed = [dict(e) for e in entities] if isinstance(entities, list) and not mode else []
        else:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        plain, parsed = strip_text(plain, parsed)
        limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
        if utf16_len(plain) > limit:
            raise ApiError(
                400,
                "Bad Request: message caption is too long"
                if caption
                else "Bad Request: message is too long",
            )
        if not caption and not plain:
            raise ApiError(400, "Bad Request: message text is empty")
        blocking = [
            e
            for e in parsed
            if e["type"] in ("code", "pre", "text_link", "text_mention", "custom_emoji")
        ]
        for auto in detect_entities(plain):
            start, end = auto["offset"], auto["offset"] + auto["length"]
            if not any(
                start < b["offset"] + b["length"] and b["offset"] < end for b in blocking
            ) and not any(e["type"] == auto["type"] and e["offset"] == start for e in parsed):
                parsed.append(auto)
        parsed.sort(key=entity_sort_key)
        return plain, parsed

    def _check_reply_markup(self, markup: Any) -> JSONDict | None:
        """Validate reply_markup; return it when it is an inline keyboard (echoed back)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(
                400,
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an '
                "Array of Arrays",
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or "text" not in button:
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: "
                        'Can\'t find field "text"',
                    )
                if not isinstance(button["text"], str):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: "
                        'Field "text" must be of type String',
                    )
                if not button["text"].strip():
                    raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
                actions = [key for key in INLINE_BUTTON_ACTIONS if key in button]
                if not actions or button.get("callback_data") == "":
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text buttons are "
                        "unallowed in the inline keyboard",
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    if (
                        not isinstance(data, str)
                        or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES
                    ):
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if "url" in button:
                    url = str(button["url"])
                    scheme = urllib.parse.urlsplit(url).scheme.lower()
                    if scheme not in ("http", "https", "tg"):
                        raise ApiError(
                            400,
                            f"Bad Request: inline keyboard button URL '{url}' is invalid: "
                            "Unsupported URL protocol",
                        )
                    if scheme != "tg" and not urllib.parse.urlsplit(url).hostname:
                        raise ApiError(
                            400,
                            f"Bad Request: inline keyboard button URL '{url}' is invalid: "
                            "Wrong HTTP URL",
                        )
        return markup

    def _reply_target(self, chat: JSONDict, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        message_id: Any
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_without = bool(reply.get("allow_sending_without_reply"))
            chat_id = chat["id"]
            if reply.get("chat_id") is not None:
                chat_id = self._resolve_chat(reply["chat_id"])["id"]
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
            allow_without = bool(params.get("allow_sending_without_reply"))
            chat_id = chat["id"]
        else:
            return None
        try:
            replied = self._messages.get(chat_id, {}).get(int(message_id))
        except (TypeError, ValueError):
            replied = None
        if replied is None:
            if allow_without:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return strip_reply(replied)

    def _bot_message(
        self, chat: JSONDict, params: JSONDict, content: JSONDict, markup: JSONDict | None
    ) -> JSONDict:
        fields: JSONDict = {"from": self.bot_user, "chat": chat}
        thread_id = params.get("message_thread_id")
        if thread_id is not None and chat.get("is_forum"):
            fields["message_thread_id"] = thread_id
            fields["is_topic_message"] = True
        replied = self._reply_target(chat, params)
        if replied is not None:
            fields["reply_to_message"] = replied
        fields.update(content)
        if markup is not None:
            fields["reply_markup"] = markup
        if params.get("has_protected_content") or params.get("protect_content"):
            fields["has_protected_content"] = True
        message = self._store_message(fields)
        self._record_sent(message)
        return message

    def _record_sent(self, message: JSONDict) -> None:
        now = time.time()
        if self.first_send_time is None:
            self.first_send_time = now
        self.last_send_time = now
        chat_id = message["chat"]["id"]
        self._sent.append(message)
        self._sent_by_chat.setdefault(chat_id, []).append(message)
        self.delivery_counts[chat_id] += 1
        key = message.get("text")
        if key is None:
            key = message.get("caption") or next(
                (f"<{kind}>" for kind in CONTENT_FIELDS if kind in message), "<message>"
            )
        counts = self._text_counts.get(chat_id)
        if counts is None:
            counts = self._text_counts[chat_id] = Counter()
        counts[key] += 1
        if counts[key] == 2:
            self._duplicates.setdefault(chat_id, []).append(key)

    async def _m_send_message(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_for_send(params.get("chat_id"))
        if params.get("text") is None:
            raise ApiError(400, "Bad Request: message text is empty")
        text, entities = self._prepare_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
        )
        markup = self._check_reply_markup(params.get("reply_markup"))
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        preview = params.get("link_preview_options")
        if isinstance(preview, dict) and preview:
            content["link_preview_options"] = preview
        return self._bot_message(chat, params, content, markup)

    async def _m_send_location(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_for_send(params.get("chat_id"))
        try:
            location = {
                "latitude": float(require(params, "latitude")),
                "longitude": float(require(params, "longitude")),
            }
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: wrong latitude or longitude") from None
        markup = self._check_reply_markup(params.get("reply_markup"))
        return self._bot_message(chat, params, {"location": location}, markup)

    def _media_handler(self, method: str) -> Handler:
        kind = MEDIA_KINDS[method]

        async def handler(params: JSONDict, files: dict[str, Upload]) -> JSONDict:
            return self._send_media(kind, params, files)

        return handler

    def _send_media(self, kind: str, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_for_send(params.get("chat_id"))
        source: Any = files.get(kind) or params.get(kind)
        if isinstance(source, str) and source.startswith("attach://"):
            source = files.get(source[len("attach://") :])
        if source is None or source == "":
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if isinstance(source, Upload):
            file = self._new_file(kind, source.data, len(source.data))
            file_name = source.filename
            mime_type = source.content_type
        else:
            source = str(source)
            known = self._files.get(source)
            if known is not None:
                file = known
            elif source.startswith(("http://", "https://")):
                file = self._new_file(kind, None, 50_000)
            else:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            file_name = None
            mime_type = None
        content: JSONDict = {}
        base = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_size": file.size,
        }
        if kind == "photo":
            content["photo"] = self._photo_sizes(file)
        elif kind == "sticker":
            content["sticker"] = {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": params.get("emoji") or "🙂",
            }
        elif kind == "voice":
            content["voice"] = {**base, "duration": int_param(params, "duration", 1) or 1}
        elif kind in ("video", "animation"):
            content[kind] = {
                **base,
                "width": int_param(params, "width", 640) or 640,
                "height": int_param(params, "height", 360) or 360,
                "duration": int_param(params, "duration", 1) or 1,
            }
        elif kind == "audio":
            content["audio"] = {**base, "duration": int_param(params, "duration", 1) or 1}
        else:
            content["document"] = {
                **base,
                "file_name": file_name or "document",
                "mime_type": mime_type or "application/octet-stream",
            }
        if kind != "sticker" and params.get("caption") is not None:
            caption, caption_entities = self._prepare_text(
                params.get("caption"),
                params.get("parse_mode"),
                params.get("caption_entities"),
                caption=True,
            )
            if caption:
                content["caption"] = caption
            if caption_entities:
                content["caption_entities"] = caption_entities
        markup = self._check_reply_markup(params.get("reply_markup"))
        return self._bot_message(chat, params, content, markup)

    def _source_message(self, params: JSONDict, what: str) -> JSONDict:
        from_chat = self._resolve_chat(require(params, "from_chat_id"))
        message_id = int_param(params, "message_id")
        source = self._messages.get(from_chat["id"], {}).get(message_id or 0)
        if source is None:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        if SERVICE_FIELDS.intersection(source):
            raise ApiError(400, f"Bad Request: message can't be {what}ed")
        return source

    async def _m_copy_message(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_for_send(params.get("chat_id"))
        source = self._source_message(params, "copy")
        content: JSONDict = {key: source[key] for key in CONTENT_FIELDS if key in source}
        if params.get("caption") is not None and "text" not in content:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            caption, caption_entities = self._prepare_text(
                params["caption"],
                params.get("parse_mode"),
                params.get("caption_entities"),
                caption=True,
            )
            if caption:
                content["caption"] = caption
            if caption_entities:
                content["caption_entities"] = caption_entities
        markup = self._check_reply_markup(params.get("reply_markup"))
        message = self._bot_message(chat, params, content, markup)
        return {"message_id": message["message_id"]}

    async def _m_forward_message(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_for_send(params.get("chat_id"))
        source = self._source_message(params, "forward")
        content: JSONDict = {key: source[key] for key in CONTENT_FIELDS if key in source}
        origin = source.get("forward_origin")
        if origin is None:
            if source["chat"]["type"] == "channel":
                origin = {
                    "type": "channel",
                    "chat": source["chat"],
                    "message_id": source["message_id"],
                    "date": source["date"],
                }
            else:
                origin = {
                    "type": "user",
                    "sender_user": source.get("from"),
                    "date": source["date"],
                }
        content["forward_origin"] = origin
        return self._bot_message(chat, params, content, None)

    async def _m_send_chat_action(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        self._chat_for_send(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    # -- editing

    def _message_to_edit(self, params: JSONDict) -> JSONDict | None:
        if params.get("inline_message_id"):
            return None
        chat = self._resolve_chat(require(params, "chat_id"))
        message_id = int_param(params, "message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = self._messages.get(chat["id"], {}).get(message_id)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _replace_message(self, old: JSONDict, changes: JSONDict, drop: Iterable[str]) -> JSONDict:
        new = {k: v for k, v in old.items() if k not in drop}
        new.update(changes)
        new["edit_date"] = int(time.time())
        self._messages[old["chat"]["id"]][old["message_id"]] = new
        return new

    _NOT_MODIFIED: Final = (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )

    async def _m_edit_message_text(self, params: JSONDict, files: dict[str, Upload]) -> Any:
        message = self._message_to_edit(params)
        if params.get("text") is None:
            raise ApiError(400, "Bad Request: text is empty")
        text, entities = self._prepare_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
        )
        markup = self._check_reply_markup(params.get("reply_markup"))
        if message is None:
            return True
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if (
            message["text"] == text
            and message.get("entities", []) == entities
            and message.get("reply_markup") == markup
        ):
            raise ApiError(400, self._NOT_MODIFIED)
        changes: JSONDict = {"text": text}
        if entities:
            changes["entities"] = entities
        if markup is not None:
            changes["reply_markup"] = markup
        return self._replace_message(message, changes, ("text", "entities", "reply_markup"))

    async def _m_edit_message_caption(self, params: JSONDict, files: dict[str, Upload]) -> Any:
        message = self._message_to_edit(params)
        caption, entities = self._prepare_text(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
        )
        markup = self._check_reply_markup(params.get("reply_markup"))
        if message is None:
            return True
        if "text" in message or "location" in message or "sticker" in message:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        if (
            message.get("caption", "") == caption
            and message.get("caption_entities", []) == entities
            and message.get("reply_markup") == markup
        ):
            raise ApiError(400, self._NOT_MODIFIED)
        changes: JSONDict = {}
        if caption:
            changes["caption"] = caption
        if entities:
            changes["caption_entities"] = entities
        if markup is not None:
            changes["reply_markup"] = markup
        return self._replace_message(
            message, changes, ("caption", "caption_entities", "reply_markup")
        )

    async def _m_edit_message_reply_markup(
        self, params: JSONDict, files: dict[str, Upload]
    ) -> Any:
        message = self._message_to_edit(params)
        markup = self._check_reply_markup(params.get("reply_markup"))
        if message is None:
            return True
        if message.get("reply_markup") == markup:
            raise ApiError(400, self._NOT_MODIFIED)
        changes: JSONDict = {"reply_markup": markup} if markup is not None else {}
        return self._replace_message(message, changes, ("reply_markup",))

    async def _m_delete_message(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self._resolve_chat(require(params, "chat_id"))
        message_id = int_param(params, "message_id")
        messages = self._messages.get(chat["id"], {})
        if message_id not in messages:
            raise ApiError(400, "Bad Request: message to delete not found")
        del messages[message_id]
        self.deleted.append((chat["id"], message_id))
        return True

    async def _m_answer_callback_query(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        entry = self._callback_queries.pop(query_id, None)
        expired = (
            entry is not None
            and self.callback_query_ttl is not None
            and time.monotonic() - entry[1] > self.callback_query_ttl
        )
        if entry is None or expired:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is "
                "invalid",
            )
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = dict(params)
        return True
