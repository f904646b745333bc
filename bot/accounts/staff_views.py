"""Texts for workers and coordinators: the people a worker follows, the list of workers."""

from __future__ import annotations

from bot.accounts.store import Account, Invitation, PersonSummary, WorkerSummary
from bot.core import callbacks
from bot.core.i18n import Translator
from bot.core.text import Reply, bullets, esc


def people(t: Translator, persons: list[PersonSummary]) -> Reply:
    if not persons:
        return Reply(t._("You follow nobody yet. /invite makes a link for a person you follow."))
    lines = []
    for person in persons:
        name = (
            f"{esc(person.label)} ({esc(person.display_name)})"
            if person.label
            else esc(person.display_name)
        )
        lines.append(t._("{name}, since {date}").format(name=name, date=t.date(person.joined_at)))
    return Reply(
        t.n_("You follow {count} person:", "You follow {count} people:", len(persons)).format(
            count=len(persons)
        )
        + "\n"
        + bullets(lines)
    )


def workers(t: Translator, summaries: list[WorkerSummary]) -> Reply:
    if not summaries:
        return Reply(t._("There is no social worker yet. /newworker makes a link for one."))
    lines = []
    buttons = []
    for worker in summaries:
        follows = t.n_("follows {count} person", "follows {count} people", worker.people_count)
        status = t._("active") if worker.status == "active" else t._("suspended")
        lines.append(
            f"{esc(worker.display_name)} — {status}, {follows.format(count=worker.people_count)}"
        )
        if worker.status == "active":
            label = t._("Suspend {name}").format(name=worker.display_name)
            data = callbacks.build(callbacks.WORKER_SUSPEND, worker.user_id)
        else:
            label = t._("Restore {name}").format(name=worker.display_name)
            data = callbacks.build(callbacks.WORKER_RESUME, worker.user_id)
        people = t._("👥 {name}").format(name=worker.display_name)
        buttons.append(
            [(label, data), (people, callbacks.build(callbacks.WORKER_PEOPLE, worker.user_id))]
        )
    return Reply(
        t._("<b>Social workers</b>")
        + "\n"
        + bullets(lines)
        + "\n\n"
        + t._(
            "👥 shows the people a social worker follows. There you can move a person, or let "
            "the social worker leave."
        ),
        buttons,
    )


def worker_suspended(t: Translator) -> Reply:
    return Reply(
        t._(
            "Your access to Escale is paused by the coordination. The people you "
            "follow stay with you. Ask the coordination if you think it is a mistake."
        )
    )


def worker_reactivated(t: Translator) -> Reply:
    return Reply(t._("The coordination restored your access to Escale. /help"))


def suspended_notice(t: Translator) -> Reply:
    return Reply(t._("Your access is paused. Ask the coordination to restore it."))


def status_changed(t: Translator, worker: Account) -> str:
    """A short notice after a suspend/reactivate button (at most 200 characters)."""
    if worker.worker_status == "active":
        return t._("Access restored: {name}.").format(name=worker.display_name)[:200]
    return t._("Access paused: {name}.").format(name=worker.display_name)[:200]


def label_too_long(t: Translator, limit: int) -> Reply:
    return Reply(
        t._(
            "This name is too long: {limit} characters at most. Try a shorter one. "
            "For example: /invite Léa"
        ).format(limit=limit)
    )


def worker_unreachable(t: Translator, name: str) -> str:
    return t._(
        "Escale cannot write to {name} any more. Telegram refuses the messages. "
        "Maybe {name} blocked Escale. The preparations for {name} are waiting. "
        "They will arrive when {name} writes to Escale again."
    ).format(name=esc(name))


def brief_undelivered(t: Translator, worker_name: str, reference: str, uncertain: bool) -> str:
    """For the coordinators: which brief did not reach which worker; never what it says."""
    if uncertain:
        text = t._(
            "Escale does not know whether the preparation {reference} reached the worker "
            "{name}. It will not be sent again; its content is not kept. The person is told."
        )
    else:
        text = t._(
            "Escale could not deliver the preparation {reference} to the worker {name}: "
            "Telegram refused it. Its content is not kept. The person is told."
        )
    return text.format(reference=reference, name=esc(worker_name))


def person_unreachable(t: Translator, name: str) -> str:
    return t._(
        "Escale cannot write to {name} any more. Telegram refuses the messages. "
        "Maybe {name} blocked Escale. Nothing is lost. The messages will arrive "
        "if {name} writes to Escale again."
    ).format(name=esc(name))


def invitations(t: Translator, pending: list[Invitation], *, for_admin: bool) -> Reply:
    """The links not used yet, each with when it stops working and a button to revoke it."""
    make = (
        t._("/newworker makes a new link for a worker.")
        if for_admin
        else t._("/invite makes a new link.")
    )
    if not pending:
        return Reply(t._("No link is waiting to be used.") + " " + make)
    lines = []
    buttons = []
    for invitation in pending:
        who = _invitation_name(t, invitation)
        lines.append(
            t._("{who}: works until {date}").format(
                who=esc(who), date=t.date_time(invitation.expires_at)
            )
        )
        buttons.append(
            [
                (
                    t._("Revoke: {who}").format(who=who),
                    callbacks.build(callbacks.INVITATION_REVOKE, invitation.id),
                )
            ]
        )
    title = (
        t._("<b>Links for workers, not used yet</b>")
        if for_admin
        else t._("<b>Your links not used yet</b>")
    )
    return Reply(title + "\n" + bullets(lines) + "\n\n" + make, buttons)


def _invitation_name(t: Translator, invitation: Invitation) -> str:
    if invitation.kind == "worker":
        return t._("worker link of {date}").format(date=t.date(invitation.created_at))
    if invitation.label:
        return invitation.label
    return t._("link of {date}").format(date=t.date(invitation.created_at))


def revoked(t: Translator) -> str:
    """A short notice on the pressed button (at most 200 characters)."""
    return t._("Revoked: this link no longer works.")
