"""`python -m bot`: check the configuration, then run Escale with long polling until stopped.

With no bot token at all, it starts the sandbox instead (Escale on a Bot API emulator, played
from a page on 127.0.0.1); `python -m bot sandbox` starts it on purpose, even with a token.

`python -m bot check-dialogues [FILE ...]` only checks dialogue files (by default the configured
one), so a service can test an edited file without a token or a network.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError

from bot import logs
from bot.app import CONFLICT_STOP, build_application
from bot.config import ConfigError, Settings, has_token, load_dialogue_path, load_settings
from bot.db import DatabaseError
from bot.dialogue.model import DialogueError, load
from bot.i18n import CatalogError
from bot.sandbox import run as sandbox

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    """Run the bot; a bad setting stops it with one clear line, before any network call."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["check-dialogues"]:
        return check_dialogues(args[1:])
    if args == ["sandbox"]:
        return sandbox.main()
    if args:
        print(
            f"escale: unknown argument {args[0]!r} "
            "(usage: python -m bot [sandbox | check-dialogues [FILE ...]])",
            file=sys.stderr,
        )
        return 2
    if not has_token():
        return sandbox.main(reason="No bot token: ")
    logs.configure()
    try:
        settings = load_settings()
        app = build_application(settings)
    except (ConfigError, CatalogError, DialogueError) as error:
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
    if app.bot_data.get(CONFLICT_STOP):
        return 1
    log.info("stopped")
    return 0


def check_dialogues(files: list[str]) -> int:
    """Check each file, one line each; 1 if any is broken, so an edit can be tested before use."""
    try:
        paths = [Path(name) for name in files] or [_shown(load_dialogue_path())]
    except ConfigError as error:
        print(f"escale: {error}", file=sys.stderr)
        return 2
    broken = False
    for path in paths:
        try:
            dialogue = load(path)
        except DialogueError as error:
            print(error, file=sys.stderr)
            broken = True
        else:
            print(f"{path}: {len(dialogue.steps)} steps, valid")
    return 1 if broken else 0


def _shown(path: Path) -> Path:
    """The path relative to the working folder when it is inside, as a person would type it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


async def _check_bot_api(settings: Settings) -> None:
    """Raise InvalidToken or NetworkError now if Telegram refuses the token or cannot be reached."""
    async with Bot(settings.token, settings.api_base_url, settings.api_file_base_url) as bot:
        await bot.get_me()


def _host(url: str) -> str:
    return url.split("/")[2] if "//" in url else url


if __name__ == "__main__":
    sys.exit(main())
