"""The jokers step: typed text is confirmed before it becomes a joker; typed relations work."""

from __future__ import annotations

import pytest

from tests.conftest import Escale
from tests.fake_telegram import TelegramUser
from tests.test_preparation import briefs, prepared_pair


async def to_jokers(person: TelegramUser) -> None:
    await person.send("/prepare")
    await person.send("My rent is late")
    await person.press("For me")
    await person.send("to pay my rent")
    await person.send("I don't understand the letters")
    await person.press("✔ Yes, that's my question")
    await person.press("I'd rather not")  # who else is involved
    assert "Who could help you" in person.last.text


async def allies(escale: Escale, person: TelegramUser) -> list[tuple[str, str]]:
    rows = await escale.db.fetchall(
        "SELECT name, relation FROM allies WHERE person_id = ? ORDER BY id", (person.user_id,)
    )
    return [(row["name"], row["relation"]) for row in rows]


async def test_typed_text_is_confirmed_before_it_becomes_a_joker(escale: Escale) -> None:
    _worker, person = await prepared_pair(escale)
    await to_jokers(person)
    await person.send("👍")
    assert person.last.text == "Add 👍 as someone who could help?"
    assert person.buttons() == ["✔ Yes, add this name", "✖ No"]
    await person.press("✖ No")
    assert "Who could help you" in person.last.text
    assert await allies(escale, person) == []
    await person.send("Marie")
    await person.press("✔ Yes, add this name")
    assert "Who is Marie to you?" in person.last.text
    await person.press("Family")
    assert await allies(escale, person) == [("Marie", "family")]


async def test_after_someone_new_the_name_needs_no_confirmation(escale: Escale) -> None:
    _worker, person = await prepared_pair(escale)
    await to_jokers(person)
    await person.press("➕ Someone new")
    await person.send("Marie")
    assert "Who is Marie to you?" in person.last.text


@pytest.mark.parametrize(
    ("language", "typed", "relation", "shown"),
    [
        ("en", "my daughter", "family", "Family"),
        ("en", "She is my neighbour", "friend", "Friend"),
        ("fr", "ma fille", "family", "Famille"),
        ("fr", "l'assistante sociale", "worker", "La personne qui m'accompagne"),
        ("fr", "la Mairie", "institution", "Service public"),
        ("en", "the lady at the bakery", "the lady at the bakery", "the lady at the bakery"),
    ],
)
async def test_a_typed_relation_is_understood_or_kept_in_the_persons_words(
    escale: Escale, language: str, typed: str, relation: str, shown: str
) -> None:
    from tests.journeys import make_person, make_worker

    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", language)
    if language == "fr":
        await person.send("/prepare")
        await person.send("Mon loyer est en retard")
        await person.press("Pour moi")
        await person.send("payer mon loyer")
        await person.send("je ne comprends pas les lettres")
        await person.press("✔ Oui, c'est ma question")
        await person.press("Je préfère ne pas répondre")  # qui d'autre est concerné
        await person.press("➕ Quelqu'un de nouveau")
    else:
        await to_jokers(person)
        await person.press("➕ Someone new")
    await person.send("Marie")
    await person.send(typed)  # typed instead of pressed
    assert await allies(escale, person) == [("Marie", relation)]
    assert "✅ Marie" in person.buttons()  # chosen, back on the jokers question
    done = "✔ Terminé" if language == "fr" else "✔ Done"
    await person.press(done)
    skip = "Je préfère ne pas répondre" if language == "fr" else "I'd rather not"
    while skip in person.buttons():
        await person.press(skip)
    review = "\n".join(person.texts()[-3:]).replace("\u2068", "").replace("\u2069", "")
    assert f"Marie — {shown}" in review  # (names are isolated: their direction is their own)
    send = "📨 Envoyer à Alice" if language == "fr" else "📨 Send to Alice"
    await person.press(send)
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "Marie\u2069 — " in brief.text  # the worker reads it in English
