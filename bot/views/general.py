"""Texts everyone may see: welcome, help, privacy, language, and the kind refusals."""

from __future__ import annotations

from datetime import datetime

from bot import callbacks
from bot.context import Caller, Role
from bot.i18n import Translator
from bot.views import Reply, bullets, esc, meetings
from bot.views.staff import suspended_notice


def visitor_welcome(t: Translator) -> Reply:
    return Reply(
        t._(
            "Hello! I am <b>Escale</b>.\n\n"
            "I help people get ready for their meetings with their social worker: before each "
            "meeting, a few short questions about what matters to you today. You decide what "
            "your worker will read.\n\n"
            "To use Escale, you need an invitation link from your social worker. If you are "
            "followed by a service that uses Escale, ask your worker for a link."
        )
    )


def help_text(
    caller: Caller, worker_name: str | None, next_meeting: datetime | None = None
) -> Reply:
    """What this caller can do, by role; a person with several roles sees each part."""
    t = caller.t
    parts: list[str] = []
    if caller.has(Role.ADMIN):
        parts.append(
            t._("<b>As a coordinator</b>")
            + "\n"
            + bullets(
                [
                    t._("/newworker — create a one-time link for a new worker"),
                    t._("/workers — see the workers, suspend or reactivate one"),
                ]
            )
        )
    if caller.has(Role.WORKER):
        parts.append(
            t._("<b>As a worker</b>")
            + "\n"
            + bullets(
                [
                    t._(
                        "/invite — create a one-time link for a person you follow "
                        "(you can add their first name: /invite Léa)"
                    ),
                    t._("/meeting — set, move or cancel the meeting with a person"),
                    t._("/people — the people you follow"),
                    t._("/history — what a person has sent you over time"),
                ]
            )
        )
    if caller.has(Role.PERSON):
        intro = (
            t._("You are followed by {worker} in Escale.").format(worker=esc(worker_name))
            if worker_name
            else t._("You are followed by a worker in Escale.")
        )
        if next_meeting is not None:
            intro += "\n" + meetings.next_meeting_line(t, next_meeting)
        parts.append(
            intro
            + "\n"
            + bullets(
                [
                    t._("/prepare — prepare your next meeting"),
                    t._("/meeting — the date of your next meeting"),
                    t._("/logbook — your small steps and how they went"),
                    t._("/mydata — get a copy of what Escale keeps about you"),
                    t._("/forget — erase your data and leave Escale"),
                ]
            )
        )
    if not caller.roles:
        if caller.account and caller.account.worker_status == "suspended":
            return suspended_notice(t)
        return visitor_welcome(t)
    parts.append(
        bullets(
            [
                t._("/language — choose your language"),
                t._("/privacy — what Escale keeps and who sees it"),
                t._("/help — this message"),
            ]
        )
    )
    buttons = [[prepare_button(t)]] if caller.has(Role.PERSON) else []
    return Reply("\n\n".join(parts), buttons)


def prepare_button(t: Translator) -> tuple[str, str]:
    return (t._("📝 Prepare my meeting"), callbacks.PREPARE)


def staff_welcome(caller: Caller) -> Reply:
    t = caller.t
    return Reply(
        t._("Hello {name}! Here is what you can do.").format(name=esc(caller.name))
        + "\n\n"
        + help_text(caller, None).text
    )


def unknown_command(t: Translator) -> Reply:
    return Reply(t._("Sorry, I don't know this command. /help shows what you can do."))


def text_only(t: Translator) -> Reply:
    return Reply(t._("I can only read text messages. /help shows what you can do."))


def something_went_wrong(t: Translator) -> Reply:
    return Reply(
        t._(
            "Sorry, something went wrong on my side. What you sent before is safe; "
            "please try again in a moment."
        )
    )


def edit_ignored(t: Translator) -> Reply:
    return Reply(t._("I don't take edited messages into account. Please send a new message."))


def language_choice(t: Translator, names: list[tuple[str, str]]) -> Reply:
    """`names` pairs a language code with its own name."""
    return Reply(
        t._("Which language do you prefer?"),
        [[(name, callbacks.build(callbacks.LANGUAGE, code))] for code, name in names],
    )


def language_set(t: Translator, name: str) -> Reply:
    return Reply(t._("Done: I will speak {language} with you.").format(language=name))


def slow_down(t: Translator) -> Reply:
    return Reply(
        t._(
            "That is a lot of messages at once. I will read your messages again in a minute. "
            "Nothing you sent before is lost."
        )
    )


def language_not_kept(t: Translator) -> Reply:
    return Reply(
        t._(
            "I keep nothing about people who have not joined Escale, so I cannot remember "
            "this choice yet. Until you join, I follow the language of your Telegram."
        )
    )


def stale_button(t: Translator) -> str:
    """Shown as a short notice when a button no longer applies (kept under 200 characters)."""
    return t._("This button no longer works. /help shows what you can do.")


def button_private_only(t: Translator) -> str:
    """A button pressed outside its presser's private chat (kept under 200 characters)."""
    return t._("Escale's buttons work only in your private chat with me.")


def privacy(caller: Caller, worker_name: str | None) -> Reply:
    t = caller.t
    if caller.has(Role.PERSON) or not (caller.has(Role.WORKER) or caller.has(Role.ADMIN)):
        return Reply(person_privacy(t, worker_name))
    return Reply(
        t._("<b>What Escale keeps</b>")
        + "\n"
        + bullets(
            [
                t._(
                    "For workers: your Telegram id, your name, your language, and the people "
                    "you follow."
                ),
                t._("For the people you follow: what they choose to send you, nothing more."),
                t._(
                    "Coordinators see the list of workers and how many people each follows, "
                    "never what a person wrote."
                ),
            ]
        )
        + "\n\n"
        + t._("To stop being a worker in Escale, ask your coordinator.")
    )


def person_privacy(t: Translator, worker_name: str | None) -> str:
    """The privacy text a person reads before agreeing, and again with /privacy."""
    worker = esc(worker_name) if worker_name else t._("your worker")
    return (
        t._("<b>What Escale keeps</b>")
        + "\n"
        + bullets(
            [
                t._("your Telegram id, your first name and your language;"),
                t._("the name your worker gave when inviting you, and the day you joined;"),
                t._("the dates of your meetings, to invite you to prepare them;"),
                t._(
                    "the answers you give to prepare your meetings, written or spoken, and the "
                    "people you name as possible help."
                ),
            ]
        )
        + "\n\n"
        + t._("<b>Who sees it</b>")
        + "\n"
        + t._(
            "You. {worker} reads only what you decide to send. The coordinators of the "
            "service see numbers, never what you wrote."
        ).format(worker=worker)
        + "\n\n"
        + t._("<b>For how long</b>")
        + "\n"
        + t._(
            "As long as you use Escale. /mydata gives you a copy of everything at any time. "
            "/forget erases everything and only tells your worker that you left. Messages "
            "already sent to your worker stay in their Telegram."
        )
    )


def preparation_paused(t: Translator) -> Reply:
    return Reply(
        t._(
            "Your preparation is paused. Everything you answered is kept: /prepare takes you "
            "back where you stopped."
        ),
        [[prepare_button(t)]],
    )


def nothing_to_cancel(t: Translator) -> Reply:
    return Reply(t._("There is nothing in progress to cancel. /help shows what you can do."))


def private_only(t: Translator) -> Reply:
    return Reply(
        t._(
            "Escale works only in a private chat, to keep what people write private. "
            "I am leaving this group."
        )
    )
