"""End to end: admin → worker link → worker → person link → consent → linked, worker told."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from tests.conftest import ADMIN_ID, Escale
from tests.journeys import make_person, make_worker, new_worker_token, person_token, token_in

INVALID = "Ce lien ne marche pas."


async def test_admin_start_shows_what_they_can_do(escale: Escale) -> None:
    admin = escale.admin()
    await admin.send("/start")
    assert "Bonjour Camille Admin ! Voici ce que vous pouvez faire." in admin.last.text
    assert "/newworker" in admin.last.text
    assert "/workers" in admin.last.text
    assert admin.menu()[:2] == ["newworker", "workers"]


async def test_the_whole_joining_journey(escale: Escale) -> None:
    admin = escale.admin()
    token = await new_worker_token(escale, admin)
    assert "Il marche une seule fois, jusqu'au mercredi 2 décembre à 10:00." in admin.last.text

    stored = await escale.db.fetchone("SELECT token_hash FROM invitations")
    assert stored is not None and stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()

    worker = escale.user("Alice", last_name="Martin")
    assert worker.menu() == ["start", "help", "language", "privacy"]
    await worker.send(f"/start {token}")
    assert worker.last.text.startswith("Bienvenue dans Escale, Alice Martin !")
    assert admin.last.text == (
        "Alice Martin a ouvert votre lien. Alice Martin peut maintenant accompagner des "
        "personnes dans Escale."
    )
    assert worker.menu()[:3] == ["meeting", "invite", "people"]
    assert "newworker" not in worker.menu()

    await worker.send("/invite Léa")
    link_message, qr_message = worker.messages[-2:]
    assert link_message.text.startswith("Voici un lien pour Léa. Il marche une seule fois")
    assert qr_message.kind == "photo"
    assert qr_message.file is not None and not isinstance(qr_message.file, str)
    assert qr_message.file.data.startswith(b"\x89PNG")
    assert qr_message.text == "Invitation pour Léa : scannez pour ouvrir Escale."

    person = escale.user("Lea", language_code="fr")
    await person.send(f"/start {token_in(link_message.text)}")
    consent = person.last
    assert consent.text.startswith("Bonjour ! Alice Martin vous invite à utiliser Escale.")
    assert "/privacy vous dit tout" in consent.text
    assert person.buttons() == ["Je suis d'accord", "Pas maintenant", "ℹ️ Ce que garde Escale"]
    assert await escale.repo.account(person.user_id) is None, "nothing kept before consent"

    await person.press("Je suis d'accord")
    assert consent.buttons == [], "the consent buttons are gone once answered"
    invitation = await escale.db.fetchone("SELECT id FROM invitations WHERE kind = 'person'")
    assert invitation is not None
    replay = f"join:yes:{invitation['id']}"
    assert await person.press_data(replay, consent.message_id) == (
        "Ce bouton ne marche plus. /help montre ce que vous pouvez faire."
    )
    assert consent.text.endswith("✅ Vous avez dit oui.")
    assert person.last.text.startswith("Merci. Alice Martin sait maintenant que vous êtes là.")
    assert worker.last.text == (
        "Léa (Lea sur Telegram) a accepté votre invitation. Vous accompagnez maintenant "
        "cette personne dans Escale."
    )
    assert person.menu() == [
        "prepare",
        "meeting",
        "logbook",
        "mydata",
        "forget",
        "cancel",
        "help",
        "language",
        "privacy",
    ]

    account = await escale.repo.account(person.user_id)
    assert account is not None and account.worker_id == worker.user_id
    consent_row = await escale.db.fetchone(
        "SELECT text_version, language FROM consents WHERE user_id = ?", (person.user_id,)
    )
    assert consent_row is not None and tuple(consent_row) == (4, "fr")

    await worker.send("/people")
    assert (
        worker.last.text
        == "Vous accompagnez 1 personne :\n• Léa (Lea), depuis le mercredi 25 novembre"
    )


async def test_used_expired_and_forged_links_all_get_the_same_answer(escale: Escale) -> None:
    admin = escale.admin()
    used = await new_worker_token(escale, admin)
    await escale.user("Alice").send(f"/start {used}")
    expired = await new_worker_token(escale, admin)
    escale.clock.advance(timedelta(days=7, seconds=1))

    answers = []
    for payload in [used, expired, "A" * 43, "not a token", "x" * 80, "<b>&"]:
        stranger = escale.user("Mallory")
        await stranger.send(f"/start {payload}")
        answers.append(stranger.last.text)
        assert await escale.repo.account(stranger.user_id) is None
    assert all(text.startswith(INVALID) for text in answers)
    assert len(set(answers)) == 1


async def test_a_worker_opening_a_worker_link_changes_nothing(escale: Escale) -> None:
    worker = await make_worker(escale)
    admin = escale.admin()
    token = await new_worker_token(escale, admin)
    await worker.send(f"/start {token}")
    assert worker.last.text.startswith("Vous accompagnez déjà des personnes dans Escale")
    newcomer = escale.user("Bruno")
    await newcomer.send(f"/start {token}")
    assert newcomer.last.text.startswith("Bienvenue dans Escale, Bruno !"), "link still usable"


async def test_a_linked_person_opening_another_link_changes_nothing(escale: Escale) -> None:
    alice = await make_worker(escale, "Alice")
    bruno = await make_worker(escale, "Bruno")
    person = await make_person(escale, alice)
    token = await person_token(bruno, "Léa")
    await person.send(f"/start {token}")
    assert person.last.text.startswith("Alice vous accompagne déjà dans Escale")
    account = await escale.repo.account(person.user_id)
    assert account is not None and account.worker_id == alice.user_id
    worker_token = await new_worker_token(escale, escale.admin())
    await person.send(f"/start {worker_token}")
    assert person.last.text.startswith("Ce lien est pour l'équipe sociale")


async def test_staff_cannot_become_a_person(escale: Escale) -> None:
    worker = await make_worker(escale)
    token = await person_token(worker)
    for staff in (worker, escale.admin()):
        await staff.send(f"/start {token}")
        assert staff.last.text.startswith("Ce lien est pour une personne accompagnée")


async def test_not_now_keeps_nothing_and_the_link_still_works(escale: Escale) -> None:
    worker = await make_worker(escale)
    token = await person_token(worker, "Léa")
    person = escale.user("Lea")
    await person.send(f"/start {token}")
    await person.press("Pas maintenant")
    assert person.last.text.startswith("Pas de souci. Rien n'est gardé.")
    assert "mercredi 2 décembre" in person.last.text
    assert await escale.repo.account(person.user_id) is None
    await person.send(f"/start {token}")
    await person.press("Je suis d'accord")
    assert person.last.text.startswith("Merci.")


async def test_cancel_during_joining_is_not_now(escale: Escale) -> None:
    worker = await make_worker(escale)
    person = escale.user("Lea")
    await person.send(f"/start {await person_token(worker)}")
    await person.send("/cancel")
    assert person.last.text.startswith("Pas de souci. Rien n'est gardé.")
    await person.send("/cancel")
    assert person.last.text.startswith("Rien n'est en cours.")


async def test_a_link_opened_by_one_person_cannot_be_taken_by_another(escale: Escale) -> None:
    worker = await make_worker(escale)
    token = await person_token(worker)
    first, second = escale.user("Lea"), escale.user("Mallory")
    await first.send(f"/start {token}")
    await second.send(f"/start {token}")
    assert second.last.text.startswith(INVALID)
    await first.press("Je suis d'accord")
    assert first.last.text.startswith("Merci.")


async def test_names_with_html_characters_are_shown_as_written(escale: Escale) -> None:
    admin = escale.admin()
    worker = await make_worker(escale, "<b>Bob</b> & Co", last_name="<i>")
    assert admin.last.text == (
        "<b>Bob</b> & Co <i> a ouvert votre lien. <b>Bob</b> & Co <i> peut maintenant "
        "accompagner des personnes dans Escale."
    )
    assert admin.last.html is not None and "&lt;b&gt;Bob&lt;/b&gt; &amp; Co" in admin.last.html
    person = await make_person(escale, worker, name="Zoé <3", label="<Léa & Jo>")
    assert worker.last.text.startswith("<Léa & Jo> (Zoé <3 sur Telegram) a accepté")
    assert person.last.text.startswith(
        "Merci. <b>Bob</b> & Co <i> sait maintenant que vous êtes là."
    )
    await worker.send("/people")
    assert "<Léa & Jo> (Zoé <3)" in worker.last.text


async def test_an_invitation_name_that_is_too_long_is_refused_kindly(escale: Escale) -> None:
    worker = await make_worker(escale)
    await worker.send("/invite " + "L" * 61)
    assert worker.last.text.startswith("Ce nom est trop long : 60 caractères au plus.")
    row = await escale.db.fetchone("SELECT COUNT(*) AS n FROM invitations WHERE kind = 'person'")
    assert row is not None and row["n"] == 0


async def test_the_admin_who_made_the_link_is_told(escale: Escale) -> None:
    admin = escale.admin()
    await admin.send("/start")
    before = len(admin.messages)
    await make_worker(escale, "Alice")
    assert len(admin.messages) == before + 2  # the link, then who joined
    assert ADMIN_ID in escale.settings.admin_ids


async def test_the_consent_is_short_and_its_details_are_one_tap_away(escale: Escale) -> None:
    worker = await make_worker(escale, "Séverine Durin", "fr")
    token = await person_token(worker, "Léa")
    for language in ("fr", "en"):
        person = escale.user("Léa", language)
        await person.send(f"/start {token}")
        consent = person.last
        assert len(re.findall(r"\w+", consent.text)) <= 90, consent.text
        assert "/privacy" in consent.text
        more = "ℹ️ Ce que garde Escale" if language == "fr" else "ℹ️ What Escale keeps"
        await person.press(more)
        assert consent.edits == 1 and person.last.message_id == consent.message_id  # in place
        assert ("Combien de temps" if language == "fr" else "For how long") in consent.text
        assert more not in person.buttons(consent)
        await person.press("Pas maintenant" if language == "fr" else "Not now")
    stranger = escale.user("Mallory", "en")
    await stranger.send("/start")
    assert await stranger.press_data("join:info:2") == (
        "This button does not work any more. /help shows what you can do."
    )
