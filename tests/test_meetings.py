"""Meetings end to end: a date typed, read back and confirmed; the other side told; the
invitations to prepare on the injected clock; the worker's meeting-day list.

The clock starts on Wednesday 25 November 2026 at 10:00 in Paris (09:00 UTC).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.config import Settings
from tests.conftest import Escale, build, running_escale, start_app, stop_app
from tests.fake_telegram import FakeTelegram, SentMessage, TelegramUser
from tests.journeys import make_person, make_worker, token_in
from tests.test_preparation import briefs

EXAMPLES = "For example: 12/03 14:30, tuesday 2pm, tomorrow 10:00."
INVITATION = "Your meeting with Alice is on"
STALE = "This button does not work any more. /help shows what you can do."
INVITATION_BUTTONS = [
    "📝 Prepare now",
    "⏰ Later",
    "Not this time",
    "✔ I'm coming",
    "✖ I can't come",
]
SATURDAY_3PM = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # "saturday 3pm" in Paris (UTC+1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def db_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# -- steps -----------------------------------------------------------------------------------


async def pair(escale: Escale, language: str = "en-GB") -> tuple[TelegramUser, TelegramUser]:
    worker = await make_worker(escale, "Alice", language)
    person = await make_person(escale, worker, "Léa", "Léa", language)
    return worker, person


async def choose(worker: TelegramUser, name: str = "Léa") -> None:
    """/meeting, then the person's button (which shows their meeting, if they have one)."""
    await worker.send("/meeting")
    labels = [label for label in worker.buttons() if label.split(" · ")[0] == name]
    assert labels, f"no button for {name}: {worker.buttons()}"
    await worker.press(labels[0])


async def set_meeting(
    escale: Escale, worker: TelegramUser, typed: str, name: str = "Léa", yes: str = "✔ Yes"
) -> None:
    await choose(worker, name)
    await worker.send(typed)
    assert worker.buttons()[0] == yes, worker.last.text
    await worker.press(yes)
    await escale.deliveries()


async def advance_to(escale: Escale, moment: datetime) -> None:
    """Move the fake clock to `moment` and let the sender do whatever is due by then."""
    assert moment >= escale.clock.now()
    escale.clock.advance(moment - escale.clock.now())
    await escale.deliveries()


async def walk_to(escale: Escale, moment: datetime, step: timedelta = timedelta(hours=1)) -> None:
    """Move the clock to `moment` a `step` at a time, the sender running at every step."""
    while escale.clock.now() + step < moment:
        await advance_to(escale, escale.clock.now() + step)
    await advance_to(escale, moment)


async def down_until(escale: Escale, moment: datetime) -> None:
    """The app is stopped while the clock moves to `moment`, then started again."""
    await stop_app(escale.app)
    escale.clock.advance(moment - escale.clock.now())
    escale.app = build(escale.settings, escale.clock)
    await start_app(escale.app)
    await escale.deliveries()


def invitations(person: TelegramUser) -> list[SentMessage]:
    return [m for m in person.messages if m.text.startswith("Your meeting with")]


async def meetings(escale: Escale) -> list[tuple[object, ...]]:
    rows = await escale.db.fetchall(
        "SELECT person_id, at, status, set_by, reminders_off FROM meetings ORDER BY id"
    )
    return [tuple(row) for row in rows]


async def reminders(escale: Escale) -> list[tuple[object, ...]]:
    rows = await escale.db.fetchall("SELECT kind, due_at, status FROM reminders ORDER BY id")
    return [tuple(row) for row in rows]


async def reminder_outbox(escale: Escale) -> list[tuple[object, ...]]:
    rows = await escale.db.fetchall(
        "SELECT chat_id, status, expires_at FROM outbox WHERE purpose = 'reminder' ORDER BY id"
    )
    return [tuple(row) for row in rows]


async def skip_through_preparation(person: TelegramUser, problem: str = "The rent") -> None:
    """Answer the first question, skip the rest, up to the review."""
    await person.send(problem)
    for _ in range(5):  # for whom, want, obstacle, own question, who else is involved
        await person.press("I'd rather not")
    await person.press("✔ Done")
    for _ in range(3):  # small step, confidence, expectation
        await person.press("I'd rather not")
    assert "Here is what your social worker will read" in person.last.text


# -- a worker sets the date ------------------------------------------------------------------


async def test_a_worker_sets_a_date_read_back_in_words(escale: Escale) -> None:
    worker, person = await pair(escale)
    await worker.send("/meeting")
    assert worker.last.text == "Who is the meeting with?"
    assert worker.buttons() == ["Léa"]

    await worker.press("Léa")
    assert worker.last.text == (
        f"When is the meeting with Léa? Write the date and the time.\n{EXAMPLES}"
    )
    await worker.send("tuesday 2pm")
    assert worker.last.text == "Tuesday 1 December at 14:00, with Léa. Is that right?"
    assert worker.buttons() == ["✔ Yes", "✏️ No, another date"]
    assert await meetings(escale) == [], "nothing is stored before ✔ Yes"
    await escale.deliveries()
    assert not any("set your next meeting" in text for text in person.texts())

    await worker.press("✔ Yes")
    assert worker.last.text == (
        "Noted. The meeting with Léa is on Tuesday 1 December at 14:00. Léa knows it now. I "
        "will remind Léa to prepare it."
    )
    assert worker.buttons() == []
    tuesday = utc(2026, 12, 1, 13, 0)
    assert await meetings(escale) == [
        (person.user_id, db_time(tuesday), "planned", worker.user_id, 0)
    ]
    assert await reminders(escale) == [
        ("invite", db_time(tuesday - timedelta(hours=48)), "pending"),
        ("invite", db_time(tuesday - timedelta(hours=24)), "pending"),
    ]
    awaiting = await escale.db.fetchone(
        "SELECT COUNT(*) FROM conversations WHERE purpose IN ('date', 'propose', 'note')"
    )
    assert awaiting is not None and awaiting[0] == 0

    await escale.deliveries()
    assert person.last.text == (
        "Alice set your next meeting: Tuesday 1 December at 14:00. I will remind you to "
        "prepare it a little before. You can also /prepare at any time."
    )
    assert await worker.press_data("date:yes") == STALE, "a second press stores nothing"
    await escale.deliveries()
    assert sum("set your next meeting" in text for text in person.texts()) == 1
    assert len(await meetings(escale)) == 1

    await worker.send("/meeting")
    assert worker.buttons() == ["Léa · Tuesday 1 December at 14:00"]


@pytest.mark.parametrize(
    ("typed", "read_back", "stored"),
    [
        ("12/03 14:30", "Friday 12 March at 14:30", utc(2027, 3, 12, 13, 30)),
        ("tomorrow 10:00", "Thursday 26 November at 10:00", utc(2026, 11, 26, 9, 0)),
        ("Tuesday 2PM", "Tuesday 1 December at 14:00", utc(2026, 12, 1, 13, 0)),
    ],
)
async def test_dates_as_workers_write_them(
    escale: Escale, typed: str, read_back: str, stored: datetime
) -> None:
    worker, person = await pair(escale)
    await choose(worker)
    await worker.send(typed)
    assert worker.last.text == f"{read_back}, with Léa. Is that right?"
    await worker.press("✔ Yes")
    assert await meetings(escale) == [
        (person.user_id, db_time(stored), "planned", worker.user_id, 0)
    ]
    await escale.deliveries()
    told = [text for text in person.texts() if "set your next meeting" in text]
    assert len(told) == 1 and f"Alice set your next meeting: {read_back}." in told[0]


@pytest.mark.parametrize(
    ("typed", "explanation"),
    [
        ("25/11 9:00", "That time has already passed today."),  # an hour ago
        ("31/02 10h", "This date or time does not exist."),
        ("14h", "What day? Please write the day and the time."),
        ("see you soon", "I could not find a date and a time."),
        ("tuesday", "What time? Please write the date and the time."),
        ("28/03/2027 2:30", "This time does not exist on that day. The clocks change"),
    ],
)
async def test_a_date_we_will_not_guess_is_explained_and_nothing_stored(
    escale: Escale, typed: str, explanation: str
) -> None:
    worker, person = await pair(escale)
    await choose(worker)
    await worker.send(typed)
    assert worker.last.text.startswith(explanation), worker.last.text
    assert worker.last.text.endswith(EXAMPLES)
    assert worker.buttons() == []
    assert await meetings(escale) == []
    assert await reminders(escale) == []
    await escale.deliveries()
    assert not any("set your next meeting" in text for text in person.texts())

    await worker.send("tuesday 2pm")  # still asked: a good date now goes through
    assert worker.last.text == "Tuesday 1 December at 14:00, with Léa. Is that right?"


async def test_no_another_date_asks_again(escale: Escale) -> None:
    worker, person = await pair(escale)
    await choose(worker)
    await worker.send("tuesday 2pm")
    confirmation = worker.last
    await worker.press("✏️ No, another date")
    assert confirmation.text == (
        f"When is the meeting with Léa? Write the date and the time.\n{EXAMPLES}"
    )
    assert worker.buttons(confirmation) == []
    assert await meetings(escale) == []
    awaiting = await escale.db.fetchone(
        "SELECT person_id, proposed_at FROM conversations"
        " WHERE purpose IN ('date', 'propose', 'note')"
    )
    assert awaiting is not None and tuple(awaiting) == (person.user_id, None)

    await worker.send("wednesday 9:30")
    assert worker.last.text == "Wednesday 2 December at 09:30, with Léa. Is that right?"
    await worker.press("✔ Yes")
    assert await meetings(escale) == [
        (person.user_id, db_time(utc(2026, 12, 2, 8, 30)), "planned", worker.user_id, 0)
    ]
    await escale.deliveries()
    told = [text for text in person.texts() if "set your next meeting" in text]
    assert len(told) == 1 and "Wednesday 2 December at 09:30" in told[0]


async def test_cancel_drops_a_date_being_typed(escale: Escale) -> None:
    worker, _ = await pair(escale)
    await choose(worker)
    await worker.send("/cancel")
    assert worker.last.text == "All right. The date does not change."
    await worker.send("tuesday 2pm")
    assert "is that right?" not in worker.last.text
    assert worker.buttons() == []
    assert await meetings(escale) == []
    awaiting = await escale.db.fetchone(
        "SELECT COUNT(*) FROM conversations WHERE purpose IN ('date', 'propose', 'note')"
    )
    assert awaiting is not None and awaiting[0] == 0


async def test_moving_the_meeting_tells_the_person_the_old_and_new_dates(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "tuesday 2pm")

    await worker.send("/meeting")
    await worker.press("Léa · Tuesday 1 December at 14:00")
    assert worker.last.text == "Next meeting with Léa: Tuesday 1 December at 14:00."
    assert worker.buttons() == ["📅 Change the date", "✖ Cancel the meeting"]
    await worker.press("📅 Change the date")
    assert worker.last.text.startswith("When is the meeting with Léa?")
    await worker.send("03/12 16:00")
    assert worker.last.text == "Thursday 3 December at 16:00, with Léa. Is that right?"
    await worker.press("✔ Yes")
    assert worker.last.text == (
        "Moved. The meeting with Léa is now on Thursday 3 December at 16:00. Léa knows it now."
    )

    await escale.deliveries()
    assert person.last.text == (
        "Alice moved your meeting. It was on Tuesday 1 December at 14:00. It is now on "
        "Thursday 3 December at 16:00."
    )
    thursday = utc(2026, 12, 3, 15, 0)
    assert await meetings(escale) == [
        (person.user_id, db_time(thursday), "planned", worker.user_id, 0)
    ], "the same meeting, moved"
    assert await reminders(escale) == [
        ("invite", db_time(utc(2026, 11, 29, 13, 0)), "dropped"),
        ("invite", db_time(utc(2026, 11, 30, 13, 0)), "dropped"),
        ("invite", db_time(thursday - timedelta(hours=48)), "pending"),
        ("invite", db_time(thursday - timedelta(hours=24)), "pending"),
    ]

    await walk_to(escale, thursday + timedelta(hours=1), step=timedelta(hours=6))
    sent = invitations(person)
    assert len(sent) == 2
    assert all("Thursday 3 December at 16:00" in m.text for m in sent)
    days = await escale.db.fetchall("SELECT day, status FROM day_summaries ORDER BY day")
    assert [tuple(row) for row in days] == [("2026-12-01", "dropped"), ("2026-12-03", "queued")]
    assert sum("Your meetings today" in text for text in worker.texts()) == 1
    day_list = [t for t in worker.texts() if t.startswith("Your meetings today")]
    assert day_list[0].startswith("Your meetings today, Thursday 3 December:")


async def test_cancelling_the_meeting_tells_the_person_and_drops_the_reminders(
    escale: Escale,
) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")

    await choose(worker)
    await worker.press("✖ Cancel the meeting")
    assert worker.last.text == (
        "Cancel the meeting of Saturday 28 November at 15:00 with Léa? I will tell Léa."
    )
    assert worker.buttons() == ["Yes, cancel it", "No, keep it"]
    await worker.press("No, keep it")
    assert worker.last.text.endswith("Kept")
    assert worker.buttons() == []
    assert [row[2] for row in await meetings(escale)] == ["planned"]

    await choose(worker)
    await worker.press("✖ Cancel the meeting")
    await worker.press("Yes, cancel it")
    assert worker.last.text == (
        "The meeting of Saturday 28 November at 15:00 with Léa is cancelled. Léa knows it now."
    )
    await escale.deliveries()
    assert person.last.text == "Alice cancelled your meeting of Saturday 28 November at 15:00."
    assert [row[2] for row in await meetings(escale)] == ["cancelled"]
    assert [row[2] for row in await reminders(escale)] == ["dropped", "dropped"]

    await worker.send("/meeting")
    assert worker.buttons() == ["Léa"]
    await person.send("/help")
    assert "Your next meeting" not in person.last.text

    await walk_to(escale, SATURDAY_3PM + timedelta(hours=1), step=timedelta(hours=6))
    assert invitations(person) == []
    assert not any("Your meetings today" in text for text in worker.texts())


async def test_only_the_persons_worker_may_set_move_or_cancel(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    meeting = await escale.db.fetchone("SELECT id FROM meetings")
    assert meeting is not None
    admin = escale.admin("en")
    await admin.send("/newworker")
    bob = escale.user("Bob", "en")
    await bob.send(f"/start {token_in(admin.last.text)}")
    for data in (f"mt:{person.user_id}", f"mtc:{meeting['id']}", f"mtxy:{meeting['id']}"):
        assert await bob.press_data(data) == STALE, data
        assert await person.press_data(data) == STALE, data
    await bob.send("/meeting")
    assert bob.last.text == "You do not follow anyone yet. /invite creates a link for a person."
    await bob.send("friday 11am")
    assert "is that right?" not in bob.last.text
    assert await meetings(escale) == [
        (person.user_id, db_time(SATURDAY_3PM), "planned", worker.user_id, 0)
    ]
    stranger = escale.user("Sam", "en")
    await stranger.send("/meeting")
    assert "is that right?" not in stranger.last.text
    await stranger.send("friday 11am")
    waiting = await escale.db.fetchone(
        "SELECT COUNT(*) FROM conversations WHERE purpose IN ('date', 'propose', 'note')"
    )
    assert waiting is not None and waiting[0] == 0


# -- a person gives the date, or sees it -------------------------------------------------------


async def test_a_person_gives_the_date_and_the_worker_is_told(escale: Escale) -> None:
    worker, person = await pair(escale)
    await person.send("/meeting")
    assert person.last.text == (
        "I don't know the date of your next meeting with Alice. If you know it, write it here. "
        f"I will tell Alice.\n{EXAMPLES}"
    )
    assert person.buttons() == ["I don't know yet"]
    await person.send("friday 11am")
    assert person.last.text == "Friday 27 November at 11:00. Is that right?"
    assert await meetings(escale) == []
    await person.press("✔ Yes")
    assert person.last.text == (
        "Noted. Your meeting is on Friday 27 November at 11:00. Alice knows it now. I will "
        "remind you to prepare it a little before."
    )
    friday = utc(2026, 11, 27, 10, 0)
    assert await meetings(escale) == [
        (person.user_id, db_time(friday), "planned", person.user_id, 0)
    ]
    assert [row[2] for row in await reminders(escale)] == ["pending", "pending"]

    await escale.deliveries()
    assert worker.last.text == (
        "Léa gave me the date of the next meeting with you: Friday 27 November at 11:00. "
        "/meeting to change it."
    )
    await person.send("/meeting")
    assert person.last.text == "Your next meeting with Alice is on Friday 27 November at 11:00."
    assert person.buttons() == ["✔ I'm coming", "✖ I can't come"]


async def test_a_person_who_does_not_know_yet(escale: Escale) -> None:
    _, person = await pair(escale)
    await person.send("/meeting")
    await person.press("I don't know yet")
    assert person.last.text.endswith("All right.")
    await person.send("friday 11am")
    assert "is that right?" not in person.last.text
    assert await meetings(escale) == []


async def test_a_person_sees_the_date_their_worker_set_and_cannot_set_another(
    escale: Escale,
) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "tuesday 2pm")
    await person.send("/meeting")
    assert person.last.text == "Your next meeting with Alice is on Tuesday 1 December at 14:00."
    assert person.buttons() == ["✔ I'm coming", "✖ I can't come"]
    await person.send("friday 11am")
    assert "is that right?" not in person.last.text
    assert person.last.text.startswith("Alice supports you in Escale.")
    tuesday = utc(2026, 12, 1, 13, 0)
    assert await meetings(escale) == [
        (person.user_id, db_time(tuesday), "planned", worker.user_id, 0)
    ]
    assert await person.press_data("date:yes") == STALE
    assert len(await meetings(escale)) == 1


async def test_a_date_the_worker_sets_meanwhile_wins(escale: Escale) -> None:
    worker, person = await pair(escale)
    await person.send("/meeting")  # asked for the date…
    await set_meeting(escale, worker, "tuesday 2pm")  # …which the worker sets meanwhile
    await person.send("friday 11am")
    assert person.last.text == "Friday 27 November at 11:00. Is that right?"
    assert await person.press("✔ Yes") == STALE
    tuesday = utc(2026, 12, 1, 13, 0)
    assert await meetings(escale) == [
        (person.user_id, db_time(tuesday), "planned", worker.user_id, 0)
    ]
    await escale.deliveries()
    assert not any("told me the date" in text for text in worker.texts())


async def test_after_a_stale_yes_text_is_no_longer_read_as_a_date(escale: Escale) -> None:
    worker, person = await pair(escale)
    await person.send("/meeting")
    await set_meeting(escale, worker, "tuesday 2pm")
    await person.send("friday 11am")
    assert await person.press("✔ Yes") == STALE
    await person.send("/meeting")
    assert person.last.text == "Your next meeting with Alice is on Tuesday 1 December at 14:00."
    await person.send("friday 11am")
    assert "is that right?" not in person.last.text


async def test_a_person_asked_for_the_date_can_still_answer_a_preparation(
    escale: Escale,
) -> None:
    _, person = await pair(escale)
    await person.send("/meeting")  # asked for the date, which the person does not give…
    await person.send("/prepare")  # …preparing instead
    assert "Question 1 of" in person.last.text
    await person.send("My rent is late again")
    assert "I could not read a date" not in person.last.text
    step = await escale.db.fetchone("SELECT step FROM preparations WHERE status = 'open'")
    assert step is not None and step["step"] == "for_whom"


async def test_the_meeting_shows_in_help_and_prepare_and_names_the_brief(escale: Escale) -> None:
    worker, person = await pair(escale)
    await person.send("/help")
    assert "Your next meeting" not in person.last.text
    await set_meeting(escale, worker, "tuesday 2pm")

    await person.send("/help")
    assert person.last.text.startswith(
        "Alice supports you in Escale.\nYour next meeting: Tuesday 1 December at 14:00."
    )
    await person.send("/prepare")
    welcome = person.messages[-2]
    assert welcome.text.startswith(
        "Your next meeting: Tuesday 1 December at 14:00.\n\nLet's prepare your meeting."
    )
    await skip_through_preparation(person)
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "For the meeting on Tuesday 1 December at 14:00" in brief.text

    meeting = await escale.db.fetchone("SELECT id FROM meetings")
    preparation = await escale.db.fetchone("SELECT status, meeting_id FROM preparations")
    assert meeting is not None and preparation is not None
    assert tuple(preparation) == ("sent", meeting["id"])


async def test_a_preparation_without_a_meeting_belongs_to_none(escale: Escale) -> None:
    worker, person = await pair(escale)
    await person.send("/prepare")
    assert person.messages[-2].text.startswith("Let's prepare your meeting.")
    await skip_through_preparation(person)
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "For the meeting on" not in brief.text
    preparation = await escale.db.fetchone("SELECT status, meeting_id FROM preparations")
    assert preparation is not None and tuple(preparation) == ("sent", None)


# -- invitations to prepare ------------------------------------------------------------------


async def test_two_invitations_at_48_and_24_hours_and_no_more(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    assert await reminders(escale) == [
        ("invite", db_time(utc(2026, 11, 26, 14, 0)), "pending"),
        ("invite", db_time(utc(2026, 11, 27, 14, 0)), "pending"),
    ]

    await advance_to(escale, utc(2026, 11, 26, 13, 59))
    assert invitations(person) == []
    await advance_to(escale, utc(2026, 11, 26, 14, 0))
    [first] = invitations(person)
    assert first.text == (
        "Your meeting with Alice is on Saturday 28 November at 15:00. Do you want to prepare "
        "it now? Nothing is sent unless you say yes."
    )
    assert person.buttons(first) == INVITATION_BUTTONS
    assert [row[2] for row in await reminders(escale)] == ["queued", "pending"]
    assert await reminder_outbox(escale) == [(person.user_id, "sent", db_time(SATURDAY_3PM))]

    await advance_to(escale, utc(2026, 11, 27, 13, 59))
    assert len(invitations(person)) == 1
    await advance_to(escale, utc(2026, 11, 27, 14, 0))
    first, nudge = invitations(person)
    assert nudge.text.startswith(f"{INVITATION} Saturday 28 November at 15:00.")
    assert person.buttons(nudge) == INVITATION_BUTTONS

    await walk_to(escale, SATURDAY_3PM + timedelta(days=2), step=timedelta(hours=3))
    assert len(invitations(person)) == 2
    assert [row[2] for row in await reminders(escale)] == ["queued", "queued"]


@pytest.mark.parametrize(
    ("typed", "first_due", "second_due"),
    [
        # 48h before Saturday 07:30 is Thursday 07:30, quiet: Thursday 08:00 Paris instead.
        ("saturday 7:30", utc(2026, 11, 26, 7, 0), utc(2026, 11, 27, 7, 0)),
        # 48h before Saturday 22:00 is Thursday 22:00, quiet until Friday 08:00; 24h before
        # is Friday 22:00, quiet until Saturday 08:00.
        ("saturday 22:00", utc(2026, 11, 27, 7, 0), utc(2026, 11, 28, 7, 0)),
    ],
)
async def test_an_invitation_due_in_quiet_hours_arrives_at_eight(
    escale: Escale, typed: str, first_due: datetime, second_due: datetime
) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, typed)
    assert [row[1] for row in await reminders(escale)] == [db_time(first_due), db_time(second_due)]

    await walk_to(escale, first_due - timedelta(minutes=1))
    assert invitations(person) == [], "nothing during the night"
    await advance_to(escale, first_due)
    assert len(invitations(person)) == 1
    await walk_to(escale, second_due - timedelta(minutes=1))
    assert len(invitations(person)) == 1
    await advance_to(escale, second_due)
    assert len(invitations(person)) == 2


async def test_sending_the_preparation_stops_the_invitations(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await advance_to(escale, utc(2026, 11, 26, 14, 0))
    [invitation] = invitations(person)

    await person.press("📝 Prepare now")
    assert person.messages[-2].text.startswith(
        "Your next meeting: Saturday 28 November at 15:00.\n\nLet's prepare your meeting."
    )
    await skip_through_preparation(person)
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "For the meeting on Saturday 28 November at 15:00" in brief.text

    await walk_to(escale, SATURDAY_3PM + timedelta(hours=1), step=timedelta(hours=3))
    assert invitations(person) == [invitation]
    assert [row[2] for row in await reminders(escale)] == ["queued", "dropped"]
    meeting = await escale.db.fetchone("SELECT id FROM meetings")
    preparation = await escale.db.fetchone("SELECT meeting_id FROM preparations")
    assert meeting is not None and preparation is not None
    assert preparation["meeting_id"] == meeting["id"]


async def test_later_asks_again_three_hours_later(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await advance_to(escale, utc(2026, 11, 26, 14, 0))  # Thursday 15:00 in Paris
    [first] = invitations(person)

    await person.press("⏰ Later")
    assert first.text.endswith("All right. I will ask you again on Thursday 26 November at 18:00.")
    assert person.buttons(first) == []
    assert ("later", db_time(utc(2026, 11, 26, 17, 0)), "pending") in await reminders(escale)

    await walk_to(escale, utc(2026, 11, 26, 16, 59), step=timedelta(minutes=30))
    assert invitations(person) == [first]
    await advance_to(escale, utc(2026, 11, 26, 17, 0))
    first, again = invitations(person)
    assert again.text.startswith(f"{INVITATION} Saturday 28 November at 15:00.")
    assert person.buttons(again) == INVITATION_BUTTONS

    await walk_to(escale, SATURDAY_3PM + timedelta(hours=1), step=timedelta(hours=3))
    assert len(invitations(person)) == 3, "the 24h invitation still comes"
    assert await reminders(escale) == [
        ("invite", db_time(utc(2026, 11, 26, 14, 0)), "queued"),
        ("invite", db_time(utc(2026, 11, 27, 14, 0)), "queued"),
        ("later", db_time(utc(2026, 11, 26, 17, 0)), "queued"),
    ]


async def test_later_in_the_evening_waits_for_the_morning(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "sunday 10:00")  # invitations Friday and Saturday 10:00
    await walk_to(escale, utc(2026, 11, 27, 9, 0))
    [first] = invitations(person)
    await advance_to(escale, utc(2026, 11, 27, 18, 0))  # Friday 19:00 in Paris
    await person.press("⏰ Later")  # 22:00 is quiet: Saturday 08:00
    assert first.text.endswith("All right. I will ask you again on Saturday 28 November at 08:00.")
    await walk_to(escale, utc(2026, 11, 28, 6, 59))
    assert invitations(person) == [first], "nothing during the night"
    await advance_to(escale, utc(2026, 11, 28, 7, 0))
    assert len(invitations(person)) == 2
    await advance_to(escale, utc(2026, 11, 28, 9, 0))  # Saturday 10:00: the 24h invitation
    assert len(invitations(person)) == 3


async def test_a_later_falling_on_the_next_invitation_is_sent_once(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 21:00")  # 48h before: Thursday 21:00, quiet
    # …so Friday 08:00; the 24h one is Friday 21:00, quiet too: Saturday 08:00.
    await walk_to(escale, utc(2026, 11, 27, 7, 0))
    [first] = invitations(person)
    await advance_to(escale, utc(2026, 11, 27, 19, 0))  # Friday 20:00 in Paris
    await person.press("⏰ Later")  # 23:00 is quiet: Saturday 08:00
    assert first.text.endswith("All right. I will ask you again on Saturday 28 November at 08:00.")
    await walk_to(escale, utc(2026, 11, 28, 6, 59))
    assert invitations(person) == [first]
    await advance_to(escale, utc(2026, 11, 28, 7, 0))
    assert len(invitations(person)) == 2, "the Later and the 24h invitation, at once: one message"


async def test_not_this_time_stops_the_invitations(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await advance_to(escale, utc(2026, 11, 26, 14, 0))
    [first] = invitations(person)

    await person.press("Not this time")
    assert first.text.endswith(
        "All right. No more reminders for this meeting. /prepare is there if you change your mind."
    )
    assert person.buttons(first) == []
    await walk_to(escale, SATURDAY_3PM + timedelta(hours=1), step=timedelta(hours=3))
    assert invitations(person) == [first]
    assert [row[2] for row in await reminders(escale)] == ["queued", "dropped"]
    assert [row[4] for row in await meetings(escale)] == [1]


async def test_only_the_person_may_answer_their_invitation(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await advance_to(escale, utc(2026, 11, 26, 14, 0))
    [invitation] = invitations(person)
    meeting = await escale.db.fetchone("SELECT id FROM meetings")
    assert meeting is not None
    assert await worker.press_data(f"rmn:{meeting['id']}") == STALE
    other = await make_person(escale, worker, "Sam", "Sam", "en")
    assert await other.press_data(f"rmn:{meeting['id']}") == STALE
    assert await other.press_data(f"rml:{meeting['id']}") == STALE
    assert [row[4] for row in await meetings(escale)] == [0]
    assert [row[2] for row in await reminders(escale)] == ["queued", "pending"]
    assert person.buttons(invitation) == INVITATION_BUTTONS


async def test_a_person_who_blocked_the_bot_gets_no_invitation(escale: Escale) -> None:
    worker, person = await pair(escale)
    person.block()
    await set_meeting(escale, worker, "saturday 3pm")
    seen = len(person.messages)
    await walk_to(escale, SATURDAY_3PM + timedelta(hours=1), step=timedelta(hours=3))
    assert len(person.messages) == seen
    assert [row[2] for row in await reminders(escale)] == ["dropped", "dropped"]
    assert await reminder_outbox(escale) == []
    assert sum("Escale cannot write to Léa any more" in text for text in worker.texts()) == 1


async def test_an_invitation_held_by_a_block_is_never_delivered_after_the_meeting(
    escale: Escale,
) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    assert "set your next meeting" in person.last.text
    person.block()  # after the notice, before the invitations
    await walk_to(escale, SATURDAY_3PM + timedelta(hours=1), step=timedelta(hours=3))
    assert invitations(person) == []
    assert await reminders(escale) == [
        ("invite", db_time(utc(2026, 11, 26, 14, 0)), "queued"),  # held, then…
        ("invite", db_time(utc(2026, 11, 27, 14, 0)), "dropped"),  # …unreachable: not queued
    ]
    assert sum("Escale cannot write to Léa any more" in text for text in worker.texts()) == 1

    person.unblock()
    await person.send("/help")  # writes again after the meeting: the held invitation expired
    await escale.deliveries()
    assert invitations(person) == []
    [(_, status, _)] = await reminder_outbox(escale)
    assert status == "failed"


async def test_a_restart_before_the_reminder_time_delivers_it_once(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await escale.restart()
    await advance_to(escale, utc(2026, 11, 26, 13, 59))
    assert invitations(person) == []
    await advance_to(escale, utc(2026, 11, 26, 14, 0))
    assert len(invitations(person)) == 1
    await escale.restart()
    await advance_to(escale, utc(2026, 11, 26, 20, 0))
    assert len(invitations(person)) == 1, "not again after a second restart"


async def test_an_invitation_due_while_the_app_was_down_goes_out_late_once(
    escale: Escale,
) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await down_until(escale, utc(2026, 11, 26, 18, 30))  # 48h point passed while down
    [late] = invitations(person)
    assert "Saturday 28 November at 15:00" in late.text
    await escale.restart()
    await advance_to(escale, utc(2026, 11, 27, 13, 59))
    assert len(invitations(person)) == 1
    await advance_to(escale, utc(2026, 11, 27, 14, 0))
    assert len(invitations(person)) == 2
    await walk_to(escale, SATURDAY_3PM + timedelta(hours=1), step=timedelta(hours=3))
    assert len(invitations(person)) == 2


async def test_both_invitations_due_while_down_come_back_as_one(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await down_until(escale, utc(2026, 11, 28, 9, 0))  # both points passed, meeting ahead
    assert len(invitations(person)) == 1
    assert [row[2] for row in await reminders(escale)] == ["queued", "dropped"]


async def test_no_invitation_once_the_meeting_has_passed_while_down(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await down_until(escale, SATURDAY_3PM + timedelta(minutes=5))
    await walk_to(escale, SATURDAY_3PM + timedelta(days=1), step=timedelta(hours=6))
    assert invitations(person) == []
    assert [row[2] for row in await reminders(escale)] == ["dropped", "dropped"]
    assert await reminder_outbox(escale) == []


async def test_a_queued_invitation_is_not_sent_once_its_meeting_has_begun(
    escale: Escale,
) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    # At the 48h point Telegram says to wait three days: by then the meeting has begun.
    escale.telegram.fail_next(
        "sendMessage",
        status=429,
        description="Too Many Requests: retry after 259200",
        retry_after=259200,
        chat_id=person.user_id,
    )
    await advance_to(escale, utc(2026, 11, 26, 14, 0))
    assert invitations(person) == []
    await walk_to(escale, utc(2026, 11, 29, 15, 0), step=timedelta(hours=6))
    assert invitations(person) == []
    assert [row[2] for row in await reminders(escale)] == ["queued", "queued"]
    assert [row[1] for row in await reminder_outbox(escale)] == ["failed", "failed"]


async def test_reminders_follow_the_wall_clock_across_daylight_saving(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "29/03/2027 10:00")  # a Monday, summer time (UTC+2)
    monday = utc(2027, 3, 29, 8, 0)
    assert (await meetings(escale))[0][1] == db_time(monday)
    saturday = utc(2027, 3, 27, 9, 0)  # Saturday 10:00 in winter time (UTC+1): 49 real hours
    sunday = utc(2027, 3, 28, 8, 0)  # Sunday 10:00, summer time since 02:00 that night
    assert [row[1] for row in await reminders(escale)] == [db_time(saturday), db_time(sunday)]

    await advance_to(escale, saturday - timedelta(minutes=1))
    assert invitations(person) == []
    await advance_to(escale, saturday)
    [first] = invitations(person)
    assert "Monday 29 March at 10:00" in first.text
    await advance_to(escale, sunday - timedelta(minutes=1))
    assert len(invitations(person)) == 1
    await advance_to(escale, sunday)
    assert len(invitations(person)) == 2


# -- the meeting day ---------------------------------------------------------------------------


async def test_the_worker_gets_the_days_list_once(escale: Escale) -> None:
    worker, lea = await pair(escale)
    await make_person(escale, worker, "Sam", "Sam", "en")
    await set_meeting(escale, worker, "friday 14:30", name="Sam")
    await set_meeting(escale, worker, "friday 10:00", name="Léa")
    await lea.send("/prepare")
    await skip_through_preparation(lea)
    await lea.press("📨 Send to Alice")
    await escale.deliveries()

    await walk_to(escale, utc(2026, 11, 27, 6, 59))
    assert not any("Your meetings today" in text for text in worker.texts())
    await advance_to(escale, utc(2026, 11, 27, 7, 0))  # Friday 08:00 in Paris
    assert worker.last.text == (
        "Your meetings today, Friday 27 November:\n"
        "• 10:00 Léa — prepared ✓\n"
        "• 14:30 Sam — not prepared yet"
    )
    await walk_to(escale, utc(2026, 11, 28, 12, 0), step=timedelta(hours=3))
    assert sum("Your meetings today" in text for text in worker.texts()) == 1
    rows = await escale.db.fetchall("SELECT day, status FROM day_summaries")
    assert [tuple(row) for row in rows] == [("2026-11-27", "queued")]


async def test_no_days_list_for_a_day_already_over(escale: Escale) -> None:
    worker, _ = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await down_until(escale, utc(2026, 11, 30, 9, 0))  # down from Wednesday to Monday
    assert not any("Your meetings today" in text for text in worker.texts()), worker.last.text


# -- in French ---------------------------------------------------------------------------------


async def test_a_french_worker_and_person(escale: Escale) -> None:
    worker, person = await pair(escale, "fr")
    await worker.send("/meeting")
    await worker.press("Léa")
    assert worker.last.text.startswith("Quand")
    await worker.send("mardi 14h")
    assert worker.last.text == "Le mardi 1 décembre à 14:00, avec Léa. C'est bien ça ?"
    assert worker.buttons() == ["✔ Oui", "✏️ Non, une autre date"]
    await worker.press("✔ Oui")
    assert worker.last.text == (
        "C'est noté. Le rendez-vous avec Léa est le mardi 1 décembre à 14:00. Léa le sait "
        "maintenant. Je proposerai à Léa de le préparer."
    )
    await escale.deliveries()
    assert person.last.text.startswith(
        "Alice a fixé votre prochain rendez-vous : le mardi 1 décembre à 14:00."
    )
    await person.send("/help")
    assert "Votre prochain rendez-vous : le mardi 1 décembre à 14:00." in person.last.text

    await advance_to(escale, utc(2026, 11, 29, 13, 0))
    [invitation] = [m for m in person.messages if m.text.startswith("Votre rendez-vous avec")]
    assert invitation.text.startswith(
        "Votre rendez-vous avec Alice est le mardi 1 décembre à 14:00. Vous voulez le préparer "
        "maintenant ?"
    )
    assert person.buttons(invitation) == [
        "📝 Préparer maintenant",
        "⏰ Plus tard",
        "Pas cette fois",
        "✔ Je viendrai",
        "✖ Je ne peux pas venir",
    ]
    await person.press("Pas cette fois")
    await walk_to(escale, utc(2026, 12, 1, 7, 0), step=timedelta(hours=6))
    assert sum(m.text.startswith("Votre rendez-vous avec") for m in person.messages) == 1
    assert worker.last.text.startswith("Vos rendez-vous aujourd'hui, mardi 1 décembre :")
    assert "14:00 Léa — pas encore préparé" in worker.last.text


# -- settings: no quiet hours, a single offset -------------------------------------------------


@pytest.fixture
async def anytime(
    telegram: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Escale]:
    """Escale inviting once, 24 hours before, at any hour of the night."""
    variant = dataclasses.replace(
        settings, quiet_hours=None, reminder_offsets=(timedelta(hours=24),)
    )
    async with running_escale(telegram, variant, caplog) as running:
        yield running


async def test_without_quiet_hours_an_invitation_may_come_at_night(anytime: Escale) -> None:
    worker, person = await pair(anytime)
    await set_meeting(anytime, worker, "saturday 23:00")
    night = utc(2026, 11, 27, 22, 0)  # Friday 23:00 in Paris
    assert await reminders(anytime) == [("invite", db_time(night), "pending")]
    await walk_to(anytime, night - timedelta(minutes=1))
    assert invitations(person) == []
    await advance_to(anytime, night)
    await walk_to(anytime, utc(2026, 11, 29, 0, 0), step=timedelta(hours=3))
    assert len(invitations(person)) == 1


async def test_mydata_holds_the_meetings(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    await worker.send("/meeting")
    await worker.press("Léa")
    await worker.send("tuesday 2pm")
    await worker.press("✔ Yes")
    await escale.deliveries()  # the outbox tells Léa first, so her copy is the last message
    await person.send("/mydata")
    document = person.last
    assert document.file is not None and not isinstance(document.file, str)
    data = json.loads(document.file.data)
    [meeting] = data["meetings"]
    assert meeting["status"] == "planned" and meeting["at"] == "2026-12-01T13:00:00+00:00"
    assert [r["kind"] for r in data["reminders"]] == ["invite", "invite"]


# -- what a review of the first version found ---------------------------------------------------


async def test_an_older_read_back_cannot_confirm_a_newer_date(escale: Escale) -> None:
    worker, person = await pair(escale)
    sam = await make_person(escale, worker, "Sam", "Sam", "en")
    await choose(worker, "Léa")
    await worker.send("tuesday 2pm")
    tuesday = worker.last
    await choose(worker, "Sam")
    await worker.send("friday 11am")
    yes = tuesday.buttons[0][0].callback_data
    assert yes is not None
    assert await worker.press_data(yes, tuesday.message_id) == STALE
    assert await meetings(escale) == []
    await worker.press("✔ Yes")  # the newest read-back: Sam on Friday
    [(person_id, at, *_)] = await meetings(escale)
    assert person_id == sam.user_id and at == db_time(utc(2026, 11, 27, 10))
    assert not invitations(person)


async def test_an_old_menu_cannot_cancel_a_meeting_already_held(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await choose(worker)
    await worker.press("✖ Cancel the meeting")
    await advance_to(escale, SATURDAY_3PM + timedelta(hours=2))
    assert await worker.press("Yes, cancel it") == STALE
    await escale.deliveries()
    assert not any("cancelled" in text for text in person.texts())
    assert [status for _, _, status, *_ in await meetings(escale)] == ["planned"]


async def test_a_queued_invitation_is_withdrawn_when_the_meeting_is_cancelled(
    escale: Escale,
) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    person.block()
    await advance_to(escale, SATURDAY_3PM - timedelta(hours=48))  # the invitation is held
    assert [status for _, status, _ in await reminder_outbox(escale)] == ["held"]
    await choose(worker)
    await worker.press("✖ Cancel the meeting")
    await worker.press("Yes, cancel it")
    assert [status for _, status, _ in await reminder_outbox(escale)] == ["failed"]
    person.unblock()
    await person.send("/help")
    await escale.deliveries()
    assert not invitations(person)
    assert "Alice cancelled your meeting" in "\n".join(person.texts())


async def test_meeting_during_a_preparation_does_not_swallow_its_answers(escale: Escale) -> None:
    _, person = await pair(escale)
    await person.send("/prepare")
    await person.send("/meeting")  # only to look: no date is set
    await person.send("The rent")
    assert "Who is it a problem for?" in person.last.text
    row = await escale.db.fetchone(
        "SELECT text FROM answers WHERE step = 'problem'",
    )
    assert row is not None and row["text"] == "The rent"


async def test_a_meeting_set_for_today_sends_no_list_at_once(escale: Escale) -> None:
    worker, _ = await pair(escale)
    await set_meeting(escale, worker, "today 4pm")
    assert not any(text.startswith("Your meetings today") for text in worker.texts())
    summaries = await escale.db.fetchone("SELECT COUNT(*) AS n FROM day_summaries")
    assert summaries is not None and summaries["n"] == 0


async def test_later_holds_back_an_invitation_due_sooner(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    first = SATURDAY_3PM - timedelta(hours=48)  # Thursday 15:00 Paris
    await advance_to(escale, first + timedelta(hours=22))  # Friday 13:00, before the 24h one
    assert len(invitations(person)) == 1
    await person.press("⏰ Later")
    await walk_to(escale, first + timedelta(hours=24, minutes=30))  # Friday 15:30
    assert len(invitations(person)) == 1, "the 24h invitation gave way to Later"
    await walk_to(escale, first + timedelta(hours=25, minutes=1))  # Friday 16:01
    assert len(invitations(person)) == 2, "one invitation, three hours after Later"


async def test_forget_leaves_no_message_about_the_person(escale: Escale) -> None:
    worker, person = await pair(escale)
    worker.block()
    await person.send("/meeting")
    await person.send("friday 11am")
    await person.press("✔ Yes")
    await escale.deliveries()  # the notice to the worker is held: the worker blocked the bot
    await person.send("/forget")
    await person.press("Yes, erase everything")
    await escale.deliveries()
    rows = await escale.db.fetchall("SELECT body FROM outbox WHERE body LIKE '%Léa%'")
    assert [row["body"] for row in rows] == [], "nothing naming Léa is kept for later"


async def test_no_invitation_while_the_worker_is_suspended(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    admin = escale.admin("en")
    await admin.send("/workers")
    await admin.press("Suspend Alice")
    await walk_to(escale, SATURDAY_3PM - timedelta(minutes=1), step=timedelta(hours=6))
    assert invitations(person) == []
    assert {status for _, _, status in await reminders(escale)} == {"dropped"}


async def test_later_after_sending_the_preparation_promises_nothing(escale: Escale) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await advance_to(escale, SATURDAY_3PM - timedelta(hours=48))
    [invitation] = invitations(person)
    await person.send("/prepare")
    await skip_through_preparation(person)
    await person.press("📨 Send to Alice")
    data = invitation.buttons[1][0].callback_data
    assert data is not None
    assert await person.press_data(data, invitation.message_id) == STALE


async def test_a_person_cannot_give_a_date_to_a_suspended_worker(escale: Escale) -> None:
    _, person = await pair(escale)
    admin = escale.admin("en")
    await admin.send("/workers")
    await admin.press("Suspend Alice")
    await person.send("/meeting")
    assert person.last.text.startswith("Your social worker cannot take dates at the moment.")
    await person.send("friday 11am")
    assert await meetings(escale) == []
