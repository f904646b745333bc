"""Texts of moving a person, a worker leaving, and a person choosing to share their history."""

from __future__ import annotations

from bot.accounts.store import Account, PersonSummary, WorkerSummary
from bot.core import callbacks
from bot.core.i18n import Translator
from bot.core.text import Reply, bullets, esc
from bot.service.moving_store import Moved


def worker_people(t: Translator, worker: Account, persons: list[PersonSummary]) -> Reply:
    """An admin's view of whom a worker follows, to move one person or all of them."""
    name = esc(worker.display_name)
    buttons = [
        [
            (
                t._("Move {name}").format(name=person.known_as),
                callbacks.build(callbacks.MOVE, person.user_id),
            )
        ]
        for person in persons
    ]
    buttons.append(
        [
            (
                t._("{name} leaves the service").format(name=worker.display_name),
                callbacks.build(callbacks.LEAVE, worker.user_id),
            )
        ]
    )
    if not persons:
        return Reply(t._("{name} follows nobody for now.").format(name=name), buttons)
    lines = [esc(person.known_as) for person in persons]
    return Reply(
        t._("<b>People followed by {name}</b>").format(name=name) + "\n" + bullets(lines),
        buttons,
    )


def choose_new_worker(
    t: Translator, person: Account, old: Account, candidates: list[WorkerSummary]
) -> Reply:
    if not candidates:
        return Reply(no_other_worker(t))
    return Reply(
        t._(
            "Who will accompany {person} from now on, instead of {worker}?\n\n"
            "{person} is told. What they sent {worker} stays private, unless they choose to "
            "share it."
        ).format(person=esc(person.known_as), worker=esc(old.display_name)),
        [
            [
                (
                    t._("To {name}").format(name=worker.display_name),
                    callbacks.build(
                        callbacks.MOVE_TO, f"{person.user_id}:{old.user_id}:{worker.user_id}"
                    ),
                )
            ]
            for worker in candidates
        ],
    )


def choose_leave(
    t: Translator, worker: Account, count: int, candidates: list[WorkerSummary]
) -> Reply:
    name = esc(worker.display_name)
    then = t._("Then {name} will no longer be a worker in Escale.").format(name=name)
    if not count:
        return Reply(
            t._("{name} follows nobody.").format(name=name) + " " + then,
            [
                [
                    (
                        t._("Confirm: {name} leaves").format(name=worker.display_name),
                        callbacks.build(callbacks.LEAVE_SHARE, worker.user_id),
                    )
                ]
            ],
        )
    if not candidates:
        return Reply(no_other_worker(t))
    buttons = [
        [
            (
                t._("All to {name}").format(name=candidate.display_name),
                callbacks.build(callbacks.LEAVE_TO, f"{worker.user_id}:{candidate.user_id}"),
            )
        ]
        for candidate in candidates
    ]
    if len(candidates) > 1:
        buttons.append(
            [
                (
                    t._("Share them among the other workers"),
                    callbacks.build(callbacks.LEAVE_SHARE, worker.user_id),
                )
            ]
        )
    text = t.n_(
        "{name} follows {count} person. Who will accompany them from now on?",
        "{name} follows {count} people. Who will accompany them from now on?",
        count,
    ).format(name=name, count=count)
    return Reply(text + "\n\n" + then, buttons)


def no_other_worker(t: Translator) -> str:
    return t._(
        "There is no other active worker to accompany these people. Nobody is left without a "
        "worker: create a link for a new worker with /newworker first."
    )


def move_done(t: Translator, moved: Moved) -> Reply:
    return Reply(
        t._("Done: {person} is now accompanied by {new}. All three of you are told.").format(
            person=esc(moved.person.known_as), new=esc(moved.new_worker.display_name)
        )
    )


def leave_done(t: Translator, worker: Account, outcomes: list[Moved]) -> Reply:
    lines = [
        t._("{person} → {new}").format(
            person=esc(moved.person.known_as), new=esc(moved.new_worker.display_name)
        )
        for moved in outcomes
    ]
    text = t._("Done: {name} is no longer a worker in Escale.").format(
        name=esc(worker.display_name)
    )
    if lines:
        text += "\n" + t._("Each person is told who accompanies them now:") + "\n" + bullets(lines)
    return Reply(text)


def move_refused(t: Translator) -> str:
    """A short notice on the pressed button (at most 200 characters)."""
    return t._("Nothing changed: the situation moved meanwhile. Look again with /workers.")[:200]


def person_notice(t: Translator, moved: Moved) -> Reply:
    new, old = esc(moved.new_worker.display_name), esc(moved.old_worker.display_name)
    parts = [
        t._("From now on, {new} accompanies you in Escale, instead of {old}.").format(
            new=new, old=old
        )
    ]
    for at in moved.cancelled_meetings:
        parts.append(
            t._(
                "Your meeting of {date} with {old} is cancelled. {new} will give you a new date."
            ).format(date=t.date_time(at), old=old, new=new)
        )
    if moved.preparation_open:
        parts.append(
            t._("Your preparation is kept. /prepare to go on: it will go to {new}.").format(new=new)
        )
    if moved.withdrawn_briefs:
        parts.append(
            t._("Your last preparation had not reached {old}. It stays with you only.").format(
                old=old
            )
        )
    buttons: list[list[tuple[str, str]]] = []
    if moved.has_history:
        parts.append(
            t._(
                "What you sent {old} stays between you and {old}. Do you want {new} to see it "
                "too? You can say no: nothing changes."
            ).format(old=old, new=new)
        )
        buttons = [
            [
                (
                    t._("Yes, show it to {new}").format(new=moved.new_worker.display_name),
                    callbacks.build(
                        callbacks.SHARE_YES,
                        f"{moved.old_worker.user_id}:{moved.new_worker.user_id}",
                    ),
                )
            ],
            [(t._("No, thank you"), callbacks.build(callbacks.SHARE_NO, moved.old_worker.user_id))],
        ]
    return Reply("\n\n".join(parts), buttons)


def old_worker_notice(t: Translator, moved: Moved) -> Reply:
    return Reply(
        t._(
            "{person} is now accompanied by {new}. You will no longer receive their preparations."
        ).format(person=esc(moved.person.known_as), new=esc(moved.new_worker.display_name))
    )


def new_worker_notice(t: Translator, moved: Moved) -> Reply:
    person, old = esc(moved.person.known_as), esc(moved.old_worker.display_name)
    parts = [
        t._("You now accompany {person} in Escale (before: {old}).").format(person=person, old=old)
    ]
    for at in moved.cancelled_meetings:
        parts.append(
            t._(
                "{person} had a meeting on {date} with {old}. It is cancelled: /meeting sets "
                "a new one."
            ).format(person=person, date=t.date_time(at), old=old)
        )
    if moved.has_history:
        parts.append(
            t._(
                "What {person} sent {old} stays private, unless {person} chooses to share it "
                "with you."
            ).format(person=person, old=old)
        )
    return Reply("\n\n".join(parts))


def farewell(t: Translator) -> Reply:
    return Reply(
        t._(
            "Your coordinator has ended your access as a worker in Escale. The people you "
            "accompanied now have another worker. Thank you for your work!"
        )
    )


def shared(t: Translator, worker_name: str, count: int) -> str:
    return t.n_(
        "Done: {worker} can now see the preparation you sent before.",
        "Done: {worker} can now see the {count} preparations you sent before.",
        count,
    ).format(worker=esc(worker_name), count=count)


def not_shared(t: Translator) -> str:
    return t._("Fine: what you sent before stays private.")


def waiting_admin_notice(t: Translator, person_name: str, worker_name: str) -> Reply:
    return Reply(
        t._(
            "{person} wanted to send a preparation to {worker}, whose access is paused. "
            "{person} is waiting. /workers to give them another worker, or reactivate "
            "{worker}."
        ).format(person=esc(person_name), worker=esc(worker_name))
    )
