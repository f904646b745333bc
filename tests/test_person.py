"""A person's own commands: help, privacy, language, their data, leaving; and unfitting input."""

from __future__ import annotations

import json

from tests.conftest import Escale
from tests.journeys import make_person, make_worker


async def test_help_and_privacy_speak_of_their_worker(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice")
    person = await make_person(escale, worker)
    await person.send("/help")
    assert person.last.text.startswith("Alice vous accompagne dans Escale.")
    assert "/newworker" not in person.last.text and "/invite" not in person.last.text
    await person.send("/privacy")
    privacy = person.last.text
    for part in ["Ce que garde Escale", "Qui le voit", "Combien de temps", "/mydata", "/forget"]:
        assert part in privacy
    assert "Alice lit seulement ce que vous décidez d'envoyer" in privacy
    # What an erasure cannot reach at once (the write-ahead log, backups) is said plainly.
    assert "Seules les copies de sécurité du service le gardent encore un temps" in privacy


async def test_language_follows_telegram_then_the_persons_choice(escale: Escale) -> None:
    english = escale.user("Jo", language_code="en-GB")
    await english.send("/start")
    assert english.last.text.startswith("Hello! I am Escale.")
    german = escale.user("Jo", language_code="de")
    await german.send("/start")
    assert german.last.text.startswith("Bonjour ! Je suis Escale.")

    worker = await make_worker(escale, "Alice")
    person = await make_person(escale, worker, language_code="fr")
    await person.send("/language")
    assert person.buttons() == [
        "العربية",
        "English",
        "Español",
        "Français",
        "Nederlands",
        "Українська",
    ]  # every catalog, each named in its own language
    await person.press("English")
    assert person.last.text == "Done. I will speak English with you."
    await person.send("/help")
    assert person.last.text.startswith("Alice supports you in Escale.")
    assert dict(escale.telegram.commands_for(person.user_id, "fr"))["forget"] == (
        "Erase your data and leave Escale"
    )
    await escale.restart()
    await person.send("/help")
    assert person.last.text.startswith("Alice supports you in Escale.")


async def test_mydata_gives_everything_kept_and_nothing_else(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice")
    person = await make_person(escale, worker, name="Lea", label="Léa")
    other = await make_person(escale, worker, name="Other", label="Someone else")
    await person.send("/mydata")
    document = person.last
    assert document.kind == "document"
    assert document.file is not None and not isinstance(document.file, str)
    data = json.loads(document.file.data)
    assert data["user"]["id"] == person.user_id
    assert data["user"]["display_name"] == "Lea"
    assert data["link"] == {
        "worker": "Alice",
        "label": "Léa",
        "joined_at": data["link"]["joined_at"],
    }
    assert str(worker.user_id) not in document.file.data.decode(), "no third party's id"
    assert data["consents"][0]["text_version"] == 4
    assert str(other.user_id) not in document.file.data.decode()
    assert "Someone else" not in document.file.data.decode()


async def test_forget_erases_the_person_after_confirmation(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice")
    person = await make_person(escale, worker, label="Léa")
    await person.send("/forget")
    assert person.buttons() == ["Oui, tout effacer", "Non, garder"]
    await person.press("Non, garder")
    assert person.last.text == "D'accord. Rien n'est effacé."
    assert await escale.repo.account(person.user_id) is not None

    await person.send("/forget")
    await person.press("Oui, tout effacer")
    assert person.last.text.startswith("C'est fait. Tout est effacé.")
    assert worker.last.text == "Léa a quitté Escale. Tout ce qui y était gardé est effacé."
    assert await escale.repo.account(person.user_id) is None
    assert person.menu() == ["start", "help", "language", "privacy"]
    await worker.send("/people")
    assert worker.last.text.startswith("Vous n'accompagnez encore personne.")


async def test_unfitting_input_gets_a_kind_answer(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice")
    person = await make_person(escale, worker)
    count = len(person.messages)
    await person.send_sticker()
    assert person.last.text.startswith("Je lis seulement les messages écrits.")
    await person.send_photo()
    assert person.last.text.startswith("Je lis seulement les messages écrits.")
    await person.send("bonjour")
    await person.edit("bonjour", "/forget")
    assert person.last.text == ("Je ne lis pas les messages modifiés. Envoyez un nouveau message.")
    assert len(person.messages) == count + 4
    assert await escale.repo.account(person.user_id) is not None
