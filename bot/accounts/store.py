"""Accounts: users, workers, people, invitations, consents and chat menus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.core.db import Database, Row, Transaction
from bot.core.rows import from_db_time, maybe_time, month_of, one, to_db_time
from bot.general import conversation_store
from bot.general.conversation_store import Conversation
from bot.outbox.store import release_suspended
from bot.preparation.store import forget_in, forget_person_side

InvitationKind = Literal["worker", "person"]
WorkerStatus = Literal["active", "suspended"]


@dataclass(frozen=True)
class Account:
    """A known Telegram user and what they are to Escale."""

    user_id: int
    display_name: str
    language: str | None
    telegram_language: str | None
    worker_status: WorkerStatus | None
    worker_id: int | None
    label: str | None
    unreachable: bool = False  # Telegram refused a message to them (they blocked the bot)
    last_active: datetime | None = None  # a person's last message or button press

    @property
    def known_as(self) -> str:
        """The name the worker gave when inviting, else the Telegram name."""
        return self.label or self.display_name

    @property
    def is_active_worker(self) -> bool:
        return self.worker_status == "active"

    @property
    def is_person(self) -> bool:
        return self.worker_id is not None


@dataclass(frozen=True)
class Invitation:
    id: int
    kind: InvitationKind
    created_by: int
    label: str | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class WorkerSummary:
    user_id: int
    display_name: str
    status: WorkerStatus
    people_count: int


@dataclass(frozen=True)
class PersonSummary:
    user_id: int
    display_name: str
    label: str | None
    joined_at: datetime

    @property
    def known_as(self) -> str:
        """The name the worker gave when inviting, else the Telegram name."""
        return self.label or self.display_name


@dataclass(frozen=True)
class PersonJoined:
    """The outcome of a consent: who the person now is, and the worker to tell."""

    person: Account
    worker: Account


def _invitation(row: Row) -> Invitation:
    return Invitation(
        id=row["id"],
        kind=row["kind"],
        created_by=row["created_by"],
        label=row["label"],
        created_at=from_db_time(row["created_at"]),
        expires_at=from_db_time(row["expires_at"]),
    )


ACCOUNT_COLUMNS = """u.id, u.display_name, u.language, u.telegram_language, u.unreachable_since,
           u.last_active_at,
           w.status AS worker_status, p.worker_id, p.label"""
_ACCOUNT_SELECT = f"""
    SELECT {ACCOUNT_COLUMNS}
    FROM users u
    LEFT JOIN workers w ON w.user_id = u.id
    LEFT JOIN people p ON p.user_id = u.id
"""
# Who is speaking, in one read at the start of each update: their account (none for a
# visitor), the name of the worker who follows them, the menu their chat was last given, what
# they were asked to type, and their open preparation.
_SPEAKER_SELECT = f"""
    SELECT {ACCOUNT_COLUMNS}, m.signature AS menu_signature,
           wu.display_name AS worker_name,
           {conversation_store.COLUMNS}
    FROM (SELECT CAST(? AS BIGINT) AS me) s
    LEFT JOIN users u ON u.id = s.me
    LEFT JOIN workers w ON w.user_id = s.me
    LEFT JOIN people p ON p.user_id = s.me
    LEFT JOIN users wu ON wu.id = p.worker_id
    LEFT JOIN chat_menus m ON m.chat_id = s.me
    LEFT JOIN conversations c ON c.user_id = s.me
    LEFT JOIN preparations o ON o.person_id = s.me AND o.status = 'open'
"""


@dataclass(frozen=True)
class Speaker:
    """The sender of an update as one read finds them (`Repository.speaker`)."""

    account: Account | None
    worker_name: str | None  # the worker following them, if they are a person
    menu_signature: str | None  # the command menu their chat was last given (None: default)
    conversation: Conversation


def _account(row: Row) -> Account:
    return Account(
        user_id=row["id"],
        display_name=row["display_name"],
        language=row["language"],
        telegram_language=row["telegram_language"],
        worker_status=row["worker_status"],
        worker_id=row["worker_id"],
        label=row["label"],
        unreachable=row["unreachable_since"] is not None,
        last_active=maybe_time(row["last_active_at"]),
    )


@dataclass(frozen=True)
class TelegramProfile:
    """What Telegram tells about a user that Escale keeps once they have a role."""

    user_id: int
    display_name: str
    language_code: str | None


async def _upsert_user(tx: Transaction, who: TelegramProfile, now: datetime) -> None:
    await tx.execute(
        """INSERT INTO users (id, display_name, telegram_language, created_at)
           VALUES (?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,
                                          telegram_language = excluded.telegram_language""",
        (who.user_id, who.display_name, who.language_code, to_db_time(now)),
    )


async def _account_in(tx: Transaction, user_id: int) -> Account:
    row = await one(tx, _ACCOUNT_SELECT + " WHERE u.id = ?", (user_id,))
    assert row is not None, "account read back inside its own transaction"
    return _account(row)


async def forget_person_in(tx: Transaction, user_id: int, now: datetime, reason: str) -> int | None:
    """Erase a person inside `tx` (see `Repository.forget_person`); the departure is counted
    for their worker, without the person's id. Returns that worker, or None."""
    row = await one(tx, "SELECT worker_id FROM people WHERE user_id = ?", (user_id,))
    if row is None:
        return None
    also_worker = await one(tx, "SELECT 1 FROM workers WHERE user_id = ?", (user_id,))
    # The link that made them a worker stays theirs if they stay a worker.
    await tx.execute(
        "UPDATE invitations SET used_by = NULL, label = NULL "
        "WHERE used_by = ? AND (kind = 'person' OR ?)",
        (user_id, also_worker is None),
    )
    await tx.execute("UPDATE invitations SET claimed_by = NULL WHERE claimed_by = ?", (user_id,))
    if also_worker:
        await forget_person_side(tx, user_id)
    else:
        await forget_in(tx, user_id)
        await tx.execute("DELETE FROM users WHERE id = ?", (user_id,))
    await count_departure(tx, int(row["worker_id"]), reason, now)
    return int(row["worker_id"])


async def count_departure(tx: Transaction, worker_id: int, reason: str, now: datetime) -> None:
    await tx.execute(
        """INSERT INTO departures (month, worker_id, reason, count) VALUES (?, ?, ?, 1)
           ON CONFLICT (month, worker_id, reason) DO UPDATE SET count = departures.count + 1""",
        (month_of(now), worker_id, reason),
    )


class Repository:
    """The only place that speaks SQL; each method is one transaction or one read."""

    def __init__(self, db: Database):
        self.db = db

    # -- accounts -----------------------------------------------------------------------------

    async def speaker(self, user_id: int) -> Speaker:
        """Who sends an update, and what they are in the middle of: one read."""
        row = await self.db.fetchone(_SPEAKER_SELECT, (user_id,))
        assert row is not None, "the select starts from a row of its own"
        return Speaker(
            account=_account(row) if row["id"] is not None else None,
            worker_name=row["worker_name"],
            menu_signature=row["menu_signature"],
            conversation=conversation_store.conversation(row),
        )

    async def account(self, user_id: int) -> Account | None:
        row = await self.db.fetchone(_ACCOUNT_SELECT + " WHERE u.id = ?", (user_id,))
        return _account(row) if row else None

    async def set_language(self, who: TelegramProfile, language: str, now: datetime) -> None:
        async with self.db.transaction() as tx:
            await _upsert_user(tx, who, now)
            await tx.execute("UPDATE users SET language = ? WHERE id = ?", (language, who.user_id))

    # -- invitations --------------------------------------------------------------------------

    async def create_invitation(
        self,
        kind: InvitationKind,
        token_hash: str,
        created_by: int,
        label: str | None,
        now: datetime,
        expires_at: datetime,
    ) -> Invitation:
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """INSERT INTO invitations (token_hash, kind, created_by, label, created_at,
                                            expires_at)
                   VALUES (?, ?, ?, ?, ?, ?) RETURNING *""",
                (token_hash, kind, created_by, label, to_db_time(now), to_db_time(expires_at)),
            )
        assert row is not None
        return _invitation(row)

    async def open_invitation(self, token_hash: str, now: datetime) -> Invitation | None:
        """The invitation behind a token if it can still be used (unused, unexpired)."""
        row = await self.db.fetchone(
            """SELECT * FROM invitations
               WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?""",
            (token_hash, to_db_time(now)),
        )
        return _invitation(row) if row else None

    async def redeem_worker_invitation(
        self, token_hash: str, who: TelegramProfile, now: datetime
    ) -> Invitation | None:
        """Use a worker link once: the conditional UPDATE lets exactly one opener through."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE invitations SET used_by = ?, used_at = ?
                   WHERE token_hash = ? AND kind = 'worker' AND used_at IS NULL
                     AND expires_at > ?
                     AND NOT EXISTS (SELECT 1 FROM people WHERE user_id = ?)
                   RETURNING *""",
                (who.user_id, to_db_time(now), token_hash, to_db_time(now), who.user_id),
            )
            if row is None:
                return None
            invitation = _invitation(row)
            # One account, one role: a person link this user had opened is theirs no more.
            await tx.execute(
                "UPDATE invitations SET claimed_by = NULL WHERE claimed_by = ? AND used_at IS NULL",
                (who.user_id,),
            )
            await _upsert_user(tx, who, now)
            await tx.execute(
                """INSERT INTO workers (user_id, status, invited_by, joined_at)
                   VALUES (?, 'active', ?, ?)""",
                (who.user_id, invitation.created_by, to_db_time(now)),
            )
            return invitation

    async def claim_person_invitation(
        self, token_hash: str, user_id: int, now: datetime
    ) -> Invitation | None:
        """Reserve a person link for its first opener while they read the consent text."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE invitations SET claimed_by = ?
                   WHERE token_hash = ? AND kind = 'person' AND used_at IS NULL
                     AND expires_at > ? AND (claimed_by IS NULL OR claimed_by = ?)
                     AND EXISTS (SELECT 1 FROM workers
                                 WHERE user_id = created_by AND status = 'active')
                   RETURNING *""",
                (user_id, token_hash, to_db_time(now), user_id),
            )
        return _invitation(row) if row else None

    async def pending_invitations(
        self, now: datetime, kind: InvitationKind | None = None, created_by: int | None = None
    ) -> list[Invitation]:
        """Links not used yet and still working, soonest to expire first."""
        rows = await self.db.fetchall(
            """SELECT * FROM invitations
               WHERE used_at IS NULL AND expires_at > ?
                 AND (CAST(? AS TEXT) IS NULL OR kind = ?)
                 AND (CAST(? AS BIGINT) IS NULL OR created_by = ?)
               ORDER BY expires_at, id""",
            (to_db_time(now), kind, kind, created_by, created_by),
        )
        return [_invitation(row) for row in rows]

    async def revoke_invitation(
        self, invitation_id: int, created_by: int | None, now: datetime
    ) -> Invitation | None:
        """Erase an unused link (made by `created_by`, unless None): it stops working at once,
        and whoever had opened it without answering is forgotten with it."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """DELETE FROM invitations
                   WHERE id = ? AND used_at IS NULL AND expires_at > ?
                     AND (CAST(? AS BIGINT) IS NULL OR created_by = ?)
                   RETURNING *""",
                (invitation_id, to_db_time(now), created_by, created_by),
            )
        if row is not None and row["claimed_by"] is not None:
            await self.db.scrub()  # the id of whoever opened it leaves the disk too
        return _invitation(row) if row else None

    async def pending_invitation(self, user_id: int, now: datetime) -> Invitation | None:
        """A person link this user opened and has not yet answered."""
        row = await self.db.fetchone(
            """SELECT * FROM invitations
               WHERE claimed_by = ? AND used_at IS NULL AND expires_at > ?
               ORDER BY id DESC LIMIT 1""",
            (user_id, to_db_time(now)),
        )
        return _invitation(row) if row else None

    async def release_claim(self, invitation_id: int, user_id: int) -> Invitation | None:
        """Forget who opened a person link (they said "not now"); the link stays usable."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE invitations SET claimed_by = NULL
                   WHERE id = ? AND claimed_by = ? AND used_at IS NULL
                   RETURNING *""",
                (invitation_id, user_id),
            )
        return _invitation(row) if row else None

    async def accept_person_invitation(
        self,
        invitation_id: int,
        who: TelegramProfile,
        language: str,
        consent_version: int,
        now: datetime,
    ) -> PersonJoined | None:
        """Consent given: use the link, link the person to its worker, record the consent."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE invitations SET used_by = ?, used_at = ?
                   WHERE id = ? AND kind = 'person' AND claimed_by = ? AND used_at IS NULL
                     AND expires_at > ?
                     AND EXISTS (SELECT 1 FROM workers
                                 WHERE user_id = created_by AND status = 'active')
                     AND NOT EXISTS (SELECT 1 FROM workers WHERE user_id = ?)
                   RETURNING created_by, label""",
                (
                    who.user_id,
                    to_db_time(now),
                    invitation_id,
                    who.user_id,
                    to_db_time(now),
                    who.user_id,
                ),
            )
            if row is None:
                return None
            await _upsert_user(tx, who, now)
            await tx.execute(
                "INSERT INTO people (user_id, worker_id, label, joined_at) VALUES (?, ?, ?, ?)",
                (who.user_id, row["created_by"], row["label"], to_db_time(now)),
            )
            await tx.execute(
                """INSERT INTO consents (user_id, text_version, language, given_at)
                   VALUES (?, ?, ?, ?)""",
                (who.user_id, consent_version, language, to_db_time(now)),
            )
            return PersonJoined(
                person=await _account_in(tx, who.user_id),
                worker=await _account_in(tx, row["created_by"]),
            )

    # -- workers and their people -------------------------------------------------------------

    async def workers(self) -> list[WorkerSummary]:
        rows = await self.db.fetchall(
            """SELECT w.user_id, u.display_name, w.status,
                      (SELECT COUNT(*) FROM people p WHERE p.worker_id = w.user_id) AS people
               FROM workers w JOIN users u ON u.id = w.user_id
               ORDER BY lower(u.display_name), w.user_id"""
        )
        return [
            WorkerSummary(r["user_id"], r["display_name"], r["status"], r["people"]) for r in rows
        ]

    async def set_worker_status(
        self, worker_id: int, status: WorkerStatus, now: datetime
    ) -> Account | None:
        """Change a worker's status; returns the worker, or None if there is no such worker.

        Reactivated, they get at once what the outbox held while they were suspended."""
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE workers SET status = ? WHERE user_id = ?", (status, worker_id)
            )
            if cursor.rowcount != 1:
                return None
            if status == "active":
                await release_suspended(tx, worker_id, now)
            return await _account_in(tx, worker_id)

    async def people_of(self, worker_id: int) -> list[PersonSummary]:
        rows = await self.db.fetchall(
            """SELECT p.user_id, u.display_name, p.label, p.joined_at
               FROM people p JOIN users u ON u.id = p.user_id
               WHERE p.worker_id = ?
               ORDER BY lower(COALESCE(p.label, u.display_name)), p.user_id""",
            (worker_id,),
        )
        return [
            PersonSummary(r["user_id"], r["display_name"], r["label"], from_db_time(r["joined_at"]))
            for r in rows
        ]

    # -- command menus ------------------------------------------------------------------------

    async def menu_signature(self, chat_id: int) -> str | None:
        row = await self.db.fetchone(
            "SELECT signature FROM chat_menus WHERE chat_id = ?", (chat_id,)
        )
        return str(row["signature"]) if row else None

    async def save_menu_signature(self, chat_id: int, signature: str | None) -> None:
        async with self.db.transaction() as tx:
            if signature is None:
                await tx.execute("DELETE FROM chat_menus WHERE chat_id = ?", (chat_id,))
            else:
                await tx.execute(
                    """INSERT INTO chat_menus (chat_id, signature) VALUES (?, ?)
                       ON CONFLICT (chat_id) DO UPDATE SET signature = excluded.signature""",
                    (chat_id, signature),
                )

    # -- albums -------------------------------------------------------------------------------

    async def first_of_album(self, chat_id: int, media_group_id: str, now: datetime) -> bool:
        """Whether this message is the first Escale sees of its album (several photos sent at
        once arrive as one message each): only the first gets a reply. One row per chat."""
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                """INSERT INTO albums (chat_id, media_group_id, seen_at) VALUES (?, ?, ?)
                   ON CONFLICT (chat_id) DO UPDATE SET
                       media_group_id = excluded.media_group_id, seen_at = excluded.seen_at
                   WHERE albums.media_group_id != excluded.media_group_id""",
                (chat_id, media_group_id, to_db_time(now)),
            )
            return cursor.rowcount == 1

    # -- a person's own data ------------------------------------------------------------------

    async def export_person(self, user_id: int) -> dict[str, Any]:
        """Everything held about one person, as plain data for /mydata."""
        user = await self.db.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
        # The worker by the name the person sees, never by their Telegram id: the export is
        # the person's own data, and holds no other person's identifiers.
        person = await self.db.fetchone(
            """SELECT w.display_name AS worker, p.label, p.joined_at
               FROM people p JOIN users w ON w.id = p.worker_id WHERE p.user_id = ?""",
            (user_id,),
        )
        consents = await self.db.fetchall(
            "SELECT text_version, language, given_at FROM consents WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return {
            "user": dict(user) if user else None,
            "link": dict(person) if person else None,
            "consents": [dict(c) for c in consents],
        }

    async def forget_person(self, user_id: int, now: datetime) -> int | None:
        """Erase a person and every trace of their id; returns the worker they were linked to.

        An account that an older Escale let be a worker too keeps its worker side (the people
        it follows stay linked to it): everything it held as a person is erased."""
        async with self.db.transaction() as tx:
            worker_id = await forget_person_in(tx, user_id, now, "left")
        if worker_id is not None:
            await self.db.scrub()
        return worker_id

    async def touch(self, user_id: int, now: datetime) -> None:
        """A person did something: their data's retention counts from now."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE users SET last_active_at = ? WHERE id = ?", (to_db_time(now), user_id)
            )
