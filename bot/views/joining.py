"""Texts of joining: the links handed out, the welcome and consent, and what others are told."""

from __future__ import annotations

from bot import callbacks
from bot.i18n import Translator
from bot.repository import Account, Invitation
from bot.views import Reply, esc
from bot.views.general import person_privacy, prepare_button


def worker_link(t: Translator, url: str, invitation: Invitation) -> Reply:
    return Reply(
        t._(
            "Here is a link for a new worker. It works once, until {date}.\n\n{url}\n\n"
            "Send it to the worker yourself; whoever opens it becomes a worker. "
            "I will tell you who joined."
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
            "It works once, until {date}.\n\n{url}\n\n"
            "Send it to them, or show them the QR code below to scan with their phone."
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
            "This link does not work (anymore). Links work only once and for a few days. "
            "Ask the person who gave it to you for a new one."
        )
    )


def became_worker(t: Translator, name: str) -> Reply:
    return Reply(
        t._(
            "Welcome to Escale, {name}! You are now a worker.\n\n"
            "/invite creates a one-time link for a person you follow; when they accept, I will "
            "tell you. /people lists them. /help shows everything."
        ).format(name=esc(name))
    )


def worker_joined_notice(t: Translator, name: str) -> Reply:
    return Reply(t._("{name} opened your link and is now a worker.").format(name=esc(name)))


def already_worker(t: Translator) -> Reply:
    return Reply(t._("You are already a worker in Escale: nothing has changed. /help"))


def not_for_people(t: Translator) -> Reply:
    return Reply(
        t._(
            "This link is for social workers, and you are followed as a person in Escale: "
            "nothing has changed."
        )
    )


def not_for_staff(t: Translator) -> Reply:
    return Reply(
        t._(
            "This link is for a person followed by a worker. You are a worker or coordinator "
            "in Escale, so nothing has changed. Give the link to the person it is meant for."
        )
    )


def already_linked(t: Translator, worker_name: str | None) -> Reply:
    return Reply(
        t._(
            "You are already followed by {worker} in Escale: nothing has changed. "
            "/help shows what you can do."
        ).format(worker=esc(worker_name or t._("your worker")))
    )


def consent_request(t: Translator, worker: Account, invitation: Invitation) -> Reply:
    worker_name = esc(worker.display_name)
    return Reply(
        t._("Hello! {worker} invites you to use <b>Escale</b>.").format(worker=worker_name)
        + "\n\n"
        + t._(
            "Escale helps you get ready for your meetings with {worker}. Before a meeting, I "
            "ask you a few short questions: what matters to you today, what you want, what "
            "could help. You choose what {worker} reads. Nothing is sent without your say-so."
        ).format(worker=worker_name)
        + "\n\n"
        + person_privacy(t, worker.display_name)
        + "\n\n"
        + t._("Do you agree to use Escale this way? You can stop at any time with /forget."),
        [
            [
                (t._("I agree"), callbacks.build(callbacks.JOIN_YES, invitation.id)),
                (t._("Not now"), callbacks.build(callbacks.JOIN_NO, invitation.id)),
            ]
        ],
    )


def joined(t: Translator, worker_name: str) -> Reply:
    return Reply(
        t._(
            "Thank you. You are now linked to {worker}, and {worker} has been told.\n\n"
            "Before each meeting, you can prepare it here: a few short questions, and you "
            "decide what {worker} reads.\n\n"
            "/help shows what you can do, /privacy what Escale keeps."
        ).format(worker=esc(worker_name)),
        [[prepare_button(t)]],
    )


def not_now(t: Translator, invitation: Invitation) -> Reply:
    return Reply(
        t._(
            "No problem: nothing has been kept. If you change your mind, open the same link "
            "again before {date}, or ask your worker for a new one."
        ).format(date=t.date_time(invitation.expires_at))
    )


def person_joined_notice(t: Translator, label: str | None, telegram_name: str) -> Reply:
    if label:
        return Reply(
            t._(
                "{label} ({name} on Telegram) accepted your invitation and is now linked to you."
            ).format(label=esc(label), name=esc(telegram_name))
        )
    return Reply(
        t._("{name} accepted your invitation and is now linked to you.").format(
            name=esc(telegram_name)
        )
    )


def consent_answered(t: Translator, agreed: bool) -> str:
    """What the consent message shows once answered, in place of its buttons."""
    return t._("✅ You agreed.") if agreed else t._("You chose: not now.")
