"""Dialogue files: the shipped one loads; a mistake is refused naming the file, step and field."""

from pathlib import Path

import pytest

from bot.core.config import PREPARATION, ConfigError, load_settings
from bot.preparation.dialogue.extract import extract_dialogue
from bot.preparation.dialogue.model import DialogueError, Kind, load

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwx"

WANT = """
[[step]]
id = "want"
kind = "text"
label = "What I want"
question = "What do you want?"
"""
SURE = """
[[step]]
id = "sure"
kind = "scale"
label = "How sure"
question = "How sure are you?"
"""
REVIEW = """
[[step]]
id = "review"
kind = "review"
question = "Here is what your worker will read."
"""


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "dialogue.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DialogueError) as raised:
        load(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    return message


def test_the_shipped_preparation_loads() -> None:
    dialogue = load(PREPARATION)
    assert len(dialogue.steps) == 17
    assert [s.id for s in dialogue.steps[:2]] == ["agreed_steps", "since_last_time"]
    assert dialogue.review.kind is Kind.REVIEW
    jokers = dialogue.step("jokers")
    assert jokers is not None and jokers.option("worker") is not None
    own = dialogue.step("own_question")
    assert own is not None and own.proposal == "How can I {want}, even though {obstacle}?"


def test_a_small_valid_dialogue_loads(tmp_path: Path) -> None:
    path = tmp_path / "dialogue.toml"
    path.write_text(WANT + REVIEW, encoding="utf-8")
    assert [s.id for s in load(path).steps] == ["want", "review"]


@pytest.mark.parametrize(
    ("text", "step", "field", "problem"),
    [
        pytest.param(
            WANT.replace('"text"', '"txt"') + REVIEW,
            "step 'want' (#1)",
            "kind",
            "unknown kind 'txt'",
            id="unknown kind",
        ),
        pytest.param(
            WANT.replace('id = "want"\n', "") + REVIEW, "step (#1)", "id", "missing", id="no id"
        ),
        pytest.param(
            WANT + WANT + REVIEW, "step 'want' (#2)", "id", "duplicate", id="duplicate id"
        ),
        pytest.param(
            WANT + WANT.replace('"want"', '"more"') + 'when = { answered = ["ghost"] }\n' + REVIEW,
            "step 'more' (#2)",
            "when",
            "'ghost'",
            id="when names no step",
        ),
        pytest.param(
            WANT + 'when = { answered_last_time = "ghost" }\n' + REVIEW,
            "step 'want' (#1)",
            "when",
            "'ghost'",
            id="when names no step last time",
        ),
        pytest.param(
            WANT.replace('"want"', '"later"') + 'when = { answered = ["want"] }\n' + WANT + REVIEW,
            "step 'later' (#1)",
            "when",
            "not an earlier step",
            id="when names a later step",
        ),
        pytest.param(
            WANT.replace('"text"', '"choice"')
            + 'options = [{ id = "yes", label = "Yes" }, { id = "no" }]\n'
            + REVIEW,
            "step 'want' (#1)",
            "options",
            "option 'no' has no label",
            id="option without label",
        ),
        pytest.param(
            WANT + 'colour = "blue"\n' + REVIEW,
            "step 'want' (#1)",
            "colour",
            "not a field of a text step",
            id="unknown field",
        ),
        pytest.param(
            WANT + "options = []\n" + REVIEW,
            "step 'want' (#1)",
            "options",
            "not a field of a text step",
            id="field of another kind",
        ),
        pytest.param(
            WANT.replace("What do you want?", "You said {ghost}. What do you want?") + REVIEW,
            "step 'want' (#1)",
            "question",
            "{ghost}",
            id="placeholder naming no step",
        ),
        pytest.param(
            WANT.replace("What do you want?", "You said {review}.") + REVIEW,
            "step 'want' (#1)",
            "question",
            "{review}",
            id="placeholder naming a later step",
        ),
        pytest.param(
            WANT.replace("What do you want?", "Last time: {previous.ghost}.") + REVIEW,
            "step 'want' (#1)",
            "question",
            "{previous.ghost}",
            id="placeholder naming no step last time",
        ),
        pytest.param(
            REVIEW + WANT,
            "step 'want' (#2)",
            "kind",
            "ends with exactly one review step",
            id="review not last",
        ),
        pytest.param(
            WANT, "step 'want' (#1)", "kind", "ends with exactly one review step", id="no review"
        ),
        pytest.param(
            WANT + REVIEW + "skippable = true\n",
            "step 'review' (#2)",
            "skippable",
            "cannot be skipped",
            id="skippable review",
        ),
        pytest.param(
            WANT + "lead = 0\n" + REVIEW,
            "step 'want' (#1)",
            "lead",
            "from 1 to 99",
            id="lead out of range",
        ),
        pytest.param(
            WANT + 'when = { agreed = "yes" }\n' + REVIEW,
            "step 'want' (#1)",
            "when",
            "agreed must be true or false",
            id="agreed not a boolean",
        ),
        pytest.param(
            WANT
            + WANT.replace('"want"', '"more"')
            + 'when = { answered_any = ["ghost"] }\n'
            + REVIEW,
            "step 'more' (#2)",
            "when",
            "answered_any names 'ghost'",
            id="answered_any names no step",
        ),
        pytest.param(
            SURE + WANT + 'variants = [{ when = { sure = "9" }, question = "?" }]\n' + REVIEW,
            "step 'want' (#2)",
            "variants",
            "'9' is not an answer of 'sure'",
            id="variant with an impossible answer",
        ),
        pytest.param(
            WANT + 'variants = [{ when = { ghost = "1" }, question = "?" }]\n' + REVIEW,
            "step 'want' (#1)",
            "variants",
            "'ghost' is not an earlier step",
            id="variant naming no step",
        ),
        pytest.param(
            SURE + WANT + 'variants = [{ when = { sure = "1" } }]\n' + REVIEW,
            "step 'want' (#2)",
            "question",
            "missing",
            id="variant without a question",
        ),
        pytest.param(
            WANT.replace('"text"', '"agreed"')
            + 'options = [{ id = "done", label = "Done", praise = "" }]\n'
            + REVIEW,
            "step 'want' (#1)",
            "options",
            "praise must be a non-empty text",
            id="empty praise",
        ),
        pytest.param(
            WANT.replace('"text"', '"choice"')
            + 'options = [{ id = "me", label = "Me", quiet = "yes" }]\n'
            + REVIEW,
            "step 'want' (#1)",
            "options",
            "quiet must be true or false",
            id="quiet not a boolean",
        ),
    ],
)
def test_a_mistake_names_the_file_the_step_and_the_field(
    tmp_path: Path, text: str, step: str, field: str, problem: str
) -> None:
    message = _error(tmp_path, text)
    assert f"{step}, field {field!r}: " in message, message
    assert problem in message, message


def test_a_file_that_is_not_toml_is_refused_with_its_line(tmp_path: Path) -> None:
    message = _error(tmp_path, WANT + 'question = "unclosed\n' + REVIEW)
    assert "not valid TOML" in message
    assert "line 7" in message


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DialogueError, match="cannot be read") as raised:
        load(tmp_path / "nowhere.toml")
    assert str(raised.value).startswith(f"{tmp_path / 'nowhere.toml'}: ")


def test_the_setting_chooses_the_file(tmp_path: Path) -> None:
    assert load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None).dialogue_path == PREPARATION
    path = tmp_path / "ours.toml"
    path.write_text(WANT + REVIEW, encoding="utf-8")
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "ESCALE_DIALOGUE": str(path)}, None)
    assert settings.dialogue_path == path
    with pytest.raises(ConfigError, match=r"^ESCALE_DIALOGUE: .* is not a file"):
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "ESCALE_DIALOGUE": str(tmp_path / "x")}, None)


def test_the_extractor_refuses_a_broken_file_as_the_bot_does(tmp_path: Path) -> None:
    path = tmp_path / "dialogue.toml"
    path.write_text(WANT.replace('"text"', '"txt"') + REVIEW, encoding="utf-8")
    with path.open("rb") as file, pytest.raises(DialogueError, match="field 'kind'"):
        list(extract_dialogue(file, [], [], {}))
    path.write_text(WANT + "question = \n" + REVIEW, encoding="utf-8")
    with path.open("rb") as file, pytest.raises(DialogueError, match="not valid TOML"):
        list(extract_dialogue(file, [], [], {}))


def test_the_extractor_takes_variants_and_praise_with_where_they_come_from() -> None:
    with PREPARATION.open("rb") as file:
        found: dict[str, list[str]] = {}
        for _, _, message, comments in extract_dialogue(file, [], [], {}):
            found.setdefault(message, []).extend(comments)
    praise = "Well done! A challenge met calls for others."
    assert 'Dialogue step "agreed_steps" (agreed): option "done" praise' in found[praise]
    at_one = "You chose 1. What would help you move up one point, to 2?"
    assert found[at_one] == ['Dialogue step "confidence_why" (text): variant 1 question']
    assert "What would help me feel more sure" in found
