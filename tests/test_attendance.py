"""Meetings both ways, end to end on the injected clock: *I'm coming* and *I can't come* (a few
words or a voice, another time proposed) from the invitation and from /meeting; the worker told
at once and confirming the proposed time; reminders that resume a paused preparation; dates
read both ways or in the past; the worker's day list, its marks and its addendum.

The clock starts on Wednesday 25 November 2026 at 10:00 in Paris (09:00 UTC).
"""

from __future__ import annotations

import json
from datetime import timedelta

from bot.core import callbacks
from tests.conftest import Escale
from tests.fake_telegram import TelegramUser
from tests.journeys import make_person, make_worker
from tests.test_meetings import (
    EXAMPLES,
    STALE,
    advance_to,
    choose,
    db_time,
    invitations,
    pair,
    reminders,
    set_meeting,
    skip_through_preparation,
    utc,
    walk_to,
)

SATURDAY_3PM = utc(2026, 11, 28, 14, 0)  # Saturday 28 November, 15:00 in Paris
FIRST_INVITATION = utc(2026, 11, 26, 14, 0)  # 48 hours before
ABSENCE_BUTTONS = ["💬 Add a few words", "📅 Propose another time", "↩ I can come after all"]
GONE = "This meeting has changed in the meantime. /meeting shows where it stands."
THREATS = ("sanction", "must", "warning", "penalt", "obligat", "doit", "devez", "avertissement")


async def attendance(escale: Escale) -> list[tuple[object, ...]]:
    rows = await escale.db.fetchall(
        """SELECT at, status, attendance, absence_note, absence_voice IS NOT NULL, proposed_at
           FROM meetings ORDER BY id"""
    )
    return [tuple(row) for row in rows]


def never_threatening(*users: TelegramUser) -> None:
    for user in users:
        for text in user.texts():
            assert not any(word in text.lower() for word in THREATS), text


async def test_cannot_come_with_words_and_another_time_that_the_worker_confirms(
    escale: Escale,
) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await advance_to(escale, FIRST_INVITATION)
    [invitation] = invitations(person)
    assert person.buttons(invitation)[-2:] == ["✔ I'm coming", "✖ I can't come"]

    await person.press("✖ I can't come")
    assert (
        await person.press_data(
            callbacks.build(callbacks.REMIND_LATER, 1), message_id=invitation.message_id
        )
        == "You said you cannot come to this meeting, so there are no more reminders for it."
    )
    assert person.last.text == (
        "All right. Alice knows now that you cannot come on Saturday 28 November at 15:00. "
        "There will be no more reminders for this meeting.\n\n"
        "If you want, you can add a few words for Alice, or propose another time. "
        "It is up to you."
    )
    assert person.buttons() == ABSENCE_BUTTONS
    assert person.buttons(invitation) == [], "the invitation's buttons are gone"
    await escale.deliveries()
    assert worker.last.text == (
        "Léa cannot come to the meeting of Saturday 28 November at 15:00. The reminders for it "
        "have stopped. You can set another date, or wait: Léa may propose one."
    )
    assert worker.buttons() == ["📅 Set another date", "✖ Cancel the meeting"]
    assert [row[2] for row in await reminders(escale)] == ["queued", "dropped"]
    assert (await attendance(escale))[0][1:] == ("planned", "cannot", None, 0, None)

    await person.press("💬 Add a few words")
    assert person.last.text.startswith("Write a few words for Alice, or send a voice message.")
    await person.send("\u200b\u202e")
    assert person.last.text.startswith("Write a few words for Alice"), (
        "nothing visible: asked again"
    )
    await person.send("My son is ill <b>again</b>\u202e")
    assert person.last.text == "Thank you, Alice has your message."
    assert person.buttons() == ["📅 Propose another time", "↩ I can come after all"]
    await escale.deliveries()
    assert worker.last.text == (
        "Léa adds a few words about the meeting of Saturday 28 November at 15:00:\n"
        "My son is ill <b>again</b>"
    )
    assert (await attendance(escale))[0][3] == "My son is ill <b>again</b>"

    await person.press("📅 Propose another time")
    assert person.last.text.startswith("Which day and time would suit you?")
    await person.send("yesterday at 3pm")
    assert person.last.text == f"That was yesterday.\n{EXAMPLES}"
    await person.send("next thursday at 9.30am")  # today's 9:30 has passed: the next one
    assert person.last.text == "Thursday 3 December at 09:30. Is that right?"
    await person.press("✔ Yes")
    assert person.last.text == (
        "Thank you. I have proposed Thursday 3 December at 09:30 to Alice. "
        "I will tell you when Alice confirms it."
    )
    assert person.buttons() == []
    await escale.deliveries()
    assert worker.last.text == (
        "Léa cannot come on Saturday 28 November at 15:00 and proposes another time: "
        "Thursday 3 December at 09:30."
    )
    assert worker.buttons() == ["✔ Confirm Thursday 3 December at 09:30", "📅 Set another date"]
    proposed = utc(2026, 12, 3, 8, 30)
    assert (await attendance(escale))[0][5] == db_time(proposed)
    await person.send("/meeting")
    assert person.last.text == (
        "Your next meeting with Alice is on Saturday 28 November at 15:00.\n"
        "You told Alice that you cannot come. You proposed Thursday 3 December at 09:30."
    )
    assert person.buttons()[1] == "📅 Propose a different time"

    await worker.press("✔ Confirm Thursday 3 December at 09:30")
    assert worker.last.text == (
        "Moved. The meeting with Léa is now on Thursday 3 December at 09:30. Léa knows it now."
    )
    await escale.deliveries()
    assert person.last.text == (
        "Alice confirms the time you proposed. Your meeting is now on Thursday 3 December at "
        "09:30. I will invite you to prepare it a little before."
    )
    assert await attendance(escale) == [(db_time(proposed), "planned", None, None, 0, None)]
    pending = [row for row in await reminders(escale) if row[2] == "pending"]
    assert [row[1] for row in pending] == [
        db_time(utc(2026, 12, 1, 8, 30)),
        db_time(utc(2026, 12, 2, 8, 30)),
    ]
    assert await worker.press_data(callbacks.meeting_accept(1, proposed)) == GONE

    await walk_to(escale, utc(2026, 12, 1, 8, 30), step=timedelta(hours=6))
    assert len(invitations(person)) == 2
    assert "Thursday 3 December at 09:30" in invitations(person)[-1].text
    assert person.buttons(invitations(person)[-1])[-2:] == ["✔ I'm coming", "✖ I can't come"]
    never_threatening(worker, person)


async def test_a_voice_message_instead_of_words(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await person.send("/meeting")
    await person.press("✖ I can't come")
    await person.press("💬 Add a few words")
    await person.send("x" * 2001)
    assert person.last.text.startswith("That is a bit long: 2001 characters")
    assert (await attendance(escale))[0][3] is None, "nothing passed on, still awaited"
    await person.send_voice(duration=7)
    assert person.last.text == "Thank you, Alice has your message."
    await escale.deliveries()
    [voice] = [m for m in worker.messages if m.kind == "voice"]
    assert voice.text == "Léa's voice message about the meeting of Saturday 28 November at 15:00"
    assert (await attendance(escale))[0][3:5] == (None, 1)
    await person.send("Hello")  # no longer awaited: not passed on
    await escale.deliveries()
    assert not any("Hello" in text for text in worker.texts())


async def test_i_can_come_after_all_plans_the_invitations_again(escale: Escale) -> None:
    worker, person = await pair(escale, "fr")
    await set_meeting(escale, worker, "samedi 15h", yes="✔ Oui")
    await person.send("/meeting")
    assert person.buttons() == ["✔ Je viendrai", "✖ Je ne peux pas venir"]
    await person.press("✖ Je ne peux pas venir")
    assert person.last.text.startswith(
        "Très bien. Alice le sait maintenant : vous ne pouvez pas venir le samedi 28 novembre "
        "à 15:00."
    )
    await escale.deliveries()
    assert worker.last.text.startswith(
        "Léa ne peut pas venir au rendez-vous du samedi 28 novembre à 15:00."
    )
    assert [row[2] for row in await reminders(escale)] == ["dropped", "dropped"]
    await person.send("/meeting")
    assert "Vous avez dit à Alice que vous ne pouvez pas venir." in person.last.text

    await person.press("↩ Finalement, je peux venir")
    assert person.buttons() == ["📝 Préparer maintenant"]
    assert person.last.text == (
        "Très bien. Alice le sait maintenant : vous pouvez venir le samedi 28 novembre à 15:00. "
        "Je vous proposerai de préparer ce rendez-vous, comme avant."
    )
    await escale.deliveries()
    assert worker.last.text == (
        "Finalement, Léa peut venir au rendez-vous du samedi 28 novembre à 15:00."
    )
    assert [row[2] for row in await reminders(escale)] == [
        "dropped",
        "dropped",
        "pending",
        "pending",
    ]
    await advance_to(escale, FIRST_INVITATION)
    assert sum(m.text.startswith("Votre rendez-vous avec") for m in person.messages) == 1
    never_threatening(worker, person)


async def test_confirming_one_is_coming_shows_in_the_day_list_only(escale: Escale) -> None:
    worker, lea = await pair(escale)
    sam = await make_person(escale, worker, "Sam", "Sam", "en-GB")
    jo = await make_person(escale, worker, "Jo", "Jo", "en-GB")
    await set_meeting(escale, worker, "friday 10:00", name="Léa")
    await set_meeting(escale, worker, "friday 14:30", name="Sam")
    await set_meeting(escale, worker, "friday 16:00", name="Jo")
    told = len(worker.messages)

    await lea.send("/meeting")
    await lea.press("✔ I'm coming")
    assert lea.texts()[-2].endswith("✔ I'm coming")
    assert lea.last.text == "Thank you. Alice will see that you are coming."
    assert lea.buttons() == ["📝 Prepare now"]
    await lea.send("/meeting")
    assert lea.last.text.endswith("You told Alice that you are coming.")
    assert lea.buttons() == ["✖ I can't come"]
    await sam.send("/meeting")
    await sam.press("✖ I can't come")
    await sam.press("📅 Propose another time")
    await sam.send("dans 5 jours à 10h")
    await sam.press("✔ Yes")
    await escale.deliveries()
    await choose(worker, "Jo")
    await worker.press("✖ Cancel the meeting")
    await worker.press("Yes, cancel it")
    await escale.deliveries()
    assert not any("Léa" in m.text for m in worker.messages[told:]), "coming is not a message"

    await advance_to(escale, utc(2026, 11, 27, 7, 0))  # Friday 08:00 in Paris
    assert worker.last.text == (
        "Your meetings today, Friday 27 November:\n"
        "• 10:00 Léa — not prepared yet · coming ✓\n"
        "• 14:30 Sam — cannot come, proposes Monday 30 November at 10:00\n"
        "• 16:00 Jo — cancelled"
    )
    assert jo.last.text == "Alice cancelled your meeting of Friday 27 November at 16:00."

    await set_meeting(escale, worker, "today 17:00", name="Jo")
    assert worker.texts()[-2].startswith("Noted. The meeting with Jo is on Friday 27 November")
    assert worker.last.text == "Added to today's list:\n• 17:00 Jo — not prepared yet"
    await choose(worker, "Jo")
    await worker.press("📅 Change the date")
    await worker.send("monday 9:00")  # moved to another day: no addendum
    await worker.press("✔ Yes")
    await escale.deliveries()
    assert worker.texts()[-1].startswith("Moved. The meeting with Jo is now on Monday")
    assert sum(text.startswith("Added to today's list") for text in worker.texts()) == 1


async def test_no_addendum_before_the_days_list_has_gone_out(escale: Escale) -> None:
    worker, _ = await pair(escale)
    await set_meeting(escale, worker, "today 15:00")
    await escale.deliveries()
    assert not any(text.startswith("Added to today's list") for text in worker.texts())


async def test_an_invitation_offers_to_continue_a_paused_preparation(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await person.send("/prepare")
    await person.send("The rent")
    await person.press("I'd rather not")  # for whom
    assert person.last.text.startswith("Question 3 of ")
    total = person.last.text.split("\n")[0].removeprefix("Question 3 of ")
    await person.send("/cancel")

    await advance_to(escale, FIRST_INVITATION)
    [invitation] = invitations(person)
    assert "You started to prepare it. Do you want to go on?" in invitation.text
    label = f"▶ Continue where I stopped (question 3 of {total})"
    assert person.buttons(invitation)[0] == label
    assert "📝 Prepare now" not in person.buttons(invitation)

    await person.press(label)
    assert person.last.text.startswith(f"Question 3 of {total}")
    await person.send("A flat without mould")
    rows = await escale.db.fetchall("SELECT text FROM answers")
    assert "A flat without mould" in [row[0] for row in rows]
    assert person.last.text.startswith(f"Question 4 of {total}")
    assert await person.press_data(callbacks.build(callbacks.RESUME, 999)) is not None


async def test_no_invitation_once_the_preparation_is_sent(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await person.send("/prepare")
    await skip_through_preparation(person)
    await person.press("📨 Send to Alice")
    await walk_to(escale, SATURDAY_3PM, step=timedelta(hours=6))
    assert invitations(person) == []


async def test_only_the_person_may_say_they_cannot_come(escale: Escale) -> None:
    worker, person = await pair(escale)
    other = await make_person(escale, worker, "Sam", "Sam", "en-GB")
    await set_meeting(escale, worker, "saturday 3pm")
    forged = callbacks.build(callbacks.MEETING_ABSENT, 1)
    assert await other.press_data(forged) == GONE
    assert await worker.press_data(forged) != GONE  # not a person: the usual refusal
    assert (await attendance(escale))[0][2] is None
    await person.send("/meeting")
    await person.press("✖ I can't come")
    await escale.deliveries()
    told = len(worker.messages)
    assert await person.press_data(forged) is None, "pressing again changes nothing"
    await escale.deliveries()
    assert len(worker.messages) == told, "the worker is not told twice"
    await advance_to(escale, SATURDAY_3PM + timedelta(minutes=1))
    assert await person.press_data(callbacks.build(callbacks.ABSENT_UNDO, 1)) == GONE


# -- the dates people type, through the bot -------------------------------------------------------


async def test_a_date_that_reads_both_ways_is_asked_about(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    await choose(worker)
    await worker.send("7/12 9am")
    assert worker.last.text == "Which one do you mean?"
    assert worker.buttons() == ["Monday 7 December at 09:00", "Monday 12 July at 09:00"]
    far = escale.clock.now() + timedelta(days=400)
    assert await worker.press_data(callbacks.date_pick(person.user_id, far)) == STALE
    assert worker.last.text == "Which one do you mean?", "a forged time is not read back"
    await worker.press("Monday 12 July at 09:00")
    assert worker.last.text == "Monday 12 July at 09:00, with Léa. Is that right?"
    await worker.press("✔ Yes")
    row = await escale.db.fetchone("SELECT at FROM meetings")
    assert row is not None and row[0] == db_time(utc(2027, 7, 12, 7, 0))


async def test_an_american_worker_writes_the_month_first(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en-US")
    await make_person(escale, worker, "Léa", "Léa", "en")
    await choose(worker)
    await worker.send("7/12 9am")
    assert worker.last.text == "Monday 12 July at 09:00, with Léa. Is that right?"


async def test_a_british_worker_writes_the_day_first(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en-GB")
    await make_person(escale, worker, "Léa", "Léa", "en")
    await choose(worker)
    await worker.send("monday 7/12 at 9")
    assert worker.last.text == "Monday 7 December at 09:00, with Léa. Is that right?"


async def test_a_past_date_is_said_to_be_past(escale: Escale) -> None:
    worker, _ = await pair(escale, "fr")
    await choose(worker)
    await worker.send("hier 10h")
    assert worker.last.text.startswith("C'était hier.")
    await worker.send("24/11 à 10h")
    assert worker.last.text.startswith("C'était hier.")
    await worker.send("lundi dernier 9h")
    assert worker.last.text.startswith("C'était le lundi 23 novembre : ce jour est passé.")
    await worker.send("dans 3 jours à 11h")
    assert worker.last.text == "Le samedi 28 novembre à 11:00, avec Léa. C'est bien ça ?"
    rows = await escale.db.fetchall("SELECT * FROM meetings")
    assert rows == []


async def test_the_worker_sets_another_date_from_the_notice(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await person.send("/meeting")
    await person.press("✖ I can't come")
    await escale.deliveries()
    notice = worker.last
    await worker.press("📅 Set another date")
    [notice] = [m for m in worker.messages if m.message_id == notice.message_id]
    assert notice.text.startswith("Léa cannot come to the meeting of Saturday 28 November")
    assert notice.text.endswith("📅 Set another date") and worker.buttons(notice) == []
    assert worker.last.text.startswith("When is the meeting with Léa?")
    await worker.send("monday 10am")
    await worker.press("✔ Yes")
    await escale.deliveries()
    assert person.last.text == (
        "Alice moved your meeting. It was on Saturday 28 November at 15:00. It is now on "
        "Monday 30 November at 10:00."
    )
    assert (await attendance(escale))[0][1:3] == ("planned", None)
    await person.send("/meeting")
    assert person.buttons() == ["✔ I'm coming", "✖ I can't come"]


async def test_the_worker_cancels_from_the_notice(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await person.send("/meeting")
    await person.press("✖ I can't come")
    await escale.deliveries()
    await worker.press("✖ Cancel the meeting")
    assert worker.last.text == (
        "Cancel the meeting of Saturday 28 November at 15:00 with Léa? I will tell Léa."
    )
    await worker.press("Yes, cancel it")
    await escale.deliveries()
    assert person.last.text == "Alice cancelled your meeting of Saturday 28 November at 15:00."
    assert (await attendance(escale))[0][1] == "cancelled"


async def test_what_the_person_added_is_in_mydata_and_erased_by_forget(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await person.send("/meeting")
    await person.press("✖ I can't come")
    await person.press("💬 Add a few words")
    await person.send("Hospital appointment")
    await person.press("📅 Propose another time")
    await person.send("monday 7/12 at 9")
    await person.press("✔ Yes")
    await escale.deliveries()
    await person.send("/mydata")
    document = person.last
    assert document.file is not None and not isinstance(document.file, str)
    [meeting] = json.loads(document.file.data)["meetings"]
    assert meeting["attendance"] == "cannot"
    assert meeting["absence_note"] == "Hospital appointment"
    assert meeting["proposed_at"] == db_time(utc(2026, 12, 7, 8, 0))

    await person.send("/forget")
    await person.press("Yes, erase everything")
    assert await attendance(escale) == []
    rows = await escale.db.fetchall("SELECT body FROM outbox")
    assert not any("Hospital appointment" in row[0] for row in rows)
