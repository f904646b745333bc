"""The worker's topics for a person's next meeting, and the person's answer to each.

A list is the worker's draft until sent; then each topic waits for the person's answer, given
once. Messages to the other side are queued in the same transaction as the change they tell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.core.db import Database, Row
from bot.core.rows import from_db_time, one, to_db_time
from bot.outbox.store import Outgoing, Queued, enqueue

Reply = Literal["ok", "not_now", "comment"]
MAX_TOPICS = 5


@dataclass(frozen=True)
class Topic:
    id: int
    text: str | None
    voice_file_id: str | None
    reply: Reply | None
    comment: str | None


@dataclass(frozen=True)
class TopicList:
    id: int
    person_id: int
    worker_id: int | None
    preparation_id: int | None
    status: Literal["draft", "sent"]
    word: str | None
    created_at: datetime
    topics: tuple[Topic, ...] = field(default_factory=tuple)


def _topic(row: Row) -> Topic:
    return Topic(row["id"], row["text"], row["voice_file_id"], row["reply"], row["comment"])


class TopicStore:
    """The SQL of topic lists; each method is one transaction or one read."""

    def __init__(self, db: Database):
        self.db = db

    async def _load(self, where: str, params: tuple[Any, ...]) -> list[TopicList]:
        rows = await self.db.fetchall(f"SELECT * FROM topic_lists WHERE {where}", params)
        found = []
        for row in rows:
            topics = await self.db.fetchall(
                "SELECT * FROM topics WHERE list_id = ? ORDER BY position, id", (row["id"],)
            )
            found.append(
                TopicList(
                    id=row["id"],
                    person_id=row["person_id"],
                    worker_id=row["worker_id"],
                    preparation_id=row["preparation_id"],
                    status=row["status"],
                    word=row["word"],
                    created_at=from_db_time(row["created_at"]),
                    topics=tuple(_topic(t) for t in topics),
                )
            )
        return found

    async def get(self, list_id: int) -> TopicList | None:
        found = await self._load("id = ?", (list_id,))
        return found[0] if found else None

    async def of_person(self, person_id: int) -> list[TopicList]:
        return await self._load("person_id = ? ORDER BY id", (person_id,))

    async def list_of_topic(self, topic_id: int) -> TopicList | None:
        row = await self.db.fetchone("SELECT list_id FROM topics WHERE id = ?", (topic_id,))
        return None if row is None else await self.get(row["list_id"])

    async def start(
        self, person_id: int, worker_id: int, preparation_id: int | None, now: datetime
    ) -> TopicList:
        """The worker's draft for this person, or a new one."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """SELECT id FROM topic_lists
                   WHERE person_id = ? AND worker_id = ? AND status = 'draft'""",
                (person_id, worker_id),
            )
            if row is None:
                row = await one(
                    tx,
                    """INSERT INTO topic_lists (person_id, worker_id, preparation_id, status,
                                                created_at)
                       VALUES (?, ?, ?, 'draft', ?) RETURNING id""",
                    (person_id, worker_id, preparation_id, to_db_time(now)),
                )
                assert row is not None
        found = await self.get(row["id"])
        assert found is not None
        return found

    async def add(
        self, list_id: int, texts: Sequence[str], voice_file_id: str | None = None
    ) -> int:
        """Add typed topics (or one voice) to a draft, up to MAX_TOPICS; returns how many."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """SELECT COUNT(t.id) AS n FROM topic_lists l LEFT JOIN topics t
                   ON t.list_id = l.id WHERE l.id = ? AND l.status = 'draft' GROUP BY l.id""",
                (list_id,),
            )
            if row is None:
                return 0
            items: list[tuple[str | None, str | None]] = (
                [(None, voice_file_id)] if voice_file_id else [(text, None) for text in texts]
            )
            count = int(row["n"])
            room = max(MAX_TOPICS - count, 0)
            for position, (text, voice) in enumerate(items[:room], start=count):
                await tx.execute(
                    """INSERT INTO topics (list_id, position, text, voice_file_id)
                       VALUES (?, ?, ?, ?)""",
                    (list_id, position, text, voice),
                )
            return min(len(items), room)

    async def set_word(self, list_id: int, word: str) -> bool:
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                "UPDATE topic_lists SET word = ? WHERE id = ? AND status = 'draft' RETURNING id",
                (word, list_id),
            )
            return row is not None

    async def drop(self, list_id: int, worker_id: int) -> bool:
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """DELETE FROM topic_lists WHERE id = ? AND worker_id = ? AND status = 'draft'
                   RETURNING id""",
                (list_id, worker_id),
            )
            return row is not None

    async def send(
        self, list_id: int, worker_id: int, messages: Sequence[Outgoing], now: datetime
    ) -> bool:
        """The draft goes to the person: its messages are queued in the same step, once."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE topic_lists SET status = 'sent', sent_at = ?
                   WHERE id = ? AND worker_id = ? AND status = 'draft'
                     AND EXISTS (SELECT 1 FROM topics WHERE list_id = topic_lists.id)
                   RETURNING person_id""",
                (to_db_time(now), list_id, worker_id),
            )
            if row is None:
                return False
            await _queue(tx, messages, now, list_id, row["person_id"])
            return True

    async def reply(
        self,
        topic_id: int,
        person_id: int,
        reply: Reply,
        comment: str | None,
        notices: Sequence[Queued],
        now: datetime,
    ) -> bool:
        """The person's answer to one topic sent to them, once; the worker's notice with it."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE topics SET reply = ?, comment = ?, replied_at = ?
                   WHERE id = ? AND reply IS NULL AND list_id IN (
                       SELECT id FROM topic_lists WHERE person_id = ? AND status = 'sent')
                   RETURNING list_id""",
                (reply, comment, to_db_time(now), topic_id, person_id),
            )
            if row is None:
                return False
            await _queue(tx, notices, now, row["list_id"], person_id)
            return True

    async def export(self, person_id: int) -> dict[str, Any]:
        """The topics proposed to the person and their answers, for /mydata."""
        return {
            "topics_from_my_worker": [
                {
                    "status": topic_list.status,
                    "word": topic_list.word,
                    "created_at": topic_list.created_at.isoformat(),
                    "topics": [
                        {
                            "text": topic.text,
                            "voice_file_id": topic.voice_file_id,
                            "my_answer": topic.reply,
                            "my_comment": topic.comment,
                        }
                        for topic in topic_list.topics
                    ],
                }
                for topic_list in await self.of_person(person_id)
            ]
        }


async def _queue(
    tx: Any, messages: Sequence[Queued], now: datetime, list_id: int, person_id: int
) -> None:
    ids = await enqueue(tx, messages, purpose="topics", now=now, about=person_id)
    await tx.executemany(
        "UPDATE outbox SET topic_list_id = ? WHERE id = ?", [(list_id, i) for i in ids]
    )
