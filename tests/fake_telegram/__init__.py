"""A fake Telegram Bot API and user-like clients, so tests drive the real PTB stack offline."""

from .client import Settle, TelegramChannel, TelegramGroup, TelegramUser, command_entities
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
    "Settle",
    "TelegramChannel",
    "TelegramGroup",
    "TelegramUser",
    "UploadedFile",
    "analyse_telegram_html",
    "command_entities",
    "parse_telegram_html",
]
