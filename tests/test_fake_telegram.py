"""The fake Bot API itself, exercised with a real PTB Bot so its answers are known to parse."""

from __future__ import annotations

import asyncio
import html
import logging
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    CallbackQuery,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fake_telegram import (
    BusinessAccount,
    FakeTelegram,
    HtmlError,
    TelegramChannel,
    TelegramGroup,
    TelegramUser,
    UploadedFile,
    parse_telegram_html,
)

USER_ID = 4242
# PTB itself warns when it builds RetryAfter (int vs timedelta); not the fake's business.
RETRY_AFTER_WARNING = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def no_settle(update_id: int) -> None:
    """Tests driving the Bot by hand handle updates themselves."""


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid RGB PNG, built by hand to avoid an imaging dependency."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(tag + data))
        return struct.pack(">I", len(data)) + tag + data + crc

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class ManualMonotonic:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def clock() -> ManualMonotonic:
    return ManualMonotonic()


@pytest.fixture
async def tg(clock: ManualMonotonic) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(monotonic=clock) as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as ptb_bot:
        yield ptb_bot


@pytest.fixture
async def user(tg: FakeTelegram) -> TelegramUser:
    """A user who has already written to the bot, so their private chat exists."""
    person = TelegramUser(tg, no_settle, user_id=USER_ID, first_name="Léa", username="lea")
    await person.send("/start")
    return person


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"cb:{label}")] for label in labels]
    )


# ---------------------------------------------------------------------- basics


async def test_get_me_describes_the_bot(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        123456,
        "escale_test_bot",
        "Escale",
        True,
    )
    assert me.can_join_groups is True
    assert me.supports_inline_queries is False
    assert tg.base_url.startswith("http://127.0.0.1:")
    assert tg.base_url.endswith("/bot")
    assert [call.method for call in tg.calls] == ["getMe", "getMe"]


async def test_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=tg.base_url):
            pass
    assert tg.calls[-1].status == 401


async def test_unknown_method_is_recorded_and_logged(
    tg: FakeTelegram, bot: Bot, user: TelegramUser, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(InvalidToken):
        await bot.send_sticker(USER_ID, "fake-sticker-1")
    assert tg.unknown_methods == ["sendSticker"]
    assert "sendSticker" in caplog.text
    assert tg.token not in caplog.text


async def test_trivial_methods_answer_true(tg: FakeTelegram, bot: Bot, user: TelegramUser) -> None:
    assert await bot.delete_webhook() is True
    assert await bot.send_chat_action(USER_ID, "typing") is True
    assert await bot.set_chat_menu_button(USER_ID, MenuButtonCommands()) is True
    assert tg.menu_buttons[USER_ID] == {"type": "commands"}
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(USER_ID, "dancing")
    assert await bot.close() is True
    assert tg.unknown_methods == []


# ---------------------------------------------------------------------- sending


async def test_send_message_is_stored_as_the_user_sees_it(
    tg: FakeTelegram, bot: Bot, user: TelegramUser
) -> None:
    sent = await bot.send_message(
        USER_ID,
        "<b>Bonjour</b> &amp; bienvenue\nligne 2",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard("Oui", "Non"),
        protect_content=True,
    )
    assert sent.text == "Bonjour & bienvenue\nligne 2"
    assert sent.chat.id == USER_ID
    assert sent.chat.type == "private"
    assert sent.from_user is not None
    assert sent.from_user.id == tg.bot_id
    assert sent.reply_markup == keyboard("Oui", "Non")
    assert sent.has_protected_content is True

    message = user.last
    assert message.message_id == sent.message_id
    assert message.kind == "text"
    assert message.html == "<b>Bonjour</b> &amp; bienvenue\nligne 2"
    assert message.parse_mode == "HTML"
    assert message.text == "Bonjour & bienvenue\nligne 2"
    assert message.protect_content is True
    assert user.buttons() == ["Oui", "Non"]
    assert message.buttons[1][0].callback_data == "cb:Non"

    call = tg.calls_to("sendMessage")[-1]
    assert call.params["chat_id"] == USER_ID
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Oui"
    assert call.params["protect_content"] is True
    assert call.status == 200


async def test_user_and_bot_messages_share_one_counter_per_chat(
    tg: FakeTelegram, bot: Bot, user: TelegramUser
) -> None:
    first = await bot.send_message(USER_ID, "un")
    await user.send("deux")
    third = await bot.send_message(USER_ID, "trois")
    assert (first.message_id, third.message_id) == (2, 4)  # 1 was /start, 3 the user's text
    assert tg.updates[-1]["message"]["message_id"] == 3


async def test_unknown_chat_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(777, "hello")


async def test_blocked_user_gives_forbidden_until_unblocked(
    tg: FakeTelegram, bot: Bot, user: TelegramUser
) -> None:
    user.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "hello")
    with pytest.raises(Forbidden):
        await bot.send_photo(USER_ID, tiny_png())
    assert user.messages == []
    user.unblock()
    await bot.send_message(USER_ID, "hello again")
    assert user.texts() == ["hello again"]


async def test_text_length_is_counted_in_utf16_after_parsing(bot: Bot, user: TelegramUser) -> None:
    await bot.send_message(USER_ID, "a" * 4096)
    await bot.send_message(USER_ID, "😀" * 2048)  # each emoji is two UTF-16 units
    await bot.send_message(USER_ID, "<b>" + "&amp;" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER_ID, "a" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER_ID, "😀" * 2048 + "a")
    assert len(user.texts()) == 3


async def test_empty_text_is_refused(bot: Bot, user: TelegramUser) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER_ID, "")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER_ID, "<b> </b>", parse_mode=ParseMode.HTML)


async def test_caption_limit(bot: Bot, user: TelegramUser) -> None:
    await bot.send_photo(USER_ID, tiny_png(), caption="é" * 1024)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER_ID, tiny_png(), caption="é" * 1025)


# ---------------------------------------------------------------------- HTML


@pytest.mark.parametrize(
    ("source", "visible"),
    [
        ("plain text", "plain text"),
        ("<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins>", "bsieun"),
        ("<s>1</s><strike>2</strike><del>3</del><tg-spoiler>4</tg-spoiler>", "1234"),
        ('<span class="tg-spoiler">hidden</span>', "hidden"),
        ('<a href="https://example.org/?a=1&amp;b=2">link</a>', "link"),
        ('<pre><code class="language-python">x = 1 &lt; 2</code></pre>', "x = 1 < 2"),
        ("<blockquote expandable>quote</blockquote>", "quote"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("&#128512; &#x1F600; &quot;q&quot; &gt;", '😀 😀 "q" >'),
        ("<B>upper</B>\n<b><i>nested</i></b>", "upper\nnested"),
        (html.escape("a < b & c > d \"e\" 'f'"), "a < b & c > d \"e\" 'f'"),
    ],
)
def test_html_accepted(source: str, visible: str) -> None:
    assert parse_telegram_html(source) == visible


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("é<br>", 'Unsupported start tag "br" at byte offset 2'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("AT&T", 'Unescaped "&" at byte offset 2'),
        ("&amp", 'Unescaped "&"'),
        ("a > b", 'Unescaped ">" at byte offset 2'),
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<a>x</a>", 'Tag "a" must have a non-empty attribute "href"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ('<b class="x">x</b>', 'Unsupported attribute "class" in the tag "b"'),
        ('<a href="https://x.org/?a=1&b=2">x</a>', 'Bad "&" in an attribute value'),
        ("<tg-emoji>x</tg-emoji>", 'Tag "tg-emoji" must have attribute "emoji-id"'),
        ("&#0;", "Invalid numeric HTML entity"),
    ],
)
def test_html_refused(source: str, reason: str) -> None:
    with pytest.raises(HtmlError) as caught:
        parse_telegram_html(source)
    assert reason in caught.value.reason


@pytest.mark.parametrize("source", ["a < b", "&nbsp;", "<b>unclosed", "<script>x</script>"])
async def test_bad_html_is_a_bad_request(source: str, bot: Bot, user: TelegramUser) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER_ID, source, parse_mode=ParseMode.HTML)
    assert user.messages == []


async def test_html_is_checked_only_in_html_mode(bot: Bot, user: TelegramUser) -> None:
    await bot.send_message(USER_ID, "a < b &nbsp;")
    await bot.send_message(USER_ID, "<i>x</i>", parse_mode="html")  # case-insensitive
    assert user.texts() == ["a < b &nbsp;", "x"]
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        await bot.send_message(USER_ID, "x", parse_mode="rich")


# ---------------------------------------------------------------------- keyboards


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, user: TelegramUser) -> None:
    await bot.send_message(USER_ID, "ok", reply_markup=keyboard("é" * 29))  # "cb:" + 58 bytes
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 32 + "a")]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(USER_ID, "no", reply_markup=too_long)
    empty = {"inline_keyboard": [[{"text": "x", "callback_data": ""}]]}
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(USER_ID, "no", reply_markup=empty)  # type: ignore[arg-type]
    assert user.texts() == ["ok"]


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ({"inline_keyboard": [[{"text": "x"}]]}, r"(?i)text buttons are unallowed"),
        ({"inline_keyboard": [[{"text": "", "callback_data": "a"}]]}, r"(?i)button_text_invalid"),
        (
            {"inline_keyboard": [[{"text": "x", "callback_data": "a", "url": "https://a.b"}]]},
            r"(?i)button_type_invalid",
        ),
        ({"inline_keyboard": [[{"text": "x", "url": "javascript:1"}]]}, r"(?i)button_url_invalid"),
        (
            {"inline_keyboard": [[{"text": str(i), "callback_data": str(i)}] for i in range(101)]},
            r"(?i)reply_markup_too_long",
        ),
    ],
)
async def test_invalid_keyboards_are_refused(
    markup: dict[str, Any], error: str, bot: Bot, user: TelegramUser
) -> None:
    with pytest.raises(BadRequest, match=error):
        await bot.send_message(USER_ID, "x", reply_markup=markup)  # type: ignore[arg-type]


async def test_url_buttons_are_kept(bot: Bot, user: TelegramUser) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Site", url="https://example.org")]])
    await bot.send_message(USER_ID, "x", reply_markup=markup)
    assert user.last.buttons[0][0].url == "https://example.org"
    with pytest.raises(AssertionError, match="it sends nothing to the bot"):
        await user.press("Site")


# ---------------------------------------------------------------------- editing and deleting


async def test_edit_message_text(tg: FakeTelegram, bot: Bot, user: TelegramUser) -> None:
    sent = await bot.send_message(USER_ID, "Question ?", reply_markup=keyboard("Oui"))
    edited = await bot.edit_message_text(
        "<b>Réponse</b> : oui", USER_ID, sent.message_id, parse_mode=ParseMode.HTML
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Réponse : oui"
    assert edited.reply_markup is None  # editing the text without a keyboard removes it
    assert edited.edit_date is not None
    message = user.last
    assert (message.text, message.edits, message.buttons) == ("Réponse : oui", 1, [])

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<strong>Réponse</strong> : oui", USER_ID, sent.message_id, parse_mode="HTML"
        )
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER_ID, 999)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.edit_message_text("<b>x", USER_ID, sent.message_id, parse_mode="HTML")
    assert message.edits == 1


async def test_edit_reply_markup(bot: Bot, user: TelegramUser) -> None:
    sent = await bot.send_message(USER_ID, "Choisir", reply_markup=keyboard("A", "B"))
    await bot.edit_message_reply_markup(USER_ID, sent.message_id, reply_markup=keyboard("C"))
    assert user.buttons() == ["C"]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER_ID, sent.message_id, reply_markup=keyboard("C"))
    edited = await bot.edit_message_reply_markup(USER_ID, sent.message_id)
    assert not isinstance(edited, bool)
    assert edited.reply_markup is None
    assert user.buttons() == []
    assert user.last.edits == 2
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER_ID, sent.message_id)


async def test_edit_media_text_is_refused(bot: Bot, user: TelegramUser) -> None:
    sent = await bot.send_photo(USER_ID, tiny_png(), caption="c")
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("x", USER_ID, sent.message_id)


async def test_delete_message(bot: Bot, user: TelegramUser) -> None:
    first = await bot.send_message(USER_ID, "un")
    await bot.send_message(USER_ID, "deux")
    assert await bot.delete_message(USER_ID, first.message_id) is True
    assert user.messages[0].deleted is True
    assert user.texts() == ["deux"]
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER_ID, first.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER_ID, first.message_id)
    assert await bot.delete_message(USER_ID, 1) is True  # the user's own /start


# ---------------------------------------------------------------------- callback queries


class EchoBot:
    """A hand-driven bot: settles updates by fetching them and answering button presses."""

    def __init__(self, bot: Bot, tg: FakeTelegram) -> None:
        self.bot = bot
        self.tg = tg
        self.offset = 0
        self.seen: list[Update] = []

    async def settle(self, update_id: int) -> None:
        updates = await self.bot.get_updates(offset=self.offset, timeout=0)
        for update in updates:
            self.offset = update.update_id + 1
            self.seen.append(update)
            query = update.callback_query
            if query is not None and query.data != "silent":
                await query.answer(f"got {query.data}")
        assert any(update.update_id == update_id for update in self.seen)


async def test_press_answers_and_reports_the_answer(tg: FakeTelegram, bot: Bot) -> None:
    echo = EchoBot(bot, tg)
    person = TelegramUser(tg, echo.settle, user_id=USER_ID, first_name="Léa", language_code="en")
    await person.send("/start@escale_test_bot payload")
    start = echo.seen[-1].message
    assert start is not None
    assert start.text == "/start@escale_test_bot payload"
    assert start.entities[0].type == "bot_command"
    assert start.entities[0].length == len("/start@escale_test_bot")
    assert start.from_user is not None
    assert start.from_user.language_code == "en"

    await bot.send_message(USER_ID, "Old", reply_markup=keyboard("Go"))
    await bot.send_message(USER_ID, "New", reply_markup=keyboard("Go", "Stop"))
    assert await person.press("Go") == "got cb:Go"
    query = echo.seen[-1].callback_query
    assert isinstance(query, CallbackQuery)
    assert query.message is not None
    assert query.message.message_id == person.last.message_id  # the newest message with "Go"
    assert query.from_user.id == USER_ID

    assert await person.press_data("silent") is None
    with pytest.raises(AssertionError, match=r"no button 'Nope'.*\['Go', 'Stop'\]"):
        await person.press("Nope")


async def test_answer_callback_query_rules(tg: FakeTelegram, bot: Bot, user: TelegramUser) -> None:
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("123")
    await bot.send_message(USER_ID, "x", reply_markup=keyboard("A"))
    await user.press("A")  # no_settle: nobody answers
    query_id = tg.updates[-1]["callback_query"]["id"]
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(query_id, "x" * 201)
    assert await bot.answer_callback_query(query_id, "ok", show_alert=True) is True
    assert tg.callback_answers[query_id]["text"] == "ok"
    assert tg.callback_answers[query_id]["show_alert"] is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id, "twice")


async def test_stale_press_on_a_deleted_message(tg: FakeTelegram, bot: Bot) -> None:
    echo = EchoBot(bot, tg)
    person = TelegramUser(tg, echo.settle, user_id=USER_ID, first_name="Léa")
    await person.send("hi")
    sent = await bot.send_message(USER_ID, "x", reply_markup=keyboard("A"))
    await bot.delete_message(USER_ID, sent.message_id)
    assert await person.press_data("forged", message_id=sent.message_id) == "got forged"
    query = echo.seen[-1].callback_query
    assert query is not None
    assert query.message is not None
    assert not query.message.is_accessible


# ---------------------------------------------------------------------- faults


@RETRY_AFTER_WARNING
async def test_fail_next_429_gives_retry_after_without_effect(
    tg: FakeTelegram, bot: Bot, user: TelegramUser
) -> None:
    tg.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 3", retry_after=3
    )
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(USER_ID, "x")
    assert user.messages == []
    await bot.send_message(USER_ID, "x")
    assert user.texts() == ["x"]
    assert [call.status for call in tg.calls_to("sendMessage")] == [429, 200]


async def test_fail_next_500_gives_network_error(
    tg: FakeTelegram, bot: Bot, user: TelegramUser
) -> None:
    tg.fail_next("editMessageText", status=500, description="Internal Server Error", times=2)
    sent = await bot.send_message(USER_ID, "x")
    for _ in range(2):
        with pytest.raises(NetworkError) as caught:
            await bot.edit_message_text("y", USER_ID, sent.message_id)
        assert not isinstance(caught.value, BadRequest)
    await bot.edit_message_text("y", USER_ID, sent.message_id)
    assert user.texts() == ["y"]


async def test_drop_next_delivers_but_leaves_the_bot_without_an_answer(
    tg: FakeTelegram, bot: Bot, user: TelegramUser
) -> None:
    tg.drop_next("sendMessage")
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(USER_ID, "x")
    assert not isinstance(caught.value, BadRequest)
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)
    assert user.texts() == ["x"]  # it arrived all the same
    await bot.send_message(USER_ID, "y")  # only the next call is dropped
    assert user.texts() == ["x", "y"]
    assert [(call.status, call.dropped) for call in tg.calls_to("sendMessage")] == [
        (200, True),
        (200, False),
    ]


async def test_fail_next_wins_over_drop_next(
    tg: FakeTelegram, bot: Bot, user: TelegramUser
) -> None:
    tg.fail_next("sendMessage", status=500, description="Internal Server Error")
    tg.drop_next("sendMessage")
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(USER_ID, "x")
    assert caught.value.__cause__ is None  # an answer came back: nothing was sent
    assert user.texts() == []
    with pytest.raises(NetworkError):
        await bot.send_message(USER_ID, "y")
    assert user.texts() == ["y"]


@RETRY_AFTER_WARNING
async def test_rate_limit_uses_a_rolling_second(
    tg: FakeTelegram, bot: Bot, user: TelegramUser, clock: ManualMonotonic
) -> None:
    tg.rate_limit(2)
    await bot.send_message(USER_ID, "1")
    clock.value += 0.5
    await bot.send_photo(USER_ID, tiny_png())
    with pytest.raises(RetryAfter):
        await bot.send_message(USER_ID, "3")
    assert tg.throttled == 1
    await bot.send_chat_action(USER_ID, "typing")  # not a send: never throttled
    clock.value += 0.5  # the first send leaves the window
    await bot.send_message(USER_ID, "3")
    with pytest.raises(RetryAfter):
        await bot.send_document(USER_ID, b"doc", filename="a.txt")
    tg.rate_limit(None)
    await bot.send_message(USER_ID, "4")
    assert tg.throttled == 2
    assert user.texts() == ["1", "", "3", "4"]


# ---------------------------------------------------------------------- commands


async def test_command_scopes_resolve_like_telegram(
    tg: FakeTelegram, bot: Bot, user: TelegramUser
) -> None:
    other = TelegramUser(tg, no_settle, user_id=99, first_name="Max", language_code="en")
    await other.send("hi")
    await bot.set_my_commands([BotCommand("help", "Aide")])
    await bot.set_my_commands([("help", "Help"), ("start", "Start")], language_code="en")
    assert other.menu() == ["help", "start"]
    assert user.menu() == ["help"]  # "fr": falls back to the default list

    await bot.set_my_commands(
        [("invite", "Inviter")], scope=BotCommandScopeAllPrivateChats(), language_code="fr"
    )
    await bot.set_my_commands([("admin", "Admin")], scope=BotCommandScopeChat(USER_ID))
    assert user.menu() == ["admin"]
    assert other.menu() == ["help", "start"]
    assert tg.commands[("chat", USER_ID, "")] == [("admin", "Admin")]

    listed = await bot.get_my_commands(scope=BotCommandScopeChat(USER_ID))
    assert [(c.command, c.description) for c in listed] == [("admin", "Admin")]
    assert await bot.get_my_commands(language_code="de") == ()

    await bot.delete_my_commands(scope=BotCommandScopeChat(USER_ID))
    assert user.menu() == ["invite"]
    assert tg.commands_for(USER_ID, None) == [("help", "Aide")]


@pytest.mark.parametrize(
    ("command", "description", "error"),
    [
        ("Start", "x", r"(?i)bot_command_invalid"),
        ("a" * 33, "x", r"(?i)bot_command_invalid"),
        ("start-now", "x", r"(?i)bot_command_invalid"),
        ("start", "", r"(?i)bot_command_description_invalid"),
        ("start", "x" * 257, r"(?i)bot_command_description_invalid"),
    ],
)
async def test_invalid_commands_are_refused(
    command: str, description: str, error: str, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match=error):
        await bot.set_my_commands([(command, description)])


async def test_command_scope_for_unknown_chat(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands([("start", "Start")], scope=BotCommandScopeChat(31337))


# ---------------------------------------------------------------------- files


async def test_send_photo_stores_the_upload(tg: FakeTelegram, bot: Bot, user: TelegramUser) -> None:
    png = tiny_png(3, 2)
    sent = await bot.send_photo(USER_ID, png, caption="<i>QR</i>", parse_mode="HTML")
    assert sent.caption == "QR"
    assert (sent.photo[-1].width, sent.photo[-1].height) == (3, 2)
    message = user.last
    assert message.kind == "photo"
    assert message.text == "QR"
    assert isinstance(message.file, UploadedFile)
    assert message.file.data == png
    assert tg.calls_to("sendPhoto")[-1].files["photo"].data == png

    again = await bot.send_photo(USER_ID, sent.photo[-1].file_id)
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    assert user.last.file == sent.photo[-1].file_id
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(USER_ID, "no-such-file")
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(USER_ID, b"not an image")


async def test_send_document_and_voice(bot: Bot, user: TelegramUser) -> None:
    sent = await bot.send_document(USER_ID, b"%PDF-1.4 fake", filename="notes.pdf", caption="c")
    assert sent.document is not None
    assert sent.document.file_name == "notes.pdf"
    assert user.last.kind == "document"
    assert isinstance(user.last.file, UploadedFile)
    assert user.last.file.filename == "notes.pdf"
    assert user.last.file.data == b"%PDF-1.4 fake"

    voice = await bot.send_voice(USER_ID, b"OggS fake", duration=7)
    assert voice.voice is not None
    voice_message = user.last
    assert voice_message.kind == "voice"
    assert voice_message.media["voice"]["duration"] == 7
    assert user.texts() == ["c", ""]


# ---------------------------------------------------------------------- getUpdates


async def test_another_client_polling_ends_the_held_long_poll_at_once(
    tg: FakeTelegram, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(offset=0, timeout=30, read_timeout=40))
    await tg.wait_polling()
    tg.another_client_polls(times=2)
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(poll, 5)  # not when the 30 s poll would have ended
    with pytest.raises(Conflict):
        await bot.get_updates(offset=0, timeout=0)
    assert await bot.get_updates(offset=0, timeout=0) == ()
    assert [call.status for call in tg.calls_to("getUpdates")] == [409, 409, 200]


async def test_long_poll_returns_a_pushed_update(tg: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(offset=0, timeout=5, read_timeout=10))
    await tg.wait_polling()
    update_id = tg.push_update(
        {
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5, "type": "private", "first_name": "A"},
                "from": {"id": 5, "is_bot": False, "first_name": "A"},
                "text": "hello",
            }
        }
    )
    assert update_id == 1
    updates = await poll
    assert [u.update_id for u in updates] == [1]
    assert updates[0].message is not None
    assert updates[0].message.text == "hello"

    with pytest.raises(AssertionError, match="update 1 was not fetched"):
        await tg.wait_fetched(update_id, timeout=0)
    waiter = asyncio.create_task(tg.wait_fetched(update_id))
    assert await bot.get_updates(offset=2, timeout=0) == ()
    await waiter
    assert await bot.get_updates(offset=0, timeout=0) == ()  # update 1 was confirmed


async def test_wait_for_call_returns_the_next_call(
    tg: FakeTelegram, bot: Bot, user: TelegramUser
) -> None:
    await bot.send_message(USER_ID, "before")
    waiter = asyncio.create_task(tg.wait_for_call("sendMessage"))
    await bot.send_chat_action(USER_ID, "typing")
    await bot.send_message(USER_ID, "after")
    call = await waiter
    assert call.params["text"] == "after"
    with pytest.raises(AssertionError, match="did not call sendMessage"):
        await tg.wait_for_call("sendMessage", timeout=0)


async def test_get_updates_offset_and_limit(tg: FakeTelegram, bot: Bot) -> None:
    person = TelegramUser(tg, no_settle, user_id=5, first_name="A")
    for text in ("one", "two", "three"):
        await person.send(text)
    first = await bot.get_updates(limit=2, timeout=0)
    assert [u.update_id for u in first] == [1, 2]
    rest = await bot.get_updates(offset=2, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["two", "three"]
    assert await bot.get_updates(offset=4, timeout=0) == ()
    await tg.wait_fetched(3, timeout=1)


async def test_realistic_user_payloads_parse_in_ptb(tg: FakeTelegram, bot: Bot) -> None:
    person = TelegramUser(tg, no_settle, user_id=5, first_name="A", last_name="B", username="ab")
    await person.send("bonjour")
    await person.send_sticker()
    await person.send_photo(caption="vue")
    await person.send_voice(duration=4)
    await person.send_document("plan.pdf")
    await person.send_location()
    await person.edit("bonjour", "/help")
    updates = await bot.get_updates(timeout=0)
    messages = [u.message for u in updates[:-1]]
    assert all(m is not None for m in messages)
    sticker, photo, voice, document, location = (m for m in messages[1:] if m is not None)
    assert sticker.sticker is not None
    assert photo.photo[-1].width == 1280
    assert photo.caption == "vue"
    assert voice.voice is not None
    assert document.document is not None
    assert document.document.mime_type == "application/pdf"
    assert location.location is not None
    edited = updates[-1].edited_message
    assert edited is not None
    assert edited.text == "/help"
    assert edited.message_id == 1
    assert edited.entities[0].type == "bot_command"
    # The photo a user sent can be sent back by file_id.
    assert photo.photo[-1].file_id
    await bot.send_photo(5, photo.photo[-1].file_id)


async def test_the_new_update_shapes_parse_in_ptb(tg: FakeTelegram, bot: Bot) -> None:
    person = TelegramUser(tg, no_settle, user_id=5, first_name="A")
    other = TelegramUser(tg, no_settle, user_id=6, first_name="B")
    await person.send_forwarded("the landlord's words", author="M. Roux")
    await person.send_forwarded(voice=True)
    await person.send_via_bot("an article", "wiki")
    await person.send_album(3, caption="letters")
    await person.blocks_bot()
    await person.unblocks_bot()
    await person.press_inline("x")
    await person.calls_as_guest("@escale_test_bot hi", other)
    shop = BusinessAccount(tg, no_settle, person, "biz")
    await shop.connect()
    sent = await shop.customer_writes(other, "hello")
    await shop.customer_edits(other, sent, "hello!")
    await shop.customer_deletes(other, sent)
    updates = await bot.get_updates(timeout=0, allowed_updates=Update.ALL_TYPES)
    forwarded, forwarded_voice, via, *album = (u.message for u in updates[:6])
    assert forwarded is not None and forwarded.forward_origin is not None
    assert forwarded.forward_origin.sender_user_name == "M. Roux"  # type: ignore[attr-defined]
    assert forwarded_voice is not None and forwarded_voice.voice is not None
    assert via is not None and via.via_bot is not None and via.via_bot.username == "wiki"
    assert len({m.media_group_id for m in album if m is not None}) == 1
    assert [m.caption for m in album if m is not None] == ["letters", None, None]
    blocked, unblocked = (u.my_chat_member for u in updates[6:8])
    assert blocked is not None and blocked.new_chat_member.status == "kicked"
    assert unblocked is not None and unblocked.new_chat_member.status == "member"
    inline = updates[8].callback_query
    assert inline is not None and inline.message is None and inline.inline_message_id
    guest = updates[9].guest_message
    assert guest is not None and guest.chat.id == 6 and guest.guest_query_id
    assert updates[10].business_connection is not None
    assert updates[11].business_message is not None
    assert updates[12].edited_business_message is not None
    assert updates[13].deleted_business_messages is not None


@pytest.mark.writes_to_strangers
async def test_only_a_user_who_wrote_to_the_bot_can_be_written_to(
    tg: FakeTelegram, bot: Bot
) -> None:
    writer = TelegramUser(tg, no_settle, user_id=5, first_name="A")
    customer = TelegramUser(tg, no_settle, user_id=6, first_name="B")
    guest = TelegramUser(tg, no_settle, user_id=7, first_name="C")
    presser = TelegramUser(tg, no_settle, user_id=8, first_name="D")
    shop = BusinessAccount(tg, no_settle, writer, "biz")
    await shop.customer_writes(customer, "hello")
    await guest.calls_as_guest("@escale_test_bot hi", customer)
    await presser.press_inline()
    for user_id in (6, 7, 8):  # seen, but none of them opened a chat with the bot
        with pytest.raises(Forbidden, match="can't initiate conversation"):
            await bot.send_message(user_id, "hi")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(9, "nobody")
    await writer.send("/start")
    await bot.send_message(5, "hi")
    assert tg.uninvited == [6, 7, 8]
    await writer.blocks_bot()
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(5, "still there?")
    await writer.unblocks_bot()
    await bot.send_message(5, "welcome back")


async def test_updates_the_bot_did_not_ask_for_are_withheld(tg: FakeTelegram, bot: Bot) -> None:
    person = TelegramUser(tg, no_settle, user_id=5, first_name="A")
    await bot.get_updates(timeout=0, allowed_updates=["message", "callback_query"])
    assert tg.allowed_updates == frozenset({"message", "callback_query"})
    await person.send("hello")
    await person.edit("hello", "hello!")
    await person.blocks_bot()
    await tg.wait_fetched(tg.updates[-1]["update_id"])  # withheld: nothing to wait for
    first = tg.push_update({"edited_message": tg.updates[1]["edited_message"]}, unfiltered=True)
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [1, first]
    assert [u["update_id"] for u in tg.withheld] == [2, 3]
    await bot.get_updates(timeout=0, allowed_updates=[])  # back to Telegram's default
    assert tg.allowed_updates is None
    assert tg.wants({"my_chat_member": {}}) and not tg.wants({"chat_member": {}})


async def test_sent_messages_come_back_with_their_entities(bot: Bot, user: TelegramUser) -> None:
    source = (
        "<b>Zoé 👋</b> &lt;3 &amp; <i>co <u>x</u></i>: see https://t.me/escale_test_bot?start=a1, "
        '/help or @escale_team. <a href="https://example.org/?a=1">site</a>'
        '<pre><code class="language-python">x = 1</code></pre><blockquote>q</blockquote>'
        "<tg-spoiler>s</tg-spoiler><code>https://not.a.link</code><b></b>"
    )
    sent = await bot.send_message(USER_ID, source, parse_mode=ParseMode.HTML)
    entities = [(e.type, e.offset, e.length) for e in sent.entities]
    # Offsets and lengths in UTF-16 code units of the visible text: the emoji counts two.
    assert entities[:3] == [("bold", 0, 6), ("italic", 12, 4), ("underline", 15, 1)]
    assert ("url", 22, 37) in entities  # without the comma after it
    assert ("bot_command", 61, 5) in entities
    assert ("mention", 70, 12) in entities
    links = [e for e in sent.entities if e.type == "text_link"]
    assert [link.url for link in links] == ["https://example.org/?a=1"]
    [pre] = [e for e in sent.entities if e.type == "pre"]
    assert pre.language == "python"
    assert [e.type for e in sent.entities][-3:] == ["blockquote", "spoiler", "code"]
    assert "url" not in [e.type for e in sent.entities if e.offset >= pre.offset]
    assert sent.text_html.startswith("<b>Zoé 👋</b> &lt;3 &amp; <i>co <u>x</u></i>: see")
    plain = await bot.send_message(USER_ID, "a /start and https://x.org")
    assert [(e.type, e.offset) for e in plain.entities] == [("bot_command", 2), ("url", 13)]


async def test_an_edited_message_keeps_the_formatting_ptb_rebuilds(
    bot: Bot, user: TelegramUser
) -> None:
    sent = await bot.send_message(
        USER_ID,
        "Hi <b>Léa &amp; Zoé</b> &lt;3",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard("A"),
    )
    rebuilt = await bot.edit_message_text(
        f"{sent.text_html}\n\n<i>chosen</i>", USER_ID, sent.message_id, parse_mode=ParseMode.HTML
    )
    assert not isinstance(rebuilt, bool)
    assert rebuilt.text == "Hi Léa & Zoé <3\n\nchosen"
    assert rebuilt.text_html == "Hi <b>Léa &amp; Zoé</b> &lt;3\n\n<i>chosen</i>"


async def test_get_me_can_be_answered_incompletely(tg: FakeTelegram, bot: Bot) -> None:
    tg.answer_next("getMe", {"id": 1, "is_bot": True, "first_name": "E"})
    me = await bot.get_me()
    assert me.username is None
    assert (await bot.get_me()).username == "escale_test_bot"


# ---------------------------------------------------------------------- groups and channels


@pytest.mark.writes_to_strangers
async def test_group_add_send_and_leave(tg: FakeTelegram, bot: Bot) -> None:
    echo = EchoBot(bot, tg)
    person = TelegramUser(tg, echo.settle, user_id=5, first_name="A")
    group = TelegramGroup(tg, echo.settle)
    await group.add_bot(person)
    member = echo.seen[-1].my_chat_member
    assert member is not None
    assert member.new_chat_member.status == "member"
    assert member.chat.type == "supergroup"
    await group.send(person, "/start@escale_test_bot")
    await bot.send_message(group.chat_id, "Hello team")
    assert [m.text for m in group.messages] == ["Hello team"]
    assert await bot.leave_chat(group.chat_id) is True
    assert group.left
    with pytest.raises(Forbidden, match="not a member"):
        await bot.send_message(group.chat_id, "still here?")
    # Writing in a group opens no private chat: Telegram refuses a bot that writes first.
    with pytest.raises(Forbidden, match="initiate conversation"):
        await bot.send_message(5, "hi")
    assert tg.uninvited == [5]


async def test_channel_add_bot_as_administrator(tg: FakeTelegram, bot: Bot) -> None:
    echo = EchoBot(bot, tg)
    person = TelegramUser(tg, echo.settle, user_id=5, first_name="A")
    channel = TelegramChannel(tg, echo.settle)
    await channel.add_bot(person)
    member = echo.seen[-1].my_chat_member
    assert member is not None
    assert isinstance(member.new_chat_member, ChatMemberAdministrator)
    sent = await bot.send_message(channel.chat_id, "news")
    assert sent.sender_chat is not None
    assert sent.sender_chat.id == channel.chat_id
    await bot.leave_chat(channel.chat_id)
    assert channel.left


# ---------------------------------------------------------------------- with a real Application


async def test_application_polling_end_to_end(tg: FakeTelegram) -> None:
    app = (
        Application.builder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id, "<b>Bienvenue</b>", "HTML", reply_markup=keyboard("Merci")
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("De rien")
        await query.edit_message_text("Fini")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))

    async def settle(update_id: int) -> None:
        await tg.wait_fetched(update_id)
        await app.update_queue.join()

    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            person = TelegramUser(tg, settle, user_id=USER_ID, first_name="Léa")
            await person.send("/start")
            assert person.texts() == ["Bienvenue"]
            assert await person.press("Merci") == "De rien"
            assert person.texts() == ["Fini"]
            assert person.buttons() == []
        finally:
            await app.updater.stop()
            await app.stop()
    assert tg.unknown_methods == []
    assert [call.method for call in tg.calls[:2]] == ["getMe", "deleteWebhook"]
