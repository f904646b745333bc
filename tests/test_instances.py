"""Several instances on one database: one elected outbox sender at a time, which recovers what
its predecessor cut short; on PostgreSQL (ESCALE_TEST_POSTGRES), two Escale processes behind a
proxy, in webhook mode, one of them killed with SIGKILL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

from bot.core.db import Database
from bot.core.engines import open_database
from bot.outbox.sender import Sender
from bot.outbox.store import OutboxStore, Outgoing, enqueue
from bot.service.receiving import RecordingDatabase
from tests.conftest import FakeClock
from tests.fake_telegram import FakeTelegram, TelegramUser

LEA = 5001
NOTE = "<i>Possible repeat: this may have reached you already.</i>"


class Standby(RecordingDatabase):
    """A database shared with other instances, whose election this test decides."""

    def __init__(self, inner: Database, clock: FakeClock) -> None:
        super().__init__(inner, clock)
        self.sole_instance = False
        self.elected = False

    async def lead(self, role: str) -> bool:
        return self.elected


async def _nobody(update_id: int) -> None:
    """Nothing polls the emulator here: the sender talks to it directly."""


def _text(body: str) -> Outgoing:
    return Outgoing(chat_id=LEA, kind="text", body=body, repeat_note=NOTE)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "shared.sqlite3")
    yield database
    await database.close()


async def test_only_the_elected_sender_sends_and_it_recovers_its_predecessors_work(
    db: Database, telegram: FakeTelegram
) -> None:
    clock = FakeClock()
    shared = Standby(db, clock)
    store = OutboxStore(shared)
    lea = TelegramUser(telegram, _nobody, user_id=LEA, first_name="Léa")
    await lea.send("/start")
    async with db.transaction() as tx:
        await enqueue(tx, [_text("cut short"), _text("waiting")], purpose="brief", now=clock.now())
    cut_short = await store.begin_attempt(1)  # the previous sender died during this call
    assert cut_short is not None
    async with Bot(telegram.token, base_url=telegram.base_url) as bot:

        async def nobody_unreachable(chat_id: int) -> list[Outgoing]:
            return []

        sender = Sender(bot, store, clock, nobody_unreachable)
        await sender.start()
        try:
            sender.wake()
            await sender.drained()
            assert not sender.leading
            assert lea.texts() == [], "a sender that is not elected sent"
            row = await store.get(1)
            assert row is not None and row.status == "sending", "recovered under a live sender"

            shared.elected = True  # the other instance is gone
            sender.wake()
            await sender.drained()
            assert sender.leading
            assert lea.texts() == [
                "Possible repeat: this may have reached you already.\n\ncut short",
                "waiting",
            ]

            shared.elected = False  # another instance leads now
            async with db.transaction() as tx:
                await enqueue(tx, [_text("later")], purpose="brief", now=clock.now())
            sender.wake()
            await sender.drained()
            assert not sender.leading
            assert lea.texts()[-1] == "waiting", "a sender no longer elected went on sending"
        finally:
            await sender.stop()
