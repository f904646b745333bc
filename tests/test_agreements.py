"""What we agreed: the worker's proposal after a meeting, the person's say, and what follows."""

from __future__ import annotations

import json

from tests.conftest import Escale
from tests.fake_telegram import TelegramUser
from tests.journeys import make_person, make_worker
from tests.test_meetings import advance_to, set_meeting, utc
from tests.test_moving import move
from tests.test_preparation import briefs, first_preparation, prepared_pair

OFFER = "Would you like to write down what you agreed?"
PROPOSAL = "Alice wrote down what you agreed at the meeting."


async def met(escale: Escale) -> tuple[TelegramUser, TelegramUser]:
    """Léa prepared and sent; the meeting on Friday 27 November at 10:00 (Paris) took place."""
    worker, person = await prepared_pair(escale)
    await set_meeting(escale, worker, "friday 10am")
    await first_preparation(escale, person)
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    await advance_to(escale, utc(2026, 11, 27, 8, 30))
    return worker, person


def offers(worker: TelegramUser) -> list[str]:
    return [text for text in worker.texts() if OFFER in text]


async def propose(escale: Escale, worker: TelegramUser) -> None:
    """The worker writes it down from the offer: the prefill, one step of their own, sent."""
    await worker.press("📝 What we agreed")
    draft = worker.last.text
    assert "How can I pay my rent on time, even though I don't understand the letters?" in draft
    assert "Léa: Call the CAF on Monday" in draft
    assert "If it does not work\nAsk Marie to call with me" in draft
    await worker.press("➕ A step")
    assert worker.last.text == "Who does this step?"
    assert worker.buttons() == ["Léa", "Me", "Marie"]
    await worker.press("Me")
    await worker.send("Write to the landlord")
    assert "By when?" in worker.last.text
    await worker.send("Friday 4 December")
    await worker.press("➕ A step")
    await worker.press("Marie")
    await worker.send("Come with Léa to the CAF")
    await worker.press("No date")
    draft = worker.last.text
    assert "Alice: Write to the landlord — by Friday 4 December" in draft
    assert "Marie: Come with Léa to the CAF" in draft
    await worker.press("📨 Send to Léa")
    assert "Sent. Léa will say if it is right." in worker.last.text
    await escale.deliveries()


async def test_after_the_meeting_the_person_amends_accepts_and_is_asked_about_each_step(
    escale: Escale,
) -> None:
    worker, person = await met(escale)
    assert offers(worker) == [], "not before the meeting's time"
    await advance_to(escale, utc(2026, 11, 27, 9, 0))
    assert len(offers(worker)) == 1 and "Léa" in offers(worker)[0]
    await advance_to(escale, utc(2026, 11, 28, 12))
    assert len(offers(worker)) == 1, "offered once"

    await propose(escale, worker)
    await worker.press("📝 What we agreed")  # the offer, pressed again
    assert "You have already sent it. The person has not answered yet." in worker.last.text
    row = await escale.db.fetchone("SELECT COUNT(*) AS n FROM agreements")
    assert row is not None and row["n"] == 1
    proposal = person.last.text
    assert PROPOSAL in proposal and "It is only a proposal" in proposal
    assert "Me: Call the CAF on Monday" in proposal and "Alice: Write to the landlord" in proposal
    await person.send("/logbook")
    assert "waiting for your answer" in person.last.text
    assert "Write to the landlord" not in person.last.text, "a proposal is not in the logbook"

    await person.press("✏️ Change something")
    await person.press("✏️ Step 2")
    assert person.last.text == "Write it in your own words."
    await person.send("Alice sends the landlord a letter with me")
    assert "Alice: Alice sends the landlord a letter with me" in person.last.text
    await person.press("✔ That's right")
    assert "It is in your /logbook now." in person.last.text
    await escale.deliveries()
    assert "Léa agreed, after changing some words" in worker.last.text
    assert "Alice sends the landlord a letter with me" in worker.last.text

    await person.send("/logbook")
    logbook = person.last.text
    assert "What we agreed" in logbook
    assert "Alice sends the landlord a letter with me" in logbook
    assert "Write to the landlord" not in logbook, "only the accepted version"
    row = await escale.db.fetchone("SELECT status, changed_by_person FROM agreements")
    assert row is not None and tuple(row) == ("accepted", 1)

    await person.send("/prepare")
    asked = person.last.text
    assert "At the last meeting, you agreed on these steps" in asked
    assert "👉 Me: Call the CAF on Monday" in asked
    await person.press("Done")
    assert "✔ Me: Call the CAF on Monday → Done" in person.last.text
    assert "👉 Alice: Alice sends the landlord a letter with me" in person.last.text
    await person.press("Partly")
    await person.press("Not yet")
    answered = person.texts()[-2]
    assert "Well done! A challenge met calls for others." in answered
    assert "What did you learn?" in person.last.text
    await person.send("The CAF answers in the morning")
    stored = await escale.db.fetchone("SELECT text FROM answers WHERE step = 'agreed_steps'")
    assert stored is not None
    assert [i["outcome"] for i in json.loads(stored["text"])] == ["done", "partly", "not_yet"]
    assert "since_last_time" not in {
        r["step"] for r in await escale.db.fetchall("SELECT step FROM answers")
    }
    while "📨 Send to Alice" not in person.buttons():
        await person.press("✔ Done" if "✔ Done" in person.buttons() else "I'd rather not")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    second = briefs(worker)[-1].text
    assert "Me: Call the CAF on Monday → Done" in second
    assert "The CAF answers in the morning" in second

    await worker.send("/history")
    await worker.press("Léa")
    history = worker.last.text
    assert "What we agreed" in history
    assert "Léa: Call the CAF on Monday → Done" in history
    assert "Marie: Come with Léa to the CAF → Not yet" in history
    await person.send("/logbook")
    assert "What I learned: The CAF answers in the morning" in person.last.text
    assert "Prepared: Call the CAF on Monday" in person.last.text


async def test_not_what_we_said_leaves_the_logbook_and_the_next_preparation_as_before(
    escale: Escale,
) -> None:
    worker, person = await met(escale)  # without waiting for the meeting's time: /agreed
    await worker.send("/agreed")
    await worker.press("Léa")
    await worker.press("📨 Send to Léa")
    await escale.deliveries()
    await person.press("✖ That's not what we said")
    assert "Nothing goes into your logbook" in person.last.text
    await escale.deliveries()
    assert "Léa says this is not what you said" in worker.last.text
    await person.send("/logbook")
    assert "What we agreed" not in person.last.text
    await person.send("/prepare")
    assert "Last time, you planned this small step" in person.last.text
    assert await person.press_data("ag:1:ok") != ""
    row = await escale.db.fetchone("SELECT status FROM agreements")
    assert row is not None and row["status"] == "rejected", "answered once"


async def test_nobody_else_can_act_on_a_draft_or_a_proposal(escale: Escale) -> None:
    worker, person = await met(escale)
    other_worker = await make_worker(escale, "Bruno", "en")
    stranger = escale.user("Zoé", "en")
    await stranger.send("/start")
    other_person = await make_person(escale, other_worker, "Sam", "Sam", "en")
    await worker.send("/agreed")
    await worker.press("Léa")
    for who in (other_worker, stranger, other_person, person):
        for data in (
            "ag:1:send",
            "ag:1:q",
            "ag:1:drop",
            "ag:1:whoa:1",
            "agp:" + str(person.user_id),
        ):
            notice = await who.press_data(data)
            assert notice == "This button does not work any more. /help shows what you can do.", (
                who,
                data,
            )
    row = await escale.db.fetchone("SELECT status FROM agreements")
    assert row is not None and row["status"] == "draft"
    await worker.press("📨 Send to Léa")
    await escale.deliveries()
    for who in (other_worker, stranger, other_person, worker):
        for data in ("ag:1:ok", "ag:1:no", "ag:1:pq", "ag:1:ps:1"):
            notice = await who.press_data(data)
            assert notice == "This button does not work any more. /help shows what you can do.", (
                who,
                data,
            )
    row = await escale.db.fetchone("SELECT status, changed_by_person FROM agreements")
    assert row is not None and tuple(row) == ("proposed", 0)
    await other_worker.send("What we agreed, forged")
    assert "What we agreed, forged" not in json.dumps(
        [dict(r) for r in await escale.db.fetchall("SELECT * FROM agreements")]
    )


async def test_mydata_holds_the_agreement_and_forget_erases_it(escale: Escale) -> None:
    worker, person = await met(escale)
    await worker.send("/agreed")
    await worker.press("Léa")
    await worker.press("✏️ If it does not work")
    await worker.send("Ask the social grocery for help")
    await worker.press("➕ A step")
    await worker.press("Léa")  # the worker is asked what; a text is now awaited
    await worker.send("Phone the bank")
    await worker.press("No date")
    await worker.press("📨 Send to Léa")
    await escale.deliveries()
    await person.send("/mydata")
    document = person.last
    assert document.kind == "document"
    assert document.file is not None and not isinstance(document.file, str)
    data = json.loads(document.file.data)
    [agreement] = data["agreements"]
    assert agreement["status"] == "proposed"
    assert agreement["plan_b"] == "Ask the social grocery for help"
    assert [s["what"] for s in agreement["steps"]] == ["Call the CAF on Monday", "Phone the bank"]

    await person.send("/forget")
    await person.press("Yes, erase everything")
    for table in ("agreements", "agreed_steps", "conversations"):
        row = await escale.db.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
        assert row is not None and row["n"] == 0, table
    rows = await escale.db.fetchall("SELECT body FROM outbox WHERE purpose = 'agreement'")
    assert not any("Phone the bank" in r["body"] for r in rows)


async def test_no_offer_for_a_meeting_the_person_said_they_cannot_come_to(
    escale: Escale,
) -> None:
    worker, person = await prepared_pair(escale)
    await set_meeting(escale, worker, "friday 10am")
    await person.send("/meeting")
    await person.press("✖ I can't come")
    await escale.deliveries()
    await advance_to(escale, utc(2026, 11, 27, 12))
    assert offers(worker) == []
    row = await escale.db.fetchone("SELECT agreement_offered_at FROM meetings")
    assert row is not None and row[0] is not None, "settled, so never looked at again"


STALE = "This button does not work any more. /help shows what you can do."
QUESTION = "How can I pay my rent on time, even though I don't understand the letters?"


async def test_after_a_move_the_new_worker_cannot_open_the_old_workers_draft(
    escale: Escale,
) -> None:
    worker, _ = await met(escale)
    await advance_to(escale, utc(2026, 11, 27, 9, 0))
    await worker.press("📝 What we agreed")
    assert QUESTION in worker.last.text, "Alice's draft, prefilled from what Léa sent her"
    bob = await make_worker(escale, "Bob", "en")
    await move(escale, "Léa", "Alice", "Bob")
    await escale.deliveries()
    meeting = await escale.db.fetchone("SELECT id FROM meetings")
    assert meeting is not None
    assert await bob.press_data(f"agm:{meeting['id']}") == STALE
    assert not any(QUESTION in text for text in bob.texts())
    rows = await escale.db.fetchall("SELECT worker_id FROM agreements")
    assert [r["worker_id"] for r in rows] == [worker.user_id]


async def test_a_step_offers_only_the_allies_named_in_what_this_worker_received(
    escale: Escale,
) -> None:
    _, person = await met(escale)  # Léa named Marie in the preparation she sent Alice
    bob = await make_worker(escale, "Bob", "en")
    await move(escale, "Léa", "Alice", "Bob")
    await escale.deliveries()
    await bob.send("/agreed")
    await bob.press("Léa")
    await bob.press("➕ A step")
    assert bob.buttons() == ["Léa", "Me"], "Marie is in what Léa sent Alice, not Bob"
    ally = await escale.db.fetchone("SELECT id FROM allies WHERE name = 'Marie'")
    assert ally is not None
    draft = await escale.db.fetchone(
        "SELECT id FROM agreements WHERE worker_id = ?", (bob.user_id,)
    )
    assert draft is not None
    await bob.press_data(f"ag:{draft['id']}:whoa:{ally['id']}")
    await bob.send("Call Léa's friend")
    assert not any("Marie" in text for text in bob.texts())
    steps = await escale.db.fetchall("SELECT ally_name FROM agreed_steps")
    assert all(s["ally_name"] is None for s in steps)
    # Once Léa shows Bob what she sent before, Marie is among the allies he may read.
    await person.press("Yes, show it to Bob")
    await bob.press("➕ A step")
    assert bob.buttons() == ["Léa", "Me", "Marie"]


NO_MORE = "There are already 5 steps, the most there can be. Remove one to add another."


async def test_at_five_steps_no_sixth_is_offered_and_a_late_one_is_answered(
    escale: Escale,
) -> None:
    worker, _ = await met(escale)
    await worker.send("/agreed")
    await worker.press("Léa")  # one step, prefilled from Léa's small step
    for number in range(2, 6):
        await worker.press("➕ A step")
        await worker.press("Me")
        await worker.send(f"Step number {number}")
        await worker.press("No date")
    assert "5. Alice: Step number 5" in worker.last.text
    assert "➕ A step" not in worker.buttons()
    await worker.press_data("ag:1:add")
    assert worker.last.text == NO_MORE
    # A "Who does this step?" shown before the fifth was added, pressed now.
    await worker.press_data("ag:1:whop")
    assert worker.last.text == "What is the step? Write it in a few words."
    await worker.send("A sixth step")
    assert NO_MORE in worker.texts()[-2]
    assert "A sixth step" not in worker.last.text and "➕ A step" not in worker.buttons()
    row = await escale.db.fetchone("SELECT COUNT(*) AS n FROM agreed_steps")
    assert row is not None and row["n"] == 5
    # An ally this worker may not see: told, not silently ignored.
    await worker.press_data("ag:1:whoa:999")
    assert worker.last.text == "I cannot add this step like this. Please choose again who does it."


def longest(word: str) -> str:
    """A part as long as may be typed, with signs that take room once escaped for HTML."""
    return (f"{word} <&> " * 100)[:500]


async def test_the_longest_agreement_arrives_whole_in_a_few_messages(escale: Escale) -> None:
    worker, person = await met(escale)
    await worker.send("/agreed")
    await worker.press("Léa")
    await worker.press("🗑 Remove step 1")
    await worker.press("✏️ Our question")
    await worker.send(longest("Question"))
    await worker.press("✏️ If it does not work")
    await worker.send(longest("Otherwise"))
    for number in range(1, 6):
        await worker.press("➕ A step")
        await worker.press("Me")
        await worker.send(longest(f"Step{number}"))
        await worker.send(longest(f"When{number}"))
    start = len(worker.messages)
    await worker.send("/agreed")
    await worker.press("Léa")
    draft = worker.messages[start + 1 :]
    assert len(draft) >= 2, "more than one message can hold"
    whole = "\n".join(m.text for m in draft)
    for word in ("Question", "Otherwise", *(f"Step{n}" for n in range(1, 6))):
        assert f"{word} <&>" in whole, word
    assert all(m.buttons == [] for m in draft[:-1]) and "📨 Send to Léa" in worker.buttons()
    seen = len(person.messages)
    await worker.press("📨 Send to Léa")
    await escale.deliveries()
    proposal = person.messages[seen:]
    assert len(proposal) >= 2
    assert all(f"When{n} <&>" in "\n".join(m.text for m in proposal) for n in range(1, 6))
    assert proposal[0].text.startswith(PROPOSAL), "as written, not as plain text split anyhow"
    seen = len(worker.messages)
    await person.press("✔ That's right")
    await escale.deliveries()
    told = "\n".join(m.text for m in worker.messages[seen:])
    assert "Léa agreed. It is now in their logbook." in told
    assert all(f"Step{n} <&>" in told for n in range(1, 6))
