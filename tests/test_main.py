"""`python -m bot` as a deployer runs it: bad settings stop it early, SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from bot.core.config import Settings
from bot.core.engines import open_database
from bot.core.updates import ALLOWED_UPDATES
from tests.conftest import ADMIN_ID, Escale, FakeClock, build, start_app, stop_app
from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.journeys import make_person, make_worker

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"


async def _run(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_a_token_that_is_set_but_malformed_still_stops_start_up(tmp_path: Path) -> None:
    """Only a missing token means the sandbox: a wrong one is a mistake to say."""
    process = await _run({"TELEGRAM_BOT_TOKEN": "replace-me"}, tmp_path)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("escale: TELEGRAM_BOT_TOKEN does not look like a bot token")
    assert not (tmp_path / "data").exists(), "nothing touched before the settings are valid"


async def test_a_malformed_value_is_named(tmp_path: Path) -> None:
    process = await _run({"TELEGRAM_BOT_TOKEN": TOKEN, "ESCALE_ADMIN_IDS": "12,bob"}, tmp_path)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert err.decode().strip() == (
        "escale: ESCALE_ADMIN_IDS: 'bob' is not a Telegram user id "
        "(expected numbers separated by commas, e.g. 12345,67890)"
    )


async def test_env_file_is_read_and_sigterm_shuts_down_cleanly(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as telegram:
        (tmp_path / ".env").write_text(
            f"TELEGRAM_BOT_TOKEN={TOKEN}\n"
            f"TELEGRAM_API_BASE_URL={telegram.base_url}\n"
            "ESCALE_DATABASE=state/escale.sqlite3\n"
        )
        process = await _run({}, tmp_path)
        try:
            await telegram.wait_polling(timeout=30)

            async def settle(update_id: int) -> None:
                await telegram.wait_fetched(update_id, timeout=30)

            user = TelegramUser(telegram, settle, user_id=42, first_name="Secret Name")
            await user.send("/start")
            while not user.messages:
                await telegram.wait_for_call("sendMessage", timeout=30)
            assert user.last.text.startswith("Bonjour ! Je suis Escale.")
            await user.send("my private words")
            while len(user.messages) < 2:
                await telegram.wait_for_call("sendMessage", timeout=30)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(process.communicate(), 30)
    logs = out.decode() + err.decode()
    assert process.returncode == 0, logs
    assert "Traceback" not in logs
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs
    assert "my private words" not in logs
    assert "database closed" in logs
    assert (tmp_path / "state" / "escale.sqlite3").is_file()


async def test_a_file_that_is_not_a_database_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("shopping list" * 100)
    async with FakeTelegram(token=TOKEN) as telegram:
        process = await _run(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": telegram.base_url,
                "ESCALE_DATABASE": "notes.txt",
            },
            tmp_path,
        )
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "escale: notes.txt cannot be used as an Escale database" in err.decode()
    assert "Traceback" not in err.decode()
    assert (tmp_path / "notes.txt").read_text() == "shopping list" * 100


async def test_a_refused_token_is_said_plainly(tmp_path: Path) -> None:
    async with FakeTelegram(token="999:OtherTokenOtherTokenOther") as telegram:
        process = await _run(
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": telegram.base_url}, tmp_path
        )
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "Traceback" not in err.decode()
    assert err.decode().strip().splitlines()[-1] == (
        "escale: Telegram refused TELEGRAM_BOT_TOKEN; check it with @BotFather"
    )


async def test_an_unreachable_bot_api_is_said_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await _run(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot"},
        tmp_path,
    )
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    assert "Traceback" not in err.decode()
    assert err.decode().strip().splitlines()[-1] == (
        f"escale: cannot reach the Bot API at 127.0.0.1:{port} (NetworkError); "
        "check TELEGRAM_API_BASE_URL and the network"
    )


async def _check_dialogues(*files: str, cwd: Path = ROOT) -> tuple[int | None, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "check-dialogues",
        *files,
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode, out.decode(), err.decode()


BROKEN_DIALOGUE = """
[[step]]
id = "want"
kind = "text"
label = "What I want"
question = "What do you want, {ghost}?"

[[step]]
id = "review"
kind = "review"
question = "Here is what your worker will read."
"""


async def test_check_dialogues_checks_the_shipped_file_without_a_token() -> None:
    returncode, out, err = await _check_dialogues()
    assert (returncode, out, err) == (0, "dialogues/preparation.toml: 17 steps, valid\n", "")


async def test_check_dialogues_names_the_step_and_field_of_a_mistake(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text(BROKEN_DIALOGUE)
    returncode, out, err = await _check_dialogues(
        "broken.toml", str(ROOT / "dialogues" / "preparation.toml"), cwd=tmp_path
    )
    assert returncode == 1
    assert out.endswith("preparation.toml: 17 steps, valid\n")
    assert err == (
        "broken.toml: step 'want' (#1), field 'question': "
        "placeholder {ghost} does not name an earlier step\n"
    )


async def test_a_broken_dialogue_stops_start_up_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text(BROKEN_DIALOGUE)
    process = await _run({"TELEGRAM_BOT_TOKEN": TOKEN, "ESCALE_DIALOGUE": "broken.toml"}, tmp_path)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert err.decode() == (
        "escale: broken.toml: step 'want' (#1), field 'question': "
        "placeholder {ghost} does not name an earlier step\n"
    )
    assert not (tmp_path / "data").exists()


async def test_a_missing_dialogue_file_is_a_setting_error(tmp_path: Path) -> None:
    process = await _run({"TELEGRAM_BOT_TOKEN": TOKEN, "ESCALE_DIALOGUE": "nowhere.toml"}, tmp_path)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert err.decode().startswith("escale: ESCALE_DIALOGUE: 'nowhere.toml' is not a file")


async def _reply_to(telegram: FakeTelegram, user: TelegramUser, text: str, expected: str) -> None:
    """Send `text` to a bot running as a process; return once it has sent `expected`."""
    await user.send(text)
    while not any(expected in message.text for message in user.messages):
        await telegram.wait_for_call("sendMessage", timeout=30)


async def _stored_answers(path: Path) -> dict[str, str | None]:
    database = await open_database(path)
    try:
        rows = await database.fetchall("SELECT step, text FROM answers")
    finally:
        await database.close()
    return {row["step"]: row["text"] for row in rows}


async def test_a_kill_9_mid_preparation_loses_no_acknowledged_answer(tmp_path: Path) -> None:
    path = tmp_path / "escale.sqlite3"
    async with FakeTelegram(token=TOKEN) as telegram:
        settings = Settings(
            token=TOKEN,
            api_base_url=telegram.base_url,
            admin_ids=frozenset({ADMIN_ID}),
            database_path=path,
        )
        clock = FakeClock()
        escale = Escale(telegram, settings, clock, build(settings, clock))
        await start_app(escale.app)
        worker = await make_worker(escale, "Alice", "en")
        joined = await make_person(escale, worker, "Léa", "Léa", "en")
        await joined.send("/prepare")
        await joined.send("Housing")
        await stop_app(escale.app)

        async def fetched(update_id: int) -> None:
            await telegram.wait_fetched(update_id, timeout=30)

        person = TelegramUser(
            telegram, fetched, user_id=joined.user_id, first_name="Léa", language_code="en"
        )
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "ESCALE_DATABASE": str(path),
        }
        process = await _run(env, tmp_path)
        try:
            await telegram.wait_polling(timeout=30)
            await person.press("For me")
            while "what would change?" not in person.last.text:
                await telegram.wait_for_call("sendMessage", timeout=30)
            await _reply_to(
                telegram,
                person,
                "A flat with two rooms",
                "What is the first thing that blocks you?",
            )
        finally:
            process.kill()  # SIGKILL: no shutdown, nothing flushed on the way out
            await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == -signal.SIGKILL
        assert await _stored_answers(path) == {
            "problem": "Housing",
            "for_whom": "me",
            "want": "A flat with two rooms",
        }

        process = await _run(env, tmp_path)
        try:
            await telegram.wait_polling(timeout=30)
            await _reply_to(telegram, person, "/prepare", "We stopped at question 4 of")
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, out.decode() + err.decode()


async def test_a_webhook_call_refused_once_at_start_up_is_tried_again(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as telegram:
        telegram.fail_next(
            "deleteWebhook",
            status=429,
            description="Too Many Requests: retry after 1",
            retry_after=1,
        )
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": telegram.base_url}
        process = await _run(env, tmp_path)
        try:
            await telegram.wait_polling(timeout=30)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(process.communicate(), 30)
    logs = out.decode() + err.decode()
    assert process.returncode == 0, logs
    assert "Traceback" not in logs
    assert [call.status for call in telegram.calls_to("deleteWebhook")] == [429, 200]


@pytest.mark.parametrize(
    ("status", "description", "retry_after", "logged"),
    [
        (
            429,
            "Too Many Requests: retry after 1",
            1,
            "flood control method=setMyCommands retry_in=1s",
        ),
        (500, "Internal Server Error", None, "retry method=setMyCommands attempt=1 error=HTTP500"),
        (
            400,
            "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID",
            None,
            "a mistake in Escale's commands, not a network problem",
        ),
    ],
)
async def test_a_menu_refused_at_start_up_does_not_stop_escale(
    tmp_path: Path, status: int, description: str, retry_after: int | None, logged: str
) -> None:
    async with FakeTelegram(token=TOKEN) as telegram:
        telegram.fail_next(
            "setMyCommands", status=status, description=description, retry_after=retry_after
        )
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": telegram.base_url}
        process = await _run(env, tmp_path)
        try:
            await telegram.wait_polling(timeout=30)

            async def fetched(update_id: int) -> None:
                await telegram.wait_fetched(update_id, timeout=30)

            user = TelegramUser(telegram, fetched, user_id=42, first_name="Zoé", language_code="en")
            await _reply_to(telegram, user, "/start", "Hello! I am Escale.")
            assert telegram.allowed_updates == frozenset(ALLOWED_UPDATES)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(process.communicate(), 30)
    logs = out.decode() + err.decode()
    assert process.returncode == 0, logs
    assert "Traceback" not in logs
    assert "cannot reach the Bot API" not in logs
    assert logged in logs


@pytest.mark.parametrize(
    ("me", "missing"),
    [
        ({"id": 123456, "is_bot": True, "first_name": "Escale"}, "username"),
        ({"id": 123456, "is_bot": True, "username": "escale_bot"}, "first_name"),
        (True, "id, is_bot, first_name, username"),
    ],
)
async def test_an_incomplete_get_me_answer_is_said_in_one_line(
    tmp_path: Path, me: object, missing: str
) -> None:
    async with FakeTelegram(token=TOKEN) as telegram:
        telegram.answer_next("getMe", me)
        process = await _run(
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": telegram.base_url}, tmp_path
        )
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    assert "Traceback" not in err.decode()
    assert err.decode().strip().splitlines()[-1] == (
        f"escale: the Bot API at 127.0.0.1:{telegram.port} answered getMe without {missing} "
        "(a Bot API server always gives them); check TELEGRAM_API_BASE_URL"
    )


async def test_a_bad_request_at_start_up_is_not_called_a_network_problem(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as telegram:
        telegram.fail_next("getMe", status=400, description="Bad Request: method is disabled")
        process = await _run(
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": telegram.base_url}, tmp_path
        )
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    assert "Traceback" not in err.decode()
    assert err.decode().strip().splitlines()[-1] == (
        f"escale: the Bot API at 127.0.0.1:{telegram.port} refused a start-up call "
        "(400: Method is disabled); this is a bug in Escale, please report it"
    )
