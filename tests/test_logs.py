"""Log lines never carry a bot token, even inside a traceback."""

import logging
import sys

from bot.core.logs import RedactingFormatter

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ"


def test_tokens_are_redacted_from_messages_and_tracebacks() -> None:
    formatter = RedactingFormatter("%(message)s")
    try:
        raise RuntimeError(f"POST https://api.example/bot{TOKEN}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord(
            "httpx",
            logging.INFO,
            __file__,
            1,
            "request %s",
            (f"/bot{TOKEN}/getMe",),
            sys.exc_info(),
        )
    line = formatter.format(record)
    assert TOKEN not in line
    assert "request /bot<token>/getMe" in line
    assert "RuntimeError: POST https://api.example/bot<token>/getMe failed" in line
