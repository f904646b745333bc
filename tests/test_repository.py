"""The repository: invitations redeemed once, links and roles, erasure, concurrent writes."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.accounts.store import Repository, TelegramProfile
from bot.core.engines import open_database

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
ADMIN = 1
ALICE = TelegramProfile(10, "Alice Martin", "fr")
LEA = TelegramProfile(20, "Léa", "en")
MALLORY = TelegramProfile(30, "Mallory", None)


@pytest.fixture
async def repo(database: str | Path) -> AsyncIterator[Repository]:
    db = await open_database(database)
    yield Repository(db)
    await db.close()


async def _worker(repo: Repository) -> None:
    await repo.create_invitation("worker", "w-hash", ADMIN, None, NOW, NOW + WEEK)
    assert await repo.redeem_worker_invitation("w-hash", ALICE, NOW) is not None


async def test_a_worker_invitation_is_redeemed_exactly_once(repo: Repository) -> None:
    await repo.create_invitation("worker", "w-hash", ADMIN, None, NOW, NOW + WEEK)
    first, second = await asyncio.gather(
        repo.redeem_worker_invitation("w-hash", ALICE, NOW),
        repo.redeem_worker_invitation("w-hash", MALLORY, NOW),
    )
    assert (first is None) != (second is None)
    alice = await repo.account(ALICE.user_id)
    mallory = await repo.account(MALLORY.user_id)
    winners = [a for a in (alice, mallory) if a and a.is_active_worker]
    assert len(winners) == 1


async def test_expired_and_unknown_invitations_redeem_nothing(repo: Repository) -> None:
    await repo.create_invitation("worker", "w-hash", ADMIN, None, NOW - WEEK, NOW)
    assert await repo.open_invitation("w-hash", NOW) is None
    assert await repo.redeem_worker_invitation("w-hash", ALICE, NOW) is None
    assert await repo.redeem_worker_invitation("nope", ALICE, NOW) is None
    assert await repo.account(ALICE.user_id) is None


async def test_person_joins_with_consent_recorded(repo: Repository) -> None:
    await _worker(repo)
    invitation = await repo.create_invitation(
        "person", "p-hash", ALICE.user_id, "Léa", NOW, NOW + WEEK
    )
    assert await repo.claim_person_invitation("p-hash", LEA.user_id, NOW) is not None
    # another user cannot take over a link someone is reading
    assert await repo.claim_person_invitation("p-hash", MALLORY.user_id, NOW) is None
    assert await repo.accept_person_invitation(invitation.id, MALLORY, "fr", 1, NOW) is None
    joined = await repo.accept_person_invitation(invitation.id, LEA, "en", 1, NOW)
    assert joined is not None
    assert joined.person.worker_id == ALICE.user_id
    assert joined.person.label == "Léa"
    assert joined.worker.user_id == ALICE.user_id
    assert await repo.accept_person_invitation(invitation.id, LEA, "en", 1, NOW) is None
    exported = await repo.export_person(LEA.user_id)
    assert exported["consents"] == [
        {"text_version": 1, "language": "en", "given_at": "2026-11-25T10:00:00+00:00"}
    ]
    [person] = await repo.people_of(ALICE.user_id)
    assert (person.user_id, person.label) == (LEA.user_id, "Léa")


async def test_a_suspended_workers_links_stop_working(repo: Repository) -> None:
    await _worker(repo)
    invitation = await repo.create_invitation(
        "person", "p-hash", ALICE.user_id, None, NOW, NOW + WEEK
    )
    assert await repo.claim_person_invitation("p-hash", LEA.user_id, NOW) is not None
    suspended = await repo.set_worker_status(ALICE.user_id, "suspended", NOW)
    assert suspended is not None and suspended.worker_status == "suspended"
    assert await repo.accept_person_invitation(invitation.id, LEA, "fr", 1, NOW) is None
    [summary] = await repo.workers()
    assert (summary.status, summary.people_count) == ("suspended", 0)


async def test_not_now_releases_the_link(repo: Repository) -> None:
    await _worker(repo)
    invitation = await repo.create_invitation(
        "person", "p-hash", ALICE.user_id, None, NOW, NOW + WEEK
    )
    await repo.claim_person_invitation("p-hash", LEA.user_id, NOW)
    assert await repo.pending_invitation(LEA.user_id, NOW) is not None
    assert await repo.release_claim(invitation.id, MALLORY.user_id) is None
    assert await repo.release_claim(invitation.id, LEA.user_id) is not None
    assert await repo.pending_invitation(LEA.user_id, NOW) is None
    assert await repo.claim_person_invitation("p-hash", MALLORY.user_id, NOW) is not None


async def test_forgetting_a_person_erases_every_trace(repo: Repository, tmp_path: Path) -> None:
    await _worker(repo)
    invitation = await repo.create_invitation(
        "person", "p-hash", ALICE.user_id, "Léa", NOW, NOW + WEEK
    )
    await repo.claim_person_invitation("p-hash", LEA.user_id, NOW)
    await repo.accept_person_invitation(invitation.id, LEA, "fr", 1, NOW)
    assert await repo.forget_person(LEA.user_id, NOW) == ALICE.user_id
    assert await repo.account(LEA.user_id) is None
    assert await repo.export_person(LEA.user_id) == {"user": None, "link": None, "consents": []}
    for column in ("used_by", "claimed_by"):
        query = f"SELECT 1 FROM invitations WHERE {column} = ?"
        assert await repo.db.fetchone(query, (LEA.user_id,)) is None
    assert await repo.db.fetchone("SELECT 1 FROM invitations WHERE label = 'Léa'") is None
    assert await repo.forget_person(LEA.user_id, NOW) is None


async def test_concurrent_writers_do_not_mix_transactions(repo: Repository) -> None:
    await _worker(repo)
    await asyncio.gather(
        *(
            repo.create_invitation("person", f"h{i}", ALICE.user_id, None, NOW, NOW + WEEK)
            for i in range(50)
        ),
        *(
            repo.set_language(TelegramProfile(1000 + i, f"U{i}", None), "en", NOW)
            for i in range(50)
        ),
    )
    row = await repo.db.fetchone("SELECT COUNT(*) AS n FROM invitations WHERE kind = 'person'")
    assert row is not None and row["n"] == 50
    row = await repo.db.fetchone("SELECT COUNT(*) AS n FROM users WHERE language = 'en'")
    assert row is not None and row["n"] == 50
