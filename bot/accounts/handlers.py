"""/start, with or without an invitation link, and the person's consent buttons."""

from __future__ import annotations

from telegram import Update

from bot.accounts import invitations as joining
from bot.accounts import views as texts
from bot.accounts.invitations import Opened
from bot.context import Caller, EscaleContext, Role
from bot.core import callbacks
from bot.general import views as general
from bot.general.common_handlers import (
    Buttons,
    Handler,
    answer,
    anyone,
    replace_buttons,
    show_in_place,
    tell,
    worker_name,
)
from bot.general.views import stale_button


@anyone
async def start(update: Update, context: EscaleContext, caller: Caller) -> None:
    if context.args:
        await _open_link(update, context, caller, context.args[0])
        return
    if caller.has(Role.ADMIN) or caller.has(Role.WORKER):
        await answer(update, context, general.staff_welcome(caller))
    else:
        await answer(update, context, general.help_text(caller, await worker_name(context, caller)))


async def _open_link(update: Update, context: EscaleContext, caller: Caller, payload: str) -> None:
    svc = context.services
    opened = await joining.open_link(svc, caller, payload)
    t = caller.t
    match opened.outcome:
        case Opened.INVALID:
            await answer(update, context, texts.invalid_link(t))
        case Opened.ALREADY_WORKER:
            await answer(update, context, texts.already_worker(t))
        case Opened.NOT_FOR_PEOPLE:
            await answer(update, context, texts.not_for_people(t))
        case Opened.NOT_FOR_STAFF:
            await answer(update, context, texts.not_for_staff(t))
        case Opened.ALREADY_LINKED:
            await answer(
                update, context, texts.already_linked(t, await worker_name(context, caller))
            )
        case Opened.BECAME_WORKER:
            assert opened.invitation is not None
            await context.reload_caller()  # a worker now, for the menu set after this update
            await answer(update, context, texts.became_worker(t, caller.name))
            admin_id = opened.invitation.created_by
            await tell(
                context,
                admin_id,
                await svc.repo.account(admin_id),
                lambda admin_t: texts.worker_joined_notice(admin_t, caller.name),
            )
        case Opened.CONSENT_NEEDED:
            assert opened.invitation is not None and opened.worker is not None
            await answer(
                update,
                context,
                texts.consent_request(t, opened.worker, opened.invitation, svc.settings.retention),
            )


@anyone
async def consent_yes(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    joined = await joining.give_consent(context.services, caller, int(context.matches[0][1]))
    if joined is None and joining.is_staff(caller):
        await query.answer()
        await answer(update, context, texts.not_for_staff(caller.t))
        return
    if joined is None:
        await query.answer(stale_button(caller.t))
        return
    caller = context.recognise(joined.person)  # a person now, for whatever follows
    await query.answer()
    await replace_buttons(update, context, texts.consent_answered(caller.t, agreed=True))
    worker = joined.worker
    await answer(update, context, texts.joined(caller.t, worker.display_name))
    await tell(
        context,
        worker.user_id,
        worker,
        lambda worker_t: texts.person_joined_notice(
            worker_t, joined.person.label, joined.person.display_name
        ),
    )


@anyone
async def consent_info(update: Update, context: EscaleContext, caller: Caller) -> None:
    """*What Escale keeps*: the consent message shows the full text in place, same buttons."""
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    pending = await svc.repo.pending_invitation(caller.id, svc.clock.now())
    worker = await svc.repo.account(pending.created_by) if pending else None
    if pending is None or worker is None or pending.id != int(context.matches[0][1]):
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    reply = texts.consent_request(caller.t, worker, pending, svc.settings.retention, details=True)
    await show_in_place(update, reply)


@anyone
async def consent_no(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    invitation = await context.services.repo.release_claim(int(context.matches[0][1]), caller.id)
    if invitation is None:
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    await replace_buttons(update, context, texts.consent_answered(caller.t, agreed=False))
    await answer(update, context, texts.not_now(caller.t, invitation))


# What this feature answers: its commands and its buttons (bot/app.py registers them).
COMMANDS: dict[str, Handler] = {
    "start": start,
}
BUTTONS: Buttons = [
    (callbacks.pattern(callbacks.JOIN_YES, r"\d{1,18}"), consent_yes),
    (callbacks.pattern(callbacks.JOIN_NO, r"\d{1,18}"), consent_no),
    (callbacks.pattern(callbacks.JOIN_INFO, r"\d{1,18}"), consent_info),
]
