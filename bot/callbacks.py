"""Button payloads. They come back from the client, so handlers re-check everything they imply."""

from __future__ import annotations

import re

LANGUAGE = "lang"
JOIN_YES = "join:yes"
JOIN_NO = "join:no"
WORKER_SUSPEND = "wk:suspend"
WORKER_RESUME = "wk:resume"
FORGET_YES = "forget:yes"
FORGET_NO = "forget:no"


def build(prefix: str, value: object | None = None) -> str:
    return prefix if value is None else f"{prefix}:{value}"


def pattern(prefix: str, value: str | None = None) -> re.Pattern[str]:
    """A regex for `prefix` alone, or `prefix:<value>` with `value` a regex group."""
    if value is None:
        return re.compile(rf"^{re.escape(prefix)}$")
    return re.compile(rf"^{re.escape(prefix)}:({value})$")
