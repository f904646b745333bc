"""What the page draws, as data: formatted text becomes a tree of allowed tags and plain strings.

The browser builds elements from this tree with `createElement` and `textContent` only, so
nothing anyone typed is ever parsed as HTML there. Formatting is read here, by the emulator's
own Telegram-HTML parser (text Telegram would refuse never reaches a chat).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from bot.emulator.html_check import analyse_telegram_html
from bot.emulator.server import SentMessage

JsonDict = dict[str, Any]
Node = str | JsonDict

# The tags the page draws; Telegram's synonyms arrive already canonical (b, i, u, s...).
ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "a", "code", "pre", "blockquote", "tg-spoiler"})
_NO_AUTOLINK = frozenset({"a", "code", "pre"})
# What Telegram turns into links and tappable commands in a plain text run.
_AUTO = re.compile(
    r"(?P<url>https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'])|(?P<cmd>(?<!\S)/[a-z0-9_]{1,32}\b)"
)


def text_nodes(text: str) -> list[Node]:
    """A plain run of text, with URLs and /commands marked as Telegram apps show them."""
    nodes: list[Node] = []
    position = 0
    for found in _AUTO.finditer(text):
        if found.start() > position:
            nodes.append(text[position : found.start()])
        if found.group("url"):
            nodes.append({"tag": "a", "href": found.group("url"), "c": [found.group("url")]})
        else:
            nodes.append({"tag": "cmd", "c": [found.group("cmd")]})
        position = found.end()
    if position < len(text):
        nodes.append(text[position:])
    return nodes


class _Tree(HTMLParser):
    """Reads the canonical markup (already validated, so well nested) into nodes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: JsonDict = {"tag": "root", "c": []}
        self.stack: list[JsonDict] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node: JsonDict = {"tag": tag if tag in ALLOWED_TAGS else "span", "c": []}
        href = dict(attrs).get("href")
        if tag == "a" and href:
            node["href"] = href
        self.stack[-1]["c"].append(node)
        self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        inside = {node["tag"] for node in self.stack}
        children: list[Node] = self.stack[-1]["c"]
        if inside & _NO_AUTOLINK:
            children.append(data)
        else:
            children.extend(text_nodes(data))


def formatted(raw: str | None, parse_mode: str | None) -> list[Node]:
    """The message's text as nodes: Telegram HTML is parsed, anything else is plain text."""
    if not raw:
        return []
    if (parse_mode or "").upper() != "HTML":
        return text_nodes(raw)
    tree = _Tree()
    tree.feed(analyse_telegram_html(raw).canonical)
    tree.close()
    children: list[Node] = tree.root["c"]
    return children


def bot_message(message: SentMessage) -> JsonDict:
    """A message Escale sent, as the page shows it now (after any edit)."""
    drawn: JsonDict = {
        "id": message.message_id,
        "from": "bot",
        "kind": message.kind,
        "date": message.date,
        "edited": message.edits > 0,
        "deleted": message.deleted,
        "protected": message.protect_content,
        "body": formatted(message.html, message.parse_mode),
        "buttons": [
            [
                {"text": button.text, "url": button.url, "press": button.callback_data is not None}
                for button in row
            ]
            for row in message.buttons
        ],
    }
    media = message.media
    if message.kind == "photo" and media.get("photo"):
        drawn["file"] = media["photo"][-1]["file_id"]
    elif message.kind == "document":
        document = media.get("document", {})
        drawn["file"] = document.get("file_id")
        drawn["file_name"] = document.get("file_name") or "file"
        drawn["file_size"] = document.get("file_size")
    elif message.kind == "voice":
        voice = media.get("voice", {})
        drawn["file"] = voice.get("file_id")
        drawn["duration"] = voice.get("duration", 1)
    return drawn


def own_message(
    message_id: int, date: int, text: str | None = None, voice: JsonDict | None = None
) -> JsonDict:
    """A message the participant sent, as their own chat shows it (plain text, as typed)."""
    drawn: JsonDict = {
        "id": message_id,
        "from": "me",
        "kind": "voice" if voice else "text",
        "date": date,
        "edited": False,
        "deleted": False,
        "protected": False,
        "body": [text] if text else [],
        "buttons": [],
    }
    if voice:
        drawn["file"] = voice["file_id"]
        drawn["duration"] = voice.get("duration", 1)
    return drawn
