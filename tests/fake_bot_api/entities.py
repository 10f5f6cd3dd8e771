"""Automatic entities: what Telegram adds to a message's text by itself."""

from __future__ import annotations

import re
from typing import Final

from tests.fake_bot_api.protocol import JSONDict, utf16_len

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


def strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
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
