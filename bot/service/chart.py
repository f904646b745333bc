"""A small bar chart as a PNG, written with the standard library (zlib), no drawing package.

It has no text: the message it comes with gives the figures. Bars below 5 are drawn all at
the height of 5, in a paler colour, so the picture never tells a count the text hides.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

WIDTH, HEIGHT = 360, 180
MARGIN = 12
BACKGROUND = (255, 255, 255)
AXIS = (120, 120, 120)
COLOURS = ((66, 110, 180), (120, 180, 120))  # one per series
PALE = ((180, 196, 225), (200, 225, 200))
HIDDEN_BELOW = 5


def bar_chart(series: Sequence[Sequence[int]]) -> bytes:
    """Side-by-side bars, one group per column (month), one bar per series in each group."""
    columns = max((len(values) for values in series), default=0)
    pixels = [[BACKGROUND] * WIDTH for _ in range(HEIGHT)]
    top = max([HIDDEN_BELOW, *[v for values in series for v in values]])
    base = HEIGHT - MARGIN
    for x in range(MARGIN, WIDTH - MARGIN):
        pixels[base][x] = AXIS
    if columns:
        group = (WIDTH - 2 * MARGIN) // columns
        bar = max(2, (group - 6) // max(1, len(series)))
        for column in range(columns):
            for index, values in enumerate(series):
                if column >= len(values) or values[column] <= 0:
                    continue
                value = values[column]
                shown = max(value, HIDDEN_BELOW)
                colour = (PALE if value < HIDDEN_BELOW else COLOURS)[index % len(COLOURS)]
                height = round((base - MARGIN) * shown / top)
                left = MARGIN + column * group + 3 + index * bar
                for y in range(base - height, base):
                    for x in range(left, min(left + bar - 1, WIDTH - MARGIN)):
                        pixels[y][x] = colour
    return _png(pixels)


def _png(pixels: list[list[tuple[int, int, int]]]) -> bytes:
    raw = b"".join(b"\x00" + bytes(c for pixel in row for c in pixel) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", len(pixels[0]), len(pixels), 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
