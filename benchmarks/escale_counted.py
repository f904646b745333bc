"""Escale exactly as `python -m bot` runs it, counting its SQL statements, for `benchmarks/load.py`.

Every SQLite connection the process opens (aiosqlite opens them with `sqlite3.connect`) gets a
trace callback that counts the statements it runs, by their first word. On SIGUSR1 the counts
are written, as JSON, to the file named by `ESCALE_BENCH_COUNTS`. Nothing else changes.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import threading
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

_counts: Counter[str] = Counter()
_lock = threading.Lock()
_connect = sqlite3.connect


def _count(statement: str) -> None:
    word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
    with _lock:
        _counts[word] += 1


def _counted_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    connection: sqlite3.Connection = _connect(*args, **kwargs)
    connection.set_trace_callback(_count)
    return connection


def _write(signum: int, frame: FrameType | None) -> None:
    with _lock:
        snapshot = dict(_counts)
    Path(os.environ["ESCALE_BENCH_COUNTS"]).write_text(json.dumps(snapshot), encoding="utf-8")


def main() -> int:
    sqlite3.connect = _counted_connect  # type: ignore[assignment]
    signal.signal(signal.SIGUSR1, _write)
    from bot.__main__ import main as escale

    return escale([])


if __name__ == "__main__":
    sys.exit(main())
