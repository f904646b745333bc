"""Settings read from the environment (and a `.env` file), checked before anything else runs."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.core.period import Period
from bot.core.schedule import QuietHours

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DIALOGUES_DIR = Path(__file__).resolve().parents[2] / "dialogues"
PREPARATION = DIALOGUES_DIR / "preparation.toml"  # the dialogue Escale ships with

DEFAULT_QUIET_HOURS = QuietHours(time(21), time(8))
DEFAULT_DATABASE = Path("data/escale.sqlite3")
DEFAULT_RETENTION = Period(months=24)
_POSTGRES_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
_LOCALE_SHAPE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and says how to fix it."""


DEFAULT_WEBHOOK_LISTEN = "127.0.0.1"
DEFAULT_WEBHOOK_PORT = 8081
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
WEBHOOK_VARIABLES = (
    "ESCALE_WEBHOOK_URL",
    "ESCALE_WEBHOOK_SECRET",
    "ESCALE_WEBHOOK_LISTEN",
    "ESCALE_WEBHOOK_PORT",
)
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Webhook:
    """Telegram posts updates to `url`; Escale listens on `listen`:`port` (behind a proxy that
    holds the TLS certificate) and refuses any request without the `secret`."""

    url: str
    secret: str
    listen: str = DEFAULT_WEBHOOK_LISTEN
    port: int = DEFAULT_WEBHOOK_PORT

    @property
    def path(self) -> str:
        """The path Escale answers on: the URL's own, so a proxy passes requests on unchanged."""
        return urlsplit(self.url).path.lstrip("/")


@dataclass(frozen=True)
class Settings:
    """Everything Escale needs to run; built by `load_settings` or directly in tests."""

    token: str
    api_base_url: str = DEFAULT_API_BASE_URL
    admin_ids: frozenset[int] = frozenset()
    database_path: Path = DEFAULT_DATABASE
    database_url: str | None = None  # a PostgreSQL server instead of the SQLite file
    default_locale: str = "fr"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    invitation_lifetime: timedelta = timedelta(days=7)
    dialogue_path: Path = PREPARATION
    reminder_offsets: tuple[timedelta, ...] = (timedelta(hours=48), timedelta(hours=24))
    quiet_hours: QuietHours | None = DEFAULT_QUIET_HOURS
    retention: Period = DEFAULT_RETENTION
    sends_per_second: int = 30  # everything Escale sends: Telegram's limit of about 30 a second
    updates_per_minute: int = 30  # from one user; beyond, one notice and silence for a while
    webhook: Webhook | None = None  # None: long polling

    @property
    def database(self) -> str | Path:
        """What to open: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def database_label(self) -> str:
        """The database, fit for a log line: the SQLite path, or the URL without password."""
        return without_password(self.database_url) if self.database_url else str(self.database_path)

    @property
    def api_file_base_url(self) -> str:
        """Where files are downloaded from: the Bot API's `/file/bot` beside its `/bot`."""
        if self.api_base_url.endswith("/bot"):
            return self.api_base_url[: -len("bot")] + "file/bot"
        return self.api_base_url.rstrip("/") + "/file/bot"


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings from `environ` (default: the process environment) over a `.env` file."""
    values = _values(environ, env_file)

    def get(name: str) -> str:
        return values.get(name, "").strip()

    return Settings(
        token=_token(get("TELEGRAM_BOT_TOKEN")),
        api_base_url=_base_url(get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL),
        admin_ids=_admin_ids(get("ESCALE_ADMIN_IDS")),
        **_database(get("ESCALE_DATABASE")),
        default_locale=_locale(get("ESCALE_DEFAULT_LOCALE") or "fr"),
        timezone=_timezone(get("ESCALE_TIMEZONE") or "Europe/Paris"),
        invitation_lifetime=_duration(
            "ESCALE_INVITATION_LIFETIME", get("ESCALE_INVITATION_LIFETIME") or "7d"
        ),
        dialogue_path=_dialogue_path(get("ESCALE_DIALOGUE")),
        reminder_offsets=_offsets(values.get("ESCALE_REMINDER_OFFSETS", "48h,24h")),
        quiet_hours=_quiet_hours(values.get("ESCALE_QUIET_HOURS", "21:00-08:00")),
        retention=_retention(get("ESCALE_RETENTION") or "24 months"),
        # Up to 100,000: a Bot API server of one's own has no such limit, and the load
        # benchmark lifts it (at 1,000, its fastest runs met the pace).
        sends_per_second=_whole(
            "ESCALE_SENDS_PER_SECOND", get("ESCALE_SENDS_PER_SECOND") or "30", 1, 100_000
        ),
        updates_per_minute=_whole(
            "ESCALE_UPDATES_PER_MINUTE", get("ESCALE_UPDATES_PER_MINUTE") or "30", 5, 10000
        ),
        webhook=_webhook(get),
    )


def raw_setting(
    name: str, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> str:
    """One setting as written (trimmed, empty when unset), for choices made before loading."""
    return _values(environ, env_file).get(name, "").strip()


def has_token(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> bool:
    """Whether a bot token is set at all: without one, `python -m bot` runs the sandbox."""
    return bool(raw_setting("TELEGRAM_BOT_TOKEN", environ, env_file))


def load_dialogue_path(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Path:
    """Only the dialogue file's setting: checking dialogues needs no token."""
    return _dialogue_path(_values(environ, env_file).get("ESCALE_DIALOGUE", "").strip())


def load_database_path(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Path:
    """Only the database's setting, as a SQLite file: backups and restores need no token.

    Raises ConfigError when ESCALE_DATABASE names a PostgreSQL server: those copy files."""
    found = load_database(environ, env_file)
    if isinstance(found, str):
        raise ConfigError(
            "ESCALE_DATABASE is a PostgreSQL server: back it up and restore it with the "
            "server's own tools (pg_dump and pg_restore, or point-in-time recovery from WAL "
            "archives); python -m bot backup and restore copy SQLite files only"
        )
    return found


def load_database(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> str | Path:
    """Only the database's setting: a PostgreSQL URL, or the SQLite file's path."""
    found = _database(_values(environ, env_file).get("ESCALE_DATABASE", "").strip())
    url: str | None = found.get("database_url")
    path: Path = found.get("database_path", DEFAULT_DATABASE)
    return url or path


_QUERY_PASSWORD = re.compile(r"(^|&)(password=)[^&]*", re.IGNORECASE)


def without_password(url: str) -> str:
    """A database URL without its password, for log lines and messages: the one after the
    user name, and one given as a query parameter (`?password=`, which libpq and asyncpg take
    too)."""
    parts = urlsplit(url)
    query = _QUERY_PASSWORD.sub(r"\1\2***", parts.query)
    if parts.password is None:
        return url if query == parts.query else urlunsplit(parts._replace(query=query))
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, query, parts.fragment))


def _database(raw: str) -> dict[str, Any]:
    """ESCALE_DATABASE as Settings' fields: a `postgresql://` URL, or a file path."""
    if not _POSTGRES_URL.match(raw):
        return {"database_path": Path(raw or DEFAULT_DATABASE)}
    parts = urlsplit(raw)
    if not parts.hostname and "host=" not in parts.query:
        raise ConfigError(
            "ESCALE_DATABASE names a PostgreSQL server without a host: write it as "
            "postgresql://USER:PASSWORD@HOST:5432/DATABASE"
        )
    return {"database_url": raw}


def _values(environ: Mapping[str, str] | None, env_file: Path | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def _token(raw: str) -> str:
    if not raw:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token "
            "in the environment or in .env"
        )
    if not _TOKEN_SHAPE.match(raw):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (expected digits, a colon, "
            "then letters, digits, _ or -, as @BotFather gives it)"
        )
    return raw


def _whole(variable: str, raw: str, low: int, high: int) -> int:
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{variable}: {raw!r} is not a whole number from {low} to {high}")
    return int(raw)


def _webhook(get: Callable[[str], str]) -> Webhook | None:
    """`ESCALE_WEBHOOK_URL` set: Telegram posts to it (with the secret); else long polling."""
    url = get("ESCALE_WEBHOOK_URL")
    if not url:
        stray = [name for name in WEBHOOK_VARIABLES if get(name)]
        if stray:
            raise ConfigError(
                f"{stray[0]} is set but ESCALE_WEBHOOK_URL is not: set the URL Telegram should "
                "post to, or remove it to use long polling"
            )
        return None
    parts = urlsplit(url)
    loopback = parts.hostname in _LOOPBACK
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigError(
            "ESCALE_WEBHOOK_URL must be an https:// URL such as "
            f"https://escale.example.org/telegram (Telegram posts only to HTTPS), not {url!r}"
        )
    if not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"ESCALE_WEBHOOK_URL: {url!r} is not a plain URL with a host and a path "
            "(e.g. https://escale.example.org/telegram)"
        )
    secret = get("ESCALE_WEBHOOK_SECRET")
    if not _SECRET_SHAPE.match(secret):
        raise ConfigError(
            "ESCALE_WEBHOOK_SECRET must be set with ESCALE_WEBHOOK_URL: 16 to 256 letters, "
            'digits, _ or - (e.g. the output of: python3 -c "import secrets; '
            'print(secrets.token_urlsafe(32))")'
            if not secret
            else "ESCALE_WEBHOOK_SECRET must be 16 to 256 letters, digits, _ or - "
            "(Telegram sends it back in a header Escale checks)"
        )
    return Webhook(
        url=url,
        secret=secret,
        listen=get("ESCALE_WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN,
        port=_whole(
            "ESCALE_WEBHOOK_PORT", get("ESCALE_WEBHOOK_PORT") or str(DEFAULT_WEBHOOK_PORT), 1, 65535
        ),
    )


def _base_url(raw: str) -> str:
    if not re.match(r"^https?://[^\s/]+", raw):
        raise ConfigError(
            f"TELEGRAM_API_BASE_URL must be an http(s) URL such as {DEFAULT_API_BASE_URL}"
        )
    return raw


def _admin_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not part.isdigit():
            raise ConfigError(
                f"ESCALE_ADMIN_IDS: {part!r} is not a Telegram user id "
                "(expected numbers separated by commas, e.g. 12345,67890)"
            )
        ids.add(int(part))
    return frozenset(ids)


def _locale(raw: str) -> str:
    if not _LOCALE_SHAPE.match(raw):
        raise ConfigError(f"ESCALE_DEFAULT_LOCALE: {raw!r} is not a language code such as fr or en")
    return raw


_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(raw: str) -> timedelta | None:
    """`90s`, `30m`, `48h`, `7d` as a timedelta; None if it is not one (or is zero)."""
    found = _DURATION.match(raw.strip())
    if not found or int(found.group(1)) == 0:
        return None
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def _duration(variable: str, raw: str) -> timedelta:
    duration = parse_duration(raw)
    if duration is None:
        raise ConfigError(
            f"{variable}: {raw!r} is not a duration (a number and a unit: s, m, h or d, e.g. 7d)"
        )
    return duration


def _retention(raw: str) -> Period:
    period = Period.parse(raw)
    if period is None:
        raise ConfigError(
            f"ESCALE_RETENTION: {raw!r} is not a period (a number and days, weeks, months or "
            "years, e.g. 24 months)"
        )
    if period.approximate < timedelta(days=30):
        raise ConfigError(
            f"ESCALE_RETENTION: {raw!r} is too short: people are told before their data is "
            "erased, so it must be at least 30 days"
        )
    return period


def _offsets(raw: str) -> tuple[timedelta, ...]:
    """`48h,24h`: when to invite a person before a meeting; empty means no reminders."""
    offsets = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        offset = parse_duration(item)
        if offset is None:
            raise ConfigError(
                f"ESCALE_REMINDER_OFFSETS: {item!r} is not a duration "
                "(durations with s, m, h or d, separated by commas, e.g. 48h,24h)"
            )
        offsets.append(offset)
    return tuple(sorted(set(offsets), reverse=True))


_QUIET = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def _quiet_hours(raw: str) -> QuietHours | None:
    """`21:00-08:00`: no reminders in this daily window; empty disables it."""
    raw = raw.strip()
    if not raw:
        return None

    def refuse(problem: str) -> ConfigError:
        return ConfigError(
            f"ESCALE_QUIET_HOURS: {raw!r}: {problem} (expected a window such as 21:00-08:00, "
            "or nothing to allow reminders at any hour)"
        )

    found = _QUIET.match(raw)
    if not found:
        raise refuse("not two times")
    start_hour, start_minute, end_hour, end_minute = map(int, found.groups())
    if max(start_hour, end_hour) > 23 or max(start_minute, end_minute) > 59:
        raise refuse("not a time of day")
    if (start_hour, start_minute) == (end_hour, end_minute):
        raise refuse("the window starts and ends at the same time")
    return QuietHours(time(start_hour, start_minute), time(end_hour, end_minute))


def _timezone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"ESCALE_TIMEZONE: {raw!r} is not a known time zone "
            "(e.g. Europe/Paris, Europe/Brussels)"
        ) from None


def _dialogue_path(raw: str) -> Path:
    if not raw:
        return PREPARATION
    path = Path(raw)
    if not path.is_file():
        raise ConfigError(
            f"ESCALE_DIALOGUE: {raw!r} is not a file (expected a dialogue file such as "
            "dialogues/preparation.toml)"
        )
    return path
