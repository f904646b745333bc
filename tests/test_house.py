"""How the house is built, where a user cannot see it: shared TLS settings, reads per update."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.accounts import store as accounts_store
from bot.app import Requests, build_application, http_requests
from bot.context import Caller, EscaleContext, Role
from bot.core import callbacks
from bot.core.callbacks import StepAction
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.db import Database
from bot.core.engines import open_database
from bot.core.request import Pace, shared_tls
from bot.service.health import Heartbeat, heartbeat_path
from tests.conftest import Escale, FakeClock, running_escale
from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.journeys import make_person, make_worker
from tests.test_agreements import met


def test_applications_share_one_tls_context_that_still_verifies(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared_tls()  # the first Application of the process builds it
    built: list[ssl.SSLContext] = []
    create = ssl.create_default_context

    def counted(*args: object, **kwargs: object) -> ssl.SSLContext:
        built.append(create(*args, **kwargs))  # type: ignore[arg-type]
        return built[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    for _ in range(3):
        build_application(settings)
    assert built == []  # no CA bundle loaded again for each Application
    assert shared_tls().verify_mode is ssl.CERT_REQUIRED
    assert shared_tls().check_hostname


def test_an_application_takes_its_requests_from_the_factory_given_with_its_own_pace(
    settings: Settings,
) -> None:
    made: list[tuple[Pace, Clock, Heartbeat, Requests]] = []

    def factory(pace: Pace, clock: Clock, heartbeat: Heartbeat) -> Requests:
        made.append((pace, clock, heartbeat, http_requests(pace, clock, heartbeat)))
        return made[-1][3]

    clock = FakeClock()
    first = build_application(settings, clock, requests=factory)
    second = build_application(settings, clock, requests=factory)
    assert len(made) == 2
    for app, (_pace, given_clock, heartbeat, requests) in zip((first, second), made, strict=True):
        assert app.bot.request is requests.calls
        assert app.updater is not None and app.updater.bot is app.bot
        assert app.bot._request[0] is requests.polling  # what PTB's getUpdates goes through
        assert given_clock is clock
        assert heartbeat._path == heartbeat_path(settings.database_path)
    assert made[0][0] is not made[1][0], "each Application counts its own sends"


async def test_the_tests_talk_to_the_emulator_whatever_proxy_the_environment_names(
    telegram: FakeTelegram,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A developer's proxy settings do not carry the tests' requests anywhere (here, to a port
    where nothing listens): conftest builds every Application with loopback requests."""
    for name in ("ALL_PROXY", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    # Through the proxy, getMe would fail and be retried on the test's clock, which stands
    # still: without loopback requests the test would wait forever, so it gives up instead.
    async with asyncio.timeout(30), running_escale(telegram, settings, caplog) as escale:
        visitor = escale.user("Jo", "en")
        await visitor.send("/help")
        assert visitor.messages, "the bot answered through the emulator"


class Probe:
    """Counts what one update costs the database: reads, accounts read, write transactions and
    how many of them wait for the disk (durable ones)."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads = self.account_reads = self.writes = self.durable_writes = 0
        fetchone, fetchall, transaction = db.fetchone, db.fetchall, db.transaction

        def counted(read: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[object]]:
            async def wrapper(sql: str, params: Iterable[object] = ()) -> object:
                self.reads += 1
                self.account_reads += accounts_store.ACCOUNT_COLUMNS in sql
                return await read(sql, params)

            return wrapper

        def counted_transaction(*, durable: bool = True) -> AbstractAsyncContextManager[object]:
            self.writes += 1
            self.durable_writes += durable
            return transaction(durable=durable)

        monkeypatch.setattr(db, "fetchone", counted(fetchone))
        monkeypatch.setattr(db, "fetchall", counted(fetchall))
        monkeypatch.setattr(db, "transaction", counted_transaction)

    @property
    def cost(self) -> tuple[int, int, int, int]:
        return (self.reads, self.account_reads, self.writes, self.durable_writes)


async def _preparing(escale: Escale) -> TelegramUser:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    await person.send("/prepare")
    return person


async def _answers(escale: Escale, person: TelegramUser) -> dict[str, str | None]:
    rows = await escale.db.fetchall(
        "SELECT a.step, a.text FROM answers a JOIN preparations p ON p.id = a.preparation_id"
        " WHERE p.person_id = ?",
        (person.user_id,),
    )
    return {row["step"]: row["text"] for row in rows}


async def test_what_one_typed_answer_costs_the_database(
    escale: Escale, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = await _preparing(escale)
    probe = Probe(escale.db, monkeypatch)
    await person.send("My rent is late again")
    cost = probe.cost
    assert "For me" in person.buttons()
    assert (await _answers(escale, person))["problem"] == "My rent is late again"
    # Measured when the features became folders: 19 reads (the account 5 times: who is speaking,
    # the preparation loaded before and after the answer, the menu), 2 write transactions, both
    # waiting for the disk. Now: who is speaking, with what they are in the middle of and their
    # menu (1); the preparation with last time (1), its allies (1), what was agreed since (1);
    # the move (durable), then which message asks the next question (not waited for).
    assert cost == (4, 1, 2, 1), cost


async def test_what_one_answer_by_button_costs_the_database(
    escale: Escale, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = await _preparing(escale)
    await person.send("My rent is late again")
    probe = Probe(escale.db, monkeypatch)
    await person.press("For me")
    cost = probe.cost
    assert (await _answers(escale, person))["for_whom"] == "me"
    # Before: 17 reads (the account 5 times), 3 write transactions (one of them to stop
    # awaiting a text nobody had asked for), all waiting for the disk.
    assert cost == (4, 1, 2, 1), cost


async def test_what_help_costs_the_database(
    escale: Escale, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = await _preparing(escale)
    probe = Probe(escale.db, monkeypatch)
    await person.send("/help")
    cost = probe.cost
    assert person.last.text.startswith("Alice supports you in Escale.")
    # Before: 6 reads (the sender's account 3 times, the worker's once), no write. Now: who is
    # speaking, with their worker's name (1), the next meeting (1).
    assert cost == (2, 1, 0, 0), cost


async def test_a_commit_that_does_not_wait_for_the_disk_leaves_the_next_one_durable(
    tmp_path: Path,
) -> None:
    db = await open_database(tmp_path / "escale.sqlite3")
    try:
        async with db.transaction(durable=False) as tx:
            row = await (await tx.execute("PRAGMA synchronous")).fetchone()
            assert row is not None and row[0] == 1  # NORMAL, for this one commit
            await tx.execute("CREATE TABLE scratch (x INTEGER)")
        async with db.transaction() as tx:
            row = await (await tx.execute("PRAGMA synchronous")).fetchone()
            assert row is not None and row[0] == 2  # FULL again
    finally:
        await db.close()


async def test_one_context_per_update_carries_who_is_speaking_to_every_group(
    escale: Escale,
) -> None:
    """PTB builds one context per update and hands it to each handler group: the caller read
    at the start is the one the last group sees, and the next update starts afresh."""
    seen: list[tuple[int, EscaleContext, Caller]] = []

    async def record(update: Update, context: EscaleContext) -> None:
        seen.append((update.update_id, context, context.caller))

    escale.app.add_handler(TypeHandler(Update, record), group=2)  # after every feature
    escale.app.add_handler(TypeHandler(Update, record), group=3)
    worker = await make_worker(escale, "Alice", "en")
    seen.clear()
    await worker.send("/help")
    await worker.send("/help")
    assert [type(context) for _, context, _ in seen] == [EscaleContext] * 4
    (first, c1, caller1), (first_again, c2, caller2), (second, c3, caller3), _ = seen
    assert first == first_again and c1 is c2 and caller1 is caller2  # one update, one read
    assert second != first and c3 is not c1  # a new update: a new context, read again
    assert caller3.has(Role.WORKER) and caller3.account is not None
    assert caller3.account.display_name == "Alice"


async def test_what_a_handler_changes_in_the_account_the_rest_of_its_update_sees(
    escale: Escale,
) -> None:
    """The menu set after the update follows the language chosen in it, the roles a joining
    gave, and an erasure: no further update needed."""
    worker = await make_worker(escale, "Alice")
    assert worker.menu()[:2] == ["meeting", "invite"]  # joining as a worker: the same update
    person = await make_person(escale, worker, language_code="fr")
    assert person.menu()[0] == "prepare"  # consent given: the same update
    await person.send("/language")
    await person.press("English")
    assert dict(escale.telegram.commands_for(person.user_id, "fr"))["forget"] == (
        "Erase your data and leave Escale"
    )
    await person.send("/forget")
    await person.press("Yes, erase everything")
    assert person.menu() == ["start", "help", "language", "privacy"]


def test_every_step_action_fits_the_payload_a_handler_reads() -> None:
    """Views and the handler share one enumeration: each action makes a payload that the
    preparation's button pattern reads back as that same action."""
    for action in StepAction:
        payload = callbacks.step(123456789012, "problem_for", action, "a_long_argument")
        match = callbacks.STEP_PATTERN.match(payload)
        assert match is not None and StepAction(match.group(3)) is action, payload
        assert len(payload.encode()) <= 64


async def test_when_who_is_speaking_cannot_be_read_the_person_gets_one_apology(
    telegram: FakeTelegram,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The read of who is speaking at the start of an update fails (the database, for a
    moment): one apology, one error logged with its real cause, and no handler runs without
    a caller."""
    async with running_escale(
        telegram, settings, caplog, expected_errors=["update failed"]
    ) as escale:
        worker = await make_worker(escale, "Alice", "en")
        person = await make_person(escale, worker, "Léa", "Léa", "en")
        speaker = accounts_store.Repository.speaker
        failed: list[int] = []

        async def failing_once(repo: accounts_store.Repository, user_id: int) -> object:
            if not failed:
                failed.append(user_id)
                raise OSError("disk I/O error")
            return await speaker(repo, user_id)

        monkeypatch.setattr(accounts_store.Repository, "speaker", failing_once)
        seen = len(person.messages)
        caplog.clear()
        await person.send("/help")
        assert failed == [person.user_id]
        assert [m.text for m in person.messages[seen:]] == [
            "Sorry, I have a problem. What you sent before is safe. Please try again in a moment."
        ]
        errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert len(errors) == 1 and "error=OSError" in errors[0], errors
        monkeypatch.setattr(accounts_store.Repository, "speaker", speaker)
        await person.send("/help")  # the next update is read as usual
        assert "/prepare" in person.last.text


async def test_cancel_stops_exactly_the_text_asked_for_and_nothing_else(escale: Escale) -> None:
    """One row says what a user was asked to type: /cancel ends that question (the draft and
    the person's preparation stay as they are), and the next text is no longer taken for it."""
    worker, _ = await met(escale)
    await worker.send("/agreed")
    await worker.press("Léa")
    await worker.press("✏️ If it does not work")
    asked = await escale.db.fetchone(
        "SELECT purpose FROM conversations WHERE user_id = ?", (worker.user_id,)
    )
    assert asked is not None and asked["purpose"] == "ag_b"
    await worker.send("/cancel")
    assert worker.last.text == "All right. I am no longer waiting for that text."
    assert await escale.db.fetchone("SELECT 1 FROM conversations") is None
    await worker.send("Ask the neighbour")
    assert "Ask the neighbour" not in worker.last.text  # not taken as the plan B: help instead
    row = await escale.db.fetchone("SELECT plan_b FROM agreements")
    assert row is not None and row["plan_b"] != "Ask the neighbour"
    await worker.send("/cancel")  # nothing left to stop
    assert worker.last.text == "Nothing is in progress. /help shows what you can do."
