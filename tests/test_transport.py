"""Escale's HTTP client (bot/core/transport.py): what PTB gets back, and what a failure proves.

Each failure is told apart as the outbox needs it: nothing sent (it may send again), or an
outcome that cannot be known (it must not send blindly). An error's text never carries the
URL, so never the token.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.core.transport import AiohttpRequest, may_have_arrived
from bot.emulator.server import UploadedFile
from tests.conftest import answer_once
from tests.fake_telegram import FakeTelegram, TelegramUser

USER_ID = 5001


async def no_settle(update_id: int) -> None:
    """The bot under test is a bare PTB Bot: nothing answers the person's updates."""


@pytest.fixture
async def user(telegram: FakeTelegram) -> TelegramUser:
    person = TelegramUser(telegram, no_settle, user_id=USER_ID, first_name="Léa")
    await person.send("/start")
    return person


async def test_messages_edits_and_answers_go_through_as_ptb_expects(
    bot: Bot, user: TelegramUser, telegram: FakeTelegram
) -> None:
    sent = await bot.send_message(USER_ID, "<b>Bonjour</b> Léa", parse_mode="HTML")
    assert sent.message_id > 0 and sent.chat.id == USER_ID
    await bot.edit_message_text("Bonjour Léa, à jeudi", USER_ID, sent.message_id)
    assert user.texts() == ["Bonjour Léa, à jeudi"]
    with pytest.raises(BadRequest):  # an error status is an answer: PTB reads it
        await bot.edit_message_text("x", USER_ID, 999_999)
    assert [call.method for call in telegram.calls if call.method != "getUpdates"][-3:] == [
        "sendMessage",
        "editMessageText",
        "editMessageText",
    ]


async def test_a_file_is_uploaded_whole_with_its_name_and_type(
    bot: Bot, user: TelegramUser, telegram: FakeTelegram
) -> None:
    content = bytes(range(256)) * 40  # binary, with every byte value
    await bot.send_document(USER_ID, content, filename="mes-données.json", caption="Vos données")
    (message,) = telegram.messages(USER_ID)
    assert message.text == "Vos données"
    assert isinstance(message.file, UploadedFile)
    assert (message.file.filename, message.file.content_type, message.file.data) == (
        "mes-données.json",
        "application/json",
        content,
    )


async def test_parameters_go_as_one_json_object_with_their_own_types(
    telegram: FakeTelegram,
) -> None:
    """As the Bot API takes them: numbers as numbers, a keyboard as an object, the text as it
    was written (PTB's own `json_payload` would send each value as a string of JSON)."""
    seen: list[tuple[bytes, Any]] = []
    answers = {
        b"/getMe": {"id": 1, "is_bot": True, "first_name": "Escale", "username": "escale_bot"},
        b"/sendMessage": {"message_id": 7, "date": 0, "chat": {"id": USER_ID, "type": "private"}},
    }

    async def server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        body = await reader.readexactly(length)
        seen.append((head, json.loads(body) if body else None))
        path = head.split(b" ")[1]
        answer = {"ok": True, "result": answers[path[path.rindex(b"/") :]]}
        await answer_once(writer, json.dumps(answer).encode())

    listening = await asyncio.start_server(server, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="p:1:want:o")]])
    bot = Bot(
        telegram.token,
        base_url=f"http://127.0.0.1:{port}/bot",
        request=AiohttpRequest(trust_env=False),
    )
    try:
        async with bot:
            sent = await bot.send_message(
                USER_ID, "Où en êtes-vous ? <b>1/3</b>", parse_mode="HTML", reply_markup=keyboard
            )
    finally:
        listening.close()
    assert sent.message_id == 7
    (_, get_me), (head, parameters) = seen
    assert get_me is None  # no parameters, no body
    assert b"content-type: application/json" in head.lower()
    assert parameters == {
        "chat_id": USER_ID,
        "text": "Où en êtes-vous ? <b>1/3</b>",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "Oui", "callback_data": "p:1:want:o"}]]},
    }


async def test_a_refused_connection_proves_nothing_was_sent(telegram: FakeTelegram) -> None:
    unused = await _unused_port()
    async with AiohttpRequest(trust_env=False) as request:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{unused}/bot{telegram.token}/getMe")
    assert not may_have_arrived(caught.value)
    assert telegram.token not in str(caught.value)
    assert "aiohttp.ClientConnectorError" in str(caught.value)


async def test_a_lost_answer_may_have_arrived(
    bot: Bot, user: TelegramUser, telegram: FakeTelegram
) -> None:
    telegram.drop_next("sendMessage")
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(USER_ID, "Bonjour")
    assert may_have_arrived(caught.value)
    assert user.texts() == ["Bonjour"]  # it did arrive
    assert telegram.token not in str(caught.value)


async def test_a_server_error_status_proves_nothing_was_sent(
    bot: Bot, user: TelegramUser, telegram: FakeTelegram
) -> None:
    telegram.fail_next("sendMessage", status=502, description="Bad Gateway")
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(USER_ID, "x")
    assert not may_have_arrived(caught.value)


async def test_no_answer_in_time_is_a_timeout_whose_outcome_is_unknown(
    telegram: FakeTelegram,
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)  # takes the request, never answers
        await asyncio.Event().wait()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AiohttpRequest(trust_env=False, read_timeout=0.2) as request:
            with pytest.raises(TimedOut) as caught:  # after 0.2 s of real time
                await request.post(f"http://127.0.0.1:{port}/bot{telegram.token}/getMe")
    finally:
        server.close()
    assert may_have_arrived(caught.value)
    assert telegram.token not in str(caught.value)


async def test_a_proxy_named_by_the_environment_is_used_once_trusted(
    telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with PTB's own client, HTTP_PROXY and HTTPS_PROXY (here with credentials) carry the
    requests; NO_PROXY and `trust_env=False` (what the tests use) leave them direct."""
    seen: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        await answer_once(writer, b'{"ok": true, "result": true}')

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://api.example.org/bot{telegram.token}/logOut"
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://camille:s%C3%A9same@127.0.0.1:{port}")
    try:
        async with AiohttpRequest() as request:
            assert await request.post(url) is True
        (head,) = seen
        assert head.startswith(f"POST {url} HTTP/1.1".encode())
        assert b"Proxy-Authorization: Basic Y2FtaWxsZTpzw6lzYW1l" in head  # camille:sésame
        monkeypatch.setenv("HTTPS_PROXY", f"http://camille:s%C3%A9same@127.0.0.1:{port}")
        async with AiohttpRequest() as request:
            with pytest.raises(NetworkError):  # the proxy here speaks no TLS in the tunnel
                await request.post(url.replace("http:", "https:"))
        tunnel = seen.pop()
        assert tunnel.startswith(b"CONNECT api.example.org:443 HTTP/1.1")
        assert b"Proxy-Authorization: Basic Y2FtaWxsZTpzw6lzYW1l" in tunnel
        async with AiohttpRequest(trust_env=False) as request:
            with pytest.raises(NetworkError):  # straight to api.example.org: no such host here
                await request.post(url)
        monkeypatch.setenv("NO_PROXY", "api.example.org")
        async with AiohttpRequest() as request:
            with pytest.raises(NetworkError):
                await request.post(url)
        assert len(seen) == 1
    finally:
        server.close()


async def test_a_request_not_initialized_says_so() -> None:
    request = AiohttpRequest(trust_env=False)
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/botX/getMe", "POST")


async def _unused_port() -> int:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return port
