"""A stacked bar chart as a PNG, in plain Python: questions per day by decision.

Written here rather than pulling in a plotting library (matplotlib and numpy add some
60 MB to every install) for one small chart. zlib and struct are all a PNG needs.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

Colour = tuple[int, int, int]
WHITE: Colour = (255, 255, 255)
INK: Colour = (60, 60, 60)
GRID: Colour = (225, 225, 225)

# A 5x7 pixel font: each glyph is 7 rows of 5 bits.
_FONT = {
    "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100",
    "/": "00001 00010 00010 00100 01000 01000 10000",
    " ": "00000 00000 00000 00000 00000 00000 00000",
    "-": "00000 00000 00000 11111 00000 00000 00000",
    ".": "00000 00000 00000 00000 00000 01100 01100",
    "A": "01110 10001 10001 11111 10001 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "D": "11110 10001 10001 10001 10001 10001 11110",
    "E": "11111 10000 10000 11110 10000 10000 11111",
    "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110",
    "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101",
    "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110",
    "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010",
    "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 01010 00100 00100 00100 00100",
    "Z": "11111 00001 00010 00100 01000 10000 11111",
}


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(WHITE * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: Colour) -> None:
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        row = bytes(colour) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def text(self, x: int, y: int, text: str, colour: Colour = INK, scale: int = 2) -> int:
        """Draw text with its top-left corner at (x, y); returns the x after it."""
        for ch in text.upper():
            rows = _FONT.get(ch, _FONT[" "]).split()
            for dy, bits in enumerate(rows):
                for dx, bit in enumerate(bits):
                    if bit == "1":
                        px, py = x + dx * scale, y + dy * scale
                        self.rect(px, py, px + scale, py + scale, colour)
            x += 6 * scale
        return x

    def png(self) -> bytes:
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3])
            for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            return (
                struct.pack(">I", len(data))
                + kind
                + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
            )

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b"")
        )


def stacked_bars(
    days: Sequence[str],
    series: Sequence[tuple[str, Colour, Sequence[int]]],
    width: int = 900,
    height: int = 420,
) -> bytes:
    """`days` label the bars (e.g. "28/11"); each series is (legend, colour, values)."""
    canvas = Canvas(width, height)
    left, right, top, bottom = 70, 20, 50, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[i] for _, _, values in series) for i in range(len(days))]
    peak = max([*totals, 1])
    step = _nice_step(peak)
    ceiling = step * -(-peak // step)
    for tick in range(0, ceiling + 1, step):  # horizontal grid with labels
        y = top + plot_h - round(plot_h * tick / ceiling)
        canvas.rect(left, y, left + plot_w, y + 1, GRID)
        label = tick_label(tick)
        canvas.text(left - 8 - 12 * len(label), y - 7, label)
    bar = plot_w / max(1, len(days))
    for i, day in enumerate(days):
        x0 = left + round(i * bar + bar * 0.15)
        x1 = left + round((i + 1) * bar - bar * 0.15)
        y = top + plot_h
        for _, colour, values in series:
            h = round(plot_h * values[i] / ceiling)
            canvas.rect(x0, y - h, x1, y, colour)
            y -= h
        if i % max(1, len(days) // 6) == 0 or i == len(days) - 1:
            canvas.text(x0, top + plot_h + 10, day, scale=1)
    canvas.rect(left, top + plot_h, left + plot_w, top + plot_h + 2, INK)
    x = left
    for legend, colour, _ in series:  # legend along the top
        canvas.rect(x, 16, x + 16, 32, colour)
        x = canvas.text(x + 22, 17, legend) + 24
    return canvas.png()


def tick_label(value: int) -> str:
    """The count beside a grid line: 1.000 (the dot the staff's Indonesian uses)."""
    return f"{value:,}".replace(",", ".")


def unknown_characters(text: str) -> set[str]:
    """The characters of `text` the 5x7 font has no glyph for: they would be drawn blank."""
    return {ch for ch in text.upper() if ch not in _FONT}


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if peak / step <= 6:
            return step
    return int(10 ** len(str(peak)) // 5)
