"""The outbox: messages that must arrive, written in the same transaction as their cause.

`enqueue` is for the cause's transaction; `OutboxStore` is the sender's side (bot/outbox/sender.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.core.db import Database, Row, Transaction
from bot.core.notices import NoticeKind
from bot.core.rows import from_db_time, maybe_time, one, to_db_time

OutgoingKind = Literal["text", "voice", "photo", "document"]
Buttons = Sequence[Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message to send: HTML text, or a voice by file id with an HTML caption.

    `repeat_note` is written in the recipient's language when the message is queued; it heads
    the message if it has to be sent again after an attempt whose outcome is unknown.
    """

    chat_id: int
    kind: OutgoingKind
    body: str
    repeat_note: str
    caption: str | None = None
    buttons: Buttons = field(default=())
    protect: bool = False


@dataclass(frozen=True)
class Notice:
    """A message for another user, queued as what it says rather than in words: its kind and
    its data (ids, times, numbers, flags — JSON; never a copy of what a person wrote where an
    id will do). The outbox writes it when it sends it, in the recipient's language of that
    moment, reading names and words by their ids then: a person erased meanwhile is named by
    no queued row.

    `erased_name` is the one exception: the name of someone erased in the same transaction,
    which no other row keeps any more. It is dropped as soon as the notice has to wait (its
    recipient suspended, or refusing the bot), and the notice is then written without it."""

    chat_id: int
    kind: NoticeKind
    data: Mapping[str, Any] = field(default_factory=dict)
    erased_name: str | None = None


Queued = Outgoing | Notice


async def enqueue(
    tx: Transaction,
    messages: Sequence[Queued],
    *,
    purpose: str,
    now: datetime,
    preparation_id: int | None = None,
    meeting_id: int | None = None,
    about: int | None = None,
    expires_at: datetime | None = None,
) -> list[int]:
    """Queue `messages`, in order, inside the caller's transaction; return their ids. A message
    still unsent at `expires_at` is dropped (a reminder is pointless once its meeting has
    begun). A message `about` a user, or tied to a preparation or a meeting, is erased with
    them."""
    ids: list[int] = []
    for message in messages:
        if isinstance(message, Notice):
            cursor = await tx.execute(
                """INSERT INTO outbox (chat_id, purpose, preparation_id, meeting_id, about_id,
                                       kind, body, repeat_note, notice, data, erased_name,
                                       status, due_at, created_at, expires_at)
                   VALUES (?, ?, ?, ?, ?, 'text', '', '', ?, ?, ?, 'pending', ?, ?, ?)
                   RETURNING id""",
                (
                    message.chat_id,
                    purpose,
                    preparation_id,
                    meeting_id,
                    about,
                    str(message.kind),
                    json.dumps(dict(message.data), ensure_ascii=False),
                    message.erased_name,
                    to_db_time(now),
                    to_db_time(now),
                    None if expires_at is None else to_db_time(expires_at),
                ),
            )
            ids.extend(row[0] for row in await cursor.fetchall())
            continue
        cursor = await tx.execute(
            """INSERT INTO outbox (chat_id, purpose, preparation_id, meeting_id, about_id, kind,
                                   body, caption, buttons, protect, repeat_note, status, due_at,
                                   created_at, expires_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING id""",
            (
                message.chat_id,
                purpose,
                preparation_id,
                meeting_id,
                about,
                message.kind,
                message.body,
                message.caption,
                json.dumps([list(map(list, row)) for row in message.buttons])
                if message.buttons
                else None,
                int(message.protect),
                message.repeat_note,
                to_db_time(now),
                to_db_time(now),
                None if expires_at is None else to_db_time(expires_at),
            ),
        )
        ids.extend(row[0] for row in await cursor.fetchall())
    return ids


OutboxStatus = Literal["pending", "sending", "sent", "failed", "held", "uncertain"]

# A row waits while an earlier row of its chat is unfinished, so part 2 never overtakes part 1.
_FIRST_IN_CHAT = """NOT EXISTS (
    SELECT 1 FROM outbox AS earlier
    WHERE earlier.chat_id = outbox.chat_id AND earlier.id < outbox.id
      AND earlier.status IN ('pending', 'sending', 'held'))"""


# The hold for a suspended worker: decided at the moment of sending (a row being retried when
# the worker was suspended is caught too), released when they are reactivated. A move of the
# person to another worker can find the rows so held by their `error`.
HELD_SUSPENDED = "suspended"
_TO_SUSPENDED_WORKER = """chat_id IN (SELECT user_id FROM workers WHERE status = 'suspended')"""


async def release_suspended(tx: Transaction, worker_id: int, now: datetime) -> int:
    """The worker is active again: what was held for them is due at once. How many rows."""
    cursor = await tx.execute(
        """UPDATE outbox SET status = 'pending', error = NULL, due_at = LEAST(due_at, ?)
           WHERE chat_id = ? AND status = 'held' AND error = ?""",
        (to_db_time(now), worker_id, HELD_SUSPENDED),
    )
    return cursor.rowcount


@dataclass(frozen=True)
class OutboxRow:
    """A queued message and where its delivery stands; `body` is blank once it was sent."""

    id: int
    chat_id: int
    purpose: str
    preparation_id: int | None
    kind: OutgoingKind
    body: str
    caption: str | None
    buttons: tuple[tuple[tuple[str, str], ...], ...]
    protect: bool
    repeat_note: str
    status: OutboxStatus
    maybe_delivered: bool
    attempts: int
    due_at: datetime
    created_at: datetime
    sent_at: datetime | None
    message_id: int | None
    error: str | None
    expires_at: datetime | None = None
    notice: str | None = None  # a NoticeKind to write when sent (then `body` is blank)
    data: Mapping[str, Any] = field(default_factory=dict)
    erased_name: str | None = None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def _row(row: Row) -> OutboxRow:
    buttons = json.loads(row["buttons"]) if row["buttons"] else []
    return OutboxRow(
        id=row["id"],
        chat_id=row["chat_id"],
        purpose=row["purpose"],
        preparation_id=row["preparation_id"],
        kind=row["kind"],
        body=row["body"],
        caption=row["caption"],
        buttons=tuple(tuple((label, data) for label, data in line) for line in buttons),
        protect=bool(row["protect"]),
        repeat_note=row["repeat_note"],
        status=row["status"],
        maybe_delivered=bool(row["maybe_delivered"]),
        attempts=row["attempts"],
        due_at=from_db_time(row["due_at"]),
        created_at=from_db_time(row["created_at"]),
        sent_at=maybe_time(row["sent_at"]),
        message_id=row["message_id"],
        error=row["error"],
        expires_at=maybe_time(row["expires_at"]),
        notice=row["notice"],
        data=json.loads(row["data"]) if row["data"] else {},
        erased_name=row["erased_name"],
    )


class OutboxStore:
    """The sender's SQL: what is due, and each step of an attempt, each in its own transaction.

    Only one sender may run against a database: `recover()` treats every 'sending' row as an
    attempt that was interrupted.
    """

    def __init__(self, db: Database):
        self.db = db

    async def get(self, outbox_id: int) -> OutboxRow | None:
        row = await self.db.fetchone("SELECT * FROM outbox WHERE id = ?", (outbox_id,))
        return None if row is None else _row(row)

    async def due(self, now: datetime, limit: int = 50) -> list[OutboxRow]:
        """Pending rows due by `now`, oldest first, at most one per chat (the chat's next)."""
        rows = await self.db.fetchall(
            f"""SELECT * FROM outbox
                WHERE status = 'pending' AND due_at <= ? AND {_FIRST_IN_CHAT}
                ORDER BY due_at, id LIMIT ?""",
            (to_db_time(now), limit),
        )
        return [_row(row) for row in rows]

    async def next_due(self) -> datetime | None:
        """When the earliest row that `due()` could return comes due; None if there is none."""
        row = await self.db.fetchone(
            f"SELECT MIN(due_at) FROM outbox WHERE status = 'pending' AND {_FIRST_IN_CHAT}"
        )
        return maybe_time(row[0] if row else None)

    async def begin_attempt(self, outbox_id: int) -> OutboxRow | None:
        """Mark the row 'sending' before the call (see `begin_attempts`); the row as it now
        stands, or None when it is no longer pending."""
        return (await self.begin_attempts([outbox_id])).get(outbox_id)

    async def begin_attempts(self, outbox_ids: Sequence[int]) -> dict[int, OutboxRow]:
        """Mark the rows 'sending' before their calls, in one transaction (one wait for the
        disk for all), so a crash mid-call is seen at start-up. Call it just before the calls:
        a row marked and then cut short by a crash is sent again as a possible repeat.

        Returns the rows as they now stand, by id, without those no longer pending (erased,
        held); a row for a worker who is suspended now is held for them, not sent.
        """
        if not outbox_ids:
            return {}
        ids = tuple(outbox_ids)
        marks = ",".join("?" * len(ids))
        async with self.db.transaction() as tx:
            await tx.execute(
                f"""UPDATE outbox SET status = 'held', error = ?, erased_name = NULL
                    WHERE id IN ({marks}) AND status = 'pending' AND {_TO_SUSPENDED_WORKER}""",
                (HELD_SUSPENDED, *ids),
            )
            async with tx.execute(
                f"""UPDATE outbox SET status = 'sending', attempts = attempts + 1
                    WHERE id IN ({marks}) AND status = 'pending' RETURNING *""",
                ids,
            ) as cursor:
                rows = await cursor.fetchall()
        return {row["id"]: _row(row) for row in rows}

    async def delivered(self, outbox_id: int, message_id: int, now: datetime) -> None:
        """Sent: keep the fact, not the words (they may be what a person wrote)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                """UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, error = NULL,
                                     body = '', caption = NULL, buttons = NULL, data = NULL,
                                     erased_name = NULL
                   WHERE id = ?""",
                (to_db_time(now), message_id, outbox_id),
            )

    async def retry(
        self, outbox_id: int, due_at: datetime, error: str, *, maybe_delivered: bool = False
    ) -> None:
        """Back to pending until `due_at`; `maybe_delivered`, once set, stays set."""
        async with self.db.transaction() as tx:
            await tx.execute(
                """UPDATE outbox SET status = 'pending', due_at = ?, error = ?,
                                     maybe_delivered = GREATEST(maybe_delivered, ?)
                   WHERE id = ? AND status = 'sending'""",
                (to_db_time(due_at), error, int(maybe_delivered), outbox_id),
            )

    async def give_up(
        self,
        outbox_id: int,
        status: Literal["failed", "uncertain"],
        error: str,
        notices: Sequence[Queued] = (),
        *,
        now: datetime | None = None,
    ) -> bool:
        """No more attempts. Its words are not kept (nothing will send them); `notices`
        (telling who should know) are queued with it, only for the first part of a message
        that ends so, so they go out once. Returns whether the notices were queued."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE outbox SET status = ?, error = ?, body = '', caption = NULL,
                                     buttons = NULL, data = NULL, erased_name = NULL
                   WHERE id = ? AND status = 'sending' RETURNING preparation_id, about_id""",
                (status, error, outbox_id),
            )
            if row is None or not notices:
                return False
            if row["preparation_id"] is not None:
                earlier = await one(
                    tx,
                    """SELECT 1 FROM outbox WHERE preparation_id = ? AND id != ?
                       AND status IN ('failed', 'uncertain')""",
                    (row["preparation_id"], outbox_id),
                )
                if earlier is not None:
                    return False
            assert now is not None, "notices are queued at a time"
            about = row["about_id"]
            if row["preparation_id"] is not None:  # erased with the person the brief is from
                person = await one(
                    tx, "SELECT person_id FROM preparations WHERE id = ?", (row["preparation_id"],)
                )
                about = person["person_id"] if person else about
            await enqueue(tx, notices, purpose="undelivered", now=now, about=about)
            return True

    async def hold_chat(self, chat_id: int, now: datetime, notices: Sequence[Queued] = ()) -> bool:
        """The chat refuses the bot (403): hold its messages until the user writes again.

        `notices` (telling others) are queued in the same transaction, only when the user was
        not already marked unreachable, so they go out once. Returns whether it was new; a
        chat without a user row (a group) counts as newly refused.
        """
        async with self.db.transaction() as tx:
            user = await one(tx, "SELECT unreachable_since FROM users WHERE id = ?", (chat_id,))
            await tx.execute(
                "UPDATE users SET unreachable_since = ? WHERE id = ? AND unreachable_since IS NULL",
                (to_db_time(now), chat_id),
            )
            await tx.execute(
                """UPDATE outbox SET status = 'held', error = 'Forbidden', erased_name = NULL
                   WHERE chat_id = ? AND status IN ('pending', 'sending')""",
                (chat_id,),
            )
            newly = user is None or user["unreachable_since"] is None
            if newly:
                await enqueue(
                    tx,
                    notices,
                    purpose="unreachable",
                    now=now,
                    about=None if user is None else chat_id,
                )
        return newly

    async def release_chat(self, chat_id: int, now: datetime) -> bool:
        """The user wrote to the bot again: reachable, and their held messages due at once.

        Returns whether anything changed (the user was marked unreachable, or rows were held).
        """
        async with self.db.transaction() as tx:
            user = await tx.execute(
                "UPDATE users SET unreachable_since = NULL "
                "WHERE id = ? AND unreachable_since IS NOT NULL",
                (chat_id,),
            )
            rows = await tx.execute(
                """UPDATE outbox SET status = 'pending', due_at = LEAST(due_at, ?)
                   WHERE chat_id = ? AND status = 'held'""",
                (to_db_time(now), chat_id),
            )
        return user.rowcount > 0 or rows.rowcount > 0

    async def recover(self) -> int:
        """At start-up: attempts a crash interrupted may have arrived, so resend each once.

        A row that was already a resend after an unknown outcome becomes 'uncertain' instead.
        Returns how many rows were interrupted.
        """
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                """UPDATE outbox
                   SET status = CASE WHEN maybe_delivered = 1 THEN 'uncertain' ELSE 'pending' END,
                       maybe_delivered = 1, error = 'interrupted'
                   WHERE status = 'sending'"""
            )
        return cursor.rowcount
