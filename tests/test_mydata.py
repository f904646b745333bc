"""/mydata: a readable page for the person beside the JSON for machines."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser

from tests.conftest import Escale
from tests.fake_telegram import SentMessage
from tests.test_preparation import TRICKY, first_preparation, prepared_pair


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _page(document: SentMessage) -> tuple[str, list[str]]:
    assert document.file is not None and not isinstance(document.file, str)
    parser = _Text()
    parser.feed(document.file.data.decode())
    text = "".join(parser.parts).replace("\u2068", "").replace("\u2069", "")  # isolated names
    return text, parser.tags


async def test_mydata_gives_a_readable_page_beside_the_json(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await worker.send("/meeting")
    await worker.press("Léa")
    await worker.send("tuesday 2pm")
    await worker.press("✔ Yes")
    await escale.deliveries()  # the meeting's notice, before the questions it could overtake
    await first_preparation(escale, person, problem=TRICKY)
    await person.press("🙈 Hide: My small step")
    await person.press("📨 Send to Alice")
    await escale.deliveries()

    await person.send("/mydata")
    readable, machine = person.messages[-2:]
    assert readable.kind == machine.kind == "document"
    assert readable.text == "The same, easy to read: open this file on your phone."
    assert machine.file is not None and not isinstance(machine.file, str)
    assert json.loads(machine.file.data)["preparations"]
    text, tags = _page(readable)
    assert "script" not in tags and "b" in tags  # the person's words are text, not markup
    assert "Alice supports you in Escale." in text
    assert "Tuesday 1 December at 14:00" in text
    assert "Sent to your social worker" in text
    assert f"My problem today\n{TRICKY}" in text.replace("\r", "")
    assert "My small step (hidden from your social worker)" in text
    assert "Call the CAF on Monday" in text
    assert "Marie — Friend" in text
    assert html.escape("<script>") in readable.file.data.decode()  # type: ignore[union-attr]


async def test_the_readable_page_is_in_the_persons_language(escale: Escale) -> None:
    from tests.journeys import make_person, make_worker

    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "fr")
    await person.send("/mydata")
    text, _tags = _page(person.messages[-2])
    assert "Ce que garde Escale sur vous" in text
    assert "Alice vous accompagne dans Escale." in text
    assert "Pas encore de préparation." in text
