"""Fake Telegram Bot API server (aiohttp) for end-to-end tests of python-telegram-bot bots."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import random
import re
import select
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Protocol

import aiohttp
from aiohttp import web

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Call",
    "FakeBotAPI",
    "FakeBotAPIProcess",
    "FakeControlClient",
    "TelegramHTMLError",
    "Upload",
    "WebhookDelivery",
    "detect_entities",
    "main",
    "parse_telegram_html",
    "running_fake",
    "utf16_len",
]

JSONDict = dict[str, Any]

DEFAULT_TOKEN: Final = "123456:TEST-token"
MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64

_TOKEN_RE: Final = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SECRET_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COMMAND_RE: Final = re.compile(r"^[a-z0-9_]{1,32}$")

# --------------------------------------------------------------------------------------------
# Telegram HTML (a port of tdlib's parse_html, td/telegram/MessageEntity.cpp)
# --------------------------------------------------------------------------------------------

# tdlib's is_space(): NUL counts as space, which is how its loops stop at the end of the string.
_SPACE: Final = frozenset(b" \t\r\n\v\x00")
_ASCII_ALPHA: Final = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_DIGIT: Final = frozenset(b"0123456789")
_ASCII_ALNUM: Final = _ASCII_ALPHA | _ASCII_DIGIT
_HEX_DIGIT: Final = _ASCII_DIGIT | frozenset(b"abcdefABCDEF")
_NAME_TOKEN: Final = _ASCII_ALNUM | frozenset(b".-")
_ATTR_NAME_STOP: Final = _SPACE | frozenset(b"=>/\"'")
_SUPPORTED_TAGS: Final = frozenset(
    {
        b"a",
        b"b",
        b"strong",
        b"i",
        b"em",
        b"s",
        b"strike",
        b"del",
        b"u",
        b"ins",
        b"tg-spoiler",
        b"tg-emoji",
        b"span",
        b"pre",
        b"code",
        b"blockquote",
    }
)
_SIMPLE_TAG_TYPES: Final = {
    b"b": "bold",
    b"strong": "bold",
    b"i": "italic",
    b"em": "italic",
    b"s": "strikethrough",
    b"strike": "strikethrough",
    b"del": "strikethrough",
    b"u": "underline",
    b"ins": "underline",
    b"tg-spoiler": "spoiler",
    b"span": "spoiler",
}
_NAMED_REFERENCES: Final = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
_SPECIAL_BYTES: Final = re.compile(rb"[<&]")
_LT, _GT, _AMP, _SLASH, _EQ, _SEMI, _HASH = (ord(c) for c in "<>&/=;#")

# tdlib MessageEntity::get_type_priority, used as the last sort key.
_PRIORITY: Final = {
    "mention": 50,
    "hashtag": 50,
    "cashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "phone_number": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "custom_emoji": 99,
}


class TelegramHTMLError(ValueError):
    """Invalid Telegram HTML; ``reason`` is tdlib's wording, ``description`` the Bot API's."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def description(self) -> str:
        return f"Bad Request: can't parse entities: {self.reason}"


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf8_chunk_utf16_len(chunk: bytes) -> int:
    if chunk.isascii():
        return len(chunk)
    return utf16_len(chunk.decode("utf-8", "replace"))


def _entity_sort_key(entity: Mapping[str, Any]) -> tuple[int, int, int]:
    kind = entity["type"]
    priority = 10 if kind == "pre" and entity.get("language") else _PRIORITY.get(kind, 50)
    return (entity["offset"], -entity["length"], priority)


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int]:
    """tdlib decode_html_entity: (code point or 0 when not a reference, position after it)."""
    size = len(data)

    def at(i: int) -> int:
        return data[i] if i < size else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == _HASH:
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while at(end) in _HEX_DIGIT and at(end):
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while at(end) in _ASCII_DIGIT and at(end):
                code = code * 10 + data[end] - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while at(end) in _ASCII_ALPHA and at(end):
            end += 1
        code = _NAMED_REFERENCES.get(data[pos + 1 : end], 0)
        if not code:
            return 0, pos
    if at(end) == _SEMI:
        end += 1
    return code, end


def _link_user_id(url: str) -> int | None:
    match = re.fullmatch(r"tg:(?://)?user\?id=(\d+)", url.strip(), flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


def _checked_link(url: str) -> str | None:
    """Rough port of LinkManager::get_checked_link: normalised URL, or None (entity dropped)."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    scheme_match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", url)
    if scheme_match:
        scheme = scheme_match.group(1).lower()
        if scheme in ("tg", "ton", "tonsite"):
            return url
        if scheme not in ("http", "https"):
            return None
    else:
        url = "http://" + url
    parsed = urllib.parse.urlsplit(url)
    host = parsed.hostname or ""
    if not host or ("." not in host and host != "localhost" and not host.isdigit()):
        return None
    if not parsed.path:
        url = urllib.parse.urlunsplit(
            (parsed.scheme, parsed.netloc, "/", parsed.query, parsed.fragment)
        )
    return url


def parse_telegram_html(text: str, *, strict: bool = False) -> tuple[str, list[JSONDict]]:
    """Parse ``text`` like Telegram's parse_mode=HTML and return (plain text, entities).

    A faithful port of tdlib's parser: the same tags, attributes, entity references and error
    messages (byte offsets into the UTF-8 text), entity offsets in UTF-16 code units. Like
    Telegram, a bare ``&`` or an unknown reference such as ``&nbsp;`` is kept literally; pass
    ``strict=True`` to reject it instead (a fake-only check that catches unescaped input).
    Raises :class:`TelegramHTMLError`.
    """
    data = text.encode("utf-8", "replace")
    size = len(data)

    def at(i: int) -> int:
        return data[i] if i < size else 0

    out = bytearray()
    utf16_offset = 0
    need_recheck_utf8 = False
    # (tag, argument, utf16 offset, byte position in out)
    stack: list[tuple[bytes, str, int, int]] = []
    entities: list[JSONDict] = []
    i = 0
    while i < size:
        match = _SPECIAL_BYTES.search(data, i)
        j = match.start() if match else size
        if j > i:
            chunk = data[i:j]
            out += chunk
            utf16_offset += _utf8_chunk_utf16_len(chunk)
            i = j
            if i >= size:
                break
        c = data[i]
        if c == _AMP:
            code, end = _decode_html_entity(data, i)
            if code:
                utf16_offset += 2 if code > 0xFFFF else 1
                if 0xD800 <= code <= 0xDFFF:
                    need_recheck_utf8 = True
                out += chr(code).encode("utf-8", "surrogatepass")
                i = end
                continue
            if strict:
                seq = re.match(rb"&[#A-Za-z0-9]*;?", data[i:])
                shown = (seq.group(0) if seq else b"&").decode("ascii", "replace")
                raise TelegramHTMLError(
                    f'Unsupported escape sequence "{shown}" at byte offset {i}'
                )
            out.append(c)
            utf16_offset += 1
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != _SLASH:
            while at(i) not in _SPACE and at(i) != _GT:
                i += 1
            if at(i) == 0:
                raise TelegramHTMLError(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].lower()
            tag_text = tag.decode("utf-8", "replace")
            if tag not in _SUPPORTED_TAGS:
                raise TelegramHTMLError(
                    f'Unsupported start tag "{tag_text}" at byte offset {begin}'
                )
            argument = ""
            while at(i) != _GT:
                while at(i) != 0 and at(i) in _SPACE:
                    i += 1
                if at(i) == _GT:
                    break
                attr_begin = i
                while at(i) not in _ATTR_NAME_STOP:
                    i += 1
                attr_name = data[attr_begin:i]
                if not attr_name:
                    raise TelegramHTMLError(
                        f'Empty attribute name in the tag "{tag_text}" at byte offset {begin}'
                    )
                while at(i) != 0 and at(i) in _SPACE:
                    i += 1
                if at(i) != _EQ:
                    if at(i) == 0:
                        raise TelegramHTMLError(
                            f'Unclosed start tag "{tag_text}" at byte offset {begin}'
                        )
                    if tag == b"blockquote" and attr_name == b"expandable":
                        argument = "1"
                    continue
                i += 1
                while at(i) != 0 and at(i) in _SPACE:
                    i += 1
                if at(i) == 0:
                    raise TelegramHTMLError(
                        f'Unclosed start tag "{tag_text}" at byte offset {begin}'
                    )
                quote = at(i)
                if quote not in (0x22, 0x27):
                    token_begin = i
                    while at(i) in _NAME_TOKEN and at(i):
                        i += 1
                    value = data[token_begin:i].lower()
                    if at(i) not in _SPACE and at(i) != _GT:
                        raise TelegramHTMLError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    i += 1
                    buf = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if data[i] == _AMP:
                            code, end = _decode_html_entity(data, i)
                            if code:
                                buf += chr(code).encode("utf-8", "surrogatepass")
                                i = end
                                continue
                        buf.append(data[i])
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = bytes(buf)
                if at(i) == 0:
                    raise TelegramHTMLError(f"Unclosed start tag at byte offset {begin}")
                value_text = value.decode("utf-8", "replace")
                if tag == b"a" and attr_name == b"href":
                    argument = value_text
                elif tag == b"code" and attr_name == b"class" and value.startswith(b"language-"):
                    argument = value_text[9:]
                elif tag == b"span" and attr_name == b"class" and value.startswith(b"tg-"):
                    argument = value_text[3:]
                elif tag == b"tg-emoji" and attr_name == b"emoji-id":
                    argument = value_text
                elif tag == b"blockquote" and attr_name == b"expandable":
                    argument = "1"
            if tag == b"span" and argument != "spoiler":
                raise TelegramHTMLError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            stack.append((tag, argument, utf16_offset, len(out)))
            i += 1  # the '>'
            continue

        # an end tag
        if not stack:
            raise TelegramHTMLError(f"Unexpected end tag at byte offset {begin}")
        while at(i) not in _SPACE and at(i) != _GT:
            i += 1
        end_tag = data[begin + 2 : i].lower()
        while at(i) in _SPACE and at(i) != 0:
            i += 1
        if at(i) != _GT:
            raise TelegramHTMLError(f"Unclosed end tag at byte offset {begin}")
        tag, argument, offset, out_pos = stack[-1]
        if end_tag and end_tag != tag:
            raise TelegramHTMLError(
                f"Unmatched end tag at byte offset {begin}, expected "
                f'"</{tag.decode()}>", found "</{end_tag.decode("utf-8", "replace")}>"'
            )
        length = utf16_offset - offset
        if length > 0:
            last = entities[-1] if entities else None
            same_range = last is not None and last["offset"] == offset and last["length"] == length
            if tag in _SIMPLE_TAG_TYPES:
                entities.append(
                    {"type": _SIMPLE_TAG_TYPES[tag], "offset": offset, "length": length}
                )
            elif tag == b"tg-emoji":
                if not re.fullmatch(r"-?\d{1,19}", argument) or int(argument) == 0:
                    raise TelegramHTMLError("Invalid custom emoji identifier specified")
                entities.append(
                    {
                        "type": "custom_emoji",
                        "offset": offset,
                        "length": length,
                        "custom_emoji_id": str(int(argument)),
                    }
                )
            elif tag == b"a":
                url = argument or out[out_pos:].decode("utf-8", "replace")
                user_id = _link_user_id(url)
                if user_id is not None:
                    entities.append(
                        {
                            "type": "text_mention",
                            "offset": offset,
                            "length": length,
                            "user": {"id": user_id, "is_bot": False, "first_name": ""},
                        }
                    )
                else:
                    checked = _checked_link(url)
                    if checked:
                        entities.append(
                            {
                                "type": "text_link",
                                "offset": offset,
                                "length": length,
                                "url": checked,
                            }
                        )
            elif tag == b"pre":
                if (
                    last is not None
                    and same_range
                    and last["type"] == "code"
                    and last.get("_lang")
                ):
                    last["type"] = "pre"
                    last["language"] = last.pop("_lang")
                else:
                    entities.append({"type": "pre", "offset": offset, "length": length})
            elif tag == b"code":
                if (
                    last is not None
                    and same_range
                    and last["type"] == "pre"
                    and "language" not in last
                    and argument
                ):
                    last["language"] = argument
                else:
                    entity: JSONDict = {"type": "code", "offset": offset, "length": length}
                    if argument:
                        entity["_lang"] = argument
                    entities.append(entity)
            elif tag == b"blockquote":
                kind = "expandable_blockquote" if argument else "blockquote"
                entities.append({"type": kind, "offset": offset, "length": length})
        stack.pop()
        i += 1  # the '>'

    if stack:
        raise TelegramHTMLError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1][0].decode()}"'
        )
    for entity in entities:
        entity.pop("_lang", None)
    entities.sort(key=_entity_sort_key)
    if need_recheck_utf8:
        try:
            plain = out.decode("utf-8")
        except UnicodeDecodeError:
            raise TelegramHTMLError(
                "Text contains invalid Unicode characters after decoding HTML entities, check "
                "for unmatched surrogate code units"
            ) from None
    else:
        plain = out.decode("utf-8", "replace")
    return plain, entities


# --------------------------------------------------------------------------------------------
# Automatic entities (what Telegram adds to a message's text by itself)
# --------------------------------------------------------------------------------------------

_USERNAME_CHARS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
)
_SHORT_USERNAMES: Final = frozenset({"gif", "vid", "pic"})
_HASHTAG_RE: Final = re.compile(
    r"(?<![\w\u200c\u00b7])#([\w\u200c\u00b7]{1,256})(?![\w\u200c\u00b7]*#)"
)
_URL_RE: Final = re.compile(r"(?<![\w@/.])(?:https?://|www\.|t\.me/)[^\s<>\"]+", re.IGNORECASE)
_EMAIL_RE: Final = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)


def _is_word_char(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


def _match_mentions(text: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    size = len(text)
    pos = text.find("@")
    while pos != -1:
        if pos > 0 and _is_word_char(text[pos - 1]):
            pos = text.find("@", pos + 1)
            continue
        end = pos + 1
        while end < size and text[end] in _USERNAME_CHARS:
            end += 1
        name = text[pos + 1 : end]
        if (
            2 <= len(name) <= 32
            and not (end < size and _is_word_char(text[end]))
            and (len(name) >= 4 or name.lower() in _SHORT_USERNAMES)
        ):
            found.append((pos, end, "mention"))
        pos = text.find("@", end)
    return found


def _match_bot_commands(text: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    size = len(text)
    pos = text.find("/")
    while pos != -1:
        if pos > 0 and (_is_word_char(text[pos - 1]) or text[pos - 1] in "/<>"):
            pos = text.find("/", pos + 1)
            continue
        end = pos + 1
        while end < size and text[end] in _USERNAME_CHARS:
            end += 1
        if not 1 <= end - pos - 1 <= 64:
            pos = text.find("/", end)
            continue
        if end < size and text[end] == "@":
            mention_end = end + 1
            while mention_end < size and text[mention_end] in _USERNAME_CHARS:
                mention_end += 1
            mention_size = mention_end - end - 1
            end = mention_end
            if not 3 <= mention_size <= 32:
                pos = text.find("/", end)
                continue
        if end < size and (_is_word_char(text[end]) or text[end] in "/<>"):
            pos = text.find("/", end)
            continue
        found.append((pos, end, "bot_command"))
        pos = text.find("/", end)
    return found


def _utf16_prefix(text: str) -> list[int] | None:
    """UTF-16 offset of every str index (None when they coincide, i.e. BMP-only text)."""
    if text.isascii() or all(ord(ch) <= 0xFFFF for ch in text):
        return None
    prefix = [0]
    total = 0
    for ch in text:
        total += 2 if ord(ch) > 0xFFFF else 1
        prefix.append(total)
    return prefix


def detect_entities(text: str) -> list[JSONDict]:
    """Entities Telegram detects in plain text: bot_command, mention, hashtag, url, email.

    Offsets and lengths are in UTF-16 code units (an emoji outside the BMP counts twice).
    Mentions and bot commands follow tdlib's matching rules exactly; urls and emails are a
    simplified approximation (explicit ``http(s)://``, ``www.`` or ``t.me/`` links only).
    """
    if not any(ch in text for ch in "/@#.") or not text:
        return []
    spans = _match_bot_commands(text) + _match_mentions(text)
    for match in _HASHTAG_RE.finditer(text):
        if any(ch.isalpha() for ch in match.group(1)):
            spans.append((match.start(), match.end(), "hashtag"))
    for match in _URL_RE.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in ".,;:!?)]}'\"":
            end -= 1
        if end - match.start() > len("https://"):
            spans.append((match.start(), end, "url"))
    for match in _EMAIL_RE.finditer(text):
        spans.append((match.start(), match.end(), "email"))
    spans.sort(key=lambda span: (span[0], span[0] - span[1]))
    prefix = _utf16_prefix(text)
    result: list[JSONDict] = []
    last_end = -1
    for start, end, kind in spans:
        if start < last_end:
            continue
        last_end = end
        offset = prefix[start] if prefix else start
        length = (prefix[end] if prefix else end) - offset
        result.append({"type": kind, "offset": offset, "length": length})
    return result


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Trim surrounding whitespace like Telegram does, clipping entities to the new text."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    if not stripped:
        return "", []
    left = utf16_len(text[: len(text) - len(text.lstrip())])
    new_len = utf16_len(stripped)
    clipped: list[JSONDict] = []
    for entity in entities:
        start = max(0, entity["offset"] - left)
        end = min(new_len, entity["offset"] + entity["length"] - left)
        if end > start:
            clipped.append({**entity, "offset": start, "length": end - start})
    return stripped, clipped


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


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


@dataclass(slots=True)
class Upload:
    """A file uploaded with multipart/form-data."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(slots=True)
class Call:
    """One request the fake answered (params decoded, nested JSON values already parsed)."""

    method: str
    params: JSONDict
    status: int
    time: float
    result: Any = None
    error: str | None = None
    files: dict[str, Upload] = field(default_factory=dict)
    rate_limited: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(slots=True)
class WebhookDelivery:
    """One POST of an update to the bot's webhook (status None when it could not connect)."""

    update_id: int
    status: int | None
    error: str | None
    time: float
    secret_sent: str | None


@dataclass(slots=True)
class _Fault:
    error_code: int
    description: str
    parameters: JSONDict | None
    times: int | None
    when: Callable[[JSONDict], bool] | None


@dataclass(slots=True)
class _Delay:
    seconds: float
    times: int | None
    when: Callable[[JSONDict], bool] | None


@dataclass(slots=True)
class _Group:
    chat: JSONDict
    creator: int | None
    admins: set[int]
    members: set[int]
    kicked: set[int]
    bot_status: str


@dataclass(slots=True)
class _File:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes | None
    size: int
    path: str


@dataclass(slots=True)
class _Webhook:
    url: str
    secret: str | None
    max_connections: int
    ip_address: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None
    task: asyncio.Task[None] | None = None


class _Window:
    """Sliding-window counter: at most ``limit`` hits per ``period`` seconds."""

    __slots__ = ("limit", "period", "stamps")

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.stamps: deque[float] = deque()

    def wait(self, now: float) -> float:
        stamps = self.stamps
        cutoff = now - self.period
        while stamps and stamps[0] <= cutoff:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return stamps[0] + self.period - now
        return 0.0


class _HasToDict(Protocol):
    def to_dict(self) -> JSONDict: ...


UserLike = int | Mapping[str, Any] | _HasToDict
ChatLike = int | Mapping[str, Any] | _HasToDict
MessageLike = Mapping[str, Any] | _HasToDict
_Handler = Callable[[JSONDict, dict[str, Upload]], Awaitable[Any]]

_NOT_GIVEN: Final[Any] = object()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Which params stay strings even if they look like JSON (PTB sends strings unencoded).
_STRING_PARAMS: Final = _words(
    "text caption parse_mode callback_query_id url secret_token language_code action "
    "photo document sticker voice audio video animation thumbnail inline_message_id "
    "emoji title description short_description name query ip_address "
    "business_connection_id message_effect_id file_id custom_title address first_name "
    "last_name phone_number vcard question explanation"
)
_SEND_METHODS: Final = _words(
    "sendMessage copyMessage forwardMessage sendPhoto sendDocument sendSticker sendVoice "
    "sendAudio sendVideo sendAnimation sendLocation"
)
_MEDIA_KINDS: Final = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendSticker": "sticker",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
}
_CONTENT_FIELDS: Final = (
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
_CHAT_ACTIONS: Final = _words(
    "typing upload_photo record_video upload_video record_voice upload_voice "
    "upload_document choose_sticker find_location record_video_note upload_video_note"
)
_DEFAULT_ALLOWED_UPDATES: Final = _words(
    "message edited_message channel_post edited_channel_post business_connection "
    "business_message edited_business_message deleted_business_messages inline_query "
    "chosen_inline_result callback_query shipping_query pre_checkout_query "
    "purchased_paid_media poll poll_answer my_chat_member chat_join_request chat_boost "
    "removed_chat_boost"
)
_SCOPE_TYPES: Final = _words(
    "default all_private_chats all_group_chats all_chat_administrators chat "
    "chat_administrators chat_member"
)
_INLINE_BUTTON_ACTIONS: Final = (
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
_SERVICE_FIELDS: Final = _words(
    "new_chat_members left_chat_member new_chat_title new_chat_photo delete_chat_photo "
    "group_chat_created supergroup_chat_created migrate_to_chat_id migrate_from_chat_id "
    "pinned_message"
)
_DEFAULT_DESCRIPTIONS: Final = {
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


def _canonical(name: str) -> str:
    return name[:1].lower() + name[1:]


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in _STRING_PARAMS or not value:
        return value
    first = value[0]
    if first in '{["-' or first.isdigit() or value in ("true", "false", "null"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _as_dict(obj: Any) -> JSONDict:
    if isinstance(obj, Mapping):
        return dict(obj)
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        result = to_dict()
        if isinstance(result, dict):
            return result
    raise TypeError(f"expected a dict or a telegram object, got {type(obj).__name__}")


def _int_param(params: Mapping[str, Any], key: str, default: int | None = None) -> int | None:
    value = params.get(key)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f'Bad Request: invalid "{key}" specified') from None


def _require(params: Mapping[str, Any], key: str) -> Any:
    if params.get(key) is None:
        raise ApiError(400, f"Bad Request: {key} is empty")
    return params[key]


def _strip_reply(message: Mapping[str, Any]) -> JSONDict:
    return {k: v for k, v in message.items() if k != "reply_to_message"}


# --------------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------------


class FakeBotAPI:
    """In-process fake of api.telegram.org for one bot token.

    Holds the world (users, chats, messages), queues injected updates for getUpdates or a
    webhook, injects faults and flood limits, and records every call for assertions.
    """

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
        strict_html: bool = False,
        record_calls: bool = True,
        callback_query_ttl: float | None = None,
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
        self.supports_inline_queries = supports_inline_queries
        self.strict_html = strict_html
        self.record_calls = record_calls
        self.callback_query_ttl = callback_query_ttl
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.shutdown_timeout = shutdown_timeout

        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._stopping = False
        self._handlers: dict[str, tuple[str, _Handler]] = {}
        self._register_handlers()

        # world state
        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._groups: dict[int, _Group] = {}
        self._chat_by_username: dict[str, int] = {}
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._messages: dict[int, dict[int, JSONDict]] = {}
        self._next_message_id: dict[int, int] = {}
        self._files: dict[str, _File] = {}
        self._files_by_path: dict[str, _File] = {}
        self._file_counter = itertools.count(1)
        self._callback_queries: dict[str, tuple[JSONDict, float]] = {}
        self._callback_counter = itertools.count(4_000_000_000_000_001)
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}

        # updates
        self._updates: deque[JSONDict] = deque()
        self._last_update_id = first_update_id - 1
        self._allowed_updates: frozenset[str] = _DEFAULT_ALLOWED_UPDATES
        self._updates_event = asyncio.Event()
        self._poll_generation = 0
        self._webhook: _Webhook | None = None
        self.dropped_updates = 0
        self.filtered_group_messages = 0

        # faults
        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, list[_Delay]] = {}
        self._global_window: _Window | None = None
        self._chat_rate: tuple[int, float] | None = None
        self._group_rate: tuple[int, float] | None = None
        self._chat_windows: dict[int | str, _Window] = {}
        self._group_windows: dict[int | str, _Window] = {}

        # records
        self.calls: list[Call] = []
        self.method_counts: Counter[str] = Counter()
        self.status_counts: Counter[int] = Counter()
        self.rate_limited_count = 0
        self.rate_limited_by_chat: Counter[int | str] = Counter()
        self.delivery_counts: Counter[int] = Counter()
        self.callback_answers: dict[str, JSONDict] = {}
        self.deleted: list[tuple[int, int]] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.first_send_time: float | None = None
        self.last_send_time: float | None = None
        self._sent: list[JSONDict] = []
        self._sent_by_chat: dict[int, list[JSONDict]] = {}
        self._text_counts: dict[int, Counter[str]] = {}
        self._duplicates: dict[int, list[str]] = {}
        self._calls_event = asyncio.Event()

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

    # ---------------------------------------------------------------- world building

    def user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        language_code: str | None = "id",
        *,
        last_name: str | None = None,
        is_premium: bool | None = None,
    ) -> JSONDict:
        """Create (or update) a user; returns the Telegram ``User`` dict."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        if is_premium:
            user["is_premium"] = True
        self._users[user_id] = user
        if user_id in self._chats:
            self._chats[user_id] = self._private_chat_dict(user)
        return user

    def private_chat(self, user: UserLike) -> JSONDict:
        """The user's private chat with the bot (created on first use); returns a ``Chat``."""
        uid = self._user_id(user)
        chat = self._chats.get(uid)
        if chat is None:
            chat = self._private_chat_dict(self._users[uid])
            self._chats[uid] = chat
            username = self._users[uid].get("username")
            if username:
                self._chat_by_username[username.lower()] = uid
        return chat

    def group(
        self,
        chat_id: int,
        title: str,
        kind: str = "group",
        admins: Iterable[UserLike] = (),
        members: Iterable[UserLike] = (),
        *,
        creator: UserLike | None = None,
        bot_status: str = "member",
        username: str | None = None,
        is_forum: bool = False,
    ) -> JSONDict:
        """Create a group/supergroup the bot is in; returns the ``Chat`` dict.

        The creator defaults to the first admin; every admin and member is a member too.
        """
        if kind not in ("group", "supergroup", "channel"):
            raise ValueError(f"kind must be 'group', 'supergroup' or 'channel', not {kind!r}")
        if chat_id >= 0:
            raise ValueError("group chat ids are negative (supergroups: -100...)")
        chat: JSONDict = {"id": chat_id, "type": kind, "title": title}
        if username:
            chat["username"] = username
            self._chat_by_username[username.lower()] = chat_id
        if is_forum:
            chat["is_forum"] = True
        admin_ids = [self._user_id(u) for u in admins]
        member_ids = {self._user_id(u) for u in members}
        creator_id = self._user_id(creator) if creator is not None else None
        if creator_id is None and admin_ids:
            creator_id = admin_ids[0]
        self._chats[chat_id] = chat
        self._groups[chat_id] = _Group(
            chat=chat,
            creator=creator_id,
            admins=set(admin_ids) - {creator_id} if creator_id is not None else set(admin_ids),
            members=member_ids | set(admin_ids) | ({creator_id} if creator_id else set()),
            kicked=set(),
            bot_status=bot_status,
        )
        return chat

    def set_member_status(self, chat: ChatLike, user: UserLike, status: str) -> None:
        """Set a user's (or the bot's) status in a group.

        ``status``: creator, administrator, member, left or kicked.
        """
        group = self._groups[self._chat_id(chat)]
        uid = self._user_id(user)
        if uid == self.bot_id:
            group.bot_status = status
            return
        group.admins.discard(uid)
        group.members.discard(uid)
        group.kicked.discard(uid)
        if group.creator == uid:
            group.creator = None
        if status == "creator":
            group.creator = uid
            group.members.add(uid)
        elif status == "administrator":
            group.admins.add(uid)
            group.members.add(uid)
        elif status == "member":
            group.members.add(uid)
        elif status == "kicked":
            group.kicked.add(uid)
        elif status != "left":
            raise ValueError(f"unknown status {status!r}")

    def block(self, user: UserLike, *, notify: bool = False) -> None:
        """The user blocks the bot: sends to their chat get 403 (``notify`` also queues
        the my_chat_member update member -> kicked, as Telegram does)."""
        uid = self._user_id(user)
        self._blocked.add(uid)
        if notify:
            self._emit_my_chat_member(uid, self.private_chat(uid), "member", "kicked")

    def unblock(self, user: UserLike, *, notify: bool = False) -> None:
        uid = self._user_id(user)
        self._blocked.discard(uid)
        if notify:
            self._emit_my_chat_member(uid, self.private_chat(uid), "kicked", "member")

    def is_blocked(self, user: UserLike) -> bool:
        return self._user_id(user) in self._blocked

    def migrate(
        self, old_group_id: int, new_supergroup_id: int, *, by: UserLike | None = None
    ) -> tuple[JSONDict, JSONDict]:
        """Upgrade a group to a supergroup: sends to the old id now fail with
        migrate_to_chat_id; queues both service messages; returns them (old, new)."""
        old = self._groups[old_group_id]
        new_chat: JSONDict = {
            "id": new_supergroup_id,
            "type": "supergroup",
            "title": old.chat["title"],
        }
        self._chats[new_supergroup_id] = new_chat
        self._groups[new_supergroup_id] = _Group(
            chat=new_chat,
            creator=old.creator,
            admins=set(old.admins),
            members=set(old.members),
            kicked=set(old.kicked),
            bot_status=old.bot_status,
        )
        actor_id = self._user_id(by) if by is not None else old.creator
        actor = self._users.get(actor_id) if actor_id is not None else None
        actor = actor or self.bot_user
        old_msg = self._store_message(
            {"from": actor, "chat": old.chat, "migrate_to_chat_id": new_supergroup_id}
        )
        new_msg = self._store_message(
            {"from": actor, "chat": new_chat, "migrate_from_chat_id": old_group_id}
        )
        self._migrated[old_group_id] = new_supergroup_id
        self._emit("message", old_msg)
        self._emit("message", new_msg)
        return old_msg, new_msg

    # ---------------------------------------------------------------- injecting updates

    def send_text(
        self,
        user: UserLike,
        chat: ChatLike | None,
        text: str,
        reply_to: MessageLike | int | None = None,
    ) -> JSONDict:
        """The user sends ``text`` (chat None = their private chat); returns the Message.

        Entities are added like Telegram does (bot_command, mention, hashtag, url, email; UTF-16
        offsets). In groups the update is only queued if the bot would get it in privacy mode
        (commands, replies to the bot, or everything when it is an admin or
        can_read_all_group_messages=True).
        """
        content: JSONDict = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(user, chat, content, reply_to)

    def send_sticker(
        self,
        user: UserLike,
        chat: ChatLike | None = None,
        emoji: str = "👍",
        reply_to: MessageLike | int | None = None,
    ) -> JSONDict:
        file = self._new_file("sticker", None, 24_000)
        sticker = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": file.size,
        }
        return self._user_message(user, chat, {"sticker": sticker}, reply_to)

    def send_photo(
        self,
        user: UserLike,
        chat: ChatLike | None = None,
        caption: str | None = None,
        reply_to: MessageLike | int | None = None,
        *,
        data: bytes | None = None,
    ) -> JSONDict:
        file = self._new_file("photo", data, len(data) if data else 85_000)
        content: JSONDict = {"photo": self._photo_sizes(file)}
        self._add_caption(content, caption)
        return self._user_message(user, chat, content, reply_to)

    def send_voice(
        self,
        user: UserLike,
        chat: ChatLike | None = None,
        duration: int = 3,
        reply_to: MessageLike | int | None = None,
        *,
        data: bytes | None = None,
    ) -> JSONDict:
        file = self._new_file("voice", data, len(data) if data else 12_000)
        voice = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": file.size,
        }
        return self._user_message(user, chat, {"voice": voice}, reply_to)

    def send_location(
        self,
        user: UserLike,
        chat: ChatLike | None = None,
        latitude: float = -6.2886,
        longitude: float = 106.7179,
        reply_to: MessageLike | int | None = None,
    ) -> JSONDict:
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(user, chat, {"location": location}, reply_to)

    def send_document(
        self,
        user: UserLike,
        chat: ChatLike | None = None,
        file_name: str = "dokumen.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        reply_to: MessageLike | int | None = None,
        *,
        data: bytes | None = None,
    ) -> JSONDict:
        file = self._new_file("document", data, len(data) if data else 50_000)
        document = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file.size,
        }
        content: JSONDict = {"document": document}
        self._add_caption(content, caption)
        return self._user_message(user, chat, content, reply_to)

    def edit_text(self, message: MessageLike, new_text: str) -> JSONDict:
        """The author edits their text message: queues an edited_message update."""
        current = self._current_message(message)
        edited = {k: v for k, v in current.items() if k != "entities"}
        edited["text"] = new_text
        edited["edit_date"] = int(time.time())
        entities = detect_entities(new_text)
        if entities:
            edited["entities"] = entities
        self._messages[edited["chat"]["id"]][edited["message_id"]] = edited
        if self._delivers(edited):
            self._emit("edited_message", edited)
        return edited

    def press(self, user: UserLike, message: MessageLike, callback_data: str) -> JSONDict:
        """The user presses an inline button of a bot message; returns the CallbackQuery.

        The message must (still) carry a button with that callback_data, like in a real client.
        """
        current = self._current_message(message)
        datas = [
            button.get("callback_data")
            for row in current.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]
        if callback_data not in datas:
            raise AssertionError(
                f"message {current['message_id']} has no button with callback_data "
                f"{callback_data!r}; its buttons carry {datas!r}"
            )
        query_id = str(next(self._callback_counter))
        query: JSONDict = {
            "id": query_id,
            "from": self._users[self._user_id(user)],
            "message": current,
            "chat_instance": str(abs(hash(("chat_instance", current["chat"]["id"])))),
            "data": callback_data,
        }
        self._callback_queries[query_id] = (query, time.monotonic())
        self._emit("callback_query", query)
        return query

    def buttons(self, message: MessageLike) -> list[tuple[str, str | None]]:
        """(text, callback_data) of every inline button of the message's current version."""
        current = self._current_message(message)
        return [
            (button.get("text", ""), button.get("callback_data"))
            for row in current.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]

    def my_chat_member(
        self, user: UserLike, chat: ChatLike, old_status: str, new_status: str
    ) -> JSONDict:
        """The bot's status in a chat changed (e.g. user blocked it: member -> kicked).

        Updates the fake's state accordingly and queues the update; returns ChatMemberUpdated.
        """
        uid = self._user_id(user)
        chat_dict = self._chats[self._chat_id(chat)]
        if chat_dict["type"] == "private":
            if new_status in ("kicked", "left"):
                self._blocked.add(chat_dict["id"])
            elif new_status == "member":
                self._blocked.discard(chat_dict["id"])
        elif chat_dict["id"] in self._groups:
            self._groups[chat_dict["id"]].bot_status = new_status
        return self._emit_my_chat_member(uid, chat_dict, old_status, new_status)

    def push_update(self, update: Mapping[str, Any]) -> JSONDict:
        """Queue a raw update (update_id is assigned when missing; it must increase)."""
        upd = dict(update)
        kinds = [key for key in upd if key != "update_id"]
        if len(kinds) != 1:
            raise ValueError(f"an update has exactly one payload field, got {kinds!r}")
        if "update_id" in upd:
            if upd["update_id"] <= self._last_update_id:
                raise ValueError(
                    f"update_id {upd['update_id']} must be > last update_id {self._last_update_id}"
                )
            self._last_update_id = upd["update_id"] - 1
        self._enqueue(kinds[0], upd[kinds[0]])
        return upd

    async def post_to_webhook(
        self, update: Mapping[str, Any], secret: str | None = _NOT_GIVEN, *, url: str | None = None
    ) -> int:
        """POST one update straight to the webhook URL; return the HTTP status (-1: no connection).

        ``secret`` defaults to the configured secret token; pass None to omit the header or a
        wrong value to test the bot's check. Does not touch the pending-update queue.
        """
        target = url or (self._webhook.url if self._webhook else None)
        if not target:
            raise RuntimeError("no webhook is set and no url was given")
        if secret is _NOT_GIVEN:
            secret = self._webhook.secret if self._webhook else None
        upd = dict(update)
        if "update_id" not in upd:
            self._last_update_id += 1
            upd["update_id"] = self._last_update_id
        status, _error = await self._post_update(target, upd, secret)
        return -1 if status is None else status

    # ---------------------------------------------------------------- faults

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
                description = _DEFAULT_DESCRIPTIONS.get(error_code, "Unknown Error")
        parameters: JSONDict = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        elif error_code == 429:
            parameters["retry_after"] = 1
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        key = "*" if method == "*" else _canonical(method).lower()
        self._faults.setdefault(key, []).append(
            _Fault(error_code, description, parameters or None, times, when)
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
        key = "*" if method == "*" else _canonical(method).lower()
        self._delays.setdefault(key, []).append(_Delay(seconds, times, when))

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

        Over the limit: 429 "Too Many Requests: retry after N", parameters.retry_after=N >= 1.
        Real Telegram: ~30/s overall, ~1/s per chat, 20/min per group.
        """
        self._global_window = _Window(*self._limit_spec(per_second, 1.0)) if per_second else None
        self._chat_rate = (
            self._limit_spec(per_chat_per_second, 1.0) if per_chat_per_second else None
        )
        self._group_rate = (
            self._limit_spec(per_group_per_minute, 60.0) if per_group_per_minute else None
        )
        self._chat_windows.clear()
        self._group_windows.clear()

    @staticmethod
    def _limit_spec(rate: float | None, period: float) -> tuple[int, float]:
        assert rate is not None
        assert rate > 0
        if rate >= 1:
            return int(rate), period
        return 1, period / rate

    # ---------------------------------------------------------------- inspection

    def calls_to(self, method: str) -> list[Call]:
        name = _canonical(method)
        return [call for call in self.calls if call.method == name]

    def unknown_methods(self) -> list[str]:
        """Methods the bot called that the fake answered with 404 (PTB: InvalidToken)."""
        return sorted({call.method for call in self.calls if call.status == 404})

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

    def duplicates(self) -> dict[int, list[str]]:
        """Chats that received the same text more than once -> those texts."""
        return {chat: list(texts) for chat, texts in self._duplicates.items()}

    @property
    def pending_updates(self) -> list[JSONDict]:
        return list(self._updates)

    @property
    def last_update_id(self) -> int:
        return self._last_update_id

    @property
    def webhook_url(self) -> str | None:
        return self._webhook.url if self._webhook else None

    def stats(self) -> JSONDict:
        return {
            "calls": dict(self.method_counts),
            "statuses": {str(code): n for code, n in self.status_counts.items()},
            "rate_limited": self.rate_limited_count,
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

    def reset_records(self) -> None:
        """Forget recorded calls, sends and counters (users, chats, messages stay)."""
        self.calls.clear()
        self.method_counts.clear()
        self.status_counts.clear()
        self.rate_limited_count = 0
        self.rate_limited_by_chat.clear()
        self.delivery_counts.clear()
        self.callback_answers.clear()
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
        self.clear_faults()
        self.set_rate_limit()
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
        self._updates.clear()

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
        name = _canonical(method)
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
        """Re-check ``condition`` whenever the fake answers a call, up to ``timeout`` s."""
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
                await asyncio.wait_for(event.wait(), min(remaining, 0.25))

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

    # ---------------------------------------------------------------- internals: world

    def _private_chat_dict(self, user: Mapping[str, Any]) -> JSONDict:
        chat: JSONDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return chat

    def _user_id(self, user: UserLike) -> int:
        uid = user if isinstance(user, int) else int(_as_dict(user)["id"])
        if uid not in self._users and uid != self.bot_id:
            raise KeyError(f"unknown user {uid}; create it first with fake.user({uid}, ...)")
        return uid

    def _chat_id(self, chat: ChatLike) -> int:
        return chat if isinstance(chat, int) else int(_as_dict(chat)["id"])

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
        data = _as_dict(message)
        chat_id = data["chat"]["id"]
        current = self._messages.get(chat_id, {}).get(data["message_id"])
        if current is None:
            raise KeyError(
                f"message {data['message_id']} in chat {chat_id} does not exist (any more)"
            )
        return current

    def _user_message(
        self,
        user: UserLike,
        chat: ChatLike | None,
        content: JSONDict,
        reply_to: MessageLike | int | None,
    ) -> JSONDict:
        uid = self._user_id(user)
        if chat is None:
            chat_dict = self.private_chat(uid)
        else:
            chat_id = self._chat_id(chat)
            if chat_id == uid:
                chat_dict = self.private_chat(uid)
            elif chat_id in self._chats:
                chat_dict = self._chats[chat_id]
            else:
                raise KeyError(f"unknown chat {chat_id}; create it with fake.group(...)")
        group = self._groups.get(chat_dict["id"])
        if group is not None and uid not in group.kicked:
            group.members.add(uid)
        fields: JSONDict = {"from": self._users[uid], "chat": chat_dict}
        if reply_to is not None:
            reply_id = reply_to if isinstance(reply_to, int) else _as_dict(reply_to)["message_id"]
            replied = self._messages.get(chat_dict["id"], {}).get(reply_id)
            if replied is None:
                raise KeyError(f"message {reply_id} to reply to is not in chat {chat_dict['id']}")
            fields["reply_to_message"] = _strip_reply(replied)
        fields.update(content)
        message = self._store_message(fields)
        if self._delivers(message):
            self._emit("message", message)
        else:
            self.filtered_group_messages += 1
        return message

    def _delivers(self, message: Mapping[str, Any]) -> bool:
        """Would a bot in privacy mode get this message? (private chats: always)."""
        chat = message["chat"]
        if chat["type"] == "private" or self.can_read_all_group_messages:
            return True
        group = self._groups.get(chat["id"])
        if group is not None and group.bot_status in ("administrator", "creator"):
            return True
        if group is not None and group.bot_status in ("left", "kicked"):
            return False
        if _SERVICE_FIELDS.intersection(message):
            return True
        replied = message.get("reply_to_message")
        if replied and replied.get("from", {}).get("id") == self.bot_id:
            return True
        text = str(message.get("text", message.get("caption", "")))
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            if "@" in command:
                return command.split("@", 1)[1].lower() == self.bot_username.lower()
            return True
        return False

    def _add_caption(self, content: JSONDict, caption: str | None) -> None:
        if caption:
            content["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                content["caption_entities"] = entities

    def _new_file(self, kind: str, data: bytes | None, size: int) -> _File:
        n = next(self._file_counter)
        prefixes = {
            "photo": "AgACAgUAAxkBAAI",
            "sticker": "CAACAgUAAxkBAAI",
            "voice": "AwACAgUAAxkBAAI",
            "document": "BQACAgUAAxkBAAI",
        }
        file_id = f"{prefixes.get(kind, 'BAACAgUAAxkBAAI')}{n:08d}{random.getrandbits(40):010x}"
        extension = {"photo": "jpg", "voice": "oga", "sticker": "webp"}.get(kind, "bin")
        file = _File(
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

    def _photo_sizes(self, file: _File) -> list[JSONDict]:
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

    # ---------------------------------------------------------------- internals: updates

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

    def _confirm_updates(self, offset: int) -> None:
        updates = self._updates
        if offset > 0:
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()
        elif offset < 0:
            while len(updates) > -offset:
                updates.popleft()

    # ---------------------------------------------------------------- internals: webhooks

    def _start_webhook_worker(self, hook: _Webhook) -> None:
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

    async def _webhook_worker(self, hook: _Webhook) -> None:
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

    # ---------------------------------------------------------------- HTTP layer

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, Upload]]:
        params: JSONDict = {}
        files: dict[str, Upload] = {}
        for key, value in request.query.items():
            params[key] = _decode_value(key, value)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: can't parse JSON object")
                for key, value in body.items():
                    params[key] = _decode_value(key, value)
            else:
                form = await request.post()
                for key, field_value in form.items():
                    if isinstance(field_value, str):
                        params[key] = _decode_value(key, field_value)
                    elif isinstance(field_value, bytes | bytearray):
                        text = bytes(field_value).decode("utf-8", "replace")
                        params[key] = _decode_value(key, text)
                    else:
                        files[key] = Upload(
                            key,
                            field_value.filename,
                            field_value.content_type,
                            field_value.file.read(),
                        )
        return params, files

    @staticmethod
    def _json_response(payload: JSONDict, status: int = 200) -> web.Response:
        return web.Response(
            text=json.dumps(payload, ensure_ascii=False),
            status=status,
            content_type="application/json",
        )

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return self._json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, 404
        )

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
                if _TOKEN_RE.match(token):
                    raise ApiError(401, "Unauthorized")
                raise ApiError(404, "Not Found")
            if entry is None:
                raise ApiError(404, "Not Found")
            params, files = await self._read_params(request)
            await self._apply_delays(method, params)
            self._apply_faults(method, params)
            if method in _SEND_METHODS and (
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
            return self._json_response(error.payload(), status)
        payload: JSONDict = {"ok": True, "result": result}
        if method in ("setWebhook", "deleteWebhook"):
            payload["description"] = self._webhook_description
        return self._json_response(payload)

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
        windows: list[_Window] = []
        if self._global_window is not None:
            windows.append(self._global_window)
        if self._chat_rate is not None:
            window = self._chat_windows.get(chat_key)
            if window is None:
                window = self._chat_windows[chat_key] = _Window(*self._chat_rate)
            windows.append(window)
        if self._group_rate is not None and is_group:
            window = self._group_windows.get(chat_key)
            if window is None:
                window = self._group_windows[chat_key] = _Window(*self._group_rate)
            windows.append(window)
        wait = max((w.wait(now) for w in windows), default=0.0)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            self.rate_limited_count += 1
            self.rate_limited_by_chat[chat_key] += 1
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        for window in windows:
            window.stamps.append(now)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return await self._handle_not_found(request)
        file = self._files_by_path.get(request.match_info["path"])
        if file is None:
            return await self._handle_not_found(request)
        return web.Response(body=file.data if file.data is not None else b"\0" * file.size)

    # ---------------------------------------------------------------- Bot API methods

    def _register_handlers(self) -> None:
        handlers: dict[str, _Handler] = {
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
        for name in _MEDIA_KINDS:
            handlers[name] = self._media_handler(name)
        for name in (
            "setMyDescription",
            "setMyShortDescription",
            "setMyName",
            "setChatMenuButton",
            "setMyDefaultAdministratorRights",
            "pinChatMessage",
            "unpinChatMessage",
            "unpinAllChatMessages",
            "setMessageReaction",
        ):
            handlers[name] = self._m_true
        self._handlers = {name.lower(): (name, handler) for name, handler in handlers.items()}

    async def _m_true(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        return True

    async def _m_get_me(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": self.can_join_groups,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_get_updates(self, params: JSONDict, files: dict[str, Upload]) -> list[JSONDict]:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int_param(params, "offset", 0) or 0
        limit = min(100, max(1, _int_param(params, "limit", 100) or 100))
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
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _set_allowed_updates(self, allowed: Any) -> None:
        if allowed is None:
            return
        if not isinstance(allowed, list):
            raise ApiError(400, "Bad Request: can't parse allowed updates")
        self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_ALLOWED_UPDATES

    _webhook_description = "Webhook was set"

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
        if secret is not None and not _SECRET_RE.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._set_allowed_updates(params.get("allowed_updates"))
        await self._stop_webhook_worker()
        self._webhook = _Webhook(
            url=url,
            secret=str(secret) if secret is not None else None,
            max_connections=_int_param(params, "max_connections", 40) or 40,
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
            if self._allowed_updates != _DEFAULT_ALLOWED_UPDATES:
                info["allowed_updates"] = sorted(self._allowed_updates)
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

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
        plain, parsed = _strip_text(plain, parsed)
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
        parsed.sort(key=_entity_sort_key)
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
                actions = [key for key in _INLINE_BUTTON_ACTIONS if key in button]
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
        return _strip_reply(replied)

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
                (f"<{kind}>" for kind in _CONTENT_FIELDS if kind in message), "<message>"
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
                "latitude": float(_require(params, "latitude")),
                "longitude": float(_require(params, "longitude")),
            }
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: wrong latitude or longitude") from None
        markup = self._check_reply_markup(params.get("reply_markup"))
        return self._bot_message(chat, params, {"location": location}, markup)

    def _media_handler(self, method: str) -> _Handler:
        kind = _MEDIA_KINDS[method]

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
            content["voice"] = {**base, "duration": _int_param(params, "duration", 1) or 1}
        elif kind in ("video", "animation"):
            content[kind] = {
                **base,
                "width": _int_param(params, "width", 640) or 640,
                "height": _int_param(params, "height", 360) or 360,
                "duration": _int_param(params, "duration", 1) or 1,
            }
        elif kind == "audio":
            content["audio"] = {**base, "duration": _int_param(params, "duration", 1) or 1}
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
        from_chat = self._resolve_chat(_require(params, "from_chat_id"))
        message_id = _int_param(params, "message_id")
        source = self._messages.get(from_chat["id"], {}).get(message_id or 0)
        if source is None:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        if _SERVICE_FIELDS.intersection(source):
            raise ApiError(400, f"Bad Request: message can't be {what}ed")
        return source

    async def _m_copy_message(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_for_send(params.get("chat_id"))
        source = self._source_message(params, "copy")
        content: JSONDict = {key: source[key] for key in _CONTENT_FIELDS if key in source}
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
        content: JSONDict = {key: source[key] for key in _CONTENT_FIELDS if key in source}
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
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    # -- editing

    def _message_to_edit(self, params: JSONDict) -> JSONDict | None:
        if params.get("inline_message_id"):
            return None
        chat = self._resolve_chat(_require(params, "chat_id"))
        message_id = _int_param(params, "message_id")
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
        chat = self._resolve_chat(_require(params, "chat_id"))
        message_id = _int_param(params, "message_id")
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

    # -- commands

    def _scope_key(self, scope: Any) -> str:
        if scope is None:
            scope = {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope")
        normalised: JSONDict = {"type": scope["type"]}
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            normalised["chat_id"] = self._resolve_chat(scope.get("chat_id"))["id"]
        if scope["type"] == "chat_member":
            normalised["user_id"] = _int_param(scope, "user_id")
        return json.dumps(normalised, sort_keys=True)

    async def _m_set_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.match(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _m_get_my_commands(
        self, params: JSONDict, files: dict[str, Upload]
    ) -> list[JSONDict]:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return list(self._commands.get(key, []))

    async def _m_delete_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._commands.pop(key, None)
        return True

    # -- chats

    async def _m_get_chat(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._resolve_chat(_require(params, "chat_id"))
        info: JSONDict = {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat["type"] != "private":
            info["permissions"] = {"can_send_messages": True}
        return info

    def _member_status(self, chat: JSONDict, user_id: int) -> str:
        if user_id == self.bot_id:
            group = self._groups.get(chat["id"])
            return group.bot_status if group else "member"
        if chat["type"] == "private":
            return "member" if user_id == chat["id"] else "left"
        group = self._groups[chat["id"]]
        if user_id in group.kicked:
            return "kicked"
        if user_id == group.creator:
            return "creator"
        if user_id in group.admins:
            return "administrator"
        if user_id in group.members:
            return "member"
        return "left"

    async def _m_get_chat_member(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._resolve_chat(_require(params, "chat_id"))
        user_id = _int_param(params, "user_id")
        if user_id is None:
            raise ApiError(400, "Bad Request: user_id is empty")
        user = self.bot_user if user_id == self.bot_id else self._users.get(user_id)
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        return self._chat_member_dict(user, self._member_status(chat, user_id))

    async def _m_get_chat_administrators(
        self, params: JSONDict, files: dict[str, Upload]
    ) -> list[JSONDict]:
        chat = self._resolve_chat(_require(params, "chat_id"))
        if chat["type"] == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        group = self._groups[chat["id"]]
        result: list[JSONDict] = []
        if group.creator is not None and group.creator in self._users:
            result.append(self._chat_member_dict(self._users[group.creator], "creator"))
        for uid in sorted(group.admins):
            if uid in self._users:
                result.append(self._chat_member_dict(self._users[uid], "administrator"))
        if group.bot_status == "administrator":
            result.append(self._chat_member_dict(self.bot_user, "administrator"))
        return result

    async def _m_get_chat_member_count(self, params: JSONDict, files: dict[str, Upload]) -> int:
        chat = self._resolve_chat(_require(params, "chat_id"))
        if chat["type"] == "private":
            return 2
        group = self._groups[chat["id"]]
        bot_in = group.bot_status in ("member", "administrator", "creator")
        return len(group.members) + (1 if bot_in else 0)

    async def _m_leave_chat(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self._resolve_chat(_require(params, "chat_id"))
        if chat["id"] in self._groups:
            self._groups[chat["id"]].bot_status = "left"
        return True

    async def _m_get_file(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        file = self._files.get(str(params.get("file_id") or ""))
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": str(params["file_id"]),
            "file_unique_id": file.file_unique_id,
            "file_size": file.size,
            "file_path": file.path,
        }

    # ---------------------------------------------------------------- control API (/_fake/)

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
            return self._json_response({"ok": False, "error": f"{type(exc).__name__}: {exc}"}, 400)
        if result is None:
            return self._json_response({"ok": False, "error": f"unknown action {action}"}, 404)
        return self._json_response({"ok": True, "result": result})

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
        if action == "fail" and http_method == "POST":
            self.fail(
                body["method"],
                int(body.get("error_code", 400)),
                body.get("description"),
                retry_after=body.get("retry_after"),
                migrate_to_chat_id=body.get("migrate_to_chat_id"),
                times=body.get("times", 1),
            )
            return True
        if action == "delay" and http_method == "POST":
            self.delay(body["method"], float(body["seconds"]), body.get("times", 1))
            return True
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


# --------------------------------------------------------------------------------------------
# Standalone process mode and its synchronous client
# --------------------------------------------------------------------------------------------


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
    ) -> None:
        self._request(
            "POST",
            "fail",
            {
                "method": method,
                "error_code": error_code,
                "description": description,
                "retry_after": retry_after,
                "times": times,
            },
        )

    def delay(self, method: str, seconds: float, times: int | None = 1) -> None:
        self._request("POST", "delay", {"method": method, "seconds": seconds, "times": times})

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


class FakeBotAPIProcess:
    """Run ``python -m tests.fake_bot_api`` as a child process (``with`` block or start/stop)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        port: int = 0,
        bot_username: str = "ukm_test_bot",
        rate_limit: float | None = None,
        extra_args: Sequence[str] = (),
        python: str = sys.executable,
        cwd: str | Path | None = None,
        ready_timeout: float = 20.0,
    ) -> None:
        self.token = token
        self.port = port
        self.args = [python, "-m", "tests.fake_bot_api", "--token", token, "--port", str(port)]
        self.args += ["--bot-username", bot_username]
        if rate_limit is not None:
            self.args += ["--rate-limit", str(rate_limit)]
        self.args += list(extra_args)
        self.cwd = Path(cwd) if cwd is not None else Path(__file__).resolve().parent.parent
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def control(self) -> FakeControlClient:
        return FakeControlClient(self.url)

    def start(self) -> int:
        """Start the process and wait for its "READY <port>" line; returns the port."""
        self.process = subprocess.Popen(
            self.args, cwd=self.cwd, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        stdout = self.process.stdout
        assert stdout is not None
        deadline = time.monotonic() + self.ready_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"the fake Bot API process did not become ready: {self.args}")
            readable, _, _ = select.select([stdout], [], [], remaining)
            if not readable:
                continue
            line = stdout.readline()
            if line.startswith("READY "):
                self.port = int(line.split()[1])
                return self.port

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> FakeBotAPIProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeBotAPI(
        args.token,
        args.bot_username,
        host=args.host,
        port=args.port,
        strict_html=args.strict_html,
        record_calls=args.record_calls,
        can_read_all_group_messages=args.read_all_group_messages,
    )
    fake.set_rate_limit(args.rate_limit, args.per_chat_rate, args.per_group_per_minute)
    await fake.start()
    print(f"READY {fake.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: serve the fake API (plus /_fake/ control API) until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m tests.fake_bot_api", description=__doc__)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port (see READY line)")
    parser.add_argument("--bot-username", default="ukm_test_bot")
    parser.add_argument("--rate-limit", type=float, default=None, help="sends per second overall")
    parser.add_argument(
        "--per-chat-rate", type=float, default=None, help="sends per second per chat"
    )
    parser.add_argument("--per-group-per-minute", type=float, default=None)
    parser.add_argument("--strict-html", action="store_true", help="reject bare & in HTML")
    parser.add_argument("--record-calls", action="store_true", help="keep every Call in memory")
    parser.add_argument("--read-all-group-messages", action="store_true")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
