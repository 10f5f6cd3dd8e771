"""The Bot API on the wire: JSON types, Telegram's limits, error answers, parameter decoding."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final, Protocol

from aiohttp import web

JSONDict = dict[str, Any]

DEFAULT_TOKEN: Final = "123456:TEST-token"
MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_INLINE_RESULTS: Final = 50
MAX_DESCRIPTION_LENGTH: Final = 512  # setMyDescription
MAX_SHORT_DESCRIPTION_LENGTH: Final = 120  # setMyShortDescription
START_PARAMETER_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # deep links, results buttons
LANGUAGE_CODE_RE: Final = re.compile(r"^[a-z]{2}$")  # a two-letter ISO 639-1 code

TOKEN_RE: Final = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
SECRET_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
COMMAND_RE: Final = re.compile(r"^[a-z0-9_]{1,32}$")


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class ApiError(Exception):
    """A Bot API error answer: HTTP status == error_code, with Telegram's description."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class HasToDict(Protocol):
    def to_dict(self) -> JSONDict: ...


UserLike = int | Mapping[str, Any] | HasToDict
ChatLike = int | Mapping[str, Any] | HasToDict
MessageLike = Mapping[str, Any] | HasToDict

NOT_GIVEN: Final[Any] = object()


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Which params stay strings even if they look like JSON (PTB sends strings unencoded).
STRING_PARAMS: Final = word_set(
    "text caption parse_mode callback_query_id url secret_token language_code action "
    "photo document sticker voice audio video animation thumbnail inline_message_id "
    "emoji title description short_description name query ip_address "
    "business_connection_id message_effect_id file_id custom_title address first_name "
    "last_name phone_number vcard question explanation inline_query_id next_offset"
)
SEND_METHODS: Final = word_set(
    "sendMessage copyMessage forwardMessage sendPhoto sendDocument sendSticker sendVoice "
    "sendAudio sendVideo sendAnimation sendLocation"
)
MEDIA_KINDS: Final = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendSticker": "sticker",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
}
CONTENT_FIELDS: Final = (
    "text",
    "entities",
    "link_preview_options",
    "photo",
    "document",
    "sticker",
    "voice",
    "audio",
    "video",
    "animation",
    "location",
    "contact",
    "caption",
    "caption_entities",
)
CHAT_ACTIONS: Final = word_set(
    "typing upload_photo record_video upload_video record_voice upload_voice "
    "upload_document choose_sticker find_location record_video_note upload_video_note"
)
DEFAULT_ALLOWED_UPDATES: Final = word_set(
    "message edited_message channel_post edited_channel_post business_connection "
    "business_message edited_business_message deleted_business_messages inline_query "
    "chosen_inline_result callback_query shipping_query pre_checkout_query "
    "purchased_paid_media poll poll_answer my_chat_member chat_join_request chat_boost "
    "removed_chat_boost"
)
SCOPE_TYPES: Final = word_set(
    "default all_private_chats all_group_chats all_chat_administrators chat "
    "chat_administrators chat_member"
)
INLINE_BUTTON_ACTIONS: Final = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
SERVICE_FIELDS: Final = word_set(
    "new_chat_members left_chat_member new_chat_title new_chat_photo delete_chat_photo "
    "group_chat_created supergroup_chat_created migrate_to_chat_id migrate_from_chat_id "
    "pinned_message"
)
DEFAULT_DESCRIPTIONS: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def canonical(name: str) -> str:
    return name[:1].lower() + name[1:]


def decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in STRING_PARAMS or not value:
        return value
    first = value[0]
    if first in '{["-' or first.isdigit() or value in ("true", "false", "null"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def as_dict(obj: Any) -> JSONDict:
    if isinstance(obj, Mapping):
        return dict(obj)
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        result = to_dict()
        if isinstance(result, dict):
            return result
    raise TypeError(f"expected a dict or a telegram object, got {type(obj).__name__}")


def int_param(params: Mapping[str, Any], key: str, default: int | None = None) -> int | None:
    value = params.get(key)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f'Bad Request: invalid "{key}" specified') from None


def require(params: Mapping[str, Any], key: str) -> Any:
    if params.get(key) is None:
        raise ApiError(400, f"Bad Request: {key} is empty")
    return params[key]


def json_response(payload: JSONDict, status: int = 200) -> web.Response:
    """A Bot API answer: JSON, HTTP status equal to error_code for errors (as Telegram does)."""
    return web.Response(
        text=json.dumps(payload, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


def strip_reply(message: Mapping[str, Any]) -> JSONDict:
    return {k: v for k, v in message.items() if k != "reply_to_message"}
