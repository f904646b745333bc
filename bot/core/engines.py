"""Which engine `ESCALE_DATABASE` names, and opening it: a file path is SQLite (the default)."""

from __future__ import annotations

from pathlib import Path

from bot.core.db import Database
from bot.core.sqlite_db import SqliteDatabase


async def open_database(location: str | Path, *, upto: str | None = None) -> Database:
    """Open the database at `location` and bring its schema up to date (all migrations, or up
    to and including `upto`, for tests).

    Raises DatabaseError, with one line naming it and the cause, when it cannot be used."""
    return await SqliteDatabase.connect(Path(location), upto=upto)


async def open_beside(location: str | Path) -> Database:
    """Open a database a running Escale uses, for the short transactions of an admin command:
    no lock taken and no migration, so its schema must be this Escale's."""
    return await SqliteDatabase.connect_beside(Path(location))
