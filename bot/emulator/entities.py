"""The `entities` Telegram returns with a message the bot sent, as the Bot API describes them.

Telegram answers a send or an edit with the message as it stored it: the visible text, and the
formatting as a list of MessageEntity objects whose offsets and lengths count UTF-16 code units.
It also marks what it finds by itself in the text (links, commands, @usernames, e-mail
addresses), except inside code, preformatted text and links. python-telegram-bot rebuilds
`text_html` from these, so a fake that returned plain text would hide every formatting bug.
"""

from __future__ import annotations

import re
from typing import Any

from .html_check import ParsedHtml, Span

__all__ = ["detected_entities", "entities_from_html", "utf16_length"]

JsonDict = dict[str, Any]

_SIMPLE_TYPES = {
    "b": "bold",
    "i": "italic",
    "u": "underline",
    "s": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
}
_USER_LINK = re.compile(r"tg://user\?id=(\d{1,20})")
_LANGUAGE = re.compile(r"language-(\S+)")
# What Telegram detects by itself; deliberately conservative (TDLib's rules are wider).
_DETECTED = (
    ("url", re.compile(r"(?<![\w/@.])(?:https?://|tg://)[^\s<>\"]+", re.IGNORECASE)),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z]\w{2,30}bot)?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z]\w{3,31}(?![\w@])")),
)
_TRAILING = ".,;:!?)]}'»"
_NO_DETECTION_INSIDE = frozenset({"code", "pre", "text_link", "text_mention"})


def utf16_length(text: str) -> int:
    """Telegram measures text in UTF-16 code units (an emoji usually counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def entities_from_html(parsed: ParsedHtml) -> list[JsonDict]:
    """The entities of a message sent with parse_mode HTML, plus what Telegram detects."""
    formatted = [
        entity
        for span in parsed.spans
        if (entity := _from_span(parsed.text, span, parsed.spans)) is not None
    ]
    return _sorted([*formatted, *detected_entities(parsed.text, formatted)])


def detected_entities(text: str, existing: list[JsonDict] | None = None) -> list[JsonDict]:
    """Links, commands, mentions and e-mail addresses, as Telegram marks them in any text.

    A detected entity is dropped where it would cross an existing one (entities must nest) or
    fall inside code, preformatted text or a link."""
    existing = existing or []
    found: list[JsonDict] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DETECTED:
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            if kind == "url":
                while end > start and text[end - 1] in _TRAILING:
                    end -= 1
            if end <= start or any(s < end and start < e for s, e in taken):
                continue
            entity = _entity(kind, text, start, end)
            if any(_crosses(entity, other) for other in existing):
                continue
            if any(
                other["type"] in _NO_DETECTION_INSIDE and _inside(entity, other)
                for other in existing
            ):
                continue
            taken.append((start, end))
            found.append(entity)
    return _sorted(found)


def _from_span(text: str, span: Span, spans: tuple[Span, ...]) -> JsonDict | None:
    if span.start == span.end:
        return None  # Telegram drops empty formatting
    if span.tag in _SIMPLE_TYPES:
        if span.tag == "code" and _directly_in_pre(span, spans):
            return None  # <pre><code class="language-x"> is one pre entity with its language
        return _entity(_SIMPLE_TYPES[span.tag], text, span.start, span.end)
    if span.tag == "pre":
        entity = _entity("pre", text, span.start, span.end)
        inner = next(
            (
                other
                for other in spans
                if other.tag == "code" and (other.start, other.end) == (span.start, span.end)
            ),
            None,
        )
        language = _LANGUAGE.fullmatch(inner.attribute("class") or "") if inner else None
        if language:
            entity["language"] = language.group(1)
        return entity
    if span.tag == "blockquote":
        expandable = span.attribute("expandable") is not None
        kind = "expandable_blockquote" if expandable else "blockquote"
        return _entity(kind, text, span.start, span.end)
    if span.tag == "a":
        href = span.attribute("href") or ""
        user = _USER_LINK.fullmatch(href)
        if user:
            entity = _entity("text_mention", text, span.start, span.end)
            entity["user"] = {"id": int(user.group(1)), "is_bot": False, "first_name": ""}
            return entity
        entity = _entity("text_link", text, span.start, span.end)
        entity["url"] = href
        return entity
    if span.tag == "tg-emoji":
        entity = _entity("custom_emoji", text, span.start, span.end)
        entity["custom_emoji_id"] = span.attribute("emoji-id") or ""
        return entity
    return None


def _directly_in_pre(code: Span, spans: tuple[Span, ...]) -> bool:
    return any(
        other.tag == "pre" and (other.start, other.end) == (code.start, code.end) for other in spans
    )


def _entity(kind: str, text: str, start: int, end: int) -> JsonDict:
    offset = utf16_length(text[:start])
    return {"type": kind, "offset": offset, "length": utf16_length(text[start:end])}


def _bounds(entity: JsonDict) -> tuple[int, int]:
    return int(entity["offset"]), int(entity["offset"]) + int(entity["length"])


def _crosses(one: JsonDict, other: JsonDict) -> bool:
    (a, b), (c, d) = _bounds(one), _bounds(other)
    return a < d and c < b and not (c <= a and b <= d) and not (a <= c and d <= b)


def _inside(one: JsonDict, other: JsonDict) -> bool:
    (a, b), (c, d) = _bounds(one), _bounds(other)
    return c <= a and b <= d


def _sorted(entities: list[JsonDict]) -> list[JsonDict]:
    """Telegram's order: by offset, the outer (longer) entity first."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))
