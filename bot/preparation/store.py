"""Preparations, their answers and the person's allies: where a person is is always a row.

Every change checks the step it expects, so a late or doubled button press changes nothing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from bot.core.db import Database, Row, Transaction
from bot.core.rows import from_db_time, maybe_time, one, to_db_time
from bot.core.updates import Origin
from bot.general import conversation_store
from bot.meetings.store import withdraw_reminders
from bot.outbox.store import Outgoing, Queued, enqueue

Status = Literal["open", "sent", "kept"]


@dataclass(frozen=True)
class Answer:
    """One step's answer: typed text (or an option id, a number, ally ids as JSON), or a voice."""

    step: str
    skipped: bool = False
    text: str | None = None
    voice_file_id: str | None = None
    voice_duration: int | None = None
    hidden: bool = False
    file_id: str | None = None  # a photo or a document sent as (part of) the answer
    file_kind: Literal["photo", "document"] | None = None
    file_name: str | None = None
    together: bool = False  # "keep it for the meeting": to put into words with the worker
    origin: Origin | None = None

    @property
    def given(self) -> bool:
        return not self.skipped


def json_list(text: str | None) -> list[dict[str, str]]:
    """A JSON list of flat objects of texts (agreed steps, say); anything else is empty."""
    try:
        found = json.loads(text) if text else []
    except ValueError:
        return []
    if not isinstance(found, list):
        return []
    return [
        {k: v for k, v in item.items() if isinstance(k, str) and isinstance(v, str)}
        for item in found
        if isinstance(item, dict)
    ]


def chosen_allies(answer: Answer) -> list[int]:
    """The ally ids stored in a jokers answer (a JSON list); anything else chooses nobody."""
    if answer.skipped or not answer.text:
        return []
    try:
        ids = json.loads(answer.text)
    except ValueError:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


@dataclass(frozen=True)
class Preparation:
    id: int
    person_id: int
    worker_id: int | None
    status: Status
    step: str | None
    back_to_review: bool
    paused: bool  # /cancel: messages are not taken as answers until the person continues
    message_id: int | None
    started_at: datetime
    finished_at: datetime | None
    read_at: datetime | None
    scratch: Mapping[str, Any] = field(default_factory=dict)
    answers: Mapping[str, Answer] = field(default_factory=dict)


@dataclass(frozen=True)
class Ally:
    id: int
    name: str
    relation: str


def _answer(row: Row, prefix: str = "") -> Answer:
    name = _answer_names(prefix)
    return Answer(
        step=row[name.step],
        skipped=bool(row[name.skipped]),
        text=row[name.text],
        voice_file_id=row[name.voice_file_id],
        voice_duration=row[name.voice_duration],
        hidden=bool(row[name.hidden]),
        file_id=row[name.file_id],
        file_kind=row[name.file_kind],
        file_name=row[name.file_name],
        together=bool(row[name.together]),
        origin=_origin(row[name.origin]),
    )


class _AnswerNames(NamedTuple):
    """An answer's columns as a row names them (`a_step` in a join, say)."""

    step: str
    skipped: str
    text: str
    voice_file_id: str
    voice_duration: str
    hidden: str
    file_id: str
    file_kind: str
    file_name: str
    together: str
    origin: str


@functools.cache
def _answer_names(prefix: str) -> _AnswerNames:
    """Made once per prefix: every update reads answers, and each name was formatted anew."""
    return _AnswerNames(*(prefix + column for column in _AnswerNames._fields))


# A person's open preparation and their last finished one, each row an answer of one of them
# (or the preparation alone, with no answer yet).
_OPEN_AND_LAST = f"""
    SELECT p.*, {", ".join(f"a.{c} AS a_{c}" for c in _AnswerNames._fields)}
    FROM preparations p LEFT JOIN answers a ON a.preparation_id = p.id
    WHERE p.person_id = ? AND (p.status = 'open' OR p.id = (
        SELECT id FROM preparations WHERE person_id = ? AND status IN ('sent', 'kept')
        ORDER BY finished_at DESC, id DESC LIMIT 1))
    ORDER BY p.id, a.step
"""


def _origin(value: object) -> Origin | None:
    if value == "forwarded":
        return "forwarded"
    if value == "via_bot":
        return "via_bot"
    return None


def _preparation(row: Row, answers: Sequence[Row], prefix: str = "") -> Preparation:
    return Preparation(
        id=row["id"],
        person_id=row["person_id"],
        worker_id=row["worker_id"],
        status=row["status"],
        step=row["step"],
        back_to_review=bool(row["back_to_review"]),
        paused=bool(row["paused"]),
        message_id=row["message_id"],
        started_at=from_db_time(row["started_at"]),
        finished_at=maybe_time(row["finished_at"]),
        read_at=maybe_time(row["read_at"]),
        scratch=json.loads(row["scratch"]),
        answers={answer.step: answer for answer in (_answer(a, prefix) for a in answers)},
    )


class PreparationStore:
    """The SQL of preparations; each method is one transaction or one read."""

    def __init__(self, db: Database):
        self.db = db

    async def _load(self, where: str, params: tuple[Any, ...]) -> list[Preparation]:
        rows = await self.db.fetchall(f"SELECT * FROM preparations WHERE {where}", params)
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        marks = ",".join("?" * len(ids))
        answers = await self.db.fetchall(
            f"SELECT * FROM answers WHERE preparation_id IN ({marks})", ids
        )
        by_preparation: dict[int, list[Row]] = {}
        for answer in answers:
            by_preparation.setdefault(answer["preparation_id"], []).append(answer)
        return [_preparation(row, by_preparation.get(row["id"], [])) for row in rows]

    async def get(self, preparation_id: int) -> Preparation | None:
        found = await self._load("id = ?", (preparation_id,))
        return found[0] if found else None

    async def open_and_last(self, person_id: int) -> tuple[Preparation | None, Preparation | None]:
        """The person's open preparation and their last finished one (sent or kept), with
        their answers: one read."""
        rows = await self.db.fetchall(_OPEN_AND_LAST, (person_id, person_id))
        found: dict[int, tuple[Row, list[Row]]] = {}
        for row in rows:
            _, answers = found.setdefault(row["id"], (row, []))
            if row["a_step"] is not None:
                answers.append(row)
        loaded = [_preparation(row, answers, prefix="a_") for row, answers in found.values()]
        open_one = next((p for p in loaded if p.status == "open"), None)
        last = next((p for p in loaded if p.status != "open"), None)
        return open_one, last

    async def open_for(self, person_id: int) -> Preparation | None:
        found = await self._load("person_id = ? AND status = 'open'", (person_id,))
        return found[0] if found else None

    async def finished(self, person_id: int, *, limit: int = 50) -> list[Preparation]:
        """The person's finished preparations (sent or kept), newest first."""
        return await self._load(
            """person_id = ? AND status IN ('sent', 'kept')
               ORDER BY finished_at DESC, id DESC LIMIT ?""",
            (person_id, limit),
        )

    async def start(self, person_id: int, first_step: str, now: datetime) -> Preparation:
        """Open a preparation at `first_step`, or return the one already open."""
        async with self.db.transaction() as tx:
            await tx.execute(
                """INSERT INTO preparations (person_id, status, step, started_at, updated_at)
                   VALUES (?, 'open', ?, ?, ?) ON CONFLICT DO NOTHING""",
                (person_id, first_step, to_db_time(now), to_db_time(now)),
            )
        found = await self.open_for(person_id)
        assert found is not None, "an open preparation exists after start"
        return found

    async def discard(self, preparation_id: int, person_id: int) -> bool:
        """Erase an open preparation and its answers (the person chose to start over)."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """DELETE FROM preparations WHERE id = ? AND person_id = ? AND status = 'open'
                   RETURNING id""",
                (preparation_id, person_id),
            )
        if row is not None:
            await self.db.scrub()
        return row is not None

    async def move(
        self,
        preparation_id: int,
        expected_step: str,
        *,
        to_step: str,
        back_to_review: bool,
        now: datetime,
        answer: Answer | None = None,
        scratch: Mapping[str, Any] | None = None,
    ) -> bool:
        """Store `answer` (if any) and go to `to_step`, if the preparation is still at
        `expected_step`; otherwise change nothing and return False."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE preparations
                   SET step = ?, back_to_review = ?, scratch = ?, message_id = NULL,
                       updated_at = ?
                   WHERE id = ? AND status = 'open' AND step = ? RETURNING id""",
                (
                    to_step,
                    int(back_to_review),
                    json.dumps(dict(scratch or {})),
                    to_db_time(now),
                    preparation_id,
                    expected_step,
                ),
            )
            if row is None:
                return False
            if answer is not None:
                await tx.execute(
                    """INSERT INTO answers (preparation_id, step, skipped, text, voice_file_id,
                                            voice_duration, file_id, file_kind, file_name,
                                            together, origin, answered_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (preparation_id, step) DO UPDATE SET
                           skipped = excluded.skipped, text = excluded.text,
                           voice_file_id = excluded.voice_file_id,
                           voice_duration = excluded.voice_duration,
                           file_id = excluded.file_id, file_kind = excluded.file_kind,
                           file_name = excluded.file_name,
                           together = excluded.together,
                           origin = excluded.origin,
                           answered_at = excluded.answered_at""",
                    (
                        preparation_id,
                        answer.step,
                        int(answer.skipped),
                        answer.text,
                        answer.voice_file_id,
                        answer.voice_duration,
                        answer.file_id,
                        answer.file_kind,
                        answer.file_name,
                        int(answer.together),
                        answer.origin,
                        to_db_time(now),
                    ),
                )
            return True

    async def set_scratch(
        self, preparation_id: int, expected_step: str, scratch: Mapping[str, Any], now: datetime
    ) -> bool:
        """Keep the half-done state of a step (the jokers chosen so far, say)."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE preparations SET scratch = ?, updated_at = ?
                   WHERE id = ? AND status = 'open' AND step = ? RETURNING id""",
                (json.dumps(dict(scratch)), to_db_time(now), preparation_id, expected_step),
            )
            return row is not None

    async def set_paused(self, person_id: int, paused: bool) -> bool:
        """Pause the person's open preparation (/cancel) or carry on with it (*Continue*).

        A pause drops what was typed and held aside for the person to say what it was (a text
        that may have meant stopping, a name not yet confirmed as a joker): they never said to
        keep it, and the question is asked afresh on coming back."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                "SELECT id, scratch FROM preparations WHERE person_id = ? AND status = 'open'",
                (person_id,),
            )
            if row is None:
                return False
            scratch = row["scratch"]
            if paused:
                held = json.loads(scratch)
                held.pop("typed", None)
                held.pop("maybe_ally", None)
                scratch = json.dumps(held)
            await tx.execute(
                "UPDATE preparations SET paused = ?, scratch = ? WHERE id = ?",
                (int(paused), scratch, row["id"]),
            )
            return True

    async def set_message(
        self,
        preparation_id: int,
        step: str,
        message_id: int,
        now: datetime,
        *,
        scratch: Mapping[str, Any] | None = None,
    ) -> None:
        """Remember which message asks the current question; presses on others are stale.
        With `scratch`, keep the step's half-done state too, in the same write:
        the review remembers there which messages show it.

        Not worth a wait for the disk: lost to a power cut, the question's buttons would be
        taken for stale ones and the question asked again, and a review changed afterwards
        shown anew rather than edited (the answers are all durable)."""
        async with self.db.transaction(durable=False) as tx:
            if scratch is None:
                await tx.execute(
                    """UPDATE preparations SET message_id = ?
                       WHERE id = ? AND status = 'open' AND step = ?""",
                    (message_id, preparation_id, step),
                )
                return
            await tx.execute(
                """UPDATE preparations SET message_id = ?, scratch = ?, updated_at = ?
                   WHERE id = ? AND status = 'open' AND step = ?""",
                (message_id, json.dumps(dict(scratch)), to_db_time(now), preparation_id, step),
            )

    async def toggle_hidden(self, preparation_id: int, step: str) -> bool:
        """Hide a shown answer or show a hidden one, while the preparation is open."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE answers SET hidden = 1 - hidden
                   WHERE preparation_id = ? AND step = ? AND preparation_id IN
                       (SELECT id FROM preparations WHERE status = 'open') RETURNING hidden""",
                (preparation_id, step),
            )
            return row is not None

    async def allies(self, person_id: int) -> list[Ally]:
        rows = await self.db.fetchall(
            "SELECT id, name, relation FROM allies WHERE person_id = ? ORDER BY id", (person_id,)
        )
        return [Ally(row["id"], row["name"], row["relation"]) for row in rows]

    async def add_ally(
        self,
        preparation_id: int,
        expected_step: str,
        name: str,
        relation: str,
        scratch: Mapping[str, Any],
        now: datetime,
        *,
        limit: int,
    ) -> Ally | None:
        """Add an ally to the person's list and select it in the open jokers step; None if
        the step moved on, or the person already has `limit` allies."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """SELECT person_id FROM preparations
                   WHERE id = ? AND status = 'open' AND step = ?""",
                (preparation_id, expected_step),
            )
            if row is None:
                return None
            count = await one(
                tx, "SELECT COUNT(*) FROM allies WHERE person_id = ?", (row["person_id"],)
            )
            if count is not None and count[0] >= limit:
                return None
            added = await one(
                tx,
                """INSERT INTO allies (person_id, name, relation, created_at)
                   VALUES (?, ?, ?, ?) RETURNING id""",
                (row["person_id"], name, relation, to_db_time(now)),
            )
            assert added is not None
            chosen = [*scratch.get("chosen", []), added["id"]]
            await tx.execute(
                "UPDATE preparations SET scratch = ?, updated_at = ? WHERE id = ?",
                (json.dumps({**scratch, "chosen": chosen}), to_db_time(now), preparation_id),
            )
            return Ally(added["id"], name, relation)

    async def finish(
        self,
        preparation_id: int,
        review_step: str,
        *,
        send_to: int | None,
        messages: Sequence[Outgoing],
        now: datetime,
        meeting_id: int | None = None,
    ) -> bool:
        """Close the preparation as sent to `send_to` (queueing `messages` with it) or as kept;
        a sent one is attached to the meeting it prepares."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE preparations
                   SET status = ?, worker_id = ?, step = NULL, scratch = '{}', message_id = NULL,
                       finished_at = ?, updated_at = ?, meeting_id = ?
                   WHERE id = ? AND status = 'open' AND step = ? RETURNING id""",
                (
                    "sent" if send_to is not None else "kept",
                    send_to,
                    to_db_time(now),
                    to_db_time(now),
                    meeting_id if send_to is not None else None,
                    preparation_id,
                    review_step,
                ),
            )
            if row is None:
                return False
            await enqueue(tx, messages, purpose="brief", now=now, preparation_id=preparation_id)
            if send_to is not None and meeting_id is not None:
                await withdraw_reminders(tx, meeting_id)
            return True

    async def mark_read(
        self, preparation_id: int, worker_id: int, notice: Queued, now: datetime
    ) -> bool:
        """The worker has read the brief: record it once and queue the person's notice."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE preparations SET read_at = ?
                   WHERE id = ? AND worker_id = ? AND status = 'sent' AND read_at IS NULL
                   RETURNING id""",
                (to_db_time(now), preparation_id, worker_id),
            )
            if row is None:
                return False
            await enqueue(tx, [notice], purpose="read", now=now)
            return True

    async def export(self, person_id: int) -> dict[str, Any]:
        """The person's preparations, answers and allies as plain data, for /mydata."""
        preparations = await self.db.fetchall(
            """SELECT id, status, started_at, finished_at, read_at FROM preparations
               WHERE person_id = ? ORDER BY id""",
            (person_id,),
        )
        answers = await self.db.fetchall(
            """SELECT a.preparation_id, a.step, a.skipped, a.text, a.voice_file_id, a.hidden,
                      a.file_kind, a.file_name, a.together, a.origin, a.answered_at
               FROM answers a JOIN preparations p ON p.id = a.preparation_id
               WHERE p.person_id = ? ORDER BY a.preparation_id, a.answered_at""",
            (person_id,),
        )
        allies = await self.db.fetchall(
            "SELECT name, relation, created_at FROM allies WHERE person_id = ? ORDER BY id",
            (person_id,),
        )
        by_preparation: dict[int, list[dict[str, Any]]] = {}
        for answer in answers:
            entry = dict(answer)
            by_preparation.setdefault(entry.pop("preparation_id"), []).append(entry)
        return {
            "preparations": [
                {**dict(p), "answers": by_preparation.get(p["id"], [])} for p in preparations
            ],
            "allies": [dict(a) for a in allies],
        }


async def forget_in(tx: Transaction, person_id: int) -> None:
    """What erasing a person removes beyond their user row's cascade: messages addressed to them
    (a brief's rows go with its preparation), and what a worker was typing about them (a part
    of what was agreed); their agreements and topics go with their user row."""
    await tx.execute("DELETE FROM outbox WHERE chat_id = ?", (person_id,))
    await tx.execute("DELETE FROM albums WHERE chat_id = ?", (person_id,))
    await _forget_negotiation(tx, person_id)


async def _forget_negotiation(tx: Transaction, person_id: int) -> None:
    """What a worker was typing about the person (a part of what was agreed, topics), what the
    person was typing in answer, and, for a user row that stays, their agreements and topics."""
    await conversation_store.end_negotiation_about(tx, person_id)
    await tx.execute("DELETE FROM agreements WHERE person_id = ?", (person_id,))
    await tx.execute("DELETE FROM topic_lists WHERE person_id = ?", (person_id,))


async def forget_person_side(tx: Transaction, person_id: int) -> None:
    """Erase what a user holds as a person while their user row stays (they are a worker too):
    their preparations, allies, meetings, consents and link, and the messages to or about them
    as a person. Briefs other people sent them as their worker are not theirs to erase."""
    await tx.execute(
        """DELETE FROM outbox WHERE about_id = ?
              OR (chat_id = ? AND purpose IN ('read', 'reminder', 'meeting'))""",
        (person_id, person_id),
    )
    await _forget_negotiation(tx, person_id)
    await conversation_store.end_dates_about(tx, person_id)
    for statement in (
        "DELETE FROM preparations WHERE person_id = ?",
        "DELETE FROM allies WHERE person_id = ?",
        "DELETE FROM meetings WHERE person_id = ?",
        "DELETE FROM consents WHERE user_id = ?",
        "DELETE FROM people WHERE user_id = ?",
        "DELETE FROM albums WHERE chat_id = ?",
    ):
        await tx.execute(statement, (person_id,))
