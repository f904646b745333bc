"""The sandbox without a browser: what the page is sent, its actions, time travel, restarts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.sandbox import web as page_server
from bot.sandbox.render import formatted, text_nodes
from bot.sandbox.world import (
    COORDINATOR_ID,
    FIRST_PERSON_ID,
    WORKER_ID,
    Sandbox,
    SandboxError,
    clean_name,
    start_payload,
)

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Paris
ABOUT = timedelta(minutes=1)


def flowing_from(start: datetime) -> Callable[[], datetime]:
    """A wall clock that starts at `start` and runs like a real one: Escale paces its sends by
    its clock, so a frozen one would wait forever."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


Event = dict[str, Any]


class Watcher:
    """What a page would receive, with a way to wait for the event one expects."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.queue, self.state = sandbox.subscribe()

    async def wait_for(self, wanted: Callable[[Event], bool], timeout: float = 15) -> Event:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while True:
                event = await self.queue.get()
                if event is not None and wanted(event):
                    return event

    async def bot_says(self, chat: int, words: str) -> Event:
        """The next message from Escale in this chat with these words (or a button with them)."""

        def said(event: Event) -> bool:
            message = event.get("message", {})
            return (
                event["type"] == "message"
                and event["chat"] == chat
                and message.get("from") == "bot"
                and words in plain(message["body"]) + str(message["buttons"])
            )

        return (await self.wait_for(said))["message"]  # type: ignore[no-any-return]


def plain(nodes: list[Any]) -> str:
    return "".join(n if isinstance(n, str) else plain(n["c"]) for n in nodes)


def links(message: Event) -> list[str]:
    found: list[str] = []

    def walk(nodes: list[Any]) -> None:
        for node in nodes:
            if isinstance(node, dict):
                if node["tag"] == "a":
                    found.append(node["href"])
                walk(node["c"])

    walk(message["body"])
    return found


async def press(sandbox: Sandbox, chat: int, message: Event, label: str) -> None:
    for row, buttons in enumerate(message["buttons"]):
        for column, button in enumerate(buttons):
            if button["text"] == label:
                await sandbox.press(chat, message["id"], row, column, label)
                return
    raise AssertionError(f"no button {label!r} in {message['buttons']}")


def make_sandbox(tmp_path: Path) -> Sandbox:
    return Sandbox(
        tmp_path / "data" / "sandbox.sqlite3",
        environ={"ESCALE_DEFAULT_LOCALE": "fr"},
        env_file=None,
        wall=flowing_from(MONDAY),
    )


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    running = make_sandbox(tmp_path)
    await running.start()
    yield running
    await running.stop()


async def person_with_worker(sandbox: Sandbox, watcher: Watcher) -> Event:
    """The coordinator brings Séverine, who invites Léa, who agrees: Léa's last message."""
    await sandbox.send_text(COORDINATOR_ID, "/newworker")
    link = links(await watcher.bot_says(COORDINATOR_ID, "nouveau membre de l'équipe sociale"))[0]
    await sandbox.open_link(link, WORKER_ID)
    await watcher.bot_says(WORKER_ID, "Bienvenue dans Escale")
    await sandbox.send_text(WORKER_ID, "/invite Léa")
    link = links(await watcher.bot_says(WORKER_ID, "Voici un lien pour Léa"))[0]
    lea = await sandbox.open_link(link, None, "Léa", "fr")
    assert lea == FIRST_PERSON_ID
    consent = await watcher.bot_says(lea, "vous invite à utiliser Escale")
    await press(sandbox, lea, consent, "Je suis d'accord")
    return await watcher.bot_says(lea, "Préparer mon rendez-vous")


# ---------------------------------------------------------------------- what the page draws


def test_only_telegram_tags_become_elements() -> None:
    nodes = formatted("<b>Léa</b> wrote &lt;img src=x onerror=alert(1)&gt; &amp; more", "HTML")
    assert nodes == [{"tag": "b", "c": ["Léa"]}, " wrote <img src=x onerror=alert(1)> & more"]
    assert formatted("<b>not parsed</b>", None) == ["<b>not parsed</b>"]
    link = formatted('<a href="https://example.org/?a=1&amp;b=2">here</a>', "HTML")
    assert link == [{"tag": "a", "href": "https://example.org/?a=1&b=2", "c": ["here"]}]


def test_links_and_commands_in_text_are_marked_like_telegram_apps() -> None:
    nodes = text_nodes("Open https://t.me/bot?start=abc_1, then /prepare or a/b.")
    assert nodes == [
        "Open ",
        {"tag": "a", "href": "https://t.me/bot?start=abc_1", "c": ["https://t.me/bot?start=abc_1"]},
        ", then ",
        {"tag": "cmd", "c": ["/prepare"]},
        " or a/b.",
    ]
    assert formatted("<code>/notacommand https://x.org</code>", "HTML") == [
        {"tag": "code", "c": ["/notacommand https://x.org"]}
    ]


def test_start_links_are_read_for_this_bot_only() -> None:
    assert start_payload("https://t.me/escale_bot?start=Ab-_9", "escale_bot") == "Ab-_9"
    assert start_payload("https://t.me/Escale_Bot?start=x", "escale_bot") == "x"
    assert start_payload("https://t.me/other_bot?start=x", "escale_bot") is None
    assert start_payload("https://t.me/escale_bot?start=bad%20payload", "escale_bot") is None
    assert start_payload("https://evil.example/escale_bot?start=x", "escale_bot") is None
    assert start_payload("https://t.me/escale_bot", "escale_bot") is None


def test_names_are_cleaned_like_telegram_does() -> None:
    assert clean_name("  Léa \u0000 Martin\n") == "Léa Martin"
    assert len(clean_name("x" * 200)) == 64
    with pytest.raises(SandboxError) as refused:
        clean_name(" \n\t ")
    assert refused.value.key == "name_needed"


# ---------------------------------------------------------------------- the world


async def test_the_first_state_has_the_coordinator_and_the_worker(sandbox: Sandbox) -> None:
    _, state = sandbox.subscribe()
    roles = [(p["first_name"], p["role"]) for p in state["participants"]]
    assert roles == [("Camille", "coordinator"), ("Séverine", "worker")]
    coordinator_menu = [command for command, _ in state["menus"][str(COORDINATOR_ID)]]
    assert "newworker" in coordinator_menu, "the coordinator is an admin from the start"
    assert "newworker" not in [command for command, _ in state["menus"][str(WORKER_ID)]]


async def test_time_travel_reaches_the_invitation_to_prepare(sandbox: Sandbox) -> None:
    watcher = Watcher(sandbox)
    with pytest.raises(SandboxError) as nothing:
        await sandbox.travel("next")
    assert nothing.value.key == "no_reminder"
    lea = FIRST_PERSON_ID
    await person_with_worker(sandbox, watcher)
    await sandbox.send_text(WORKER_ID, "/meeting")
    await press(
        sandbox,
        WORKER_ID,
        await watcher.bot_says(WORKER_ID, "Le rendez-vous est avec qui ?"),
        "Léa",
    )
    await watcher.bot_says(WORKER_ID, "Quand est le rendez-vous")
    await sandbox.send_text(WORKER_ID, "jeudi 14h")
    readback = await watcher.bot_says(WORKER_ID, "jeudi 26 novembre à 14:00")
    await press(sandbox, WORKER_ID, readback, "✔ Oui")
    await watcher.bot_says(lea, "Séverine a fixé votre prochain rendez-vous")

    moment = await sandbox.travel("next")
    assert moment.astimezone(sandbox.services.settings.timezone).strftime("%a %H:%M") == (
        "Tue 14:00"
    ), "48 hours before Thursday 14:00"
    clock = await watcher.wait_for(lambda event: event["type"] == "clock")
    assert datetime.fromisoformat(clock["now"]) == moment
    invitation = await watcher.bot_says(lea, "Vous voulez le préparer maintenant ?")
    assert invitation["buttons"], "with Prepare now, Later and Not this time"


async def test_a_restart_keeps_people_clock_and_message_ids(tmp_path: Path) -> None:
    first = make_sandbox(tmp_path)
    await first.start()
    watcher = Watcher(first)
    await person_with_worker(first, watcher)
    await first.travel("day")
    last_id = max(m["id"] for m in first.chat(FIRST_PERSON_ID))
    await first.stop()

    again = make_sandbox(tmp_path)
    await again.start()
    try:
        assert again.restarted
        assert [p.first_name for p in again.participants.values()] == [
            "Camille",
            "Séverine",
            "Léa",
        ]
        assert abs(again.clock.now() - (MONDAY + timedelta(days=1))) < ABOUT
        watcher = Watcher(again)
        assert watcher.state["chats"][str(FIRST_PERSON_ID)] == []
        await again.send_text(FIRST_PERSON_ID, "/help")
        reply = await watcher.bot_says(FIRST_PERSON_ID, "")
        assert reply["id"] > last_id + 1, "no message id is given twice in a chat"
        assert "/prepare" in plain(reply["body"]), "Escale still knows Léa"
        person = await again.add_person("Nour", "ar")
        assert person.user_id == FIRST_PERSON_ID + 1, "a new person is never an old one"
    finally:
        await again.stop()


async def test_start_again_erases_the_database_from_disk(sandbox: Sandbox) -> None:
    watcher = Watcher(sandbox)
    await person_with_worker(sandbox, watcher)
    await sandbox.travel("hour")
    assert (sandbox.database.parent / "sandbox.json").is_file()
    await sandbox.reset()
    state = await watcher.wait_for(lambda event: event["type"] == "state")
    assert [p["first_name"] for p in state["participants"]] == ["Camille", "Séverine"]
    assert all(chat == [] for chat in state["chats"].values())
    assert abs(sandbox.clock.now() - MONDAY) < ABOUT
    for table in ("workers", "people", "invitations"):
        row = await sandbox.services.repo.db.fetchone(f"SELECT COUNT(*) FROM {table}")
        assert row is not None and row[0] == 0, table
    assert "Léa".encode() not in _on_disk(sandbox.database), "erased means erased from disk"


def _on_disk(database: Path) -> bytes:
    """The database file and its WAL, as bytes."""
    files = [database, Path(f"{database}-wal")]
    return b"".join(path.read_bytes() for path in files if path.exists())


async def test_bad_actions_are_refused_and_change_nothing(sandbox: Sandbox) -> None:
    updates = len(sandbox.telegram.updates)
    for action, key in (
        (sandbox.send_text(COORDINATOR_ID, "   "), "failed"),
        (sandbox.send_text(COORDINATOR_ID, "x" * 4097), "too_long"),
        (sandbox.send_text(123, "/start"), "failed"),
        (sandbox.press(COORDINATOR_ID, 99, 0, 0, "Oui"), "stale"),
        (sandbox.open_link("https://t.me/someone_else?start=abc", WORKER_ID), "not_a_link"),
        (sandbox.add_person("\u200b\n", "fr"), "name_needed"),
        (sandbox.travel("yesterday"), "failed"),
    ):
        with pytest.raises(SandboxError) as refused:
            await action
        assert refused.value.key == key
    assert len(sandbox.telegram.updates) == updates
    assert len(sandbox.participants) == 2


# ---------------------------------------------------------------------- the page's server


@pytest.fixture
async def page(sandbox: Sandbox) -> AsyncIterator[str]:
    runner, port = await page_server.serve(sandbox, 0)
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_the_page_answers_its_own_host_only(page: str) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(page + "/", headers={"Host": "evil.example"}) as response:
            assert response.status == 421
        async with session.post(
            page + "/api/reset", json={}, headers={"Origin": "https://evil.example"}
        ) as response:
            assert response.status == 403
        async with session.get(page + "/") as response:
            assert response.status == 200
            assert "/static/sandbox.js" in await response.text()


async def test_actions_answer_in_the_page_language(page: str, sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            page + "/api/send", data="{not json", headers={"Accept-Language": "fr-FR,fr"}
        ) as response:
            assert response.status == 400
            assert await response.json() == {
                "ok": False,
                "error": "Cela n'a pas marché. Essayez encore, s'il vous plaît.",
            }
        async with session.post(
            page + "/api/people",
            json={"name": " ", "language": "fr"},
            headers={"Accept-Language": "en"},
        ) as response:
            assert (await response.json())["error"] == "Please write a first name."
        async with session.post(
            page + "/api/people", json={"name": "Nour", "language": "ar"}
        ) as response:
            assert await response.json() == {"ok": True, "chat": FIRST_PERSON_ID}
    assert sandbox.participants[FIRST_PERSON_ID].language == "ar"


async def test_files_are_served_with_ranges(page: str, sandbox: Sandbox) -> None:
    sample = (page_server.STATIC / "sample-voice.ogg").read_bytes()
    await sandbox.send_voice(COORDINATOR_ID, sample, "audio/ogg", 6)
    file_id = sandbox.chat(COORDINATOR_ID)[-1]["file"]
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{page}/api/files/{file_id}") as response:
            assert response.status == 200
            assert response.content_type == "audio/ogg"
            assert await response.read() == sample
        async with session.get(
            f"{page}/api/files/{file_id}", headers={"Range": "bytes=-100"}
        ) as response:
            assert response.status == 206
            assert await response.read() == sample[-100:]
        async with session.get(f"{page}/api/files/nothing") as response:
            assert response.status == 404


async def test_the_event_stream_starts_with_the_whole_state(page: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(page + "/api/events?lang=en") as response,
    ):
        assert response.headers["Content-Type"] == "text/event-stream"
        first = await asyncio.wait_for(response.content.readline(), 10)
    assert first.startswith(b"data: {")
    assert b'"type": "state"' in first
    assert b'"start_again": "Start again"' in first


async def test_an_open_event_stream_ends_cleanly_when_the_page_server_stops(
    sandbox: Sandbox,
) -> None:
    """A page still open when the sandbox stops sees its stream end, not cut off once the
    server's shutdown timeout runs out (the stream waits for an event that never comes)."""
    runner, port = await page_server.serve(sandbox, 0)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/api/events?lang=en") as response,
    ):
        first = await asyncio.wait_for(response.content.readline(), 10)
        assert first.startswith(b"data: {")
        stopping = asyncio.create_task(page_server.close(runner))
        rest = await asyncio.wait_for(response.content.read(), 10)
        await stopping
    assert rest == b"\n", "the state event's closing blank line, then the end: not a cut"


async def test_quiet_hours_later_and_the_day_list_in_seconds(sandbox: Sandbox) -> None:
    watcher = Watcher(sandbox)
    zone = sandbox.services.settings.timezone
    lea = FIRST_PERSON_ID
    await person_with_worker(sandbox, watcher)
    await sandbox.send_text(WORKER_ID, "/meeting")
    await press(
        sandbox,
        WORKER_ID,
        await watcher.bot_says(WORKER_ID, "Le rendez-vous est avec qui ?"),
        "Léa",
    )
    await watcher.bot_says(WORKER_ID, "Quand est le rendez-vous")
    await sandbox.send_text(WORKER_ID, "jeudi 22h")
    readback = await watcher.bot_says(WORKER_ID, "jeudi 26 novembre à 22:00")
    await press(sandbox, WORKER_ID, readback, "✔ Oui")
    await watcher.bot_says(lea, "Séverine a fixé votre prochain rendez-vous")

    # 48 hours before is Tuesday 22:00, in the quiet hours: the invitation waits for 08:00.
    moment = (await sandbox.travel("next")).astimezone(zone)
    assert moment.strftime("%a %H:%M") == "Wed 08:00"
    invitation = await watcher.bot_says(lea, "Vous voulez le préparer maintenant ?")
    await press(sandbox, lea, invitation, "⏰ Plus tard")
    await watcher.bot_says(lea, "")
    moment = (await sandbox.travel("next")).astimezone(zone)
    assert moment.strftime("%a %H:%M") == "Wed 11:00", "Later asks again three hours later"
    await watcher.bot_says(lea, "Vous voulez le préparer maintenant ?")

    await sandbox.travel("next")  # the 24-hour invitation, Wednesday 22:00 -> Thursday 08:00
    await sandbox.travel("next")  # the worker's list on the meeting's morning
    day_list = await watcher.bot_says(WORKER_ID, "Vos rendez-vous aujourd'hui")
    assert sandbox.clock.now().astimezone(zone).strftime("%a") == "Thu"
    assert "22:00 Léa — pas encore préparé" in plain(day_list["body"])
