"""Stopping without commands: a Later button on every question, typed stop words, the recap."""

from __future__ import annotations

import pytest

from bot.preparation.flow import means_stopping
from tests.conftest import Escale
from tests.fake_telegram import TelegramUser
from tests.test_preparation import answers_row, current_step, prepared_pair


async def test_later_is_on_every_question_and_pauses_keeping_the_answers(escale: Escale) -> None:
    _worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    assert "⏸ Later" in person.buttons()
    await person.send("My rent is late again")
    assert "⏸ Later" in person.buttons()  # for whom: a choice
    await person.press("⏸ Later")
    assert person.last.text.startswith("Your preparation is paused. Your answers are kept.")
    assert await current_step(escale, person) == "for_whom"
    await person.send("For me, I think")  # paused: not an answer
    assert person.last.text.startswith("Your preparation is paused.")
    assert set(await answers_row(escale, person)) == {"problem"}


async def test_a_typed_stop_word_is_asked_about_never_stored_at_once(escale: Escale) -> None:
    _worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Arrête !")  # the French word, typed by someone whose Telegram is English
    assert person.last.text == "Do you want to stop for now? Your answers are kept."
    assert await answers_row(escale, person) == {}
    await person.press("⏸ Yes, stop for now")
    assert person.last.text.startswith("Your preparation is paused.")
    assert await answers_row(escale, person) == {}


async def test_a_stop_word_that_was_an_answer_is_kept_when_the_person_says_so(
    escale: Escale,
) -> None:
    _worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Court tomorrow, stop")
    assert person.buttons() == ["⏸ Yes, stop for now", "✏️ No, it is my answer"]
    await person.press("✏️ No, it is my answer")
    assert (await answers_row(escale, person))["problem"][1] == "Court tomorrow, stop"
    assert await current_step(escale, person) == "for_whom"
    # on a question answered with buttons, No goes back to the question
    await person.send("later")
    assert person.buttons() == ["⏸ Yes, stop for now", "No, go on"]
    await person.press("No, go on")
    assert "Who is it a problem for?" in person.last.text
    assert await current_step(escale, person) == "for_whom"


async def test_a_long_answer_saying_stop_is_just_an_answer(escale: Escale) -> None:
    _worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("My landlord wants me out and I want it to stop before winter")
    assert await current_step(escale, person) == "for_whom"


async def test_coming_back_shows_what_was_already_answered(escale: Escale) -> None:
    _worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("My rent is <late> again and the letters keep coming every single week")
    await person.press("For me")
    await person.press("⏸ Later")
    await person.press("📝 Prepare my meeting")
    offer = person.last.text
    assert "We stopped at question 3 of" in offer
    assert "Your answers so far:" in offer
    assert (
        "• My problem today: My rent is <late> again and the letters keep coming every s…" in offer
    )
    assert "• Who it is a problem for: For me" in offer
    await person.press("Continue")
    assert "If things went your way" in person.last.text


@pytest.mark.parametrize(
    ("text", "stopping"),
    [
        ("stop", True),
        ("STOP!!", True),
        ("I have to go", True),
        ("ok bye", True),
        ("stopped", False),
        ("My landlord wants me out and I want it to stop", False),
        ("", False),
    ],
)
def test_stop_words_are_whole_words_in_a_short_message(text: str, stopping: bool) -> None:
    words = ["stop", "I have to go", "bye", "arrête"]
    assert means_stopping(text, words) is stopping
    assert means_stopping("arrete", words)


async def _scratch_text(escale: Escale, person: TelegramUser) -> str:
    row = await escale.db.fetchone(
        "SELECT scratch FROM preparations WHERE person_id = ? AND status = 'open'",
        (person.user_id,),
    )
    assert row is not None
    return str(row["scratch"])


async def test_typed_words_the_person_said_were_no_answer_are_not_kept(escale: Escale) -> None:
    _worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Bye, my son is ill")  # "not an answer": Yes, stop for now
    assert "my son is ill" in await _scratch_text(escale, person)  # held while asked
    await person.press("⏸ Yes, stop for now")
    assert "my son is ill" not in await _scratch_text(escale, person)
    await person.press("📝 Prepare my meeting")
    await person.press("Continue")
    await person.send("Rent")
    await person.send("enough, I quit")  # on a choice question: No, go on
    await person.press("No, go on")
    assert "quit" not in await _scratch_text(escale, person)
    assert await current_step(escale, person) == "for_whom"


async def test_cancel_drops_held_words_and_unconfirmed_names(escale: Escale) -> None:
    _worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("stop, my ex is back")
    await person.send("/cancel")
    assert "my ex is back" not in await _scratch_text(escale, person)
