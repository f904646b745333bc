"""`python -m bot backup PATH` and `python -m bot restore PATH`.

A backup uses SQLite's online backup API, so it is consistent even while Escale writes; the copy
is one self-contained file (no -wal beside it), checked before it replaces anything. A restore
checks the file (integrity, an Escale schema this version knows) and refuses to touch the
database of a running instance; the database it replaces is kept aside, never deleted.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.core import migrations
from bot.core.db import BUSY_TIMEOUT_SECONDS
from bot.service.operations.instance import InstanceRunning, exclusive


class OperationError(Exception):
    """The operation cannot go on; the message says why, for the person at the shell."""


@dataclass(frozen=True)
class Checked:
    """What a check of a database file found."""

    migrations: list[str]
    people: int
    workers: int

    @property
    def current(self) -> bool:
        return self.migrations == [name for name, _ in migrations.MIGRATIONS]


def check_file(path: Path) -> Checked:
    """Integrity and schema of an Escale database file, read-only; raises OperationError."""
    if not path.is_file():
        raise OperationError(f"{path} does not exist or is not a file")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error as error:
        raise OperationError(f"{path} cannot be opened: {error}") from None
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
        if [tuple(row) for row in result] != [("ok",)]:
            raise OperationError(f"{path} failed its integrity check: {result[0][0]}")
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "migrations" not in tables:
            raise OperationError(f"{path} is not an Escale database (no migrations table)")
        names = [row[0] for row in connection.execute("SELECT name FROM migrations ORDER BY rowid")]
        known = [name for name, _ in migrations.MIGRATIONS]
        if names != known[: len(names)]:
            unknown = [name for name in names if name not in known]
            if unknown:
                raise OperationError(
                    f"{path} was written by a newer Escale (migration {unknown[-1]}); "
                    "update Escale before restoring it"
                )
            raise OperationError(f"{path} has migrations this Escale does not recognise")
        people = connection.execute("SELECT COUNT(*) FROM people").fetchone()[0]
        workers = connection.execute("SELECT COUNT(*) FROM workers").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise OperationError(f"{path} is not a usable SQLite database: {error}") from None
    finally:
        connection.close()
    return Checked(names, int(people), int(workers))


def backup(database: Path, target: Path) -> Checked:
    """Copy the live `database` to `target` consistently; the copy is checked, then put in
    place atomically (an older backup at `target` is replaced only by a good one)."""
    if not database.is_file():
        raise OperationError(f"{database} does not exist: there is nothing to back up")
    if target.exists() and target.resolve() == database.resolve():
        raise OperationError(f"{target} is the live database itself; choose another path")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one file, nothing beside it
        finally:
            copy.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise OperationError(f"backup of {database} failed: {error}") from None
    finally:
        source.close()
    try:
        checked = check_file(partial)
    except OperationError:
        partial.unlink(missing_ok=True)
        raise
    os.chmod(partial, 0o600)  # it holds what people confided: readable by its owner only
    os.replace(partial, target)
    return checked


def restore(backup_file: Path, database: Path, now: datetime | None = None) -> Path | None:
    """Put `backup_file` in place of `database`. Returns where the replaced database was kept
    (None if there was none). Refuses while an instance uses `database`, and holds its lock
    meanwhile so that none starts."""
    checked = check_file(backup_file)
    if database.exists() and database.resolve() == backup_file.resolve():
        raise OperationError(f"{backup_file} is the database itself")
    try:
        with exclusive(database, "restoring"):
            return _restore(backup_file, database, checked, now or datetime.now(UTC))
    except InstanceRunning as error:
        raise OperationError(str(error)) from None


def _restore(backup_file: Path, database: Path, checked: Checked, now: datetime) -> Path | None:
    incoming = database.with_name(database.name + ".restoring")
    incoming.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(incoming)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = WAL")
        finally:
            copy.close()
    finally:
        source.close()
    if check_file(incoming).migrations != checked.migrations:
        incoming.unlink(missing_ok=True)
        raise OperationError("the restored copy differs from the backup; nothing was changed")
    kept = _set_aside(database, now)
    os.chmod(incoming, 0o600)
    os.replace(incoming, database)
    return kept


def _set_aside(database: Path, now: datetime) -> Path | None:
    """Move the current database (with what its WAL holds) aside, under a dated name."""
    if not database.exists():
        return None
    wal = database.with_name(database.name + "-wal")
    if wal.exists():
        try:
            connection = sqlite3.connect(database, timeout=BUSY_TIMEOUT_SECONDS)
            try:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()
        except sqlite3.Error:
            pass  # a broken database: its WAL is moved aside with it below
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = database.with_name(f"{database.name}.before-restore-{stamp}")
    os.replace(database, kept)
    for suffix in ("-wal", "-shm"):
        extra = database.with_name(database.name + suffix)
        if extra.exists():
            if suffix == "-wal" and extra.stat().st_size:
                os.replace(extra, kept.with_name(kept.name + suffix))
            else:
                extra.unlink()
    return kept
