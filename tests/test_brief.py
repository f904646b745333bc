"""The worker's brief: escaped, complete, never blank, and split into messages Telegram accepts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import Catalogs, Translator
from bot.core.text import split_html
from bot.emulator.html_check import parse_telegram_html
from bot.preparation.brief_model import BriefInput, BriefPart, TextPart, VoicePart, in_brief_order
from bot.preparation.brief_views import agreed_lines, describe_answer, render_brief, sparkline
from bot.preparation.dialogue.model import Dialogue, Kind, Step, load
from bot.preparation.store import Ally, Answer

PARIS = ZoneInfo("Europe/Paris")
PREPARED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday, 10:00 in Paris
MEETING = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # Thursday, 14:00 in Paris
REF = "ESC-00042"
DIALOGUE = load()
STEPS = [s for s in DIALOGUE.steps if s.kind is not Kind.REVIEW]
ALLIES = {1: Ally(1, "Marie", "family"), 2: Ally(2, "CAF <Nord>", "institution")}
NASTY = "a < b > c & d <b>x</b> <script>alert(1)</script> &amp; &lt;"


@pytest.fixture(scope="module")
def t() -> Translator:
    return Catalogs("en", PARIS).get("en")


def step(step_id: str) -> Step:
    found = DIALOGUE.step(step_id)
    assert found is not None
    return found


def brief(
    answers: Sequence[Answer],
    *,
    steps: Sequence[Step] = STEPS,
    previous: Sequence[Answer] = (),
    history: Mapping[str, Sequence[int]] | None = None,
    meeting_at: datetime | None = None,
    name: str = "Léa",
) -> BriefInput:
    return BriefInput(
        reference=REF,
        person_name=name,
        prepared_at=PREPARED,
        steps=steps,
        answers={a.step: a for a in answers},
        previous_answers={a.step: a for a in previous},
        allies=ALLIES,
        history=history or {},
        meeting_at=meeting_at,
    )


def texts(parts: Sequence[BriefPart]) -> list[str]:
    return [p.html for p in parts if isinstance(p, TextPart)]


def shown(html: str) -> str:
    """What Telegram HTML reads as, without the (invisible) isolates set around names."""
    return parse_telegram_html(html).replace("\u2068", "").replace("\u2069", "")


def visible(parts: Sequence[BriefPart]) -> str:
    """The text the worker reads, each part checked to parse as Telegram HTML."""
    return "\n".join(shown(html) for html in texts(parts))


def render(t: Translator, data: BriefInput, dialogue: Dialogue = DIALOGUE) -> list[BriefPart]:
    parts = render_brief(t, dialogue, data)
    for html in texts(parts):
        parse_telegram_html(html)
    return parts


def test_header_names_the_person_the_date_and_the_reference(t: Translator) -> None:
    parts = render(t, brief([], name="Léa & <Bob>"))
    assert len(parts) == 1
    seen = visible(parts)
    assert "Léa & <Bob>'s preparation, in their own words" in seen
    assert "Prepared on Tuesday 1 December at 10:00" in seen
    assert f"Ref. {REF}" in seen
    assert "For the meeting" not in seen


def test_header_names_the_meeting_when_one_is_set(t: Translator) -> None:
    seen = visible(render(t, brief([], meeting_at=MEETING)))
    assert "For the meeting on Thursday 3 December at 14:00" in seen


def test_text_answers_are_escaped_and_keep_their_lines(t: Translator) -> None:
    typed = NASTY + "\nsecond line"
    parts = render(t, brief([Answer("problem", text=typed), Answer("obstacle", text=NASTY)]))
    html = texts(parts)[0]
    assert "<script>" not in html and "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt; &lt;script&gt;" in html
    assert "&amp;amp; &amp;lt;" in html
    seen = visible(parts)
    assert "My problem today\n" + typed in seen
    assert "What blocks me\n" + NASTY in seen


def test_skipped_or_missing_answers_are_folded_into_one_not_addressed_line(
    t: Translator,
) -> None:
    answers = [Answer("problem", skipped=True), Answer("for_whom", text="me")]
    answers.append(Answer("small_step", text="Call the CAF"))
    first_time = [s for s in STEPS if not s.question_refers_back]
    seen = visible(render(t, brief(answers, steps=first_time)))
    folded = seen.splitlines()[-1]
    assert folded.startswith("Who it is a problem for: For me · Not addressed: ")
    assert "My problem today" in folded
    assert "What I expect from my social worker" in folded
    assert seen.count("not answered") == 0 and seen.count("Not addressed") == 1
    assert "My small step\nCall the CAF" in seen


def test_the_brief_opens_with_the_question_what_they_expect_and_since_last_time(
    t: Translator,
) -> None:
    answers = [
        Answer("since_last_time", text="done"),
        Answer("problem", text="The rent"),
        Answer("own_question", together=True),
        Answer("expectations", text="Help with the form"),
        Answer("plan_b", text="Ask my sister"),
        Answer("actors", text="The landlord"),
    ]
    previous = [Answer("small_step", text="Call the CAF")]
    seen = visible(render(t, brief(answers, previous=previous)))
    order = [
        seen.index(label)
        for label in (
            "My question\nto put into words together",
            "What I expect from my social worker\nHelp with the form",
            "Since last time\n",
            "My problem today\nThe rent",
            "Who else is involved\nThe landlord",
            "If it does not work\nAsk my sister",
        )
    ]
    assert order == sorted(order)


def test_a_hidden_answer_leaves_no_trace(t: Translator) -> None:
    answers = [
        Answer("problem", text="my secret", hidden=True),
        Answer("want", voice_file_id="VOICE-HIDDEN", voice_duration=5, hidden=True),
        Answer("obstacle", text="shown"),
    ]
    parts = render(t, brief(answers))
    seen = visible(parts)
    assert "The problem for me" not in seen and "my secret" not in seen
    assert "What I want" not in seen and "Voice message" not in seen
    assert not [p for p in parts if isinstance(p, VoicePart)]
    assert "What blocks me\nshown" in seen


def test_nothing_shared_still_says_so(t: Translator) -> None:
    only = [step("problem")]
    seen = visible(render(t, brief([Answer("problem", text="x", hidden=True)], steps=only)))
    assert "Nothing is shared in this preparation." in seen


def test_a_choice_shows_its_label(t: Translator) -> None:
    seen = visible(render(t, brief([Answer("for_whom", text="close")])))
    assert "Who it is a problem for\nFor someone close to me" in seen


def test_jokers_show_each_ally_with_their_relation(t: Translator) -> None:
    seen = visible(render(t, brief([Answer("jokers", text="[2, 1]")])))
    assert "My jokers (people who can help)\nCAF <Nord> — Public service\nMarie — Family" in seen


def test_a_scale_shows_the_score_and_its_trend(t: Translator) -> None:
    answers = [Answer("confidence", text="4")]
    seen = visible(render(t, brief(answers, history={"confidence": [1, 2]})))
    assert "How I feel about it\n4/5 · over time: ▁▃▆" in seen
    alone = visible(render(t, brief(answers)))
    assert "How I feel about it\n4/5\n" in alone and "over time" not in alone


def test_voice_answers_are_announced_and_follow_in_step_order(t: Translator) -> None:
    answers = [
        Answer("want", voice_file_id="VOICE-WANT", voice_duration=75),
        Answer("problem", voice_file_id="VOICE-PROBLEM", voice_duration=12),
    ]
    parts = render(t, brief(answers, name="Léa & co"))
    seen = visible(parts)
    assert "My problem today\n🎤 Voice message (0:12), just below" in seen
    assert "What I want\n🎤 Voice message (1:15), just below" in seen
    assert isinstance(parts[0], TextPart)
    voices = parts[1:]
    assert [v.file_id for v in voices if isinstance(v, VoicePart)] == [
        "VOICE-PROBLEM",
        "VOICE-WANT",
    ]
    first = voices[0]
    assert isinstance(first, VoicePart)
    assert shown(first.caption) == (f"My problem today — Léa & co\nRef. {REF}")
    assert len(first.caption) <= 1024


def test_the_outcome_shows_last_times_small_step(t: Translator) -> None:
    answers = [Answer("since_last_time", text="partly")]
    previous = [Answer("small_step", text="Call the <CAF>")]
    seen = visible(render(t, brief(answers, previous=previous)))
    assert "Since last time\nMy small step, last time: Call the <CAF>\nPartly" in seen


def test_a_small_step_hidden_last_time_stays_hidden(t: Translator) -> None:
    answers = [Answer("since_last_time", text="done")]
    previous = [Answer("small_step", text="private", hidden=True)]
    seen = visible(render(t, brief(answers, previous=previous)))
    assert "private" not in seen and "Since last time\nDone" in seen


def _bodies(parts: Sequence[BriefPart]) -> str:
    """The sections of every text part, headers removed, glued back together."""
    return "".join(parse_telegram_html(html).split("\n\n", 1)[1] for html in texts(parts))


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _check_parts(parts: Sequence[BriefPart]) -> list[str]:
    htmls = texts(parts)
    assert len(htmls) > 1
    for index, html in enumerate(htmls, start=1):
        assert len(html.encode("utf-16-le")) // 2 <= 4096
        parse_telegram_html(html)  # no tag nor entity is cut
        assert f"Ref. {REF} · part {index}/{len(htmls)}" in parse_telegram_html(html)
    return htmls


def test_a_long_brief_is_split_between_sections(t: Translator) -> None:
    words = {
        s.id: " ".join(f"{s.id}{n} <&>" for n in range(90)) + "\nend of " + s.id
        for s in STEPS
        if s.kind is Kind.TEXT
    }
    assert sum(len(w) for w in words.values()) > 6000
    parts = render(t, brief([Answer(k, text=v) for k, v in words.items()]))
    htmls = _check_parts(parts)
    assert "Léa's preparation (continued)" in shown(htmls[1])
    bodies = _bodies(parts)
    ordered = [words[s.id] for s in in_brief_order(STEPS) if s.id in words]
    assert [bodies.index(w) for w in ordered] == sorted(bodies.index(w) for w in ordered)


def test_one_overlong_answer_is_cut_between_words_or_entities(t: Translator) -> None:
    wordy = " ".join(["word"] * 1500) + "\n" + "\n".join(["line"] * 600)
    huge = "<&>" * 1000
    answers = [Answer("problem", text=huge), Answer("want", text=wordy)]
    parts = render(t, brief(answers))
    _check_parts(parts)
    bodies = _bodies(parts)
    assert huge in bodies
    assert _squeeze(wordy) in _squeeze(bodies)
    assert bodies.index(huge) < _squeeze(bodies).index(_squeeze(wordy))
    seen = [parse_telegram_html(html) for html in texts(parts)]
    assert any("My problem today\n<&><&>" in s for s in seen)  # label kept
    assert any("What I want\nword word" in s for s in seen)
    words = " ".join(seen).split()
    assert (words.count("word"), words.count("line")) == (1500, 600)  # no word cut


def test_emoji_count_twice_toward_the_limit(t: Translator) -> None:
    parts = render(t, brief([Answer("problem", text="🙂" * 3000)]))
    _check_parts(parts)
    assert "🙂" * 3000 in _bodies(parts)


def test_a_cut_closes_and_reopens_open_tags() -> None:
    html = "<blockquote><i>" + " ".join(["a&amp;b"] * 300) + "</i></blockquote>"
    pieces = split_html(html, 500)
    assert len(pieces) > 2
    for piece in pieces:
        assert len(piece) <= 500
        assert piece.startswith("<blockquote><i>") and piece.endswith("</i></blockquote>")
        parse_telegram_html(piece)


def test_french_rendering() -> None:
    fr = Catalogs("en", PARIS).get("fr")
    parts = render(fr, brief([Answer("problem", text=NASTY)], meeting_at=MEETING))
    seen = visible(parts)
    assert "mardi 1 décembre" in seen and "jeudi 3 décembre" in seen
    assert REF in seen and NASTY in seen


def test_sparkline_spans_the_scale() -> None:
    assert sparkline([1, 2, 3, 4, 5], 1, 5) == "▁▃▄▆█"
    assert sparkline([0, 10], 0, 10) == "▁█"
    assert sparkline([-3, 99], 1, 5) == "▁█"


def test_describe_answer_is_a_short_escaped_line(t: Translator) -> None:
    long = "<b>" + "word " * 100 + "\nend"
    described = describe_answer(t, step("problem"), Answer("problem", text=long), ALLIES)
    assert described.startswith("&lt;b&gt;word word") and described.endswith("…")
    assert "\n" not in described and len(parse_telegram_html(described)) <= 200
    assert describe_answer(t, step("problem"), Answer("problem", text=NASTY), ALLIES) == (
        "a &lt; b &gt; c &amp; d &lt;b&gt;x&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt; "
        "&amp;amp; &amp;lt;"
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Answer("want", voice_file_id="V", voice_duration=3), "🎤 voice message"),
        (Answer("want", skipped=True), "I'd rather not"),
        (Answer("for_whom", text="others"), "For other people"),
        (Answer("confidence", text="2"), "2/5"),
        (Answer("jokers", text="[1, 2]"), "Marie — Family; CAF <Nord> — Public service"),
    ],
)
def test_describe_answer_by_kind(t: Translator, answer: Answer, expected: str) -> None:
    described = describe_answer(t, step(answer.step), answer, ALLIES)
    assert shown(described) == expected


def test_names_are_isolated_so_right_to_left_cannot_reorder_the_brief(t: Translator) -> None:
    rtl = "\u202eaeL"  # a right-to-left override, as a spoofed name would carry
    seen = "\n".join(parse_telegram_html(html) for html in texts(render(t, brief([], name=rtl))))
    assert "\u202e" not in seen
    assert "\u2068aeL\u2069's preparation, in their own words" in seen
    jokers = describe_answer(t, step("jokers"), Answer("jokers", text="[1]"), ALLIES)
    assert parse_telegram_html(jokers).startswith("\u2068Marie\u2069 — Family")


def test_who_does_an_agreed_step_is_said_in_the_readers_language() -> None:
    """Stored by role: a French person's step reads "Moi" to them, "Me" to an English worker."""
    agreed = next(s for s in STEPS if s.kind is Kind.AGREED)
    items = [
        {"what": "Appeler la CAF", "by": "person", "who": "Léa", "outcome": "done"},
        {"what": "Écrire", "by": "worker", "who": "Alice", "outcome": ""},
        {"what": "Venir", "by": "ally", "who": "Marie <3", "outcome": ""},
        {"what": "Old", "who": "Moi"},  # stored before roles were kept: as it was written
    ]
    answer = Answer(agreed.id, text=json.dumps(items))
    catalogs = Catalogs("en", PARIS)
    english = agreed_lines(catalogs.get("en"), agreed, answer)
    assert english[0].startswith("Me: Appeler la CAF → ")
    assert english[1].startswith("Alice: Écrire → ")
    assert english[2].startswith("Marie &lt;3: Venir → ")
    assert english[3].startswith("Moi: Old → ")
    assert agreed_lines(catalogs.get("fr"), agreed, answer)[0].startswith("Moi : Appeler la CAF")
