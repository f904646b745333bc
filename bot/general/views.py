"""Texts everyone may see: welcome, help, privacy, language, and the kind refusals."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.accounts.staff_views import suspended_notice
from bot.accounts.store import Account
from bot.core import callbacks
from bot.core.i18n import Translator
from bot.core.period import Period
from bot.core.roles import Role
from bot.core.text import Reply, bullets, esc
from bot.meetings import views as meetings
from bot.service.retention_views import period_in_words


class Caller(Protocol):
    """What these texts need to know of who is speaking (bot.context.Caller is one)."""

    @property
    def account(self) -> Account | None: ...
    @property
    def roles(self) -> frozenset[Role]: ...
    @property
    def t(self) -> Translator: ...
    @property
    def name(self) -> str: ...
    def has(self, role: Role) -> bool: ...


def visitor_welcome(t: Translator) -> Reply:
    return Reply(
        t._(
            "Hello! I am <b>Escale</b>.\n\nI help you prepare your meetings with your "
            "social worker. Before a meeting, I ask you a few short questions. You "
            "decide what your social worker reads.\n\nTo start, you need a link. Ask "
            "your social worker for it."
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
            t._("<b>For the coordination</b>")
            + "\n"
            + bullets(
                [
                    t._("/newworker — a link for a new social worker"),
                    t._(
                        "/workers — the social workers: pause or restore access, move a "
                        "person, let a social worker leave"
                    ),
                    t._("/invitations — the links not used yet: see them or cancel one"),
                    t._("/stats — the service in numbers, never what anyone wrote"),
                ]
            )
        )
    if caller.has(Role.WORKER):
        parts.append(
            t._("<b>For social workers</b>")
            + "\n"
            + bullets(
                [
                    t._(
                        "/invite — a link for a person you follow. You can add their first name: "
                        "/invite Léa"
                    ),
                    t._("/meeting — set, move or cancel a meeting"),
                    t._("/people — the people you follow"),
                    t._("/invitations — your links not used yet: see them or cancel one"),
                    t._("/history — what a person sent you over time"),
                    t._("/topics — topics you want to add to a person's next meeting"),
                    t._("/agreed — write down what you agreed at a meeting"),
                ]
            )
        )
    if caller.has(Role.PERSON):
        intro = (
            t._("{worker} supports you in Escale.").format(worker=esc(worker_name))
            if worker_name
            else t._("A social worker supports you in Escale.")
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
                    t._("/logbook — your small steps"),
                    t._("/mydata — a copy of your data"),
                    t._("/forget — erase everything and leave"),
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
    return Reply(t._("I don't know this command. /help shows what you can do."))


def text_only(t: Translator) -> Reply:
    return Reply(t._("I can only read written messages. /help shows what you can do."))


def something_went_wrong(t: Translator) -> Reply:
    return Reply(
        t._("Sorry, I have a problem. What you sent before is safe. Please try again in a moment.")
    )


def edit_ignored(t: Translator) -> Reply:
    return Reply(t._("I don't read changed messages. Please send a new message."))


def language_choice(t: Translator, names: list[tuple[str, str]]) -> Reply:
    """`names` pairs a language code with its own name."""
    return Reply(
        t._("Which language do you prefer?"),
        [[(name, callbacks.build(callbacks.LANGUAGE, code))] for code, name in names],
    )


def language_set(t: Translator, name: str) -> Reply:
    return Reply(t._("Done. I will speak {language} with you.").format(language=name))


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
    return t._("This button does not work any more. /help shows what you can do.")


def button_private_only(t: Translator) -> str:
    """A button pressed outside its presser's private chat (kept under 200 characters)."""
    return t._("Escale's buttons work only in your private chat with me.")


def privacy(caller: Caller, worker_name: str | None, retention: Period) -> Reply:
    t = caller.t
    if caller.has(Role.PERSON) or not (caller.has(Role.WORKER) or caller.has(Role.ADMIN)):
        return Reply(person_privacy(t, worker_name, retention))
    return Reply(
        t._("<b>What Escale keeps</b>")
        + "\n"
        + bullets(
            [
                t._(
                    "About you: your Telegram number, your name, your language and the "
                    "people you follow."
                ),
                t._("From the people you follow: only what they choose to send you."),
                t._(
                    "The coordination sees the social workers and the people each one "
                    "follows, to move a person if needed. It also sees numbers. It never "
                    "sees what a person wrote."
                ),
            ]
        )
        + "\n\n"
        + t._("To leave Escale, ask your coordination.")
    )


def person_privacy(t: Translator, worker_name: str | None, retention: Period) -> str:
    """The full privacy text a person reads with /privacy (the consent links to it)."""
    worker = esc(worker_name) if worker_name else t._("Your social worker")
    return (
        t._("<b>What Escale keeps</b>")
        + "\n"
        + bullets(
            [
                t._("your Telegram number, your first name and your language;"),
                t._("the name your social worker gave you, and the day you joined;"),
                t._("the dates of your meetings, to remind you to prepare them;"),
                t._("your answers, written or spoken, and the people you name as help;"),
                t._(
                    "the topics your social worker wants to add, and your answers; what your "
                    "social worker writes after a meeting, and what you say about it. Only "
                    "what you accept goes into your logbook."
                ),
            ]
        )
        + "\n\n"
        + t._("<b>Who sees it</b>")
        + "\n"
        + t._("You. {worker} reads only what you decide to send.").format(worker=worker)
        + " "
        + coordinators_see(t)
        + "\n\n"
        + t._("<b>For how long</b>")
        + "\n"
        + bullets(
            [
                t._(
                    "{period} after your last visit. A month before, I tell you: you can "
                    "keep a copy with /mydata. Then everything is erased."
                ).format(period=period_in_words(t, retention)),
                t._("Each preparation is erased {period} after you finish it.").format(
                    period=period_in_words(t, retention)
                ),
                t._("A link not used is erased when it stops working."),
                t._("The copy of a message I sent is erased 30 days later."),
            ]
        )
        + "\n\n"
        + t._(
            "/mydata gives you a copy of everything. /forget erases everything now. Your "
            "social worker is only told that you left. Messages already sent to your social "
            "worker stay in their Telegram."
        )
        + " "
        + t._(
            "Once erased, nothing stays in Escale. Only the service's safety copies keep it "
            "for a while, until they are deleted."
        )
    )


def coordinators_see(t: Translator) -> str:
    """Exactly what coordinators see, said the same way in the consent and in /privacy."""
    return t._(
        "The coordination of the service sees who supports you. So it can give you another "
        "social worker if needed. Otherwise it sees only numbers: how many people, "
        'preparations and reminders. A number below 5 shows as "fewer than 5". It never sees '
        "what you write."
    )


def preparation_paused(t: Translator) -> Reply:
    return Reply(
        t._(
            "Your preparation is paused. Your answers are kept. /prepare takes you "
            "back where you stopped."
        ),
        [[prepare_button(t)]],
    )


def text_dropped(t: Translator) -> Reply:
    """/cancel while Escale waited for a text (a part of what was agreed, topics, a comment)."""
    return Reply(t._("All right. I am no longer waiting for that text."))


def nothing_to_cancel(t: Translator) -> Reply:
    return Reply(t._("Nothing is in progress. /help shows what you can do."))


def private_only(t: Translator) -> Reply:
    return Reply(
        t._(
            "Escale works only in a private chat. This keeps what people write "
            "private. I am leaving this group."
        )
    )
