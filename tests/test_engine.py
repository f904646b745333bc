"""The dialogue engine alone: conditions, moving forward and back, progress, filled-in texts.

Small dialogues are built from dicts shaped like the TOML, so each test shows the steps it uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import Catalogs, Translator
from bot.preparation import store
from bot.preparation.dialogue import engine
from bot.preparation.dialogue import views as dialogue_views
from bot.preparation.dialogue.model import AGREED, Dialogue, Step, load, parse
from bot.preparation.flow import score_of
from bot.preparation.store import Ally, Answer

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


def test_progress_keeps_its_total_when_a_skip_rules_a_step_out() -> None:
    previous = given("plan")
    assert engine.progress(FOLLOW, "how_it_went", {}, previous) == (1, 4)
    assert engine.progress(FOLLOW, "problem", given("how_it_went"), previous) == (2, 4)
    skipped = given(skipped=("how_it_went",))
    assert engine.progress(FOLLOW, "problem", skipped, previous) == (2, 4)
    # detail is passed over: the number jumps, the total stays.
    assert engine.progress(FOLLOW, "plan", skipped | given("problem"), previous) == (4, 4)


def test_progress_total_drops_a_step_depending_on_one_that_was_not_asked() -> None:
    # First preparation: how_it_went is not asked, so detail can never be; only problem, plan.
    assert engine.progress(FOLLOW, "problem", {}, {}) == (1, 2)


OWN = dialogue(
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


def proposal(t: Translator, want: Answer, obstacle: Answer) -> str | None:
    return engine.proposal_for(t, OWN, step(OWN, "own"), {"want": want, "obstacle": obstacle}, {})


def test_proposal_is_offered_only_where_the_answers_read_as_a_sentence(t: Translator) -> None:
    good = Answer("want", text="  to find a   job!!  ")
    assert proposal(t, good, Answer("obstacle", text="I have no car...")) == (
        "How can I find a job, even though I have no car?"
    )
    unusable = [
        ("adam eats at the canteen with his friends again", "money"),
        ("i dont no", "."),
        ("To see Adam", "money"),  # what blocks is not a clause
        ("Find a job", "I have no car"),  # no "to": it may not be a verb
        ("to find a job", "It is far"),  # the case would have to change
    ]
    for want, obstacle in unusable:
        found = proposal(t, Answer("want", text=want), Answer("obstacle", text=obstacle))
        assert found is None, (want, obstacle)
    voice = Answer("want", voice_file_id="voice-1", voice_duration=4)
    assert proposal(t, voice, Answer("obstacle", text="I have no car")) is None
    assert proposal(t, good, Answer("obstacle", skipped=True)) is None
    assert proposal(t, good, Answer("obstacle", together=True)) is None


def test_a_french_proposal_needs_an_infinitive_and_a_subject() -> None:
    fr = Catalogs("en", ZoneInfo("Europe/Paris")).get("fr")
    obstacle = Answer("obstacle", text="je ne comprends pas les courriers.")
    assert proposal(fr, Answer("want", text="payer mon loyer à temps"), obstacle) == (
        "Comment faire pour payer mon loyer à temps, même si je ne comprends pas les courriers ?"
    )
    for want, blocks in [("sa bloke", "jsp"), ("Adam mange à la cantine", "je n'ai pas d'argent")]:
        assert proposal(fr, Answer("want", text=want), Answer("obstacle", text=blocks)) is None


def test_the_own_question_is_asked_after_a_voice_answer_and_keeps_the_count() -> None:
    answers = {
        "want": Answer("want", voice_file_id="voice-1", voice_duration=4),
        "obstacle": Answer("obstacle", text="I have no car"),
    }
    own = step(OWN, "own")
    assert engine.applies(own, answers, {})
    assert engine.next_step(OWN, "obstacle", answers, {}) == own
    assert engine.progress(OWN, "obstacle", answers, {}) == (2, 3)
    assert engine.progress(OWN, "want", {}, {}) == (1, 3)


def test_fill_puts_answers_in_placeholders_escaped_for_html_or_raw(t: Translator) -> None:
    echo = text("echo", question="You said: {problem} ({mood}), last {previous.problem}")
    d = dialogue(MOOD, text("problem"), echo)
    question = step(d, "echo").question
    answers = {"mood": Answer("mood", text="good"), "problem": Answer("problem", text="a < b & c")}
    previous = {"problem": Answer("problem", text="<i>old</i>")}
    assert dialogue_views.fill(t, d, question, answers, previous, {}) == (
        "You said: a &lt; b &amp; c (Done), last &lt;i&gt;old&lt;/i&gt;"
    )
    assert dialogue_views.fill(t, d, question, answers, previous, {}, escape=False) == (
        "You said: a < b & c (Done), last <i>old</i>"
    )
    assert dialogue_views.fill(t, d, question, {}, {}, {}) == "You said:  (), last "


def test_fill_puts_the_proposal_given_as_is(t: Translator) -> None:
    own = step(OWN, "own")
    filled = dialogue_views.fill(t, OWN, own.question, {}, {}, {}, proposal="How &lt;x&gt;?")
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
        return dialogue_views.answer_words(t, step(d, step_id), answer, ALLIES)

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
    assert store.chosen_allies(Answer("jokers", text="[3, 1]")) == [3, 1]
    assert store.chosen_allies(Answer("jokers", text="[]")) == []
    assert store.chosen_allies(Answer("jokers", skipped=True, text="[3]")) == []
    assert store.chosen_allies(Answer("jokers", text="7")) == []


def test_the_shipped_preparation_from_first_to_second_time() -> None:
    shipped = load()
    first_time = engine.first_step(shipped, {})
    assert first_time.id == "problem"
    assert engine.progress(shipped, "problem", {}, {}) == (1, 13)
    previous = {"small_step": Answer("small_step", text="Call the CAF")}
    assert engine.first_step(shipped, previous).id == "since_last_time"
    assert engine.progress(shipped, "since_last_time", {}, previous) == (1, 15)
    agreed = {
        **previous,
        AGREED: Answer(AGREED, text='[{"what": "Call", "who": "Léa", "by_when": ""}]'),
    }
    assert engine.first_step(shipped, agreed).id == "agreed_steps", "agreed steps come first"
    assert engine.progress(shipped, "agreed_steps", {}, agreed) == (1, 15)
    after = engine.next_step(shipped, "agreed_steps", given("agreed_steps"), agreed)
    assert after.id == "learned", "the person's own small step is not asked again"


def test_the_shipped_preparation_keeps_its_own_question_and_count_on_a_skip() -> None:
    shipped = load()
    answers = given("problem", "for_whom", "want", skipped=("obstacle",))
    assert engine.next_step(shipped, "obstacle", answers, {}).id == "own_question"
    assert engine.progress(shipped, "obstacle", answers, {}) == (4, 13)
    assert "own_question" in ids(engine.asked_steps(shipped, answers, {}))
    skipped_actors = answers | given(skipped=("actors",))
    assert engine.next_step(shipped, "actors", skipped_actors, {}).id == "jokers"
    assert engine.progress(shipped, "jokers", skipped_actors, {}) == (8, 13)


def test_a_confidence_of_one_asks_what_would_help_to_move_up() -> None:
    shipped = load()
    why = step(shipped, "confidence_why")
    at_one = engine.effective(why, given() | {"confidence": Answer("confidence", text="1")})
    assert "move up one point" in at_one.question and "lower" not in at_one.question
    assert at_one.label == "What would help me feel more sure"
    at_three = engine.effective(why, {"confidence": Answer("confidence", text="3")})
    assert "not lower" in at_three.question and at_three.label != "Why not less"


def test_a_score_is_read_by_the_rules_within_its_scale() -> None:
    confidence, problem = step(load(), "confidence"), step(load(), "problem")
    assert [score_of(confidence, text) for text in ("1", "5", "03")] == [1, 5, 3]
    assert [score_of(confidence, text) for text in ("0", "6", "²", "٣", "-1", "", "x")] == [
        None
    ] * 7
    assert score_of(problem, "3") is None, "a score only on a scale"
