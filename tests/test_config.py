"""Configuration: good values load, each bad one stops start-up with a line naming the variable."""

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.config import DEFAULT_API_BASE_URL, ConfigError, load_settings
from bot.core.period import Period
from bot.core.schedule import QuietHours

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwx"


def test_defaults_apply_when_only_the_token_is_set() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None)
    assert settings.token == TOKEN
    assert settings.api_base_url == DEFAULT_API_BASE_URL
    assert settings.admin_ids == frozenset()
    assert settings.database_path == Path("data/escale.sqlite3")
    assert settings.default_locale == "fr"
    assert settings.timezone.key == "Europe/Paris"
    assert settings.invitation_lifetime.days == 7


def test_every_variable_is_read() -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "ESCALE_ADMIN_IDS": " 12, 34 ,",
            "ESCALE_DATABASE": "/tmp/x.sqlite3",
            "ESCALE_DEFAULT_LOCALE": "en",
            "ESCALE_TIMEZONE": "Europe/Brussels",
            "ESCALE_INVITATION_LIFETIME": "36h",
        },
        env_file=None,
    )
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.api_file_base_url == "http://127.0.0.1:8081/file/bot"
    assert settings.admin_ids == frozenset({12, 34})
    assert settings.database_path == Path("/tmp/x.sqlite3")
    assert settings.default_locale == "en"
    assert settings.timezone.key == "Europe/Brussels"
    assert settings.invitation_lifetime == timedelta(hours=36)


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nESCALE_DEFAULT_LOCALE=en\n")
    settings = load_settings({"ESCALE_DEFAULT_LOCALE": "fr"}, env_file=env)
    assert settings.token == TOKEN
    assert settings.default_locale == "fr"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", ""),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_API_BASE_URL", "ftp://example"),
        ("ESCALE_ADMIN_IDS", "12,abc"),
        ("ESCALE_DEFAULT_LOCALE", "French"),
        ("ESCALE_TIMEZONE", "Mars/Olympus"),
        ("ESCALE_TIMEZONE", "Europe"),
        ("ESCALE_INVITATION_LIFETIME", "7"),
        ("ESCALE_INVITATION_LIFETIME", "0d"),
        ("ESCALE_INVITATION_LIFETIME", "1w"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str) -> None:
    environ = {"TELEGRAM_BOT_TOKEN": TOKEN, variable: value}
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, env_file=None)
    message = str(caught.value)
    assert variable in message
    assert "\n" not in message
    if variable == "TELEGRAM_BOT_TOKEN" and value:
        assert value not in message, "a token, even a wrong one, is never echoed"


def test_reminder_defaults_apply_when_unset() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None)
    assert settings.reminder_offsets == (timedelta(hours=48), timedelta(hours=24))
    assert settings.quiet_hours == QuietHours(time(21), time(8))


@pytest.mark.parametrize(
    ("variable", "value", "attribute", "expected"),
    [
        pytest.param(
            "ESCALE_REMINDER_OFFSETS",
            "72h, 2h",
            "reminder_offsets",
            (timedelta(hours=72), timedelta(hours=2)),
            id="offsets-72h-2h",
        ),
        pytest.param(
            "ESCALE_REMINDER_OFFSETS",
            " 90m ",
            "reminder_offsets",
            (timedelta(minutes=90),),
            id="offsets-one",
        ),
        pytest.param(
            "ESCALE_QUIET_HOURS",
            "22:30-07:00",
            "quiet_hours",
            QuietHours(time(22, 30), time(7)),
            id="quiet-22:30-07:00",
        ),
        pytest.param(
            "ESCALE_QUIET_HOURS",
            "12:00-14:00",
            "quiet_hours",
            QuietHours(time(12), time(14)),
            id="quiet-midday",
        ),
        pytest.param("ESCALE_REMINDER_OFFSETS", "", "reminder_offsets", (), id="offsets-empty"),
        pytest.param("ESCALE_REMINDER_OFFSETS", "  ", "reminder_offsets", (), id="offsets-blank"),
        pytest.param("ESCALE_QUIET_HOURS", "", "quiet_hours", None, id="quiet-empty"),
        pytest.param("ESCALE_QUIET_HOURS", "  ", "quiet_hours", None, id="quiet-blank"),
    ],
)
def test_reminder_settings_are_read(
    variable: str, value: str, attribute: str, expected: object
) -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, variable: value}, env_file=None)
    assert getattr(settings, attribute) == expected


def test_empty_reminder_settings_in_env_file_disable_them(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nESCALE_REMINDER_OFFSETS=\nESCALE_QUIET_HOURS=\n")
    settings = load_settings({}, env_file=env)
    assert settings.reminder_offsets == ()
    assert settings.quiet_hours is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        pytest.param("ESCALE_REMINDER_OFFSETS", "48x", id="offsets-48x"),
        pytest.param("ESCALE_REMINDER_OFFSETS", "48h,24", id="offsets-second-without-unit"),
        pytest.param("ESCALE_REMINDER_OFFSETS", "0h", id="offsets-zero"),
        pytest.param("ESCALE_REMINDER_OFFSETS", "48h;24h", id="offsets-semicolon"),
        pytest.param("ESCALE_QUIET_HOURS", "21-8", id="quiet-21-8"),
        pytest.param("ESCALE_QUIET_HOURS", "25:00-08:00", id="quiet-25:00"),
        pytest.param("ESCALE_QUIET_HOURS", "21:00-24:00", id="quiet-24:00"),
        pytest.param("ESCALE_QUIET_HOURS", "21:60-08:00", id="quiet-21:60"),
        pytest.param("ESCALE_QUIET_HOURS", "08:00-08:00", id="quiet-empty-window"),
        pytest.param("ESCALE_QUIET_HOURS", "21:00", id="quiet-one-time"),
    ],
)
def test_a_bad_reminder_setting_names_its_variable(variable: str, value: str) -> None:
    environ = {"TELEGRAM_BOT_TOKEN": TOKEN, variable: value}
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, env_file=None)
    message = str(caught.value)
    assert variable in message
    assert "\n" not in message


def test_retention_is_read_as_a_calendar_period() -> None:
    def retention(value: str) -> Period:
        environ = {"TELEGRAM_BOT_TOKEN": TOKEN, "ESCALE_RETENTION": value}
        return load_settings(environ, env_file=None).retention

    assert load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None).retention == Period(24)
    assert retention("18 months") == Period(months=18)
    assert retention("2 years") == Period(months=24)
    assert retention("90 days") == Period(days=90)
    for bad in ("soon", "10 days", "0 months", "24"):
        with pytest.raises(ConfigError, match=r"^ESCALE_RETENTION: "):
            retention(bad)


def test_a_period_counts_on_the_calendar() -> None:
    moment = datetime(2026, 8, 31, 12, tzinfo=UTC)
    assert Period(months=6).after(moment) == datetime(2027, 2, 28, 12, tzinfo=UTC)
    assert Period(months=24).before(datetime(2028, 2, 29, tzinfo=UTC)) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert Period(days=90).after(moment) == moment + timedelta(days=90)
    assert Period(months=24).warning_ahead() == timedelta(days=30)
    assert Period(days=30).warning_ahead() == timedelta(days=15)


def test_the_pace_and_the_flood_limit_are_read_and_checked() -> None:
    base = {"TELEGRAM_BOT_TOKEN": "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"}
    settings = load_settings(
        {**base, "ESCALE_SENDS_PER_SECOND": "20", "ESCALE_UPDATES_PER_MINUTE": "60"},
        env_file=None,
    )
    assert (settings.sends_per_second, settings.updates_per_minute) == (20, 60)
    defaults = load_settings(base, env_file=None)
    assert (defaults.sends_per_second, defaults.updates_per_minute) == (30, 30)
    expected = "ESCALE_SENDS_PER_SECOND: 'fast' is not a whole number from 1 to 100000"
    with pytest.raises(ConfigError, match=expected):
        load_settings({**base, "ESCALE_SENDS_PER_SECOND": "fast"}, env_file=None)
