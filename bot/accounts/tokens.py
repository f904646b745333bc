"""Invitation tokens: 256 random bits in a deep-link payload, kept only as a hash."""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32  # 256 bits, 43 characters of base64url: well inside the 64-character payload
_PAYLOAD_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def new_token() -> str:
    """A fresh random token, safe to put in a `t.me/<bot>?start=` link."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database keeps: a leaked database does not give working links."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def looks_like_token(payload: str) -> bool:
    """Whether a /start payload could be a token at all (Telegram's deep-link alphabet)."""
    return bool(_PAYLOAD_SHAPE.match(payload))


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"
