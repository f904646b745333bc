"""A coordinator moves a person to another worker, or lets a worker leave with their people."""

from __future__ import annotations

from tests.conftest import Escale
from tests.fake_telegram import TelegramUser
from tests.journeys import make_person, make_worker
from tests.test_meetings import set_meeting
from tests.test_preparation import briefs, first_preparation

PROBLEM = "My rent is late again"


async def open_people_of(escale: Escale, worker_name: str) -> TelegramUser:
    admin = escale.admin("en")
    await admin.send("/workers")
    await admin.press(f"👥 {worker_name}")
    return admin


async def move(escale: Escale, person: str, old: str, new: str) -> TelegramUser:
    admin = await open_people_of(escale, old)
    await admin.press(f"Move {person}")
    assert admin.last.text.startswith(f"Who will accompany {person} from now on, instead of {old}?")
    await admin.press(f"To {new}")
    return admin


async def history_of(worker: TelegramUser, name: str) -> str:
    await worker.send("/history")
    await worker.press(name)
    return worker.last.text


async def test_a_moved_person_shares_their_history_only_if_they_say_so(escale: Escale) -> None:
    alice = await make_worker(escale, "Alice", "en")
    bob = await make_worker(escale, "Bob", "en")
    lea = await make_person(escale, alice, "Léa", "Léa", "en")
    await first_preparation(escale, lea, problem=PROBLEM)
    await lea.press("📨 Send to Alice")
    await escale.deliveries()
    assert len(briefs(alice)) == 1
    # A new preparation in progress, and a meeting planned with Alice.
    await set_meeting(escale, alice, "tomorrow 10:00")
    await lea.send("/prepare")
    await lea.press("Done")  # since last time: the small step was done
    before = await escale.db.fetchone(
        "SELECT id, step FROM preparations WHERE person_id = ? AND status = 'open'",
        (lea.user_id,),
    )
    assert before is not None

    admin = await move(escale, "Léa", "Alice", "Bob")
    await escale.deliveries()
    assert admin.last.text == "Done: Léa is now accompanied by Bob. All three of you are told."
    account = await escale.repo.account(lea.user_id)
    assert account is not None and account.worker_id == bob.user_id
    told = lea.last.text
    assert told.startswith("From now on, Bob accompanies you in Escale, instead of Alice.")
    assert "with Alice is cancelled. Bob will give you a new date." in told
    assert "Your preparation is kept. /prepare to go on: it will go to Bob." in told
    assert "What you sent Alice stays between you and Alice." in told
    assert alice.last.text == (
        "Léa is now accompanied by Bob. You will no longer receive their preparations."
    )
    assert bob.last.text.startswith("You now accompany Léa in Escale (before: Alice).")
    assert "It is cancelled: /meeting sets a new one." in bob.last.text
    meeting = await escale.db.fetchone("SELECT status FROM meetings")
    assert meeting is not None and meeting["status"] == "cancelled"
    pending = await escale.db.fetchone(
        "SELECT COUNT(*) AS n FROM reminders WHERE status = 'pending'"
    )
    assert pending is not None and pending["n"] == 0

    # Nothing Léa sent Alice is Bob's to read, until Léa says so.
    assert "ESC-00001" not in await history_of(bob, "Léa")
    await lea.press("Yes, show it to Bob")
    assert "Done: Bob can now see the preparation you sent before." in lea.texts()[-1]
    assert "ESC-00001" in await history_of(bob, "Léa")
    # The preparation in progress is where it was, and now goes to Bob.
    after = await escale.db.fetchone(
        "SELECT id, step FROM preparations WHERE person_id = ? AND status = 'open'",
        (lea.user_id,),
    )
    assert after is not None and tuple(after) == tuple(before)
    await alice.send("/people")
    assert "Léa" not in alice.last.text


async def test_saying_no_keeps_the_history_private(escale: Escale) -> None:
    alice = await make_worker(escale, "Alice", "en")
    bob = await make_worker(escale, "Bob", "en")
    lea = await make_person(escale, alice, "Léa", "Léa", "en")
    await first_preparation(escale, lea, problem=PROBLEM)
    await lea.press("📨 Send to Alice")
    await escale.deliveries()
    await move(escale, "Léa", "Alice", "Bob")
    await escale.deliveries()
    await lea.press("No, thank you")
    assert "what you sent before stays private" in lea.last.text
    assert "ESC-00001" not in await history_of(bob, "Léa")
    # A forged press of the old worker's id for someone never moved changes nothing either.
    row = await escale.db.fetchone("SELECT worker_id FROM preparations WHERE status = 'sent'")
    assert row is not None and row["worker_id"] == alice.user_id


async def test_a_person_without_history_is_not_asked(escale: Escale) -> None:
    alice = await make_worker(escale, "Alice", "en")
    await make_worker(escale, "Bob", "en")
    lea = await make_person(escale, alice, "Léa", "Léa", "en")
    await move(escale, "Léa", "Alice", "Bob")
    await escale.deliveries()
    assert lea.last.text == "From now on, Bob accompanies you in Escale, instead of Alice."
    assert lea.last.buttons == []


async def test_a_worker_leaves_with_three_people_moved_in_one_go(escale: Escale) -> None:
    alice = await make_worker(escale, "Alice", "en")
    bob = await make_worker(escale, "Bob", "en")
    chloe = await make_worker(escale, "Chloé", "en")
    people = [await make_person(escale, alice, name, name, "en") for name in ("Léa", "Sam", "Zoé")]
    admin = await open_people_of(escale, "Alice")
    await admin.press("Alice leaves the service")
    assert admin.last.text.startswith("Alice follows 3 people. Who will accompany them")
    await admin.press("Share them among the other workers")
    await escale.deliveries()
    assert admin.last.text.startswith("Done: Alice is no longer a worker in Escale.")
    followers = {}
    for person in people:
        account = await escale.repo.account(person.user_id)
        assert account is not None
        followers[person.first_name] = account.worker_id
        assert person.last.text.startswith("From now on, ")
    assert set(followers.values()) == {bob.user_id, chloe.user_id}, "shared, nobody left alone"
    assert (await escale.repo.account(alice.user_id)).worker_status is None  # type: ignore[union-attr]
    assert alice.last.text.startswith("Your coordinator has ended your access as a worker")
    await alice.send("/people")
    assert alice.last.text == "I don't know this command. /help shows what you can do."
    assert alice.menu() == ["start", "help", "language", "privacy"]


async def test_the_last_worker_cannot_leave_people_without_a_worker(escale: Escale) -> None:
    alice = await make_worker(escale, "Alice", "en")
    lea = await make_person(escale, alice, "Léa", "Léa", "en")
    admin = await open_people_of(escale, "Alice")
    await admin.press("Alice leaves the service")
    assert "There is no other active worker" in admin.last.text
    assert admin.last.buttons == []
    account = await escale.repo.account(lea.user_id)
    assert account is not None and account.worker_id == alice.user_id
    # A forged button says nothing changed, and nothing does.
    await admin.press_data(f"lva:{alice.user_id}")
    account = await escale.repo.account(lea.user_id)
    assert account is not None and account.worker_id == alice.user_id
    assert (await escale.repo.account(alice.user_id)).is_active_worker  # type: ignore[union-attr]


async def test_moving_buttons_are_for_coordinators_only(escale: Escale) -> None:
    alice = await make_worker(escale, "Alice", "en")
    bob = await make_worker(escale, "Bob", "en")
    lea = await make_person(escale, alice, "Léa", "Léa", "en")
    for data in (f"mvt:{lea.user_id}:{alice.user_id}:{bob.user_id}", f"lva:{alice.user_id}"):
        await bob.press_data(data)
        await lea.press_data(data)
    account = await escale.repo.account(lea.user_id)
    assert account is not None and account.worker_id == alice.user_id


async def test_a_suspended_workers_person_is_told_and_the_coordinators_learn_who_waits(
    escale: Escale,
) -> None:
    alice = await make_worker(escale, "Alice", "en")
    lea = await make_person(escale, alice, "Léa", "Léa", "en")
    admin = escale.admin("en")
    await admin.send("/workers")
    await admin.press("Suspend Alice")
    await first_preparation(escale, lea)
    await lea.press("📨 Send to Alice")
    assert "I told the coordination that you are waiting." in lea.last.text
    # The coordinator has no language of their own in Escale: the service's default.
    assert admin.last.text == (
        "Léa voulait envoyer une préparation à Alice, dont l'accès est en pause. Léa attend. "
        "/workers pour confier Léa à quelqu'un d'autre, ou pour réactiver Alice."
    )


async def test_a_review_shown_before_the_move_cannot_send_to_the_old_worker(
    escale: Escale,
) -> None:
    alice = await make_worker(escale, "Alice", "en")
    bob = await make_worker(escale, "Bob", "en")
    lea = await make_person(escale, alice, "Léa", "Léa", "en")
    await first_preparation(escale, lea, problem=PROBLEM)
    assert "📨 Send to Alice" in lea.buttons()
    await move(escale, "Léa", "Alice", "Bob")
    await escale.deliveries()
    await lea.press("📨 Send to Alice")  # the old review: asked again, nothing sent
    await escale.deliveries()
    assert briefs(alice) == [] and briefs(bob) == []
    assert "📨 Send to Bob" in lea.buttons()
    await lea.press("📨 Send to Bob")
    await escale.deliveries()
    assert len(briefs(bob)) == 1 and briefs(alice) == []


async def test_a_brief_the_old_worker_never_received_is_withdrawn_not_redirected(
    escale: Escale,
) -> None:
    alice = await make_worker(escale, "Alice", "en")
    bob = await make_worker(escale, "Bob", "en")
    lea = await make_person(escale, alice, "Léa", "Léa", "en")
    escale.telegram.block(alice.user_id)
    await first_preparation(escale, lea, problem=PROBLEM)
    await lea.press("📨 Send to Alice")
    await escale.deliveries()
    held = await escale.db.fetchone("SELECT COUNT(*) AS n FROM outbox WHERE status = 'held'")
    assert held is not None and held["n"] >= 1
    await move(escale, "Léa", "Alice", "Bob")
    await escale.deliveries()
    assert "Your last preparation had not reached Alice. It stays with you only." in (lea.last.text)
    assert lea.last.buttons == [], "nothing Alice received, so nothing to share"
    row = await escale.db.fetchone("SELECT status, worker_id FROM preparations")
    assert row is not None and tuple(row) == ("kept", None)
    left = await escale.db.fetchone(
        "SELECT COUNT(*) AS n FROM outbox WHERE chat_id = ? AND purpose = 'brief'",
        (alice.user_id,),
    )
    assert left is not None and left["n"] == 0
    escale.telegram.unblock(alice.user_id)
    await alice.send("/help")  # back: what was held for Alice is released, the brief is not
    await escale.deliveries()
    assert briefs(alice) == [] and briefs(bob) == []


async def test_an_old_share_question_after_a_second_move_shares_nothing(escale: Escale) -> None:
    alice = await make_worker(escale, "Alice", "en")
    await make_worker(escale, "Bob", "en")
    chloe = await make_worker(escale, "Chloé", "en")
    lea = await make_person(escale, alice, "Léa", "Léa", "en")
    await first_preparation(escale, lea, problem=PROBLEM)
    await lea.press("📨 Send to Alice")
    await escale.deliveries()
    await move(escale, "Léa", "Alice", "Bob")
    await move(escale, "Léa", "Bob", "Chloé")
    await escale.deliveries()
    await lea.press("Yes, show it to Bob")  # the question named Bob; Chloé follows Léa now
    assert any("what you sent before stays private" in text for text in lea.texts())
    assert "ESC-00001" not in await history_of(chloe, "Léa")


async def test_a_move_notice_held_for_a_suspended_worker_goes_with_the_person(
    escale: Escale,
) -> None:
    alice = await make_worker(escale, "Alice", "en")
    await make_worker(escale, "Bob", "en")
    lea = await make_person(escale, alice, "Léa", "Léa", "en")
    admin = escale.admin("en")
    await admin.send("/workers")
    await admin.press("Suspend Alice")
    await move(escale, "Léa", "Alice", "Bob")
    await escale.deliveries()
    held = await escale.db.fetchone(
        "SELECT COUNT(*) AS n FROM outbox WHERE chat_id = ? AND status = 'held'", (alice.user_id,)
    )
    assert held is not None and held["n"] == 1, "Alice's notice waits for her return"
    await lea.send("/forget")
    await lea.press("Yes, erase everything")
    rows = await escale.db.fetchall("SELECT body FROM outbox")
    assert not any("Léa" in r["body"] for r in rows), "no message names Léa any more"
    seen = len(alice.texts())
    await admin.send("/workers")
    await admin.press("Restore Alice")
    await escale.deliveries()
    assert not any("Léa" in text for text in alice.texts()[seen:])


async def test_a_suspended_worker_who_leaves_gets_the_farewell_and_no_held_names(
    escale: Escale,
) -> None:
    alice = await make_worker(escale, "Alice", "en")
    await make_worker(escale, "Bob", "en")
    await make_person(escale, alice, "Léa", "Léa", "en")
    await make_person(escale, alice, "Sam", "Sam", "en")
    admin = escale.admin("en")
    await admin.send("/workers")
    await admin.press("Suspend Alice")
    await move(escale, "Sam", "Alice", "Bob")  # Alice's notice naming Sam is held
    await escale.deliveries()
    seen = len(alice.texts())
    admin = await open_people_of(escale, "Alice")
    await admin.press("Alice leaves the service")
    await admin.press("All to Bob")
    await escale.deliveries()
    assert admin.last.text.startswith("Done: Alice is no longer a worker in Escale.")
    told = alice.texts()[seen:]
    assert told and told[-1].startswith("Your coordinator has ended your access as a worker")
    assert not any("Sam" in text for text in told), "Sam was no longer hers to hear about"
    left = await escale.db.fetchall(
        "SELECT body FROM outbox WHERE chat_id = ? AND status IN ('pending', 'held')",
        (alice.user_id,),
    )
    assert left == []
