"""What Escale says: every user-facing text is built here, through gettext, never in handlers."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.core.invisible import visible_text

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # links in Escale's texts never unfold


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


def bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def in_messages(lines: Sequence[str], limit: int = 4000) -> list[Reply]:
    """Lines gathered into as few messages as fit under Telegram's 4096-character limit."""
    messages: list[str] = []
    for line in lines:
        if messages and utf16_length(messages[-1]) + 1 + utf16_length(line) <= limit:
            messages[-1] += "\n" + line
        else:
            messages.append(line)
    return [Reply(text) for text in messages]
