"""Retention: a person told a month ahead, then erased as by /forget, down to the disk."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.core.config import Settings
from tests.conftest import Escale
from tests.engines import postgres_pages
from tests.journeys import make_person, make_worker
from tests.test_preparation import briefs, first_preparation

CANARY = "Zorglub-canary-1234"


async def _files(settings: Settings) -> dict[str, bytes]:
    """SQLite's three files, or PostgreSQL's pages of every table and index (tests/engines.py)."""
    if settings.database_url:
        return {"pages": await postgres_pages(settings.database_url)}
    return _sqlite_files(settings.database_path)


def _sqlite_files(database: Path) -> dict[str, bytes]:
    found = {}
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{database}{suffix}")
        found[suffix or "main"] = path.read_bytes() if path.exists() else b""
    return found


async def test_a_person_is_told_a_month_ahead_then_erased_from_every_file(
    escale: Escale,
) -> None:
    worker = await make_worker(escale, "Alice", "en")
    # An id of ten digits: searched for as text in the files below, a short one such as 1003
    # can turn up by chance inside a random token's hash or a timestamp (seen once in CI).
    person = await make_person(escale, worker, CANARY, CANARY, "en", user_id=7_204_519_386)
    await first_preparation(escale, person, problem=f"My rent {CANARY}")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    assert len(briefs(worker)) == 1

    # Nearly two years without a word: a month before the end, the person is told.
    escale.clock.advance(timedelta(days=703))
    await escale.deliveries()
    warning = person.last.text
    assert "Escale keeps your data for 24 months after your last visit." in warning
    assert "everything Escale keeps about you will be erased" in warning
    assert "/mydata" in warning
    assert await escale.repo.account(person.user_id) is not None
    escale.clock.advance(timedelta(days=29))
    await escale.deliveries()
    assert person.texts().count(warning) == 1, "told once"
    assert await escale.repo.account(person.user_id) is not None

    # Still nothing: at the end, they are erased and their worker is told only that.
    escale.clock.advance(timedelta(days=2))
    await escale.deliveries()
    assert await escale.repo.account(person.user_id) is None
    assert worker.last.text == (
        f"The data of {CANARY} reached the end of its keeping period. Escale erased it. "
        f"{CANARY} is no longer in your list."
    )
    row = await escale.db.fetchone("SELECT * FROM departures")
    assert row is not None and tuple(row)[1:] == (worker.user_id, "retention", 1)
    # The notice naming them is itself erased once delivered; then nothing is left on disk.
    escale.clock.advance(timedelta(minutes=2))
    await escale.deliveries()
    files = await _files(escale.settings)
    assert files, "something was read"
    for name, content in files.items():
        assert CANARY.encode() not in content, f"the {name} file still holds the person"
    if not escale.settings.database_url:  # SQLite's own files, which hold ids as text
        for name, content in files.items():
            assert str(person.user_id).encode() not in content or name == "shm"
        assert files["-wal"] == b"", "the WAL was emptied after the erasure"


async def test_a_person_who_comes_back_after_the_warning_keeps_their_data(
    escale: Escale,
) -> None:
    worker = await make_worker(escale, "Alice", "fr")
    person = await make_person(escale, worker, "Léa", "Léa", "fr")
    escale.clock.advance(timedelta(days=703))
    await escale.deliveries()
    assert "Escale garde vos données" in person.last.text
    await person.send("/help")
    escale.clock.advance(timedelta(days=40))
    await escale.deliveries()
    assert await escale.repo.account(person.user_id) is not None
    assert "erased" not in worker.last.text and "effacé" not in worker.last.text
    # Its own clock starts again from that visit: told again later, not erased unwarned.
    escale.clock.advance(timedelta(days=703))
    await escale.deliveries()
    assert await escale.repo.account(person.user_id) is not None
    assert person.texts().count(person.last.text) >= 1 and "Escale garde" in person.last.text


async def test_expired_links_and_old_rows_are_swept(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    await worker.send("/invite Bob")
    opener = escale.user("Bob")
    link = [m.text for m in worker.messages if "start=" in m.text][-1]
    await opener.send("/start " + link.split("start=")[1].split()[0])
    claimed = await escale.db.fetchone(
        "SELECT COUNT(*) AS n FROM invitations WHERE claimed_by = ?", (opener.user_id,)
    )
    assert claimed is not None and claimed["n"] == 1
    escale.clock.advance(timedelta(days=8))
    await escale.deliveries()
    left = await escale.db.fetchone("SELECT COUNT(*) AS n FROM invitations")
    assert left is not None and left["n"] == 0, "expired links go, with who opened them"
    await escale.deliveries()
    escale.clock.advance(timedelta(days=31))
    await escale.deliveries()
    sent = await escale.db.fetchone("SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent'")
    assert sent is not None and sent["n"] == 0, "delivered messages' rows go after 30 days"


async def test_a_suspended_worker_is_told_without_the_name_and_retention_settles(
    escale: Escale,
) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, CANARY, CANARY, "en")
    admin = escale.admin("en")
    await admin.send("/workers")
    await admin.press("Suspend Alice")
    escale.clock.advance(timedelta(days=703))
    await escale.deliveries()
    escale.clock.advance(timedelta(days=31))
    await escale.deliveries()
    assert await escale.repo.account(person.user_id) is None
    in_flight = await escale.db.fetchone(
        "SELECT COUNT(*) AS n FROM outbox WHERE purpose = 'erased' AND status != 'sent'"
    )
    assert in_flight is not None and in_flight["n"] == 0, "nothing to wait for: no re-run"
    escale.clock.advance(timedelta(minutes=2))
    await escale.deliveries()
    for name, content in (await _files(escale.settings)).items():
        assert CANARY.encode() not in content, f"the {name} file still holds the person"
    seen = len(worker.texts())
    await admin.send("/workers")
    await admin.press("Restore Alice")
    await escale.deliveries()
    told = worker.texts()[seen:]
    assert any("While your access was paused, the data of a person" in text for text in told)
    assert not any(CANARY in text for text in told)
