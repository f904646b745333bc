"""`python -m bot`: check the configuration, then run Escale with long polling until stopped."""

from __future__ import annotations

import asyncio
import logging
import sys

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError

from bot import logs
from bot.app import build_application
from bot.config import ConfigError, Settings, load_settings
from bot.db import DatabaseError
from bot.i18n import CatalogError

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    """Run the bot; a bad setting stops it with one clear line, before any network call."""
    args = sys.argv[1:] if argv is None else argv
    if args:
        print(f"escale: unknown argument {args[0]!r} (usage: python -m bot)", file=sys.stderr)
        return 2
    logs.configure()
    try:
        settings = load_settings()
        app = build_application(settings)
    except (ConfigError, CatalogError) as error:
        print(f"escale: {error}", file=sys.stderr)
        return 2
    log.info("starting api=%s database=%s", _host(settings.api_base_url), settings.database_path)
    try:
        # Asked once by hand first: PTB's own start-up would log a traceback for a bad token or
        # an unreachable server, where one line says it better.
        asyncio.run(_check_bot_api(settings))
        # SIGINT and SIGTERM stop polling, then post_shutdown closes the database.
        app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except DatabaseError as error:
        print(f"escale: {error}", file=sys.stderr)
        return 2
    except InvalidToken:
        print(
            "escale: Telegram refused TELEGRAM_BOT_TOKEN; check it with @BotFather",
            file=sys.stderr,
        )
        return 2
    except NetworkError as error:
        print(
            f"escale: cannot reach the Bot API at {_host(settings.api_base_url)} "
            f"({type(error).__name__}); check TELEGRAM_API_BASE_URL and the network",
            file=sys.stderr,
        )
        return 1
    log.info("stopped")
    return 0


async def _check_bot_api(settings: Settings) -> None:
    """Raise InvalidToken or NetworkError now if Telegram refuses the token or cannot be reached."""
    async with Bot(settings.token, settings.api_base_url, settings.api_file_base_url) as bot:
        await bot.get_me()


def _host(url: str) -> str:
    return url.split("/")[2] if "//" in url else url


if __name__ == "__main__":
    sys.exit(main())
