"""Text for Telegram, in one place: escaping, lengths as Telegram counts them, and cutting.

Every view escapes user text with `esc`; every message Escale sends is measured with
`utf16_length` (Telegram counts UTF-16 code units: an emoji is two) and, when too long, cut here:
`pack` gathers HTML pieces into messages and cuts only a piece too long for any message
(`split_html`, never inside a tag or an entity, tags closed and reopened at a cut); `split_plain`
cuts plain text (the outbox's last resort, once Telegram refused the HTML).
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.core.invisible import visible_text

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # links in Escale's texts never unfold
MAX_TEXT = 4096  # Telegram's limit for a message, in UTF-16 code units
MAX_CAPTION = 1024  # and for a caption
# What Escale's messages aim for: below MAX_TEXT, leaving room for the note the outbox puts
# on top of a message it sends again, or a footer a press adds.
MESSAGE_BUDGET = 4000

_ATOM = re.compile(r"<[^<>]*>|&#?[0-9A-Za-z]+;|.", re.DOTALL)  # never cut inside one
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")


@dataclass(frozen=True)
class Reply:
    """A message in Telegram HTML, with optional buttons (rows of label/callback-data pairs)."""

    text: str
    buttons: Sequence[Sequence[tuple[str, str]]] = ()

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        if not self.buttons:
            return None
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(label, callback_data=data) for label, data in row]
                for row in self.buttons
            ]
        )


def esc(text: str) -> str:
    """Escape user-written text for Telegram HTML, without its bidi controls and invisible
    spaces (also in what was stored before they were removed at input)."""
    return html.escape(visible_text(text), quote=False)


def utf16_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji counts twice."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units (a surrogate pair is never
    halved)."""
    size = 0
    for index, char in enumerate(text):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            return index
    return len(text)


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def format_fields(text: str, values: Mapping[str, str]) -> str:
    """`text` with each `{field}` replaced by name, fields missing from `values` left empty
    (`str.format` would read `{previous.x}` as an attribute)."""
    out: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def pack(pieces: Sequence[str], budget: int = MESSAGE_BUDGET, separator: str = "\n\n") -> list[str]:
    """HTML `pieces` gathered, in order and joined by `separator`, into as few messages of at
    most `budget` UTF-16 units as they fit in; only a piece too long for any message is cut
    (`split_html`). No pieces, no messages."""
    messages: list[list[str]] = []
    for piece in pieces:
        if messages and utf16_length(separator.join([*messages[-1], piece])) <= budget:
            messages[-1].append(piece)
        elif utf16_length(piece) <= budget:
            messages.append([piece])
        else:
            messages.extend([cut] for cut in split_html(piece, budget))
    return [separator.join(message) for message in messages]


def in_messages(lines: Sequence[str], limit: int = MESSAGE_BUDGET) -> list[Reply]:
    """Lines gathered into as few messages as fit under Telegram's 4096-character limit."""
    return [Reply(text) for text in pack(lines, limit, "\n")]


def split_html(html_text: str, budget: int) -> list[str]:
    """Cut HTML into pieces within `budget` UTF-16 units, each at least half full: at the last
    line break that allows it, else the last space, else between characters; never inside a
    tag, an entity or a surrogate pair. Tags open at a cut are closed there and reopened in the
    next piece, so each piece parses alone."""
    atoms = _ATOM.findall(html_text)
    pieces: list[str] = []
    start = 0
    reopened: list[str] = []
    while start < len(atoms):
        stack = list(reopened)
        size = utf16_length("".join(reopened))
        end = start
        line: tuple[int, list[str]] | None = None
        word: tuple[int, list[str]] | None = None
        while end < len(atoms):
            atom = atoms[end]
            after = _opened_after(stack, atom)
            if size + utf16_length(atom) + sum(len(_closing(tag)) for tag in after) > budget:
                break
            if 2 * size >= budget and atom == "\n":
                line = (end, stack)
            elif 2 * size >= budget and atom == " ":
                word = (end, stack)
            size += utf16_length(atom)
            stack = after
            end += 1
        if end == len(atoms):
            pieces.append("".join([*reopened, *atoms[start:], *map(_closing, reversed(stack))]))
            break
        assert end > start, "a message budget holds at least one tag or character"
        chosen = line or word
        if chosen is None:
            cut = resume = end
        else:
            cut, stack = chosen
            resume = cut + 1  # the line break or space cut at is dropped
        pieces.append("".join([*reopened, *atoms[start:cut], *map(_closing, reversed(stack))]))
        start, reopened = resume, stack
    return pieces


def _opened_after(stack: list[str], atom: str) -> list[str]:
    """The start tags still open once `atom` is read."""
    if atom.startswith("</"):
        return stack[:-1]
    if atom.startswith("<"):
        return [*stack, atom]
    return stack


def _closing(start_tag: str) -> str:
    match = _TAG_NAME.match(start_tag)
    assert match is not None, f"not a tag: {start_tag!r}"
    return f"</{match.group(1)}>"


def split_plain(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Plain `text` cut into parts of at most `limit` UTF-16 units, at a line break where
    possible, never inside a surrogate pair; parts that are only blanks are dropped."""
    parts: list[str] = []
    while utf16_length(text) > limit:
        cut = fitting(text, limit)
        newline = text.rfind("\n", 0, cut)
        if newline > 0:
            cut = newline + 1
        parts.append(text[:cut])
        text = text[cut:]
    parts.append(text)
    return [part for part in parts if part.strip()] or [text]


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html_text: str) -> str:
    """What the HTML shows, without tags and with entities resolved: Telegram cannot refuse it."""
    parser = _TextOnly()
    parser.feed(html_text)
    parser.close()
    return "".join(parser.parts)
