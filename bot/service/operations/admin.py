"""`python -m bot admin …`: what a deployer does without Telegram at hand.

    admin workers                 the workers, their status and how many people each follows
    admin worker-link [--by ID]   a one-time link for a new worker (created for a coordinator)
    admin invitations             the links not used yet, with when each expires
    admin revoke ID               make an unused link stop working

Writes are single short transactions, safe beside a running Escale (SQLite in WAL mode, busy
timeout): with an instance running (it holds the database's lock), the command opens the
database without the lock and without migrating it, and refuses if its schema is not this
version's, since changing the schema under a running bot is never safe.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from telegram import Bot

from bot.accounts.store import Repository
from bot.accounts.tokens import deep_link, new_token, token_hash
from bot.core.config import ConfigError, Settings, load_database, load_settings
from bot.core.db import DatabaseError
from bot.core.engines import open_beside, open_database
from bot.service.operations.backup import OperationError
from bot.service.operations.instance import running

USAGE = "python -m bot admin {workers | worker-link [--by ID] | invitations | revoke ID}"


def run(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot admin", usage=USAGE)
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("workers", help="list the workers")
    link = sub.add_parser("worker-link", help="a one-time link for a new worker")
    link.add_argument("--by", type=int, help="the coordinator's Telegram id (default: the first)")
    sub.add_parser("invitations", help="links not used yet")
    revoke = sub.add_parser("revoke", help="stop an unused link from working")
    revoke.add_argument("id", type=int)
    options = parser.parse_args(args)
    try:
        # Only a new link needs the token (to ask Telegram the bot's name for the link).
        settings = load_settings() if options.action == "worker-link" else None
        database = load_database()
        if isinstance(database, Path) and not database.is_file():
            raise OperationError(f"{database} does not exist yet: start Escale once first")
        return asyncio.run(_run(settings, database, options))
    except (ConfigError, OperationError, DatabaseError) as error:
        print(f"escale: {error}", file=sys.stderr)
        return 2


async def _run(settings: Settings | None, database: str | Path, options: argparse.Namespace) -> int:
    # Beside a running Escale: no lock, no migration (the schema must be this version's). On
    # PostgreSQL instances may run at any time: never a migration (start Escale to migrate).
    beside = isinstance(database, str) or running(database)
    db = await (open_beside(database) if beside else open_database(database))
    try:
        repo = Repository(db)
        now = datetime.now(UTC)
        if options.action == "workers":
            return await _workers(repo)
        if settings is not None:
            return await _worker_link(settings, repo, options.by, now)
        if options.action == "invitations":
            return await _invitations(repo, now)
        return await _revoke(repo, options.id, now)
    finally:
        await db.close()


async def _workers(repo: Repository) -> int:
    workers = await repo.workers()
    if not workers:
        print("no worker yet (python -m bot admin worker-link creates a link for one)")
    for worker in workers:
        print(
            f"{worker.user_id}\t{worker.status}\t{worker.people_count} people\t"
            f"{worker.display_name}"
        )
    return 0


async def _worker_link(settings: Settings, repo: Repository, by: int | None, now: datetime) -> int:
    if by is None:
        if not settings.admin_ids:
            raise OperationError("ESCALE_ADMIN_IDS is empty: set a coordinator's id first")
        by = min(settings.admin_ids)
    elif by not in settings.admin_ids:
        raise OperationError(f"{by} is not in ESCALE_ADMIN_IDS")
    async with Bot(settings.token, settings.api_base_url, settings.api_file_base_url) as bot:
        username = bot.username
    token = new_token()
    invitation = await repo.create_invitation(
        "worker", token_hash(token), by, None, now, now + settings.invitation_lifetime
    )
    print(deep_link(username, token))
    print(
        f"invitation {invitation.id}: works once, until "
        f"{invitation.expires_at.isoformat(timespec='minutes')}; coordinator {by} is told "
        "who joins"
    )
    return 0


async def _invitations(repo: Repository, now: datetime) -> int:
    pending = await repo.pending_invitations(now)
    if not pending:
        print("no link waiting to be used")
    for invitation in pending:
        print(
            f"{invitation.id}\t{invitation.kind}\tby {invitation.created_by}\t"
            f"until {invitation.expires_at.isoformat(timespec='minutes')}"
        )
    return 0


async def _revoke(repo: Repository, invitation_id: int, now: datetime) -> int:
    revoked = await repo.revoke_invitation(invitation_id, None, now)
    if revoked is None:
        print(
            f"escale: no unused link {invitation_id} (already used, expired or revoked)",
            file=sys.stderr,
        )
        return 1
    print(f"invitation {invitation_id} revoked: the link no longer works")
    return 0
