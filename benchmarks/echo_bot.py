"""A bare python-telegram-bot 22 echo bot: the floor of the framework for `benchmarks/load.py`.

It replies to each text with the same text and one button, answers each button press, and
does nothing else (PTB's defaults otherwise: one update at a time, its own HTTP client; with
`ECHO_TRANSPORT=escale`, Escale's instead, `benchmarks.load --echo-transport`).
Run by `benchmarks/load.py` in a process of its own:
`python -m benchmarks.echo_bot` with `TELEGRAM_BOT_TOKEN` and `TELEGRAM_API_BASE_URL` set.
"""

from __future__ import annotations

import logging
import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

AGAIN = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text, reply_markup=AGAIN)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    builder = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
    )
    if os.environ.get("ECHO_TRANSPORT") == "escale":
        from bot.core.transport import AiohttpRequest

        builder = builder.request(AiohttpRequest(trust_env=False)).get_updates_request(
            AiohttpRequest(trust_env=False, connections=1)
        )
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    app.run_polling(poll_interval=0, timeout=5)


if __name__ == "__main__":
    main()
