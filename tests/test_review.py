"""The review: one copy in the chat, edited in place, with buttons that say what they do."""

from __future__ import annotations

from tests.conftest import Escale
from tests.fake_telegram import SentMessage, TelegramUser
from tests.test_preparation import answers_row, briefs, first_preparation, prepared_pair


def reviews(person: TelegramUser) -> list[SentMessage]:
    """The review messages still in the person's chat (the brief preview and its buttons)."""
    return [
        m
        for m in person.messages
        if not m.deleted and ("ESC-" in m.text or "Here is what your social worker" in m.text)
    ]


async def test_hiding_edits_the_review_in_place(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person, problem="Something private")
    shown = reviews(person)
    assert [m.edits for m in shown] == [0, 0]
    count = len(person.messages)
    labels = person.buttons()
    assert "🙈 Hide: My problem today" in labels
    assert "🙈 Hide: My small step" in labels
    assert "🙈 Hide" not in labels

    await person.press("🙈 Hide: My problem today")
    assert len(person.messages) == count  # nothing new in the chat
    preview, closing = reviews(person)
    assert (preview.message_id, closing.message_id) == (shown[0].message_id, shown[1].message_id)
    assert "Something private" not in preview.text
    assert "Hidden: My problem today" in closing.text
    assert "👁 Show: My problem today" in person.buttons(closing)
    assert (await answers_row(escale, person))["problem"][3] == 1

    await person.press("👁 Show: My problem today")
    assert len(person.messages) == count
    assert "Something private" in reviews(person)[0].text
    await person.press("🙈 Hide: My problem today")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "Something private" not in brief.text


async def test_editing_an_answer_leaves_one_review_in_the_chat(escale: Escale) -> None:
    _worker, person = await prepared_pair(escale)
    await first_preparation(escale, person)
    first = reviews(person)
    await person.press("✏️ My small step")
    assert all(m.deleted for m in first)
    await person.send("Call the CAF on Tuesday")
    current = reviews(person)
    assert len(current) == 2, [m.text[:40] for m in current]
    assert "Call the CAF on Tuesday" in current[0].text
    await person.send("/prepare")  # the resume offer, then Continue: still one review
    await person.press("Continue")
    assert len(reviews(person)) == 2
