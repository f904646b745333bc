"""Texts of joining: the links handed out, the welcome and consent, and what others are told."""

from __future__ import annotations

from bot.accounts.store import Account, Invitation
from bot.core import callbacks
from bot.core.i18n import Translator
from bot.core.period import Period
from bot.core.text import Reply, esc
from bot.general.views import person_privacy, prepare_button


def worker_link(t: Translator, url: str, invitation: Invitation) -> Reply:
    return Reply(
        t._(
            "Here is a link for a new social worker. It works once, until {date}.\n\n"
            "{url}\n\nSend it yourself. The person who opens it becomes a social "
            "worker in Escale. I will tell you who joined."
        ).format(date=t.date_time(invitation.expires_at), url=esc(url))
    )


def person_link(t: Translator, url: str, invitation: Invitation) -> Reply:
    text = (
        t._("Here is a link for {name}.").format(name=esc(invitation.label))
        if invitation.label
        else t._("Here is a link for a person you follow.")
    )
    return Reply(
        text
        + " "
        + t._(
            "It works once, until {date}.\n\n{url}\n\nSend it to the person. Or show the "
            "QR code below: they scan it with their phone."
        ).format(date=t.date_time(invitation.expires_at), url=esc(url))
    )


def qr_caption(t: Translator, invitation: Invitation) -> str:
    if invitation.label:
        return t._("Invitation for {name}: scan to open Escale.").format(name=esc(invitation.label))
    return t._("Invitation: scan to open Escale.")


def qr_not_sent(t: Translator) -> Reply:
    """After the link arrived, its QR code did not: the link is enough."""
    return Reply(t._("The QR code could not be sent this time. The link above works all the same."))


def invalid_link(t: Translator) -> Reply:
    return Reply(
        t._(
            "This link does not work. A link works only once, for a few days. Ask "
            "the person who gave it to you for a new one."
        )
    )


def became_worker(t: Translator, name: str) -> Reply:
    return Reply(
        t._(
            "Welcome to Escale, {name}! You can now follow people here.\n\n/invite "
            "makes a link for a person you follow. I will tell you when they join. "
            "/people shows them. /help shows everything."
        ).format(name=esc(name))
    )


def worker_joined_notice(t: Translator, name: str) -> Reply:
    return Reply(
        t._("{name} opened your link. They can now follow people in Escale.").format(name=esc(name))
    )


def already_worker(t: Translator) -> Reply:
    return Reply(t._("You can already follow people in Escale. Nothing changed. /help"))


def not_for_people(t: Translator) -> Reply:
    return Reply(
        t._(
            "This link is for social workers. You already use Escale to prepare your "
            "meetings. Nothing changed."
        )
    )


def not_for_staff(t: Translator) -> Reply:
    return Reply(
        t._(
            "This link is for a person you follow, not for you. Nothing changed. "
            "Give the link to that person."
        )
    )


def already_linked(t: Translator, worker_name: str | None) -> Reply:
    return Reply(
        t._(
            "{worker} already supports you in Escale. Nothing changed. /help shows what you can do."
        ).format(worker=esc(worker_name or t._("Your social worker")))
    )


def consent_request(
    t: Translator,
    worker: Account,
    invitation: Invitation,
    retention: Period,
    *,
    details: bool = False,
) -> Reply:
    """Under 90 words; the full text of what Escale keeps is one tap away (or shown, `details`)."""
    worker_name = esc(worker.display_name)
    kept = (
        person_privacy(t, worker.display_name, retention)
        if details
        else t._(
            "Escale keeps your name, your answers and your meeting dates. The coordination "
            "knows who supports you. It never sees what you write. /privacy tells you "
            "everything."
        )
    )
    rows = [
        [
            (t._("I agree"), callbacks.build(callbacks.JOIN_YES, invitation.id)),
            (t._("Not now"), callbacks.build(callbacks.JOIN_NO, invitation.id)),
        ]
    ]
    if not details:
        rows.append(
            [(t._("ℹ️ What Escale keeps"), callbacks.build(callbacks.JOIN_INFO, invitation.id))]
        )
    return Reply(
        t._("Hello! {worker} invites you to use <b>Escale</b>.").format(worker=worker_name)
        + "\n\n"
        + t._(
            "Escale helps you prepare your meetings with {worker}. Before a meeting, I ask you a "
            "few short questions. You choose what {worker} reads. Nothing is sent unless you say "
            "yes."
        ).format(worker=worker_name)
        + "\n\n"
        + kept
        + "\n\n"
        + t._("Do you agree? You can stop at any time with /forget."),
        rows,
    )


def joined(t: Translator, worker_name: str) -> Reply:
    return Reply(
        t._(
            "Thank you. {worker} now knows that you are here.\n\nBefore each meeting, "
            "you can prepare it here. You decide what {worker} reads.\n\n/help shows "
            "what you can do."
        ).format(worker=esc(worker_name)),
        [[prepare_button(t)]],
    )


def not_now(t: Translator, invitation: Invitation) -> Reply:
    return Reply(
        t._(
            "No problem. Nothing is kept. If you change your mind, open the same "
            "link before {date}. Or ask your social worker for a new link."
        ).format(date=t.date_time(invitation.expires_at))
    )


def person_joined_notice(t: Translator, label: str | None, telegram_name: str) -> Reply:
    if label:
        return Reply(
            t._(
                "{label} ({name} on Telegram) said yes to your invitation. You now "
                "follow them in Escale."
            ).format(label=esc(label), name=esc(telegram_name))
        )
    return Reply(
        t._("{name} said yes to your invitation. You now follow them in Escale.").format(
            name=esc(telegram_name)
        )
    )


def consent_answered(t: Translator, agreed: bool) -> str:
    """What the consent message shows once answered, in place of its buttons."""
    return t._("✅ You said yes.") if agreed else t._("You chose: not now.")
