"""A person prepares their meeting; the worker receives what the person chose to share."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.conftest import ADMIN_ID, Escale
from tests.fake_telegram import SentMessage, TelegramUser
from tests.journeys import make_person, make_worker

TRICKY = "<b>not bold</b> & <script>x</script> 3 < 4 > 2 &amp;"


async def prepared_pair(escale: Escale) -> tuple[TelegramUser, TelegramUser]:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    return worker, person


async def answers_row(escale: Escale, person: TelegramUser) -> dict[str, tuple[object, ...]]:
    rows = await escale.db.fetchall(
        """SELECT a.step, a.skipped, a.text, a.voice_file_id, a.hidden FROM answers a
           JOIN preparations p ON p.id = a.preparation_id
           WHERE p.person_id = ? AND p.status = 'open'""",
        (person.user_id,),
    )
    return {row["step"]: tuple(row)[1:] for row in rows}


async def current_step(escale: Escale, person: TelegramUser) -> str | None:
    row = await escale.db.fetchone(
        "SELECT step FROM preparations WHERE person_id = ? AND status = 'open'",
        (person.user_id,),
    )
    return row["step"] if row else None


def briefs(worker: TelegramUser) -> list[SentMessage]:
    return [m for m in worker.messages if "ESC-" in m.text and m.kind == "text"]


async def first_preparation(
    escale: Escale,
    person: TelegramUser,
    *,
    problem: str = "My rent is late again",
    small_step: str = "Call the CAF on Monday",
    confidence: str = "3",
) -> None:
    """Answer every question of a first preparation, up to the review."""
    await person.send("/prepare")
    assert "Question 1 of" in person.last.text
    await person.send(problem)
    await person.press("For me")
    await person.send("to pay my rent on time")
    await person.send("I don't understand the letters")
    assert "How can I pay my rent on time, even though I don't understand the letters?" in (
        person.last.text
    )
    await person.press("✔ Yes, that's my question")
    await person.send("The landlord")
    assert "You named: The landlord" in person.last.text
    await person.send("He wants his money, he fears a long wait")
    await person.send("Marie")
    assert person.last.text == "Add Marie as someone who could help?"
    await person.press("✔ Yes, add this name")
    assert "Who is Marie to you?" in person.last.text
    await person.press("Friend")
    assert "✅ Marie" in person.buttons()
    await person.press("✔ Done")
    await person.send(small_step)
    assert "And if it does not work?" in person.last.text
    await person.send("Ask Marie to call with me")
    await person.press(confidence)
    assert f"You chose {confidence}. What makes it {confidence} and not lower?" in (
        person.last.text
    )
    await person.send("I already called once")
    await person.press("I'd rather not")  # what I expect from my worker


async def test_a_first_preparation_reaches_the_worker_once_sent(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person)

    review = person.last
    assert "Here is what your social worker will read" in review.text
    assert "📨 Send to Alice" in person.buttons()
    preview = "\n".join(person.texts()[-3:])
    assert "My rent is late again" in preview and "Not addressed" in preview
    await escale.deliveries()
    assert briefs(worker) == [], "nothing reaches the worker before Send"

    await person.press("📨 Send to Alice")
    assert "Sent. Alice will get your preparation" in person.last.text
    await escale.deliveries()
    [brief] = briefs(worker)
    assert brief.protect_content and brief.parse_mode == "HTML"
    for words in (
        "Léa",
        "My rent is late again",
        "For me",
        "How can I pay my rent on time, even though I don't understand the letters?",
        "\u2068Marie\u2069 — Friend",  # names set apart from the text around them
        "Call the CAF on Monday",
        "3/5",
        "I already called once",
        "The landlord",
        "He wants his money, he fears a long wait",
        "Ask Marie to call with me",
        "Not addressed: What I expect from my social worker",
        "ESC-",
    ):
        assert words in brief.text, words
    assert worker.buttons(brief) == ["✓ I've read it", "➕ Topics I would like to add"]
    row = await escale.db.fetchone(
        "SELECT status, worker_id FROM preparations WHERE person_id = ?", (person.user_id,)
    )
    assert row is not None and tuple(row) == ("sent", worker.user_id)

    await worker.press("✓ I've read it")
    assert worker.buttons(brief) == ["✔ Read", "➕ Topics I would like to add"]
    await escale.deliveries()
    assert "Alice read your preparation" in person.last.text
    assert await worker.press("✔ Read") == "Already marked as read."
    await escale.deliveries()
    assert sum("read your preparation" in text for text in person.texts()) == 1


async def test_the_answered_question_shows_the_answer_and_loses_its_buttons(
    escale: Escale,
) -> None:
    _, person = await prepared_pair(escale)
    await person.send("/prepare")
    question = person.last
    assert person.buttons(question) == ["I'd rather not", "⏸ Later"]
    await person.send("Too much paperwork")
    assert question.buttons == []
    assert "✔ Too much paperwork" in question.text


async def test_a_second_preparation_starts_with_last_times_small_step(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person)
    await person.press("📨 Send to Alice")

    await person.send("/prepare")
    assert "Last time, you planned this small step:\nCall the CAF on Monday" in person.last.text
    await person.press("Partly")
    assert "What did you learn?" in person.last.text
    await person.send("They answer in the morning")
    await person.send("Still the rent")
    await person.press("For me")
    await person.press("I'd rather not")  # want
    await person.send("Time")
    assert "How can I" not in person.last.text.split("Like this")[0], "nothing to quote"
    await person.press("I'd rather not")  # own question
    await person.press("I'd rather not")  # who else is involved
    assert "Who could help you with this?" in person.last.text
    assert "Marie" in person.buttons(), "allies named before come back as buttons"
    await person.press("Marie")
    await person.press("✔ Done")
    await person.send("Go to the CAF office")
    await person.press("I'd rather not")  # plan B
    await person.press("4")
    await person.send("I know the way")
    await person.send("Help with the form")
    await person.press("📨 Send to Alice")
    await escale.deliveries()

    second = briefs(worker)[-1]
    assert "Call the CAF on Monday" in second.text and "Partly" in second.text
    assert "They answer in the morning" in second.text
    assert "\u2068Marie\u2069 — Friend" in second.text
    assert "4/5 · over time: ▄▆" in second.text, "3 last time, 4 now, on a 1–5 scale"
    assert "My question\n" not in second.text and "Not addressed: My question" in second.text

    await worker.send("/history")
    await worker.press("Léa")
    history = worker.last.text
    assert "2 preparations sent to you" in history
    assert "How I feel about it: 3 → 4 ▄▆" in history
    assert "Call the CAF on Monday → Partly" in history

    await person.send("/logbook")
    logbook = person.last.text
    assert "Call the CAF on Monday → Partly" in logbook
    assert "Go to the CAF office → not said yet" in logbook


async def test_skip_back_edit_hide_and_keep_it_for_me(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Debts")
    await person.press("« Back")
    assert "What is a problem for you today?" in person.last.text
    await person.send("Debts and letters")
    assert await current_step(escale, person) == "for_whom"
    await person.press("I'd rather not")
    await person.press("I'd rather not")  # want
    await person.send("Fear")
    await person.press("I'd rather not")  # own question
    await person.press("I'd rather not")  # who else is involved
    await person.press("✔ Done")  # no joker chosen: not answered
    await person.send("Open the letters")
    await person.press("I'd rather not")  # plan B
    await person.press("2")
    await person.send("I opened one")
    await person.send("Listen")

    await person.press("✏️ My problem today")
    assert "What is a problem for you today?" in person.last.text
    await person.send("Debts, letters and the bank")
    assert "Here is what your social worker will read" in person.last.text
    assert "Debts, letters and the bank" in "\n".join(person.texts()[-3:])

    await person.press("🙈 Hide: My problem today")
    assert "Hidden: My problem today" in person.last.text
    stored = await answers_row(escale, person)
    assert stored["problem"] == (0, "Debts, letters and the bank", None, 1)
    assert stored["for_whom"][0] == 1 and stored["want"][0] == 1

    await person.press("🔒 Keep it for me")
    assert "Kept for you. Nothing was sent" in person.last.text
    await escale.deliveries()
    assert briefs(worker) == []
    row = await escale.db.fetchone(
        "SELECT status FROM preparations WHERE person_id = ?", (person.user_id,)
    )
    assert row is not None and row["status"] == "kept"


async def test_a_hidden_section_never_reaches_the_worker(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person, problem="Something private")
    await person.press("🙈 Hide: My problem today")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "Something private" not in brief.text
    assert "My problem today" not in brief.text
    assert "Call the CAF on Monday" in brief.text


async def test_a_voice_answer_reaches_the_worker_as_a_voice(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send_voice(duration=12)
    voice_id = (await answers_row(escale, person))["problem"][2]
    assert isinstance(voice_id, str)
    for _ in range(5):  # for whom, want, obstacle, own question, who else
        await person.press("I'd rather not")
    await person.press("✔ Done")
    for _ in range(3):
        await person.press("I'd rather not")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "Voice message" in brief.text
    voices = [m for m in worker.messages if m.kind == "voice"]
    assert len(voices) == 1 and voices[0].file == voice_id
    assert voices[0].protect_content
    assert worker.messages.index(voices[0]) > worker.messages.index(brief)


async def test_a_restart_mid_dialogue_resumes_at_the_same_question(escale: Escale) -> None:
    _, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Housing")
    await person.press("For someone close to me")
    assert await current_step(escale, person) == "want"

    await escale.restart()
    await person.send("A flat with two rooms")
    assert await current_step(escale, person) == "obstacle"
    stored = await answers_row(escale, person)
    assert stored["problem"][1] == "Housing" and stored["for_whom"][1] == "close"
    assert stored["want"][1] == "A flat with two rooms"

    await escale.restart()
    await person.send("/prepare")
    assert "We stopped at question 4 of" in person.last.text
    await person.press("Continue")
    assert "What is the first thing that blocks you?" in person.last.text
    await person.press("« Back")
    assert "what would change?" in person.last.text


async def test_start_over_erases_the_open_preparation(escale: Escale) -> None:
    _, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("First try")
    await person.send("/prepare")
    await person.press("Start again (erases these answers)")
    assert "Question 1 of" in person.last.text
    assert await answers_row(escale, person) == {}


async def test_input_that_does_not_fit_changes_nothing(escale: Escale) -> None:
    _, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Money")
    before = await answers_row(escale, person)
    question = person.last.text

    await person.send("A sentence")  # text where a button is expected
    assert "please press a button" in person.texts()[-2]
    await person.send_sticker()
    await person.send_photo()
    await person.send_document()
    await person.edit("Money", "Money and time")
    assert "Changing a message does not change your answer" in person.texts()[-2]
    for text in person.texts()[-9:]:
        assert "Sorry, I have a problem" not in text
    assert person.last.text == question
    assert await answers_row(escale, person) == before
    assert await current_step(escale, person) == "for_whom"

    await person.press("For me")
    await person.send("x" * 1001)
    assert "1001 characters. The limit is 1000" in person.texts()[-2]
    assert await current_step(escale, person) == "want"
    assert "want" not in await answers_row(escale, person)


async def test_an_old_button_or_someone_elses_changes_nothing(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Money")
    choice = person.last
    data = choice.buttons[0][0].callback_data
    assert data is not None
    await person.press("For me")
    before = await answers_row(escale, person)

    notice = await person.press_data(data, choice.message_id)
    assert notice == "This button is from an earlier question. Here is where we are."
    assert "If things went your way" in person.last.text
    assert await answers_row(escale, person) == before

    other = await make_person(escale, worker, "Sam", "Sam", "en")
    current = person.last.buttons[0][0].callback_data
    assert current is not None
    notice = await other.press_data(current)
    assert notice == "This button does not work any more. /help shows what you can do."
    assert await answers_row(escale, person) == before
    assert await current_step(escale, person) == "want"


async def test_tag_like_text_is_escaped_everywhere(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send(TRICKY)
    await person.press("For me")
    await person.send(TRICKY)
    await person.send(TRICKY)
    assert TRICKY in person.last.text  # quoted side by side, as typed
    await person.send(TRICKY)  # my own words
    await person.send(TRICKY)  # who else is involved
    await person.send(TRICKY)  # what they want or fear
    await person.send(TRICKY)  # a joker's name
    await person.press("✔ Yes, add this name")
    await person.press("Association")
    await person.press("✔ Done")
    await person.send(TRICKY)
    await person.send(TRICKY)  # plan B
    await person.press("5")
    await person.send(TRICKY)
    await person.send(TRICKY)
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert brief.parse_mode == "HTML"
    assert brief.text.count(TRICKY) == 11
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp; &lt;script&gt;" in (brief.html or "")


async def test_a_long_brief_is_split_below_telegrams_limit(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    long_answers = [(f"{n} " + "words " * 200)[:999] + "." for n in range(1, 7)]
    await person.send("/prepare")
    await person.send(long_answers[0])
    await person.press("For me")
    await person.send(long_answers[1])
    await person.send(long_answers[2])
    await person.send(long_answers[3])  # own question
    await person.press("I'd rather not")  # who else is involved
    await person.press("✔ Done")
    await person.send(long_answers[4])
    await person.press("I'd rather not")  # plan B
    await person.press("I'd rather not")  # confidence
    await person.send(long_answers[5])
    assert sum(len(a) for a in long_answers) == 6000
    await person.press("📨 Send to Alice")
    await escale.deliveries()

    parts = briefs(worker)
    assert len(parts) >= 2
    assert all(len(part.text) <= 4096 and len(part.html or "") <= 4096 for part in parts)
    whole = "\n".join(part.text for part in parts)
    for answer in long_answers:
        assert answer in whole
    assert worker.buttons(parts[-1]) == ["✓ I've read it", "➕ Topics I would like to add"]
    assert all(worker.buttons(part) == [] for part in parts[:-1])


async def test_the_brief_survives_a_rate_limit(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person)
    escale.telegram.fail_next(
        "sendMessage",
        status=429,
        description="Too Many Requests: retry after 7",
        retry_after=7,
        chat_id=worker.user_id,
    )
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    assert briefs(worker) == []
    escale.clock.advance(timedelta(seconds=7))
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "Possible repeat" not in brief.text


async def test_the_brief_survives_server_errors(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person)
    escale.telegram.fail_next(
        "sendMessage",
        status=500,
        description="Internal Server Error",
        times=3,
        chat_id=worker.user_id,
    )
    await person.press("📨 Send to Alice")
    for _ in range(4):
        await escale.deliveries()
        escale.clock.advance(timedelta(minutes=5))
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "Possible repeat" not in brief.text


async def test_a_worker_who_blocked_the_bot_is_marked_and_the_admins_told(
    escale: Escale,
) -> None:
    worker, person = await prepared_pair(escale)
    admin = escale.admin("en")
    await first_preparation(escale, person)
    worker.block()
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    account = await escale.repo.account(worker.user_id)
    assert account is not None and account.unreachable
    assert "ne peut plus écrire à Alice" in admin.last.text  # default fr
    assert admin.user_id == ADMIN_ID

    worker.unblock()
    await worker.send("/help")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "Call the CAF on Monday" in brief.text
    account = await escale.repo.account(worker.user_id)
    assert account is not None and not account.unreachable


async def test_prepare_is_for_people_only(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    await worker.send("/prepare")
    assert "I don't know this command" in worker.last.text
    visitor = escale.user("Zoé", "en")
    await visitor.send("/logbook")
    assert "I don't know this command" in visitor.last.text


async def test_the_person_can_start_from_the_welcome_button_in_french(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "fr")
    person = await make_person(escale, worker, "Léa", "Léa", "fr")
    await person.press("📝 Préparer mon rendez-vous")
    assert "Question 1 sur" in person.last.text
    await person.send("/cancel")
    assert "Votre préparation est en pause" in person.last.text


async def test_after_cancel_a_message_is_not_taken_as_an_answer(escale: Escale) -> None:
    _, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Housing")
    await person.send("/cancel")
    assert person.last.text.startswith("Your preparation is paused.")
    await person.send("hello, are you there?")
    assert person.last.text.startswith("Your preparation is paused.")
    await person.send_voice()
    assert person.last.text.startswith("Your preparation is paused.")
    assert await current_step(escale, person) == "for_whom"
    assert set(await answers_row(escale, person)) == {"problem"}

    await escale.restart()  # the pause is a row too
    await person.send("still me")
    assert person.last.text.startswith("Your preparation is paused.")
    await person.press("📝 Prepare my meeting")
    assert "We stopped at question 2 of" in person.last.text
    await person.press("Continue")
    assert "Who is it a problem for?" in person.last.text
    await person.press("For me")
    await person.send("A flat with two rooms")
    stored = await answers_row(escale, person)
    assert stored["for_whom"][1] == "me" and stored["want"][1] == "A flat with two rooms"


async def test_mydata_holds_the_preparations_and_forget_erases_them(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person, problem=TRICKY)
    await person.press("📨 Send to Alice")
    await escale.deliveries()

    await person.send("/mydata")
    document = person.last
    assert document.file is not None and not isinstance(document.file, str)
    data = json.loads(document.file.data)
    [prepared] = data["preparations"]
    assert prepared["status"] == "sent"
    answers = {answer["step"]: answer for answer in prepared["answers"]}
    assert answers["problem"]["text"] == TRICKY
    assert answers["expectations"]["skipped"] == 1
    assert [(ally["name"], ally["relation"]) for ally in data["allies"]] == [("Marie", "friend")]

    await person.send("/prepare")  # an open preparation goes too
    await person.send("Something new")
    await person.send("/forget")
    await person.press("Yes, erase everything")
    for table, column in (("preparations", "person_id"), ("allies", "person_id")):
        row = await escale.db.fetchone(
            f"SELECT COUNT(*) AS n FROM {table} WHERE {column} = ?", (person.user_id,)
        )
        assert row is not None and row["n"] == 0, table
    row = await escale.db.fetchone("SELECT COUNT(*) AS n FROM answers")
    assert row is not None and row["n"] == 0
    assert worker.last.text == "Léa left Escale. Everything they kept there is erased."


async def test_a_kept_preparation_is_never_quoted_to_the_worker(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person, small_step="Tell my sister everything")
    await person.press("🔒 Keep it for me")

    await person.send("/prepare")
    assert "Tell my sister everything" in person.last.text  # the person's own memory
    await person.press("Partly")
    while "I'd rather not" in person.buttons():  # every other question, up to the review
        await person.press("I'd rather not")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "Partly" in brief.text
    assert "Tell my sister everything" not in brief.text


async def test_a_suspended_worker_receives_no_preparation(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person)
    admin = escale.admin("en")
    await admin.send("/workers")
    await admin.press("Suspend Alice")
    await person.press("📨 Send to Alice")
    assert person.last.text.startswith("Alice cannot get preparations at the moment")
    await escale.deliveries()
    assert briefs(worker) == []
    assert await current_step(escale, person) == "review"


async def test_history_never_pairs_a_step_with_the_outcome_of_a_kept_one(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person, small_step="Step A")
    await person.press("📨 Send to Alice")

    async def next_preparation(outcome: str, small_step: str | None) -> None:
        await person.send("/prepare")
        await person.press(outcome)
        while "I'd rather not" in person.buttons():
            if "What small step" in person.last.text and small_step:
                await person.send(small_step)
            else:
                await person.press("I'd rather not")

    await next_preparation("Done", "Step B")
    await person.press("🔒 Keep it for me")
    await next_preparation("Not yet", None)
    await person.press("📨 Send to Alice")
    await escale.deliveries()

    await worker.send("/history")
    await worker.press("Léa")
    history = worker.last.text
    assert "2 preparations sent to you" in history
    assert "Step A → not said yet" in history, "its outcome is in the kept preparation"
    assert "Step B" not in history and "Not yet" not in history and "Done" not in history


async def test_an_edit_from_the_review_asks_the_question_it_opens(escale: Escale) -> None:
    _, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Debts")
    while "I'd rather not" in person.buttons():
        await person.press("I'd rather not")
        if "Who could help you with this?" in person.last.text:
            await person.press("✔ Done")
    assert "✏️ What they want or fear" not in person.buttons()

    await person.press("✏️ Who else is involved")
    await person.send("The bank")
    assert "You named: The bank" in person.last.text
    await person.send("It wants its money back")
    assert "Here is what your social worker will read" in person.last.text
    assert "✏️ What they want or fear" in person.buttons()
    stored = await answers_row(escale, person)
    assert stored["actors_stakes"][1] == "It wants its money back"


async def test_a_step_dropped_from_the_file_meanwhile_leads_to_the_review(
    escale: Escale,
) -> None:
    worker, person = await prepared_pair(escale)
    await first_preparation(escale, person)
    async with escale.db.transaction() as tx:  # as if the service removed that question
        await tx.execute(
            "UPDATE preparations SET step = 'gone' WHERE person_id = ?", (person.user_id,)
        )
    await person.send("/prepare")
    await person.press("Continue")
    assert "Here is what your social worker will read" in person.last.text
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "Call the CAF on Monday" in brief.text


async def test_only_the_newest_resume_offer_can_start_over(escale: Escale) -> None:
    _, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Housing")
    await person.send("/prepare")
    first_offer = person.last
    start_over = first_offer.buttons[-1][0]
    assert start_over.text == "Start again (erases these answers)"
    await person.send("/prepare")
    assert person.buttons(first_offer) == []

    assert start_over.callback_data is not None
    await person.press_data(start_over.callback_data, first_offer.message_id)
    assert set(await answers_row(escale, person)) == {"problem"}, "nothing erased"
    assert "Who is it a problem for?" in person.last.text  # asked again where it stands
    await person.send("/prepare")
    await person.press("Start again (erases these answers)")
    assert await answers_row(escale, person) == {}


async def test_the_own_question_with_unusable_answers_shows_them_side_by_side(
    escale: Escale,
) -> None:
    worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("The canteen")
    await person.press("For someone close to me")
    await person.send("adam eats at the canteen with his friends again and I pay in small parts")
    await person.send("money")
    own = person.last.text
    assert "How can I adam" not in own and "even though money" not in own
    assert "What I want\nadam eats at the canteen" in own, "their words, case unchanged"
    assert "What blocks me\nmoney" in own
    assert "How can I …, even though …?" in own
    assert "✔ Yes, that's my question" not in person.buttons()
    await person.press("🤝 Keep it for the meeting")
    assert await current_step(escale, person) == "actors"
    stored = await escale.db.fetchone(
        "SELECT together, text, skipped FROM answers WHERE step = 'own_question'"
    )
    assert stored is not None and tuple(stored) == (1, None, 0)
    while "I'd rather not" in person.buttons():
        await person.press("I'd rather not")
        if "Who could help you with this?" in person.last.text:
            await person.press("✔ Done")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert brief.text.split("Ref. ESC-00001\n\n")[1].startswith(
        "My question\nto put into words together"
    ), "the brief opens with the question"


async def test_a_voice_answer_keeps_the_own_question_and_the_count(escale: Escale) -> None:
    _, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Housing")
    await person.press("For me")
    assert person.last.text.startswith("Question 3 of 13\n")
    await person.send_voice(duration=5)
    assert person.last.text.startswith("Question 4 of 13\n")
    await person.send("I have no money")
    assert person.last.text.startswith("Question 5 of 13\n")
    assert "What I want\n(a voice message)" in person.last.text
    assert "✔ Yes, that's my question" not in person.buttons()
    await person.send_voice(duration=7)  # the question itself, said aloud
    assert await current_step(escale, person) == "actors"
    assert person.last.text.startswith("Question 6 of 13\n")


async def test_a_proposal_in_french_keeps_the_persons_words(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "fr")
    person = await make_person(escale, worker, "Léa", "Léa", "fr")
    await person.send("/prepare")
    await person.send("Le loyer")
    await person.press("Pour moi")
    await person.send("payer mon loyer à temps")
    await person.send("je ne comprends pas les courriers de la CAF.")
    assert (
        "Comment faire pour payer mon loyer à temps, même si je ne comprends pas les courriers "
        "de la CAF ?" in person.last.text
    )
    await person.press("✔ Oui, c'est ma question")
    stored = await answers_row(escale, person)
    assert stored["own_question"][1] == (
        "Comment faire pour payer mon loyer à temps, même si je ne comprends pas les courriers "
        "de la CAF ?"
    )


async def test_confidence_at_one_asks_what_would_help_to_move_up(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("Debts")
    while "1" not in person.buttons():
        await person.press("✔ Done" if "✔ Done" in person.buttons() else "I'd rather not")
    await person.press("1")
    assert "What would help you move up one point, to 2?" in person.last.text
    assert "lower" not in person.last.text
    await person.send("Someone to go with me")
    await person.press("I'd rather not")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "What would help me feel more sure\nSomeone to go with me" in brief.text
    assert "Why not less" not in brief.text
