"""Is an instance of Escale using this database right now? Asked before anything unsafe.

The answer is the database's lock (`<name>.lock`, an flock held by a running Escale, see
`bot/core/db.py`): the kernel drops it when that process ends, `kill -9` included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.core.db import DatabaseError, DatabaseInUseError
from bot.core.sqlite_db import hold


class InstanceRunning(Exception):
    """A running Escale holds the database; the message names the holder."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def _holder(database: Path) -> str:
    try:
        return lock_path(database).read_text(encoding="ascii").strip() or "unknown"
    except (OSError, UnicodeDecodeError):
        return "unknown"


def running(database: Path) -> bool:
    """Whether a process holds the database's lock now (it is released again at once)."""
    if not lock_path(database).exists():
        return False
    try:
        hold(database).close()
    except DatabaseInUseError:
        return True
    except DatabaseError:
        return False  # a lock file we cannot open is no sign of a running instance
    return False


@contextmanager
def exclusive(database: Path, doing: str) -> Iterator[None]:
    """Hold the database for the whole block, so no Escale starts on it meanwhile."""
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        lock = hold(database)
    except DatabaseInUseError:
        raise InstanceRunning(
            f"{database} is in use by a running Escale (process {_holder(database)}); "
            f"stop it before {doing}"
        ) from None
    except DatabaseError as error:
        raise InstanceRunning(str(error)) from None
    try:
        yield
    finally:
        lock.close()
