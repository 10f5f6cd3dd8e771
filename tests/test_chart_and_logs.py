"""The statistics chart is a real PNG; the log formatter removes every secret."""

from __future__ import annotations

import logging
import struct
import zlib
from urllib.parse import quote

import pytest

from bot.assistant import Assistant
from bot.chart import stacked_bars, tick_label, unknown_characters
from bot.logs import REDACTED, RedactingFormatter, install_redacting_excepthook
from bot.stats import CHART_COLOURS, day_label


def test_chart_is_a_valid_png_of_the_asked_size() -> None:
    png = stacked_bars(
        ["01/11", "02/11"], [("Dijawab", (0, 128, 0), [3, 5]), ("Tidak tahu", (200, 0, 0), [1, 0])]
    )
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (900, 420)
    idat = png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8]
    raw = zlib.decompress(idat)
    assert len(raw) == height * (1 + width * 3)
    assert bytes((0, 128, 0)) in raw and bytes((200, 0, 0)) in raw  # both series drawn


def test_empty_days_still_draw() -> None:
    assert stacked_bars(["01/11"], [("Dijawab", (0, 128, 0), [0])]).startswith(b"\x89PNG")


def test_every_character_the_chart_can_draw_is_in_its_font(assistant: Assistant) -> None:
    """Legends (from the templates, in both languages), counts and dates: none drawn blank."""
    legends = [
        text
        for lang in ("id", "en")
        for decision, text in assistant.renderer.chart_legends(lang).items()
        if decision in CHART_COLOURS
    ]
    counts = [tick_label(n) for n in (0, 7, 25, 1_000, 1_234_567_890)]
    days = [day_label(f"2026-{m:02d}-{d:02d}") for m in range(1, 13) for d in range(1, 29)]
    drawn = [*legends, *counts, *days]
    assert {ch for text in drawn for ch in unknown_characters(text)} == set()
    assert unknown_characters("Ditolak ✓") == {"✓"}  # the check itself can fail


def test_formatter_redacts_messages_arguments_and_tracebacks() -> None:
    token = "123456:SECRET-token-value"
    formatter = RedactingFormatter([token])
    try:
        raise ValueError(f"POST https://api.telegram.org/bot{token}/sendMessage failed")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "httpx",
            logging.INFO,
            __file__,
            1,
            "HTTP Request: %s",
            (f"/bot{token}/getMe",),
            sys.exc_info(),
        )
    text = formatter.format(record)
    assert token not in text and text.count(REDACTED) == 2


def test_a_crash_traceback_and_a_percent_encoded_token_are_redacted_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A crash is printed by Python itself, not through logging (PTB's InvalidToken spells
    the token out), and a URL may carry the token's colon percent-encoded."""
    import sys
    import threading

    secret = "SECRET" + "-token-value"  # never whole in this file's source lines
    token = f"123456:{secret}"
    encoded = f"/bot{quote(token, safe='')}/getMe"
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    install_redacting_excepthook([token])
    try:
        raise RuntimeError(f"The token `{token}` was rejected; {encoded}")
    except RuntimeError as err:
        sys.excepthook(RuntimeError, err, err.__traceback__)
    printed = capsys.readouterr().err
    assert "Traceback" in printed and "RuntimeError" in printed
    assert secret not in printed and printed.count(REDACTED) == 2
