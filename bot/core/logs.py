"""Logging: one line per event with ids; never a token, never what a person wrote."""

from __future__ import annotations

import logging
import re

from telegram.error import Conflict

_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")


class RedactingFormatter(logging.Formatter):
    """Replace anything shaped like a bot token in the whole line, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return _TOKEN.sub("<token>", super().format(record))


class _NoConflictTraceback(logging.Filter):
    """A 409 Conflict is reported once by Escale's error handler, in one line; PTB's own
    traceback for the last getUpdates at shutdown would only repeat it."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, Conflict)


class _NoUpdateContent(logging.Filter):
    """PTB's webhook server logs, at CRITICAL, the whole body of an update it cannot read:
    what a person wrote. The line keeps its level and its traceback's type, not the body."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Something went wrong processing the data"):
            error = record.exc_info[1] if record.exc_info else None
            record.msg = "update from Telegram not readable, not handled error=%s"
            record.args = (type(error).__name__ if error else "unknown",)
            record.exc_info = None
            record.exc_text = None
        return True


_UPDATE_CONTENT = _NoUpdateContent()


def quiet_noisy_loggers() -> None:
    """httpx logs every request URL at INFO, and the URL carries the token; PTB's webhook
    server would log an unreadable update whole."""
    for name in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("telegram.ext.Updater").addFilter(_UPDATE_CONTENT)  # once: same object


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(_NoConflictTraceback())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_noisy_loggers()
