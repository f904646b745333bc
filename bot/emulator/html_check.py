"""Validate text the way Telegram's HTML parse mode does, so bad markup fails in tests.

The checker follows the Bot API documentation ("formatting options"), which is slightly
stricter than Telegram's real parser: the server silently keeps a stray ``&`` or ``>`` as
text, but the documentation requires escaping them, and a bot that relies on that leniency
breaks as soon as user input happens to look like an entity or a tag.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["HtmlError", "ParsedHtml", "Span", "analyse_telegram_html", "parse_telegram_html"]

# Allowed tags and the attributes each one accepts.
_ATTRIBUTES: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-spoiler": frozenset(),
    "span": frozenset({"class"}),
    "tg-emoji": frozenset({"emoji-id"}),
}

# Synonyms produce the same entity; the canonical form lets "not modified" compare entities.
_CANONICAL_TAG: dict[str, str] = {
    "strong": "b",
    "em": "i",
    "ins": "u",
    "strike": "s",
    "del": "s",
    "span": "tg-spoiler",
}

_NAMED_ENTITIES: dict[str, str] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#([0-9]+)|#[xX]([0-9a-fA-F]+)|([A-Za-z][A-Za-z0-9]*));")
_SPACE = " \t\n\r\f\v"


class HtmlError(ValueError):
    """Raised for text Telegram would refuse with "can't parse entities: <reason>"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Span:
    """One formatting tag: its canonical name, attributes, and the visible characters it covers
    (Python string indices into `ParsedHtml.text`, end exclusive)."""

    tag: str
    attributes: tuple[tuple[str, str], ...]
    start: int
    end: int

    def attribute(self, name: str) -> str | None:
        return dict(self.attributes).get(name)


@dataclass(frozen=True)
class ParsedHtml:
    """What the user sees, a canonical markup string to compare two formattings, and the tags
    in the order they close (inner ones first), from which entities are built."""

    text: str
    canonical: str
    spans: tuple[Span, ...] = ()


def parse_telegram_html(text: str) -> str:
    """Return the visible text of an HTML-formatted message, or raise HtmlError."""
    return analyse_telegram_html(text).text


def analyse_telegram_html(text: str) -> ParsedHtml:
    """Parse once, returning both the visible text and the canonical markup."""
    return _Parser(text).run()


def _byte_offset(text: str, index: int) -> int:
    """Telegram reports positions in UTF-8 bytes, not characters."""
    return len(text[:index].encode("utf-8", "surrogatepass"))


class _Parser:
    """A single-pass scanner mirroring the structure of TDLib's parse_html."""

    def __init__(self, text: str) -> None:
        self.src = text
        self.pos = 0
        self.visible: list[str] = []
        self.canonical: list[str] = []
        self.stack: list[str] = []
        self.opened: list[tuple[str, dict[str, str], int]] = []
        self.spans: list[Span] = []
        self.size = 0  # visible characters so far

    def run(self) -> ParsedHtml:
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == "<":
                if src.startswith("</", self.pos):
                    self._end_tag()
                else:
                    self._start_tag()
            elif char == "&":
                decoded = self._entity(self.pos)
                self.visible.append(decoded)
                self.size += len(decoded)
                self.canonical.append(html.escape(decoded, quote=False))
            elif char == ">":
                raise HtmlError(
                    f'Unescaped ">" at byte offset {_byte_offset(src, self.pos)}; '
                    'it must be written as "&gt;"'
                )
            else:
                self.visible.append(char)
                self.size += 1
                self.canonical.append(char)
                self.pos += 1
        if self.stack:
            raise HtmlError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1]}"')
        return ParsedHtml("".join(self.visible), "".join(self.canonical), tuple(self.spans))

    def _entity(self, start: int) -> str:
        """Decode the entity at ``start`` and move past it; only documented ones are allowed."""
        match = _ENTITY_RE.match(self.src, start)
        offset = _byte_offset(self.src, start)
        if match is None:
            raise HtmlError(f'Unescaped "&" at byte offset {offset}; it must be written as "&amp;"')
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            if name not in _NAMED_ENTITIES:
                raise HtmlError(
                    f'Unsupported HTML entity "&{name};" at byte offset {offset}; only &lt; '
                    "&gt; &amp; &quot; and numeric entities are supported"
                )
            decoded = _NAMED_ENTITIES[name]
        else:
            code = int(decimal, 10) if decimal is not None else int(hexadecimal, 16)
            if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise HtmlError(f"Invalid numeric HTML entity at byte offset {offset}")
            decoded = chr(code)
        self.pos = match.end()
        return decoded

    def _start_tag(self) -> None:
        src = self.src
        begin = self.pos
        offset = _byte_offset(src, begin)
        end = begin + 1
        while end < len(src) and src[end] not in _SPACE and src[end] != ">":
            end += 1
        if end >= len(src):
            raise HtmlError(f"Unclosed start tag at byte offset {offset}")
        name = src[begin + 1 : end].lower()
        if name not in _ATTRIBUTES:
            raise HtmlError(f'Unsupported start tag "{name}" at byte offset {offset}')
        self.pos = end
        attributes = self._attributes(name, offset)
        self.pos += 1  # the closing ">"
        self._check_attributes(name, attributes, offset)
        self.stack.append(name)
        self.opened.append((name, attributes, self.size))
        canonical = _CANONICAL_TAG.get(name, name)
        rendered = "".join(
            f' {key}="{html.escape(value)}"'
            for key, value in sorted(attributes.items())
            if name != "span"
        )
        self.canonical.append(f"<{canonical}{rendered}>")

    def _attributes(self, tag: str, offset: int) -> dict[str, str]:
        """Read attributes up to (not past) the closing ">" of a start tag."""
        src = self.src
        attributes: dict[str, str] = {}
        while True:
            while self.pos < len(src) and src[self.pos] in _SPACE:
                self.pos += 1
            if self.pos >= len(src):
                raise HtmlError(f"Unclosed start tag at byte offset {offset}")
            if src[self.pos] == ">":
                return attributes
            name_start = self.pos
            while self.pos < len(src) and src[self.pos] not in _SPACE + "=>":
                self.pos += 1
            name = src[name_start : self.pos].lower()
            if not name:
                raise HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {offset}')
            if name not in _ATTRIBUTES[tag]:
                raise HtmlError(
                    f'Unsupported attribute "{name}" in the tag "{tag}" at byte offset {offset}'
                )
            while self.pos < len(src) and src[self.pos] in _SPACE:
                self.pos += 1
            if self.pos >= len(src) or src[self.pos] != "=":
                if tag == "blockquote" and name == "expandable":
                    attributes[name] = ""
                    continue
                raise HtmlError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {offset}'
                )
            self.pos += 1
            while self.pos < len(src) and src[self.pos] in _SPACE:
                self.pos += 1
            attributes[name] = self._attribute_value(offset)

    def _attribute_value(self, offset: int) -> str:
        src = self.src
        if self.pos >= len(src):
            raise HtmlError(f"Unclosed start tag at byte offset {offset}")
        quote = src[self.pos]
        if quote in "\"'":
            close = src.find(quote, self.pos + 1)
            if close == -1:
                raise HtmlError(f"Unclosed start tag at byte offset {offset}")
            base, raw, after = self.pos + 1, src[self.pos + 1 : close], close + 1
        else:
            end = self.pos
            while end < len(src) and src[end] not in _SPACE and src[end] != ">":
                end += 1
            base, raw, after = self.pos, src[self.pos : end], end
        value = _Parser(raw)._decode_plain(base, src)
        self.pos = after
        return value

    def _decode_plain(self, base: int, outer: str) -> str:
        """Decode entities in an attribute value; tags are not allowed there."""
        out: list[str] = []
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "&":
                try:
                    out.append(self._entity(self.pos))
                except HtmlError:
                    raise HtmlError(
                        f'Bad "&" in an attribute value at byte offset '
                        f'{_byte_offset(outer, base + self.pos)}; write it as "&amp;"'
                    ) from None
            elif char in "<>":
                raise HtmlError(
                    f'Unescaped "{char}" in an attribute value at byte offset '
                    f"{_byte_offset(outer, base + self.pos)}"
                )
            else:
                out.append(char)
                self.pos += 1
        return "".join(out)

    @staticmethod
    def _check_attributes(tag: str, attributes: dict[str, str], offset: int) -> None:
        if tag == "a" and not attributes.get("href"):
            raise HtmlError(
                f'Tag "a" must have a non-empty attribute "href" at byte offset {offset}'
            )
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if tag == "tg-emoji" and not attributes.get("emoji-id"):
            raise HtmlError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
            )

    def _end_tag(self) -> None:
        src = self.src
        begin = self.pos
        offset = _byte_offset(src, begin)
        close = src.find(">", begin)
        if close == -1:
            raise HtmlError(f"Unclosed end tag at byte offset {offset}")
        name = src[begin + 2 : close].strip(_SPACE).lower()
        if not self.stack:
            raise HtmlError(f"Unexpected end tag at byte offset {offset}")
        expected = self.stack[-1]
        if name != expected:
            raise HtmlError(
                f'Unmatched end tag at byte offset {offset}, expected "</{expected}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        tag, attributes, start = self.opened.pop()
        self.spans.append(
            Span(_CANONICAL_TAG.get(tag, tag), tuple(sorted(attributes.items())), start, self.size)
        )
        self.canonical.append(f"</{_CANONICAL_TAG.get(name, name)}>")
        self.pos = close + 1
