"""Telegram HTML: a port of tdlib's parse_html (td/telegram/MessageEntity.cpp)."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any, Final

from tests.fake_bot_api.protocol import JSONDict, utf16_len

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


def _utf8_chunk_utf16_len(chunk: bytes) -> int:
    if chunk.isascii():
        return len(chunk)
    return utf16_len(chunk.decode("utf-8", "replace"))


def entity_sort_key(entity: Mapping[str, Any]) -> tuple[int, int, int]:
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
    entities.sort(key=entity_sort_key)
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
