"""Which engine `ESCALE_DATABASE` names, and opening it: a `postgresql://` URL is PostgreSQL,
anything else a SQLite file path (the default)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.db import Database
from bot.core.postgres_db import PostgresDatabase
from bot.core.sqlite_db import SqliteDatabase

_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)


def is_url(location: str | Path) -> bool:
    """Whether `location` names a PostgreSQL server rather than a SQLite file."""
    return isinstance(location, str) and bool(_URL.match(location))


async def open_database(location: str | Path, *, upto: str | None = None) -> Database:
    """Open the database at `location` and bring its schema up to date (all migrations, or up
    to and including `upto`, for tests).

    Raises DatabaseError, with one line naming it and the cause, when it cannot be used."""
    if is_url(location):
        return await PostgresDatabase.connect(str(location), upto=upto)
    return await SqliteDatabase.connect(Path(location), upto=upto)


async def open_beside(location: str | Path) -> Database:
    """Open a database a running Escale uses, for the short transactions of an admin command:
    no lock taken and no migration, so its schema must be this Escale's."""
    if is_url(location):
        return await PostgresDatabase.connect(str(location), migrate=False)
    return await SqliteDatabase.connect_beside(Path(location))
