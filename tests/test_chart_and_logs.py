"""The statistics chart is a real PNG; the log formatter removes every secret."""

from __future__ import annotations

import logging
import struct
import zlib

from bot.chart import stacked_bars
from bot.logs import REDACTED, RedactingFormatter


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
