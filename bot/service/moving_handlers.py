"""Admins move a person to another worker, or let a worker leave; a moved person may share."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Update

from bot.accounts.store import Account, WorkerSummary
from bot.context import Caller, EscaleContext, Role, Services
from bot.core import callbacks
from bot.general import menus_handlers as menus
from bot.general.common_handlers import (
    Buttons,
    Handler,
    answer,
    replace_buttons,
    requires,
    show_in_place,
    tell,
)
from bot.general.views import stale_button
from bot.outbox.store import Outgoing
from bot.preparation.views import notice
from bot.service import moving_views as views
from bot.service.moving_store import Moved, MovingError

log = logging.getLogger(__name__)


def _ids(context: EscaleContext) -> list[int]:
    assert context.matches
    return [int(part) for part in context.matches[0].groups() if part is not None]


def _notices(svc: Services, moved: Moved) -> Sequence[Outgoing]:
    """The three notices of a move, each in its reader's language."""
    person_t = svc.translator_for(moved.person)
    old_t = svc.translator_for(moved.old_worker)
    new_t = svc.translator_for(moved.new_worker)
    return [
        notice(person_t, moved.person.user_id, views.person_notice(person_t, moved)),
        notice(old_t, moved.old_worker.user_id, views.old_worker_notice(old_t, moved)),
        notice(new_t, moved.new_worker.user_id, views.new_worker_notice(new_t, moved)),
    ]


def _farewell(svc: Services, worker: Account) -> Sequence[Outgoing]:
    t = svc.translator_for(worker)
    return [notice(t, worker.user_id, views.farewell(t))]


async def _candidates(svc: Services, excluded: int) -> list[WorkerSummary]:
    return [w for w in await svc.repo.workers() if w.status == "active" and w.user_id != excluded]


async def _worker_pressed(update: Update, context: EscaleContext, caller: Caller) -> Account | None:
    """The worker a coordinator's button names, if they still are one; the press is answered
    either way."""
    query = update.callback_query
    assert query is not None
    [worker_id] = _ids(context)
    worker = await context.services.repo.account(worker_id)
    found = worker if worker is not None and worker.worker_status is not None else None
    await query.answer(stale_button(caller.t) if found is None else None)
    return found


@requires(Role.ADMIN)
async def worker_people(update: Update, context: EscaleContext, caller: Caller) -> None:
    worker = await _worker_pressed(update, context, caller)
    if worker is None:
        return
    people = await context.services.repo.people_of(worker.user_id)
    await answer(update, context, views.worker_people(caller.t, worker, people))


@requires(Role.ADMIN)
async def move_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None
    svc = context.services
    [person_id] = _ids(context)
    person = await svc.repo.account(person_id)
    old = await svc.repo.account(person.worker_id) if person and person.worker_id else None
    if person is None or old is None:
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    candidates = await _candidates(svc, old.user_id)
    await answer(update, context, views.choose_new_worker(caller.t, person, old, candidates))


@requires(Role.ADMIN)
async def move_to(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None
    svc = context.services
    person_id, old_id, new_id = _ids(context)
    try:
        moved = await svc.moving.move(
            person_id, old_id, new_id, lambda m: _notices(svc, m), svc.clock.now()
        )
    except MovingError as error:
        log.info("move refused person=%s by=%s reason=%s", person_id, caller.id, error)
        await query.answer(views.move_refused(caller.t))
        return
    log.info("person moved person=%s from=%s to=%s by=%s", person_id, old_id, new_id, caller.id)
    svc.deliver()
    await query.answer()
    await show_in_place(update, views.move_done(caller.t, moved))


@requires(Role.ADMIN)
async def leave_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    svc = context.services
    worker = await _worker_pressed(update, context, caller)
    if worker is None:
        return
    count = len(await svc.repo.people_of(worker.user_id))
    candidates = await _candidates(svc, worker.user_id)
    await answer(update, context, views.choose_leave(caller.t, worker, count, candidates))


async def _leave(
    update: Update, context: EscaleContext, caller: Caller, worker_id: int, to: int | None
) -> None:
    query = update.callback_query
    assert query is not None
    svc = context.services
    worker = await svc.repo.account(worker_id)
    try:
        if worker is None:
            raise MovingError("no such user")
        outcomes = await svc.moving.leave(
            worker_id,
            to,
            lambda m: _notices(svc, m),
            lambda w: _farewell(svc, w),
            svc.clock.now(),
        )
    except MovingError as error:
        log.info("leave refused worker=%s by=%s reason=%s", worker_id, caller.id, error)
        await query.answer(views.move_refused(caller.t))
        return
    assert worker is not None
    log.info("worker left worker=%s moved=%s by=%s", worker_id, len(outcomes), caller.id)
    svc.deliver()
    await query.answer()
    await show_in_place(update, views.leave_done(caller.t, worker, outcomes))
    await menus.refresh(context.bot, svc, worker_id)


@requires(Role.ADMIN)
async def leave_to(update: Update, context: EscaleContext, caller: Caller) -> None:
    worker_id, to = _ids(context)
    await _leave(update, context, caller, worker_id, to)


@requires(Role.ADMIN)
async def leave_share(update: Update, context: EscaleContext, caller: Caller) -> None:
    [worker_id] = _ids(context)
    await _leave(update, context, caller, worker_id, None)


@requires(Role.PERSON)
async def share_yes(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and caller.account is not None
    svc = context.services
    old_id, new_id = _ids(context)
    worker = await svc.repo.account(caller.account.worker_id or 0)
    # Shared only with the worker the question named: moved again since, it is stale.
    count = (
        await svc.moving.share_history(caller.id, old_id)
        if caller.account.worker_id == new_id
        else 0
    )
    await query.answer()
    if worker is None or not count:
        await replace_buttons(update, context, views.not_shared(caller.t))
        return
    log.info("history shared person=%s from=%s count=%s", caller.id, old_id, count)
    await replace_buttons(update, context, views.shared(caller.t, worker.display_name, count))


@requires(Role.PERSON)
async def share_no(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await replace_buttons(update, context, views.not_shared(caller.t))


async def tell_coordinators_waiting(
    context: EscaleContext, person: Account, worker: Account
) -> None:
    """A person tried to send to a suspended worker: the coordinators learn who waits."""
    svc = context.services
    log.info("waiting for a suspended worker person=%s worker=%s", person.user_id, worker.user_id)
    for admin_id in sorted(svc.settings.admin_ids):
        await tell(
            context,
            admin_id,
            await svc.repo.account(admin_id),
            lambda t: views.waiting_admin_notice(t, person.known_as, worker.display_name),
        )


# What this feature answers: its commands and its buttons (bot/app.py registers them).
COMMANDS: dict[str, Handler] = {}
BUTTONS: Buttons = [
    (callbacks.pattern(callbacks.WORKER_PEOPLE, r"\d{1,18}"), worker_people),
    (callbacks.pattern(callbacks.MOVE, r"\d{1,18}"), move_pressed),
    (callbacks.MOVE_TO_PATTERN, move_to),
    (callbacks.pattern(callbacks.LEAVE, r"\d{1,18}"), leave_pressed),
    (callbacks.LEAVE_TO_PATTERN, leave_to),
    (callbacks.pattern(callbacks.LEAVE_SHARE, r"\d{1,18}"), leave_share),
    (callbacks.SHARE_YES_PATTERN, share_yes),
    (callbacks.pattern(callbacks.SHARE_NO, r"\d{1,18}"), share_no),
]
