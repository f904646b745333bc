"""`python -m bot`: check the configuration, then run Escale until stopped: with long polling,
or, when `ESCALE_WEBHOOK_URL` is set, listening for Telegram's posts to that webhook.

With no bot token at all, it starts the sandbox instead (Escale on a Bot API emulator, played
from a page on 127.0.0.1); `python -m bot sandbox` starts it on purpose, even with a token.

`python -m bot check-dialogues [FILE ...]` only checks dialogue files (by default the configured
one), so a service can test an edited file without a token or a network. The other subcommands
(backup, restore, status, admin) are in `bot/operations/`, listed in SUBCOMMANDS.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from telegram import Bot
from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.warnings import PTBUserWarning

from bot.app import build_application
from bot.core import logs
from bot.core.config import (
    ConfigError,
    Settings,
    has_token,
    load_database,
    load_database_path,
    load_dialogue_path,
    load_settings,
)
from bot.core.db import DatabaseError
from bot.core.i18n import CatalogError
from bot.core.request import shared_tls
from bot.core.transport import AiohttpRequest
from bot.core.updates import ALLOWED_UPDATES
from bot.preparation.dialogue.model import DialogueError, load
from bot.sandbox import run as sandbox
from bot.service.operations import admin, status
from bot.service.operations.backup import OperationError, backup, restore

log = logging.getLogger("bot")

# What python-telegram-bot needs in the answer to getMe (the username for commands).
BOT_FIELDS = ("id", "is_bot", "first_name", "username")
BOOTSTRAP_RETRIES = 5  # deleteWebhook before polling: PTB waits retry_after, then 1 s, 1.5 s…
YOUNG_COLLECTION = 50_000  # objects made (net) between two young collections; Python's is 700


def _settle_collector() -> None:
    """Under load, Python's cycle collector took about a tenth of Escale's CPU, and its full
    collections paused the loop for up to 66 ms. Two reasons: each full collection walked every
    object made at start-up (the catalogs, the dialogue, the modules), which live as long as
    the process; and a young collection every 700 objects moved the objects of the updates at
    work (dozens of handlers at once, each for a few hundred milliseconds) to the old
    generation, where they were walked again. The start-up objects are now frozen out of every
    collection (once what start-up left unreachable is freed), and young collections come far
    less often; cycles made since are still freed."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION, middle, old)


class IncompleteBotApiAnswer(Exception):
    """The server answered getMe without a field Escale cannot run without."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


def main(argv: list[str] | None = None) -> int:
    """Run the bot; a bad setting stops it with one clear line, before any network call."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in SUBCOMMANDS:
        return SUBCOMMANDS[args[0]](args[1:])
    if args:
        print(f"escale: unknown argument {args[0]!r} (usage: {USAGE})", file=sys.stderr)
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
    _settle_collector()
    webhook = settings.webhook
    log.info(
        "starting api=%s database=%s receiving=%s",
        _host(settings.api_base_url),
        settings.database_label,
        f"webhook listen={webhook.listen}:{webhook.port}" if webhook else "polling",
    )
    try:
        # Asked once by hand first: PTB's own start-up would log a traceback for a bad token or
        # an unreachable server, where one line says it better.
        asyncio.run(_check_bot_api(settings))
        # SIGINT and SIGTERM stop receiving, then post_shutdown closes the database.
        # Only the updates Escale handles: no Business customers, guest mentions, inline queries.
        # A refused deleteWebhook or setWebhook (flood control, a server error) is tried again.
        if webhook is None:
            app.run_polling(
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                bootstrap_retries=BOOTSTRAP_RETRIES,
            )
        else:
            # Telegram posts to the URL (a proxy in front holds its TLS certificate) with the
            # secret in a header; PTB answers 403 to a request without it, handling nothing.
            app.run_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=webhook.path,
                webhook_url=webhook.url,
                secret_token=webhook.secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                bootstrap_retries=BOOTSTRAP_RETRIES,
            )
    except DatabaseError as error:
        print(f"escale: {error}", file=sys.stderr)
        return 2
    except InvalidToken:
        print(
            "escale: Telegram refused TELEGRAM_BOT_TOKEN; check it with @BotFather",
            file=sys.stderr,
        )
        return 2
    except IncompleteBotApiAnswer as error:
        print(
            f"escale: the Bot API at {_host(settings.api_base_url)} answered getMe without "
            f"{error} (a Bot API server always gives them); check TELEGRAM_API_BASE_URL",
            file=sys.stderr,
        )
        return 1
    except BadRequest as error:  # before NetworkError, its parent: the server answered
        if webhook is not None and "webhook" in error.message.lower():
            print(
                f"escale: Telegram refused ESCALE_WEBHOOK_URL ({error.message}); it must be an "
                "https:// address Telegram can reach, on port 443, 80, 88 or 8443",
                file=sys.stderr,
            )
            return 1
        print(
            f"escale: the Bot API at {_host(settings.api_base_url)} refused a start-up call "
            f"(400: {error.message}); this is a bug in Escale, please report it",
            file=sys.stderr,
        )
        return 1
    except NetworkError as error:
        print(
            f"escale: cannot reach the Bot API at {_host(settings.api_base_url)} "
            f"({type(error).__name__}); check TELEGRAM_API_BASE_URL and the network",
            file=sys.stderr,
        )
        return 1
    except OSError as error:  # the webhook's port: taken, or not ours to open
        if webhook is None:
            raise
        print(
            f"escale: cannot listen on {webhook.listen}:{webhook.port} for the webhook "
            f"({error.strerror or error}); check ESCALE_WEBHOOK_LISTEN and ESCALE_WEBHOOK_PORT",
            file=sys.stderr,
        )
        return 1
    if app.bot_data.stopped_for_conflict:
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


def backup_command(args: list[str]) -> int:
    """`backup PATH`: a consistent copy of the live database, safe while Escale runs."""
    if len(args) != 1:
        print("escale: usage: python -m bot backup PATH", file=sys.stderr)
        return 2
    try:
        database = load_database_path()
        checked = backup(database, Path(args[0]))
    except (ConfigError, OperationError) as error:
        print(f"escale: {error}", file=sys.stderr)
        return 2
    print(
        f"{args[0]}: backup of {database} checked "
        f"({len(checked.migrations)} migrations, {checked.workers} workers, "
        f"{checked.people} people)"
    )
    return 0


def restore_command(args: list[str]) -> int:
    """`restore PATH`: put a checked backup in place of the database, never under a live bot."""
    if len(args) != 1:
        print("escale: usage: python -m bot restore PATH", file=sys.stderr)
        return 2
    try:
        database = load_database_path()
        kept = restore(Path(args[0]), database)
    except (ConfigError, OperationError) as error:
        print(f"escale: {error}", file=sys.stderr)
        return 2
    print(f"{database}: restored from {args[0]}")
    if kept is not None:
        print(
            f"the database it replaced is kept as {kept}: it holds personal data, "
            "delete it once the restore is checked"
        )
    return 0


def status_command(args: list[str]) -> int:
    """`status`: 0 if Escale polls Telegram and its outbox moves, else 1 (for HEALTHCHECK)."""
    if args:
        print("escale: usage: python -m bot status", file=sys.stderr)
        return 2
    try:
        database = load_database()
    except ConfigError as error:
        print(f"escale: {error}", file=sys.stderr)
        return 2
    return status.run(database)


def sandbox_command(args: list[str]) -> int:
    """`python -m bot sandbox`: the sandbox on purpose, even when a token is set."""
    if args:
        print(f"escale: sandbox takes no argument (usage: {USAGE})", file=sys.stderr)
        return 2
    return sandbox.main()


SUBCOMMANDS: dict[str, Callable[[list[str]], int]] = {
    "check-dialogues": check_dialogues,
    "backup": backup_command,
    "restore": restore_command,
    "status": status_command,
    "admin": admin.run,
    "sandbox": sandbox_command,
}
USAGE = "python -m bot [" + " | ".join(SUBCOMMANDS) + "]"


def _shown(path: Path) -> Path:
    """The path relative to the working folder when it is inside, as a person would type it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


async def _check_bot_api(settings: Settings) -> None:
    """Raise InvalidToken or NetworkError now if Telegram refuses the token or cannot be
    reached, IncompleteBotApiAnswer if its getMe lacks what python-telegram-bot needs (PTB
    would stop with a traceback, or later fail on every command)."""
    request = AiohttpRequest(tls=shared_tls())
    bot = Bot(
        settings.token,
        settings.api_base_url,
        settings.api_file_base_url,
        request=request,
        get_updates_request=request,
    )
    async with request:
        with warnings.catch_warnings():  # PTB would rather we called get_me, which parses
            warnings.simplefilter("ignore", PTBUserWarning)
            me = await bot.do_api_request("getMe")
    fields = me if isinstance(me, dict) else {}
    missing = [name for name in BOT_FIELDS if fields.get(name) in (None, "")]
    if missing:
        raise IncompleteBotApiAnswer(missing)


def _host(url: str) -> str:
    return url.split("/")[2] if "//" in url else url


if __name__ == "__main__":
    sys.exit(main())
