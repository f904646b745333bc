"""User-like clients of the Bot API emulator (`bot.emulator`): tests drive the real PTB stack."""

from bot.emulator.html_check import (
    HtmlError,
    ParsedHtml,
    analyse_telegram_html,
    parse_telegram_html,
)
from bot.emulator.server import (
    ApiCall,
    Button,
    FakeTelegram,
    MessageKind,
    SentMessage,
    UploadedFile,
)

from .client import (
    BusinessAccount,
    Settle,
    TelegramChannel,
    TelegramGroup,
    TelegramUser,
    command_entities,
    together,
)

__all__ = [
    "ApiCall",
    "BusinessAccount",
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
    "together",
]
