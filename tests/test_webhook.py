"""Webhook mode: Telegram posts updates to Escale, which checks the secret and handles each
update before answering; the emulator delivers like Telegram (one update per chat in flight,
retries until a 2xx, 409 to getUpdates meanwhile); the health signal stays truthful."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.core.config import ConfigError, Settings, Webhook, load_settings
from bot.service import receiving_store
from bot.service.health import read_beat
from bot.service.operations.status import health
from tests.conftest import (
    WEBHOOK_SECRET,
    Escale,
    FakeClock,
    free_port,
    running_escale,
    webhook_on_loopback,
)
from tests.fake_telegram import ApiCall, FakeTelegram, TelegramUser
from tests.journeys import make_person, make_worker

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"


@pytest.fixture
async def hooked(
    telegram: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Escale]:
    webhook_settings = dataclasses.replace(settings, webhook=webhook_on_loopback())
    async with running_escale(telegram, webhook_settings, caplog) as running:
        yield running


async def _count(escale: Escale, table: str) -> int:
    row = await escale.db.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
    assert row is not None
    return int(row["n"])


# ---------------------------------------------------------------------- Escale on a webhook


async def test_people_prepare_over_the_webhook_and_nothing_polls(hooked: Escale) -> None:
    telegram = hooked.telegram
    worker = await make_worker(hooked, "Alice", "en")
    person = await make_person(hooked, worker, "Léa", "Léa", "en")
    await person.send("/prepare")
    await person.send("My rent went up")
    assert "Who is it a problem for?" in person.last.text
    assert telegram.calls_to("getUpdates") == []
    (hook,) = telegram.calls_to("setWebhook")
    assert hook.params["url"] == hooked.settings.webhook.url  # type: ignore[union-attr]
    assert hook.params["secret_token"] == WEBHOOK_SECRET
    assert telegram.webhook_attempts, "nothing came through the webhook"
    assert all(a.status == 200 and a.with_secret for a in telegram.webhook_attempts)
    row = await hooked.db.fetchone("SELECT text FROM answers WHERE step = 'problem'")
    assert row is not None and row["text"] == "My rent went up"


async def test_an_update_is_handled_before_telegram_hears_it_was_received(hooked: Escale) -> None:
    """The 2xx comes after the answer is committed and the reply sent: an instance that dies
    before answering leaves the update with Telegram, which sends it again."""
    person = hooked.user("Léa", "en")
    acknowledged_at_reply: list[int] = []

    def on_call(call: ApiCall) -> None:
        if call.method == "sendMessage":
            acknowledged_at_reply.append(len(hooked.telegram.delivered))

    hooked.telegram.observe(on_call)
    await person.send("/start")
    assert person.last.text
    assert acknowledged_at_reply[:1] == [0], "the update was acknowledged before Escale replied"
    assert hooked.telegram.delivered == [hooked.telegram.updates[-1]["update_id"]]


@pytest.mark.parametrize("secret", [None, "a-wrong-secret-0123456789"])
async def test_a_post_without_the_right_secret_is_refused_and_nothing_is_handled(
    hooked: Escale, secret: str | None
) -> None:
    webhook = hooked.settings.webhook
    assert webhook is not None
    person = hooked.user("Léa", "en")
    update = {"update_id": 777, "message": person.message_dict("/start")}
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with (
        aiohttp.ClientSession() as session,
        session.post(webhook.url, data=json.dumps(update), headers=headers) as answer,
    ):
        assert answer.status == 403
    assert hooked.telegram.calls_to("sendMessage") == []
    assert await _count(hooked, "users") == 0
    # The same message through Telegram, with the secret, is answered: the check above could fail.
    await person.send("/start")
    assert person.messages, "Escale did not answer a message Telegram delivered"


async def _post(webhook: Webhook, update: dict[str, object]) -> int:
    """Post `update` to Escale as Telegram would (with the secret): the answer's status."""
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": webhook.secret,
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(webhook.url, data=json.dumps(update), headers=headers) as answer,
    ):
        return answer.status


async def _answers(escale: Escale) -> list[tuple[str, str | None]]:
    rows = await escale.db.fetchall("SELECT step, text FROM answers ORDER BY step")
    return [(row["step"], row["text"]) for row in rows]


async def test_an_update_posted_again_after_it_was_handled_changes_nothing(
    hooked: Escale,
) -> None:
    """Telegram posts an update again when its answer never came (the instance died after
    committing): the second post must not become the answer to the next question."""
    assert hooked.settings.webhook is not None
    worker = await make_worker(hooked, "Alice", "en")
    person = await make_person(hooked, worker, "Léa", "Léa", "en")
    await person.send("/prepare")
    await person.send("Housing")
    update = hooked.telegram.updates[-1]
    seen = len(person.messages)
    assert await _post(hooked.settings.webhook, update) == 200
    assert len(person.messages) == seen, "the update posted again was handled again"
    assert await _answers(hooked) == [("problem", "Housing")]
    await person.press("For me")
    assert "what would change?" in person.last.text


async def test_one_update_posted_twice_at_once_is_handled_once(hooked: Escale) -> None:
    assert hooked.settings.webhook is not None
    worker = await make_worker(hooked, "Alice", "en")
    person = await make_person(hooked, worker, "Léa", "Léa", "en")
    await person.send("/prepare")
    seen = len(person.messages)
    update = {"update_id": 9001, "message": person.message_dict("Housing")}
    statuses = await asyncio.gather(
        _post(hooked.settings.webhook, update), _post(hooked.settings.webhook, update)
    )
    assert list(statuses) == [200, 200]
    assert await _answers(hooked) == [("problem", "Housing")]
    assert [m.text for m in person.messages[seen:]] == [person.last.text]
    assert "Who is it a problem for?" in person.last.text


async def test_an_update_that_could_not_be_handled_is_said_and_comes_again(
    telegram: FakeTelegram,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database fails before an update is handled: Telegram is answered 500 (so it posts
    the update again, and nothing is lost), and the log says which update failed, and how,
    without what was written; PTB itself logs such a failure only at DEBUG."""
    webhook_settings = dataclasses.replace(settings, webhook=webhook_on_loopback())
    async with running_escale(
        telegram, webhook_settings, caplog, expected_errors=["update not handled update=9002"]
    ) as hooked:
        assert hooked.settings.webhook is not None
        worker = await make_worker(hooked, "Alice", "en")
        person = await make_person(hooked, worker, "Léa", "Léa", "en")
        await person.send("/prepare")
        update = {"update_id": 9002, "message": person.message_dict("Canary-housing")}

        async def failing(*_: object) -> bool:
            raise OSError("disk I/O error")

        with monkeypatch.context() as patched:
            patched.setattr(receiving_store, "was_handled", failing)
            assert await _post(hooked.settings.webhook, update) == 500
        assert await _answers(hooked) == []
        (record,) = [r for r in caplog.records if "update not handled" in r.getMessage()]
        assert record.getMessage().startswith("update not handled update=9002 error=OSError")
        assert "Canary" not in caplog.text
        assert await _post(hooked.settings.webhook, update) == 200  # Telegram posts it again
        assert await _answers(hooked) == [("problem", "Canary-housing")]


async def test_an_update_telegram_sent_that_cannot_be_read_is_logged_without_its_words(
    telegram: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """PTB logs an update it cannot read whole, at CRITICAL: what the person wrote must not
    reach the log; the line says that an update was not handled, and why in one word."""
    webhook_settings = dataclasses.replace(settings, webhook=webhook_on_loopback())
    async with running_escale(
        telegram, webhook_settings, caplog, expected_errors=["update from Telegram not readable"]
    ) as hooked:
        assert hooked.settings.webhook is not None
        broken = {"update_id": 9003, "message": {"text": "Canary-my-debts"}}  # no chat, no date
        assert await _post(hooked.settings.webhook, broken) == 400
        (record,) = [r for r in caplog.records if "not readable" in r.getMessage()]
        said = record.getMessage()
        assert said == "update from Telegram not readable, not handled error=KeyError"
    assert "Canary" not in caplog.text


async def test_a_restart_on_the_webhook_keeps_the_preparation(hooked: Escale) -> None:
    worker = await make_worker(hooked, "Alice", "en")
    person = await make_person(hooked, worker, "Léa", "Léa", "en")
    await person.send("/prepare")
    await person.send("Housing")
    await hooked.restart()
    await person.press("For me")
    assert "what would change?" in person.last.text
    assert len(hooked.telegram.calls_to("setWebhook")) == 2


async def test_the_health_signal_is_truthful_on_a_webhook(
    telegram: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """No getUpdates comes on a webhook: Telegram is asked how its deliveries go, and a stuck
    delivery (Escale no longer listening) makes the instance unhealthy."""
    clock = FakeClock()
    telegram._wall_clock = lambda: clock.now().timestamp()  # Telegram's errors on test time
    webhook_settings = dataclasses.replace(settings, webhook=webhook_on_loopback())
    path, url = webhook_settings.database_path, webhook_settings.database_url
    async with running_escale(telegram, webhook_settings, caplog, clock) as escale:
        watch = escale.app.bot_data.services.webhook_watch
        assert watch is not None
        assert await watch.check() is None
        beat = read_beat(path)
        assert beat is not None and beat.mode == "webhook" and beat.problem is None
        first = health(path, clock.now(), url)
        assert first.healthy, first.lines
        assert any(line.startswith("webhook: Telegram last asked") for line in first.lines)

        assert escale.app.updater is not None
        await escale.app.updater.stop()  # Escale stops listening; Telegram keeps trying
        person = escale.user("Léa", "en")
        telegram.push_update({"message": person.message_dict("/start")})
        await telegram.wait_webhook_attempts(len(telegram.webhook_attempts) + 1)
        assert telegram.webhook_attempts[-1].status is None  # nobody listens
        clock.advance(timedelta(seconds=30))
        assert await watch.check() is None, "one failing check may be a passing retry"
        assert health(path, clock.now(), url).healthy
        clock.advance(timedelta(seconds=5))
        problem = await watch.check()
        assert problem is not None and "cannot deliver: 1 update(s) waiting" in problem
        stuck = health(path, clock.now(), url)
        assert not stuck.healthy
        assert "UNHEALTHY" in stuck.lines
        assert any("Telegram cannot deliver" in line for line in stuck.lines), stuck.lines

        # Two minutes on with no answer from Telegram at all: the beat is too old.
        later = health(path, clock.now() + timedelta(minutes=3), url)
        assert not later.healthy and any("TOO OLD" in line for line in later.lines)
    assert read_beat(path) is None, "a clean stop removes the heartbeat"


# ---------------------------------------------------------------------- settings


def _webhook_settings(**values: str) -> Settings:
    return load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **values}, env_file=None)


def test_without_a_webhook_url_escale_polls() -> None:
    assert _webhook_settings().webhook is None


def test_the_webhook_settings_are_read() -> None:
    settings = _webhook_settings(
        ESCALE_WEBHOOK_URL="https://escale.example.org/hooks/telegram",
        ESCALE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        ESCALE_WEBHOOK_LISTEN="0.0.0.0",
        ESCALE_WEBHOOK_PORT="8443",
    )
    assert settings.webhook == Webhook(
        "https://escale.example.org/hooks/telegram", WEBHOOK_SECRET, "0.0.0.0", 8443
    )
    assert settings.webhook.path == "hooks/telegram"
    defaults = _webhook_settings(
        ESCALE_WEBHOOK_URL="https://escale.example.org/telegram",
        ESCALE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    assert defaults.webhook is not None
    assert (defaults.webhook.listen, defaults.webhook.port) == ("127.0.0.1", 8081)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"ESCALE_WEBHOOK_URL": "https://escale.example.org/telegram"}, "ESCALE_WEBHOOK_SECRET"),
        (
            {
                "ESCALE_WEBHOOK_URL": "https://escale.example.org/t",
                "ESCALE_WEBHOOK_SECRET": "short",
            },
            "ESCALE_WEBHOOK_SECRET",
        ),
        (
            {
                "ESCALE_WEBHOOK_URL": "https://escale.example.org/t",
                "ESCALE_WEBHOOK_SECRET": "has spaces in it, not allowed",
            },
            "ESCALE_WEBHOOK_SECRET",
        ),
        (
            {
                "ESCALE_WEBHOOK_URL": "http://escale.example.org/t",
                "ESCALE_WEBHOOK_SECRET": "x" * 20,
            },
            "ESCALE_WEBHOOK_URL",
        ),
        ({"ESCALE_WEBHOOK_URL": "escale.example.org", "ESCALE_WEBHOOK_SECRET": "x" * 20}, "URL"),
        ({"ESCALE_WEBHOOK_SECRET": WEBHOOK_SECRET}, "ESCALE_WEBHOOK_SECRET"),
        (
            {
                "ESCALE_WEBHOOK_URL": "https://escale.example.org/t",
                "ESCALE_WEBHOOK_SECRET": "x" * 20,
                "ESCALE_WEBHOOK_PORT": "99999",
            },
            "ESCALE_WEBHOOK_PORT",
        ),
    ],
)
def test_a_bad_webhook_setting_is_named(values: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _webhook_settings(**values)
    message = str(caught.value)
    assert named in message and "\n" not in message
    secret = values.get("ESCALE_WEBHOOK_SECRET", "")
    assert not secret or secret not in message, "a secret, even a wrong one, is never echoed"


# ---------------------------------------------------------------------- python -m bot


async def test_python_m_bot_runs_on_a_webhook_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    async with FakeTelegram(token=TOKEN) as telegram:

        async def handled(update_id: int) -> None:
            await telegram.wait_fetched(update_id, timeout=30)

        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "ESCALE_WEBHOOK_URL": url,
            "ESCALE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "ESCALE_WEBHOOK_PORT": str(port),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await telegram.wait_for_call("setWebhook", timeout=30)
            person = TelegramUser(
                telegram, handled, user_id=4242, first_name="Léa", language_code="en"
            )
            await person.send("/start")
            assert person.messages, "no answer through the webhook"
            status = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "status",
                cwd=tmp_path,
                env=env,
                stdout=asyncio.subprocess.PIPE,
            )
            out, _ = await asyncio.wait_for(status.communicate(), 30)
            assert "webhook: Telegram last asked" in out.decode(), out.decode()
            assert status.returncode == 0, out.decode()
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(process.communicate(), 30)
    logs = out.decode() + err.decode()
    assert process.returncode == 0, logs
    assert "Traceback" not in logs
    assert TOKEN not in logs and WEBHOOK_SECRET not in logs
    assert telegram.calls_to("getUpdates") == []


async def test_a_webhook_port_already_taken_is_said_in_one_line(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as telegram:
        blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = blocker.sockets[0].getsockname()[1]
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=tmp_path,
                env={
                    "PATH": os.environ.get("PATH", ""),
                    "PYTHONPATH": str(ROOT),
                    "TELEGRAM_BOT_TOKEN": TOKEN,
                    "TELEGRAM_API_BASE_URL": telegram.base_url,
                    "ESCALE_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
                    "ESCALE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                    "ESCALE_WEBHOOK_PORT": str(port),
                },
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(process.communicate(), 30)
        finally:
            blocker.close()
    assert process.returncode == 1, out.decode() + err.decode()
    lines = err.decode().strip().splitlines()
    assert lines[-1].startswith(f"escale: cannot listen on 127.0.0.1:{port} for the webhook")
    assert "Traceback" not in err.decode()


# ---------------------------------------------------------------------- the emulator


class _Receiver:
    """A webhook endpoint for the emulator's own tests: answers each POST as told."""

    def __init__(self) -> None:
        self.received: list[tuple[int, str | None]] = []
        self.statuses: list[int] = []
        self.gates: dict[int, asyncio.Event] = {}
        self.arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _post(self, request: web.Request) -> web.Response:
        update = await request.json()
        update_id = int(update["update_id"])
        self.received.append((update_id, request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        self.arrived.set()
        gate = self.gates.get(update_id)
        if gate is not None:
            await gate.wait()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status)

    async def __aenter__(self) -> _Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._post)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *_: object) -> None:
        for gate in self.gates.values():
            gate.set()
        assert self._runner is not None
        await self._runner.cleanup()

    async def wait_for(self, update_id: int) -> None:
        async with asyncio.timeout(10):
            while update_id not in [u for u, _ in self.received]:
                self.arrived.clear()
                await self.arrived.wait()


async def _api(telegram: FakeTelegram, method: str, **params: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{telegram.base_url}{telegram.token}/{method}", json=params) as answer,
    ):
        return answer.status, await answer.json()


def _message(user_id: int, text: str) -> dict:  # type: ignore[type-arg]
    user = {"id": user_id, "is_bot": False, "first_name": "P"}
    return {
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": user_id, "type": "private", "first_name": "P"},
            "from": user,
            "text": text,
        }
    }


async def test_the_emulator_posts_with_the_secret_retries_and_refuses_polling() -> None:
    async with FakeTelegram() as telegram, _Receiver() as receiver:
        status, body = await _api(telegram, "setWebhook", url=receiver.url, secret_token="s3cret")
        assert (status, body["result"]) == (200, True)
        status, body = await _api(telegram, "getUpdates")
        assert status == 409 and "webhook is active" in body["description"]

        receiver.statuses = [500, 403]  # refused twice, then answered
        update_id = telegram.push_update(_message(5, "hello"))
        await telegram.wait_fetched(update_id)
        assert [a.status for a in telegram.webhook_attempts] == [500, 403, 200]
        assert receiver.received == [(update_id, "s3cret")] * 3
        assert telegram.delivered == [update_id]
        _, info = await _api(telegram, "getWebhookInfo")
        assert info["result"]["url"] == receiver.url
        assert info["result"]["pending_update_count"] == 0
        assert (
            info["result"]["last_error_message"] == "Wrong response from the webhook: 403 Forbidden"
        )

        await _api(telegram, "deleteWebhook")
        status, body = await _api(telegram, "getUpdates")
        assert status == 200 and body["result"] == []


async def test_the_emulator_keeps_one_update_per_chat_in_flight() -> None:
    async with FakeTelegram() as telegram, _Receiver() as receiver:
        await _api(telegram, "setWebhook", url=receiver.url)
        first = telegram.push_update(_message(1, "one"))
        receiver.gates[first] = asyncio.Event()
        second = telegram.push_update(_message(1, "two"))  # same chat: waits for the first
        other = telegram.push_update(_message(2, "elsewhere"))  # another chat: goes at once
        await receiver.wait_for(other)
        assert [u for u, _ in receiver.received] == [first, other]
        receiver.gates[first].set()
        await telegram.wait_fetched(second)
        assert [u for u, _ in receiver.received] == [first, other, second]
        assert telegram.delivered == [other, first, second]


async def test_the_emulator_retries_a_webhook_nobody_listens_on() -> None:
    async with FakeTelegram() as telegram:
        port = free_port()
        await _api(telegram, "setWebhook", url=f"http://127.0.0.1:{port}/hook")
        telegram.push_update(_message(3, "anyone?"))
        await telegram.wait_webhook_attempts(2)
        assert all(a.status is None for a in telegram.webhook_attempts)
        _, info = await _api(telegram, "getWebhookInfo")
        assert info["result"]["pending_update_count"] == 1
        assert info["result"]["last_error_message"] == "Connection refused"
