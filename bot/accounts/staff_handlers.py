"""Coordinator and worker commands: links for new workers and people, the lists, suspensions."""

from __future__ import annotations

import logging
from typing import Literal

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import NetworkError, TelegramError

from bot.accounts import invitations as joining
from bot.accounts import qr
from bot.accounts import staff_views as staff
from bot.accounts import views as joining_texts
from bot.accounts.store import Invitation
from bot.context import Caller, EscaleContext, Role
from bot.core import callbacks
from bot.core.invisible import visible_name
from bot.core.transport import may_have_arrived
from bot.general import menus_handlers as menus
from bot.general.common_handlers import Buttons, Handler, answer, requires, show_in_place, tell
from bot.general.views import stale_button
from bot.service import statistics, stats_views

log = logging.getLogger(__name__)


@requires(Role.ADMIN)
async def new_worker(update: Update, context: EscaleContext, caller: Caller) -> None:
    link = await joining.create_link(
        context.services, "worker", caller.id, context.bot.username, label=None
    )
    await answer(update, context, joining_texts.worker_link(caller.t, link.url, link.invitation))


@requires(Role.ADMIN)
async def list_workers(update: Update, context: EscaleContext, caller: Caller) -> None:
    await answer(update, context, staff.workers(caller.t, await context.services.repo.workers()))


async def _set_status(
    update: Update, context: EscaleContext, caller: Caller, status: Literal["active", "suspended"]
) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    worker = await svc.repo.account(int(context.matches[0][1]))
    if worker is None or worker.worker_status is None:
        await query.answer(stale_button(caller.t))
        return
    changed = worker.worker_status != status
    if changed:
        worker = await svc.repo.set_worker_status(worker.user_id, status, svc.clock.now()) or worker
        log.info("worker status user=%s status=%s by=%s", worker.user_id, status, caller.id)
        svc.deliver()  # what was held for them while suspended goes now
    await query.answer(staff.status_changed(caller.t, worker))
    await show_in_place(update, staff.workers(caller.t, await svc.repo.workers()))
    if changed:
        notice = staff.worker_reactivated if status == "active" else staff.worker_suspended
        await tell(context, worker.user_id, worker, notice)
        await menus.refresh(context.bot, svc, worker.user_id)


@requires(Role.ADMIN)
async def suspend_worker(update: Update, context: EscaleContext, caller: Caller) -> None:
    await _set_status(update, context, caller, "suspended")


@requires(Role.ADMIN)
async def resume_worker(update: Update, context: EscaleContext, caller: Caller) -> None:
    await _set_status(update, context, caller, "active")


@requires(Role.WORKER)
async def invite(update: Update, context: EscaleContext, caller: Caller) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    parts = message.text.split(maxsplit=1)
    label = visible_name(parts[1]) if len(parts) > 1 else None
    if not joining.label_fits(label):
        await answer(update, context, staff.label_too_long(caller.t, joining.LABEL_MAX_LENGTH))
        return
    link = await joining.create_link(
        context.services, "person", caller.id, context.bot.username, label=label or None
    )
    await answer(update, context, joining_texts.person_link(caller.t, link.url, link.invitation))
    # The link is what matters and it has arrived: the QR code is a convenience on top.
    try:
        await context.bot.send_photo(
            caller.id,
            qr.qr_png(link.url),
            caption=joining_texts.qr_caption(caller.t, link.invitation),
            parse_mode=ParseMode.HTML,
        )
    except TelegramError as error:
        if isinstance(error, NetworkError) and may_have_arrived(error):
            # Cut off once sent: it may well be on the screen, so nothing is said about it.
            log.warning("invitation QR code outcome unknown user=%s", caller.id)
            return
        log.warning("invitation QR code not sent user=%s error=%s", caller.id, type(error).__name__)
        await tell(context, caller.id, caller.account, joining_texts.qr_not_sent)


@requires(Role.WORKER)
async def people(update: Update, context: EscaleContext, caller: Caller) -> None:
    await answer(
        update, context, staff.people(caller.t, await context.services.repo.people_of(caller.id))
    )


def _may_revoke(caller: Caller, invitation: Invitation) -> bool:
    """Coordinators revoke links for workers; a worker, the links they made for people."""
    if invitation.kind == "worker":
        return caller.has(Role.ADMIN)
    return caller.has(Role.WORKER) and invitation.created_by == caller.id


@requires(Role.WORKER, Role.ADMIN)
async def invitations(update: Update, context: EscaleContext, caller: Caller) -> None:
    svc = context.services
    now = svc.clock.now()
    if caller.has(Role.ADMIN):
        await answer(
            update,
            context,
            staff.invitations(
                caller.t, await svc.repo.pending_invitations(now, "worker"), for_admin=True
            ),
        )
    if caller.has(Role.WORKER):
        mine = await svc.repo.pending_invitations(now, "person", caller.id)
        await answer(update, context, staff.invitations(caller.t, mine, for_admin=False))


@requires(Role.WORKER, Role.ADMIN)
async def revoke_invitation(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    now = svc.clock.now()
    invitation_id = int(context.matches[0][1])
    found = [
        i
        for i in await svc.repo.pending_invitations(now)
        if i.id == invitation_id and _may_revoke(caller, i)
    ]
    if (
        not found
        or await svc.repo.revoke_invitation(invitation_id, found[0].created_by, now) is None
    ):
        await query.answer(stale_button(caller.t))
        return
    log.info("invitation revoked id=%s by=%s", invitation_id, caller.id)
    await query.answer(staff.revoked(caller.t))
    for_admin = found[0].kind == "worker"
    pending = await svc.repo.pending_invitations(
        now, found[0].kind, None if for_admin else caller.id
    )
    await show_in_place(update, staff.invitations(caller.t, pending, for_admin=for_admin))


@requires(Role.ADMIN)
async def stats(update: Update, context: EscaleContext, caller: Caller) -> None:
    svc = context.services
    now = svc.clock.now()
    report = await statistics.report(svc, now)
    for reply in stats_views.stats(caller.t, report.counts, report.months, report.workers):
        await answer(update, context, reply)
    if report.chart is not None:
        await context.bot.send_photo(
            caller.id,
            report.chart,
            caption=stats_views.chart_caption(caller.t, report.months_charted),
            parse_mode=ParseMode.HTML,
        )


# What this feature answers: its commands and its buttons (bot/app.py registers them).
COMMANDS: dict[str, Handler] = {
    "newworker": new_worker,
    "workers": list_workers,
    "invite": invite,
    "people": people,
    "invitations": invitations,
    "stats": stats,
}
BUTTONS: Buttons = [
    (callbacks.pattern(callbacks.WORKER_SUSPEND, r"\d{1,18}"), suspend_worker),
    (callbacks.pattern(callbacks.WORKER_RESUME, r"\d{1,18}"), resume_worker),
    (callbacks.pattern(callbacks.INVITATION_REVOKE, r"\d{1,12}"), revoke_invitation),
]
