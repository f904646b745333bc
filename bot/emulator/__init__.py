"""A Telegram Bot API emulator on loopback HTTP: the tests and the sandbox run Escale against it.

It speaks the Bot API wire format as python-telegram-bot uses it and validates what Telegram
validates (HTML, lengths, buttons, commands), so a mistake shows here as it would on Telegram.
"""

from .html_check import HtmlError, ParsedHtml, analyse_telegram_html, parse_telegram_html
from .server import ApiCall, Button, FakeTelegram, MessageKind, SentMessage, UploadedFile

__all__ = [
    "ApiCall",
    "Button",
    "FakeTelegram",
    "HtmlError",
    "MessageKind",
    "ParsedHtml",
    "SentMessage",
    "UploadedFile",
    "analyse_telegram_html",
    "parse_telegram_html",
]
