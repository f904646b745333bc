"""The dialogue engine alone: conditions, moving forward and back, progress, filled-in texts.

Small dialogues are built from dicts shaped like the TOML, so each test shows the steps it uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.dialogue import engine
from bot.dialogue.model import Dialogue, Step, load, parse
from bot.i18n import Catalogs, Translator
from bot.repository import Ally, Answer

ALLIES = {1: Ally(1, "Marie", "family"), 2: Ally(2, "CAF <Nord>", "institution")}
REVIEW: dict[str, Any] = {"id": "review", "kind": "review", "question": "Read it."}
MOOD = {
    "id": "mood",
    "kind": "choice",
    "label": "Mood",
    "question": "How are you?",
    "options": [{"id": "good", "label": "Done"}, {"id": "bad", "label": "Not yet"}],
}


@pytest.fixture(scope="module")
def t() -> Translator:
    return Catalogs("en", ZoneInfo("Europe/Paris")).get("en")


def text(step_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": step_id, "kind": "text", "label": step_id, "question": "?", **extra}


def dialogue(*steps: dict[str, Any]) -> Dialogue:
    return parse({"step": [*steps, REVIEW]}, Path("test.toml"))


def given(*step_ids: str, skipped: tuple[str, ...] = ()) -> dict[str, Answer]:
    answers = {s: Answer(s, text=f"{s} text") for s in step_ids}
    return answers | {s: Answer(s, skipped=True) for s in skipped}


def step(d: Dialogue, step_id: str) -> Step:
    found = d.step(step_id)
    assert found is not None
    return found


def ids(steps: list[Step]) -> list[str]:
    return [s.id for s in steps]


# A follow-up of last time, a plain question, and one asked only when both were answered.
FOLLOW = dialogue(
    text("how_it_went", when={"answered_last_time": "plan"}),
    text("problem"),
    text("detail", when={"answered": ["how_it_went", "problem"]}),
    text("plan"),
)


def test_applies_needs_every_answered_step_given_not_skipped() -> None:
    detail = step(FOLLOW, "detail")
    assert engine.applies(detail, given("how_it_went", "problem"), {})
    assert not engine.applies(detail, given("problem"), {})
    assert not engine.applies(detail, given("problem", skipped=("how_it_went",)), {})


def test_applies_answered_last_time_looks_at_the_previous_preparation_only() -> None:
    follow_up = step(FOLLOW, "how_it_went")
    assert engine.applies(follow_up, {}, given("plan"))
    assert not engine.applies(follow_up, given("plan"), {})
    assert not engine.applies(follow_up, {}, given(skipped=("plan",)))


def test_first_step_depends_on_the_previous_preparation() -> None:
    assert engine.first_step(FOLLOW, {}).id == "problem"
    assert engine.first_step(FOLLOW, given("plan")).id == "how_it_went"
    assert engine.first_step(FOLLOW, given(skipped=("plan",))).id == "problem"


def test_next_step_skips_steps_whose_conditions_fail_and_ends_at_the_review() -> None:
    assert engine.next_step(FOLLOW, "problem", given("problem"), {}).id == "plan"
    answers = given("how_it_went", "problem")
    assert engine.next_step(FOLLOW, "problem", answers, given("plan")).id == "detail"
    assert engine.next_step(FOLLOW, "plan", given("problem", "plan"), {}).id == "review"
    assert engine.next_step(FOLLOW, "review", {}, {}).id == "review"


def back(current: str, answers: dict[str, Answer], previous: dict[str, Answer]) -> str | None:
    before = engine.step_before(FOLLOW, current, answers, previous)
    return before.id if before else None


def test_step_before_skips_steps_not_asked_and_is_none_at_the_first() -> None:
    assert back("plan", given("problem"), {}) == "problem"
    assert back("problem", given("problem"), {}) is None
    answers = given("how_it_went", "problem", "detail")
    assert back("plan", answers, given("plan")) == "detail"
    assert back("problem", answers, given("plan")) == "how_it_went"
    assert back("how_it_went", answers, given("plan")) is None


def test_asked_steps_are_the_applying_questions_without_the_review() -> None:
    assert ids(engine.asked_steps(FOLLOW, given("problem", "plan"), {})) == ["problem", "plan"]
    everything = given("how_it_went", "problem", "detail", "plan")
    assert ids(engine.asked_steps(FOLLOW, everything, given("plan"))) == [
        "how_it_went",
        "problem",
        "detail",
        "plan",
    ]


def test_progress_counts_a_conditional_step_until_a_skip_rules_it_out() -> None:
    previous = given("plan")
    assert engine.progress(FOLLOW, "how_it_went", {}, previous) == (1, 4)
    assert engine.progress(FOLLOW, "problem", given("how_it_went"), previous) == (2, 4)
    skipped = given(skipped=("how_it_went",))
    assert engine.progress(FOLLOW, "problem", skipped, previous) == (2, 3)
    assert engine.progress(FOLLOW, "plan", skipped | given("problem"), previous) == (3, 3)


def test_progress_total_drops_a_step_depending_on_one_that_was_not_asked() -> None:
    # First preparation: how_it_went is not asked, so detail can never be; only problem, plan.
    assert engine.progress(FOLLOW, "problem", {}, {}) == (1, 2)


def test_proposal_is_a_question_made_of_the_answers_as_clauses(t: Translator) -> None:
    d = dialogue(
        text("want"),
        text("obstacle"),
        {
            "id": "own",
            "kind": "own_question",
            "label": "Mine",
            "question": "<b>{proposal}</b>",
            "proposal": "How can I {want}, even though {obstacle}?",
        },
    )
    answers = {
        "want": Answer("want", text="  Find a   job!!  "),
        "obstacle": Answer("obstacle", text="I have no car..."),
    }
    own = step(d, "own")
    assert engine.proposal_for(t, d, own, answers, {}) == (
        "How can I find a job, even though I have no car?"
    )
    assert engine.applies(own, answers, {})
    answers["want"] = Answer("want", voice_file_id="voice-1", voice_duration=4)
    assert not engine.applies(own, answers, {}), "no sentence can be made of a voice message"
    assert engine.next_step(d, "obstacle", answers, {}) == d.review
    assert engine.progress(d, "obstacle", answers, {}) == (2, 2)


def test_fill_puts_answers_in_placeholders_escaped_for_html_or_raw(t: Translator) -> None:
    echo = text("echo", question="You said: {problem} ({mood}), last {previous.problem}")
    d = dialogue(MOOD, text("problem"), echo)
    question = step(d, "echo").question
    answers = {"mood": Answer("mood", text="good"), "problem": Answer("problem", text="a < b & c")}
    previous = {"problem": Answer("problem", text="<i>old</i>")}
    assert engine.fill(t, d, question, answers, previous, {}) == (
        "You said: a &lt; b &amp; c (Done), last &lt;i&gt;old&lt;/i&gt;"
    )
    assert engine.fill(t, d, question, answers, previous, {}, escape=False) == (
        "You said: a < b & c (Done), last <i>old</i>"
    )
    assert engine.fill(t, d, question, {}, {}, {}) == "You said:  (), last "


def test_fill_puts_the_proposal_given_as_is(t: Translator) -> None:
    shipped = load()
    own = step(shipped, "own_question")
    filled = engine.fill(t, shipped, own.question, {}, {}, {}, proposal="How &lt;x&gt;?")
    assert "<b>How &lt;x&gt;?</b>" in filled
    assert "{proposal}" not in filled


def test_answer_words_for_each_kind(t: Translator) -> None:
    d = dialogue(
        MOOD,
        text("problem"),
        {"id": "sure", "kind": "scale", "label": "Sure", "question": "?"},
        {
            "id": "allies",
            "kind": "jokers",
            "label": "Allies",
            "question": "?",
            "relations": [{"id": "family", "label": "Family"}],
        },
    )

    def words(step_id: str, answer: Answer) -> str:
        return engine.answer_words(t, step(d, step_id), answer, ALLIES)

    assert words("mood", Answer("mood", text="bad")) == "Not yet"
    assert words("mood", Answer("mood", text="gone")) == "gone"  # an option since removed
    assert words("problem", Answer("problem", text="a < b")) == "a < b"  # plain, not escaped
    assert words("problem", Answer("problem", voice_file_id="v", voice_duration=3)) == (
        "(a voice message)"
    )
    assert words("sure", Answer("sure", text="4")) == "4"
    assert words("allies", Answer("allies", text="[2, 1, 9]")) == "CAF <Nord>, Marie"
    assert words("problem", Answer("problem", skipped=True)) == ""


def test_chosen_allies_reads_the_stored_ids() -> None:
    assert engine.chosen_allies(Answer("jokers", text="[3, 1]")) == [3, 1]
    assert engine.chosen_allies(Answer("jokers", text="[]")) == []
    assert engine.chosen_allies(Answer("jokers", skipped=True, text="[3]")) == []
    assert engine.chosen_allies(Answer("jokers", text="7")) == []


def test_the_shipped_preparation_from_first_to_second_time() -> None:
    shipped = load()
    first_time = engine.first_step(shipped, {})
    assert first_time.id == "problem"
    assert engine.progress(shipped, "problem", {}, {}) == (1, 10)
    previous = {"small_step": Answer("small_step", text="Call the CAF")}
    assert engine.first_step(shipped, previous).id == "since_last_time"
    assert engine.progress(shipped, "since_last_time", {}, previous) == (1, 12)


def test_the_shipped_preparation_drops_own_question_and_its_count_on_a_skip() -> None:
    shipped = load()
    answers = given("problem", "for_whom", "want", skipped=("obstacle",))
    assert engine.next_step(shipped, "obstacle", answers, {}).id == "jokers"
    assert engine.progress(shipped, "obstacle", answers, {}) == (4, 9)
    assert "own_question" not in ids(engine.asked_steps(shipped, answers, {}))
    before = engine.step_before(shipped, "jokers", answers, {})
    assert before is not None and before.id == "obstacle"
