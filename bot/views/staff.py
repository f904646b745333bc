"""Texts for workers and coordinators: the people a worker follows, the list of workers."""

from __future__ import annotations

from bot import callbacks
from bot.i18n import Translator
from bot.repository import Account, PersonSummary, WorkerSummary
from bot.views import Reply, bullets, esc


def people(t: Translator, persons: list[PersonSummary]) -> Reply:
    if not persons:
        return Reply(
            t._("Nobody is linked to you yet. /invite creates a link for a person you follow.")
        )
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
        return Reply(t._("There is no worker yet. /newworker creates a link for one."))
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
            label = t._("Reactivate {name}").format(name=worker.display_name)
            data = callbacks.build(callbacks.WORKER_RESUME, worker.user_id)
        buttons.append([(label, data)])
    return Reply(t._("<b>Workers</b>") + "\n" + bullets(lines), buttons)


def worker_suspended(t: Translator) -> Reply:
    return Reply(
        t._(
            "Your coordinator has paused your access as a worker in Escale. The people you "
            "follow stay linked to you. Ask your coordinator if you think this is a mistake."
        )
    )


def worker_reactivated(t: Translator) -> Reply:
    return Reply(t._("Your coordinator has reactivated your access as a worker. /help"))


def suspended_notice(t: Translator) -> Reply:
    return Reply(t._("Your access as a worker is paused. Ask your coordinator to reactivate it."))


def status_changed(t: Translator, worker: Account) -> str:
    """A short notice after a suspend/reactivate button (at most 200 characters)."""
    if worker.worker_status == "active":
        return t._("{name} is active again.").format(name=worker.display_name)[:200]
    return t._("{name} is suspended.").format(name=worker.display_name)[:200]


def label_too_long(t: Translator, limit: int) -> Reply:
    return Reply(
        t._(
            "This name is too long: {limit} characters at most. Try again with a shorter one, "
            "for example /invite Léa"
        ).format(limit=limit)
    )


def worker_unreachable(t: Translator, name: str) -> str:
    return t._(
        "Escale can no longer write to the worker {name}: Telegram refuses the messages "
        "(they may have blocked the bot). Preparations sent to them are waiting and will be "
        "delivered as soon as they write to Escale again."
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
        "Escale can no longer write to {name}: Telegram refuses the messages (they may have "
        "blocked the bot). Nothing is lost; messages will reach them if they write to Escale "
        "again."
    ).format(name=esc(name))
