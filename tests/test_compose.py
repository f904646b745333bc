"""No Docker engine runs here: check what can be checked in compose.yaml and its Caddyfile.

It parses; its services are the ones the README describes; every variable it gives Escale is one
Escale reads, and Escale's own settings accept them; the proxy passes exactly the webhook's path
to the instances' port; every `${…}` it needs is named in its header for the deployer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.core.config import load_settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "compose.yaml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[?-][^}]*)?\}")
DEPLOYER = {  # what a deployer puts in .env, as the file's header says
    "POSTGRES_PASSWORD": "a-url-safe-password-123",
    "ESCALE_DOMAIN": "escale.example.org",
    "ESCALE_WEBHOOK_SECRET": "a-secret-of-at-least-16-characters",
}


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _interpolated(value: str) -> str:
    """`${NAME:?message}` replaced as `docker compose` would, with the deployer's values."""
    return INTERPOLATION.sub(lambda found: DEPLOYER[found.group(1)], value)


def _escale_environment(service: dict[str, Any]) -> dict[str, str]:
    return {name: _interpolated(str(value)) for name, value in service["environment"].items()}


def _variables_escale_reads() -> set[str]:
    names: set[str] = set()
    for source in (ROOT / "bot").rglob("*.py"):
        names |= set(re.findall(r"\b((?:ESCALE|TELEGRAM)_[A-Z_]+)\b", source.read_text("utf-8")))
    return names


def test_the_services_are_postgresql_two_instances_and_a_proxy() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "escale-1", "escale-2", "proxy"}
    for name in ("escale-1", "escale-2"):
        assert services[name]["build"] == "."
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert (ROOT / "Dockerfile").is_file()
    assert "443:443" in services["proxy"]["ports"]


def test_every_variable_given_to_escale_is_one_it_reads_and_accepts() -> None:
    services = _compose()["services"]
    known = _variables_escale_reads()
    for name in ("escale-1", "escale-2"):
        environment = _escale_environment(services[name])
        assert set(environment) <= known, set(environment) - known
        settings = load_settings(
            {"TELEGRAM_BOT_TOKEN": "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345", **environment},
            env_file=None,
        )
        assert settings.webhook is not None
        assert settings.webhook.url == "https://escale.example.org/telegram"
        assert (settings.webhook.listen, settings.webhook.port) == ("0.0.0.0", 8081)
        assert environment["ESCALE_DATABASE"].startswith("postgresql://escale:")
        assert urlsplit(environment["ESCALE_DATABASE"]).hostname == "postgres"
        assert 2 * settings.sends_per_second <= 30, "two instances together exceed Telegram's pace"


def test_every_interpolated_variable_is_named_for_the_deployer() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    used = set(INTERPOLATION.findall(text))
    assert used == set(DEPLOYER)
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    for name in used:
        assert name in header, f"{name} is used but not named in compose.yaml's header"
    postgres = _compose()["services"]["postgres"]["environment"]
    assert postgres["POSTGRES_USER"] == "escale" and postgres["POSTGRES_DB"] == "escale"


def test_the_proxy_passes_the_webhook_path_to_both_instances() -> None:
    caddy = CADDYFILE.read_text(encoding="utf-8")
    services = _compose()["services"]
    webhook = urlsplit(_escale_environment(services["escale-1"])["ESCALE_WEBHOOK_URL"])
    assert re.search(rf"^\s*path {re.escape(webhook.path)}$", caddy, re.MULTILINE)
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddy)
    assert upstreams is not None
    port = services["escale-1"]["environment"]["ESCALE_WEBHOOK_PORT"]
    assert upstreams.group(1).split() == [f"escale-1:{port}", f"escale-2:{port}"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert caddy.count("{") == caddy.count("}"), "unbalanced braces in the Caddyfile"
