"""The worker's voice before a meeting: topics to add, and the person's answer to each."""

from __future__ import annotations

import json

from tests.conftest import Escale
from tests.fake_telegram import SentMessage, TelegramUser
from tests.journeys import make_person, make_worker
from tests.test_preparation import briefs, first_preparation, prepared_pair

REFUSED = "This button does not work any more. /help shows what you can do."


async def press_on(user: TelegramUser, message: SentMessage, label: str) -> str | None:
    """Press a button of this very message (several topics carry the same labels)."""
    [data] = [b.callback_data for row in message.buttons for b in row if b.text == label]
    assert data is not None
    return await user.press_data(data, message.message_id)


async def test_a_worker_adds_topics_the_person_accepts_one_declines_one_comments_one(
    escale: Escale,
) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person)
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert worker.buttons(brief) == ["✓ I've read it", "➕ Topics I would like to add"]
    before = await escale.db.fetchall("SELECT step, text FROM answers ORDER BY step")

    await worker.press("➕ Topics I would like to add")
    assert "Write one topic per line" in worker.last.text
    await worker.send("The school canteen bill\n  Your housing <application>  \n\nThe CAF letter")
    draft = worker.last.text
    assert "1. The school canteen bill" in draft and "2. Your housing <application>" in draft
    await worker.press("💬 A word for Léa")
    await worker.send("No pressure, you decide.")
    await worker.press("📨 Send to Léa")
    assert "Sent. I will tell you what Léa answers" in worker.last.text
    await escale.deliveries()

    intro, first, second, third = person.messages[-4:]
    assert "Alice would like to talk about 3 more topics at your meeting." in intro.text
    assert "Alice says: No pressure, you decide." in intro.text
    assert "Your housing <application>" in second.text and "&lt;application&gt;" in (
        second.html or ""
    )
    assert person.buttons(first) == ["👍 OK to talk about it", "Not this time", "💬 A comment"]
    await press_on(person, first, "👍 OK to talk about it")
    await press_on(person, second, "Not this time")
    await press_on(person, third, "💬 A comment")
    await person.send("I have not opened it yet")
    assert "Thank you. Alice will see your answer." in person.last.text
    assert person.buttons(first) == [] and "OK to talk about it" in first.text
    assert await person.press_data(third.buttons[0][0].callback_data or "", third.message_id) == (
        "You have already answered this topic."
    )
    await escale.deliveries()
    told = [t for t in worker.texts() if "Léa answered about the topic" in t]
    assert len(told) == 3, "each answer once"
    assert "The school canteen bill: OK to talk about it" in told[0]
    assert "Your housing <application>: Not this time" in told[1]
    assert "The CAF letter: Comment: I have not opened it yet" in told[2]
    after = await escale.db.fetchall("SELECT step, text FROM answers ORDER BY step")
    assert [tuple(r) for r in after] == [tuple(r) for r in before], "the preparation is untouched"

    await worker.send("/history")
    await worker.press("Léa")
    history = worker.last.text
    assert "Your topics" in history
    assert "The school canteen bill → OK to talk about it" in history
    assert "The CAF letter → Comment: I have not opened it yet" in history

    await worker.send("/agreed")
    await worker.press("Léa")
    assert "Your topics that Léa accepted:\n• The school canteen bill\n• The CAF letter" in (
        worker.last.text
    )


async def test_topics_without_a_brief_and_as_a_voice(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "fr")
    await worker.send("/topics")
    await worker.press("Léa")
    await worker.send_voice(duration=9)
    assert "1. 🎤 voice message" in worker.last.text
    await worker.press("📨 Send to Léa")
    await escale.deliveries()
    voice = person.messages[-1]
    assert voice.kind == "voice" and "D'accord pour en parler" in " ".join(person.buttons(voice))
    assert "Alice aimerait parler d'un autre sujet à votre rendez-vous." in person.messages[-2].text
    await press_on(person, voice, "Pas cette fois")
    await escale.deliveries()
    assert "Léa answered about the topic 🎤 voice message: Not this time" in worker.last.text


async def test_nobody_else_answers_or_sends_topics_and_forget_erases_them(
    escale: Escale,
) -> None:
    worker, person = await prepared_pair(escale)
    other_worker = await make_worker(escale, "Bruno", "en")
    other_person = await make_person(escale, other_worker, "Sam", "Sam", "en")
    await worker.send("/topics")
    await worker.press("Léa")
    await worker.send("Money")
    for who in (other_worker, other_person, person):
        for data in ("tp:1:send", "tp:1:more", "tp:1:drop", f"tpp:{person.user_id}", "tpb:1"):
            assert await who.press_data(data) == REFUSED, (who, data)
    await worker.press("📨 Send to Léa")
    await escale.deliveries()
    for who in (other_worker, other_person, worker):
        for data in ("tp:1:ok:1", "tp:1:nt:1", "tp:1:cm:1"):
            assert await who.press_data(data) == REFUSED, (who, data)
    row = await escale.db.fetchone("SELECT reply FROM topics")
    assert row is not None and row["reply"] is None

    await person.send("/mydata")
    document = person.last
    assert document.file is not None and not isinstance(document.file, str)
    [topic_list] = json.loads(document.file.data)["topics_from_my_worker"]
    assert topic_list["topics"][0]["text"] == "Money"

    await person.send("/forget")
    await person.press(
        "Oui, tout effacer" if "Oui" in str(person.buttons()) else "Yes, erase everything"
    )
    for table in ("topic_lists", "topics"):
        row = await escale.db.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
        assert row is not None and row["n"] == 0, table
    rows = await escale.db.fetchall("SELECT body FROM outbox WHERE purpose = 'topics'")
    assert rows == []
