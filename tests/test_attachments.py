"""A photo or a document on the problem step: part of the answer, in the review, sent only with
the rest, erased with the rest; refused kindly elsewhere."""

from __future__ import annotations

from tests.conftest import Escale
from tests.fake_telegram import SentMessage, TelegramUser
from tests.test_preparation import answers_row, briefs, current_step, prepared_pair


def files(worker: TelegramUser, kind: str) -> list[SentMessage]:
    """Files the worker received with a brief (not the invitation's QR code)."""
    return [m for m in worker.messages if m.kind == kind and "ESC-" in m.text]


async def _rest_of_the_preparation(person: TelegramUser) -> None:
    await person.press("For me")
    while "I'd rather not" in person.buttons():
        await person.press("I'd rather not")


async def test_a_photo_with_its_caption_is_the_answer_and_reaches_the_worker_with_the_brief(
    escale: Escale,
) -> None:
    worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    assert "You can also send a photo or a document" in person.last.text
    await person.send_photo(caption="The letter from my landlord")
    stored = await escale.db.fetchone(
        "SELECT text, file_id, file_kind FROM answers WHERE step = 'problem'"
    )
    assert stored is not None
    assert stored["text"] == "The letter from my landlord" and stored["file_kind"] == "photo"
    assert await current_step(escale, person) == "for_whom"
    await _rest_of_the_preparation(person)
    review = "\n".join(person.texts()[-3:])
    assert "📎 Photo, just below\nThe letter from my landlord" in review
    await escale.deliveries()
    assert files(worker, "photo") == []  # nothing before sending

    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "📎 Photo, just below" in brief.text
    [photo] = files(worker, "photo")
    assert photo.file == stored["file_id"]  # the person's own photo, by its Telegram id
    caption = photo.text.replace("\u2068", "").replace("\u2069", "")  # the name is isolated
    assert "My problem today — Léa" in caption and "ESC-00001" in caption
    assert photo.protect_content

    await person.send("/mydata")
    readable = person.messages[-2]
    assert readable.file is not None and not isinstance(readable.file, str)
    assert "📎 Photo<br>The letter from my landlord" in readable.file.data.decode()

    await person.send("/forget")
    await person.press("Yes, erase everything")
    row = await escale.db.fetchone("SELECT COUNT(*) AS n FROM answers WHERE file_id IS NOT NULL")
    assert row is not None and row["n"] == 0
    row = await escale.db.fetchone("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'photo'")
    assert row is not None and row["n"] == 0


async def test_a_document_is_named_and_a_hidden_one_is_not_sent(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send_document("bill <march>.pdf")
    assert (await answers_row(escale, person))["problem"][1] is None  # no caption, no text
    await _rest_of_the_preparation(person)
    assert "📎 Document bill <march>.pdf, just below" in "\n".join(person.texts()[-3:])
    await person.press("🙈 Hide: My problem today")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    assert files(worker, "document") == []
    [brief] = briefs(worker)
    assert "bill" not in brief.text


async def test_elsewhere_a_photo_is_refused_kindly_as_before(escale: Escale) -> None:
    _worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("My rent is late")
    await person.send_photo()
    assert person.messages[-2].text.startswith("For this question, please press a button")
    await person.send("/prepare")
    await person.press("Continue")
    await person.press("For me")
    await person.send_photo()  # what I want: a text step without attachments
    assert person.messages[-2].text.startswith("Here I can only take words or a voice message.")
    assert set(await answers_row(escale, person)) == {"problem", "for_whom"}
