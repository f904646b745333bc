"""The one text toolbox (bot/core/text.py): escaping, Telegram's lengths, and the cutters."""

from __future__ import annotations

import pytest

from bot.core.text import (
    MAX_TEXT,
    esc,
    fitting,
    in_messages,
    pack,
    plain_text,
    shorten,
    split_html,
    split_plain,
    utf16_length,
)
from bot.emulator.html_check import parse_telegram_html

EMOJI = "🙂"  # outside the BMP: two UTF-16 units, a surrogate pair
NASTY = 'a < b > c & d <b>x</b> &amp; &lt; "q" \u202eevil\u200b'


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_lengths_count_as_telegram_does() -> None:
    assert utf16_length("") == 0
    assert utf16_length("é") == 1
    assert utf16_length(EMOJI) == 2
    assert utf16_length("👨‍👩‍👧") == 8  # three emoji and two joiners
    assert utf16_length("a" + EMOJI * 3) == units("a" + EMOJI * 3) == 7


def test_fitting_never_halves_a_surrogate_pair() -> None:
    assert fitting("a" + EMOJI, 2) == 1  # the emoji would need units 2 and 3
    assert fitting("a" + EMOJI, 3) == 2
    assert fitting(EMOJI * 3, 5) == 2
    assert fitting("abc", 10) == 3


def test_user_text_is_escaped_and_its_invisible_controls_dropped() -> None:
    escaped = esc(NASTY)
    assert escaped == 'a &lt; b &gt; c &amp; d &lt;b&gt;x&lt;/b&gt; &amp;amp; &amp;lt; "q" evil'
    assert parse_telegram_html(escaped) == 'a < b > c & d <b>x</b> &amp; &lt; "q" evil'


def test_plain_split_at_exactly_the_limit() -> None:
    assert split_plain("x" * MAX_TEXT) == ["x" * MAX_TEXT]
    first, second = split_plain("x" * (MAX_TEXT + 1))
    assert (len(first), second) == (MAX_TEXT, "x")


def test_plain_split_keeps_emoji_whole_at_the_limit() -> None:
    text = "a" + EMOJI * 2048  # 4097 units: the last emoji cannot fit in the first part
    first, second = split_plain(text)
    assert (units(first), units(second)) == (4095, 2)
    assert first + second == text
    assert all(units(part) <= MAX_TEXT for part in (first, second))


def test_plain_split_prefers_a_line_break_and_loses_nothing() -> None:
    lines = [f"{index:03d} " + "y" * 95 for index in range(100)]  # 100 characters a line
    text = "\n".join(lines)
    parts = split_plain(text)
    assert "".join(parts) == text
    assert all(part.endswith("\n") for part in parts[:-1])
    assert all(units(part) <= MAX_TEXT for part in parts)
    assert split_plain("a\n" + " " * 20, 10) == ["a\n"]  # a part of blanks only is dropped


@pytest.mark.parametrize("budget", [16, 17, 18, 19, 23, 50])
def test_html_split_never_cuts_a_tag_an_entity_or_an_emoji(budget: int) -> None:
    html = "<b>" + ("&amp;" + EMOJI + "x ") * 40 + "</b> <i>tail &lt;</i>"
    pieces = split_html(html, budget)
    assert len(pieces) > 1
    shown = []
    for piece in pieces:
        assert units(piece) <= budget
        shown.append(parse_telegram_html(piece))  # each piece parses alone
        assert piece.count("<b>") == piece.count("</b>")
    words = " ".join(shown).split()
    assert "".join(words) == "".join(parse_telegram_html(html).split())


def test_html_split_closes_and_reopens_nested_tags() -> None:
    html = "<blockquote><i>" + " ".join(["a&amp;b"] * 300) + "</i></blockquote>"
    pieces = split_html(html, 500)
    assert len(pieces) > 2
    for piece in pieces:
        assert piece.startswith("<blockquote><i>") and piece.endswith("</i></blockquote>")
        assert units(piece) <= 500
        parse_telegram_html(piece)


def test_html_split_of_a_message_at_exactly_the_limit_is_one_piece() -> None:
    html = "<b>" + "z" * (MAX_TEXT - 7) + "</b>"
    assert units(html) == MAX_TEXT
    assert split_html(html, MAX_TEXT) == [html]
    assert len(split_html(html + "z", MAX_TEXT)) == 2


def test_pack_keeps_pieces_whole_and_in_order() -> None:
    pieces = [f"<b>{index}</b> " + "w" * 40 for index in range(10)]
    messages = pack(pieces, 100)
    assert messages == ["\n\n".join(pieces[i : i + 2]) for i in range(0, 10, 2)]
    assert pack([], 100) == []


def test_pack_cuts_only_a_piece_too_long_for_any_message() -> None:
    long = " ".join(["word"] * 100)  # 499 units
    messages = pack(["head", long, "foot"], 120)
    assert messages[0] == "head"
    assert all(units(message) <= 120 for message in messages)
    assert " ".join(messages[1:]).split().count("word") == 100
    assert messages[-1].endswith("foot")


def test_in_messages_joins_lines_and_cuts_an_overlong_one() -> None:
    (reply,) = in_messages(["one", "two"])
    assert reply.text == "one\ntwo"
    replies = in_messages(["short", "é" * 9000], limit=4000)
    assert replies[0].text == "short"
    assert all(units(reply.text) <= 4000 for reply in replies)
    assert "".join(reply.text for reply in replies[1:]) == "é" * 9000


def test_plain_text_shows_what_the_html_shows() -> None:
    assert plain_text("<b>Plan</i> &amp; &lt;more&gt;") == "Plan & <more>"


def test_shorten_marks_a_cut() -> None:
    assert shorten("short", 10) == "short"
    assert shorten("a long sentence", 7) == "a long…"
