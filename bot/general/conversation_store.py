"""What each user is in the middle of: the one place free text gets its meaning (the SQL).

A user asked to type something outside the preparation (a meeting date, another time to
propose, a few words for their worker, a part of what was agreed, topics, a word or a comment
on a topic) has one row in `conversations`; the newest question replaces the one before.
Their open preparation (its step, its pause, a joker's name being asked) is the preparation's
own row. Both are read once per update, in the same read as the sender's account
(`Repository.speaker`, with `COLUMNS` below), and `bot/general/text_handlers.py` hands the
text to the feature that owns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.db import Database, Row, Transaction
from bot.core.rows import from_db_time, maybe_time, one, to_db_time

# What a user may be asked to type, by the feature that asks it.
DATES = ("date", "propose", "note")  # meetings: a date, another time, a few words
AGREEMENT = ("ag_q", "ag_b", "ag_what", "ag_when", "ag_amend")  # what was agreed
TOPICS = ("tp_topics", "tp_word", "tp_comment")  # the worker's topics
NEGOTIATION = AGREEMENT + TOPICS
ANYTHING = DATES + NEGOTIATION


@dataclass(frozen=True)
class Asked:
    """What the user was asked to type, since when, and what it is about."""

    purpose: str
    since: datetime
    person_id: int = 0  # meetings: whose meeting
    meeting_id: int | None = None
    target_id: int = 0  # an agreement, a topic list, a topic
    part: str | None = None
    proposed_at: datetime | None = None  # a date read back, not yet confirmed


@dataclass(frozen=True)
class Conversation:
    """What the sender is in the middle of, as this update found it."""

    asked: Asked | None = None
    preparation_id: int | None = None  # their open preparation, if any
    paused: bool = False  # …paused with /cancel: messages are not answers until they continue

    @property
    def preparing(self) -> bool:
        """An open preparation, not paused: typed text answers its question."""
        return self.preparation_id is not None and not self.paused

    def asked_for(
        self, purposes: Sequence[str], since: datetime, *, strictly: bool = False
    ) -> Asked | None:
        """What was asked, if it is one of `purposes` and was asked at `since` or later
        (`strictly`: later)."""
        asked = self.asked
        if asked is None or asked.purpose not in purposes:
            return None
        if asked.since < since or (strictly and asked.since == since):
            return None
        return asked


NOTHING = Conversation()

# The columns `Repository.speaker` selects beside the account: `c` is this table, `o` the
# sender's open preparation.
COLUMNS = """c.purpose AS c_purpose, c.since AS c_since, c.person_id AS c_person_id,
           c.meeting_id AS c_meeting_id, c.target_id AS c_target_id, c.part AS c_part,
           c.proposed_at AS c_proposed_at, o.id AS o_id, o.paused AS o_paused"""


def conversation(row: Row) -> Conversation:
    """The conversation from a row selected with `COLUMNS`."""
    asked = None
    if row["c_purpose"] is not None:
        asked = Asked(
            purpose=row["c_purpose"],
            since=from_db_time(row["c_since"]),
            person_id=row["c_person_id"] or 0,
            meeting_id=row["c_meeting_id"],
            target_id=row["c_target_id"] or 0,
            part=row["c_part"],
            proposed_at=maybe_time(row["c_proposed_at"]),
        )
    return Conversation(asked, row["o_id"], bool(row["o_paused"]))


async def ask(tx: Transaction, user_id: int, asked: Asked) -> None:
    """The user's next message is for `asked.purpose`: the newest question replaces any other."""
    await tx.execute(
        """INSERT INTO conversations (user_id, purpose, since, person_id, meeting_id, target_id,
                                      part, proposed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
           ON CONFLICT (user_id) DO UPDATE SET purpose = excluded.purpose,
               since = excluded.since, person_id = excluded.person_id,
               meeting_id = excluded.meeting_id, target_id = excluded.target_id,
               part = excluded.part, proposed_at = NULL""",
        (
            user_id,
            asked.purpose,
            to_db_time(asked.since),
            asked.person_id or None,
            asked.meeting_id,
            asked.target_id or None,
            asked.part,
        ),
    )


async def end(tx: Transaction, user_id: int, purposes: Sequence[str]) -> bool:
    """The user is no longer asked for any of `purposes`; whether they were."""
    marks = ",".join("?" * len(purposes))
    row = await one(
        tx,
        f"DELETE FROM conversations WHERE user_id = ? AND purpose IN ({marks}) RETURNING user_id",
        (user_id, *purposes),
    )
    return row is not None


async def end_dates_about(tx: Transaction, person_id: int) -> None:
    """No one is asked for a date of `person_id`'s meetings any more (moved, erased)."""
    await tx.execute(
        "DELETE FROM conversations WHERE person_id = ? AND purpose IN (?, ?, ?)",
        (person_id, *DATES),
    )


async def end_negotiation_about(tx: Transaction, person_id: int) -> None:
    """What a worker was typing about the person (a part of what was agreed, topics), and what
    the person was typing in answer."""
    await tx.execute(
        """DELETE FROM conversations WHERE purpose IN (?, ?, ?, ?, ?) AND target_id IN
               (SELECT id FROM agreements WHERE person_id = ?)""",
        (*AGREEMENT, person_id),
    )
    await tx.execute(
        """DELETE FROM conversations WHERE purpose IN ('tp_topics', 'tp_word') AND target_id IN
               (SELECT id FROM topic_lists WHERE person_id = ?)""",
        (person_id,),
    )
    await tx.execute(
        "DELETE FROM conversations WHERE user_id = ? AND purpose IN ('ag_amend', 'tp_comment')",
        (person_id,),
    )


class ConversationStore:
    """What a handler changes on its own: a question asked, a date read back, an end."""

    def __init__(self, db: Database):
        self.db = db

    async def ask(self, user_id: int, asked: Asked) -> None:
        async with self.db.transaction() as tx:
            await ask(tx, user_id, asked)

    async def read_back(self, user_id: int, at: datetime | None) -> None:
        """The date understood from what the user typed, waiting for their ✔."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE conversations SET proposed_at = ?"
                " WHERE user_id = ? AND purpose IN (?, ?, ?)",
                (None if at is None else to_db_time(at), user_id, *DATES),
            )

    async def end(self, user_id: int, purposes: Sequence[str]) -> bool:
        async with self.db.transaction() as tx:
            return await end(tx, user_id, purposes)
