"""QR codes for invitation links, so a worker can show one on a phone or print it."""

from __future__ import annotations

import io

import segno


def qr_png(url: str) -> bytes:
    """A PNG of `url`, large enough to scan from a screen or a sheet of paper."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()
