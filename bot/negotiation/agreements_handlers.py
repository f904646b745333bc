"""What we agreed, in Telegram: the worker's draft after a meeting, the person's answer to it.

Every press and every awaited text is checked again against the database: a worker acts only
on their own draft for a person they still follow, a person only on a proposal made to them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Update

from bot.accounts.store import Account
from bot.context import Caller, EscaleContext, Role
from bot.core import callbacks
from bot.core.callbacks import AgreeAction
from bot.core.text import Reply
from bot.general.common_handlers import Buttons, Handler, answer, anyone, replace_buttons, requires
from bot.general.conversation_store import AGREEMENT, NEGOTIATION, Asked
from bot.general.views import stale_button
from bot.negotiation import agreements
from bot.negotiation import agreements_views as views
from bot.negotiation.agreements_store import MAX_STEPS, Agreement
from bot.preparation import views as preparation_views

log = logging.getLogger(__name__)


@requires(Role.WORKER)
async def agreed_command(update: Update, context: EscaleContext, caller: Caller) -> None:
    """/agreed: pick a person and write down what was agreed with them."""
    people = await context.services.repo.people_of(caller.id)
    await answer(update, context, views.choose_person(caller.t, people))


async def _person_of(context: EscaleContext, caller: Caller, person_id: int) -> Account | None:
    """The person, if the caller is the worker who follows them now."""
    person = await context.services.repo.account(person_id)
    return person if person is not None and person.worker_id == caller.id else None


@requires(Role.WORKER)
async def person_chosen(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and context.matches and caller.account is not None
    person = await _person_of(context, caller, int(context.matches[0][1]))
    if person is None:
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    agreement = await agreements.start(context.services, caller.account, person.user_id, None)
    assert agreement is not None, "only a meeting's agreement can be another worker's"
    await _show(update, context, caller, agreement, person)


@requires(Role.WORKER)
async def meeting_chosen(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and context.matches and caller.account is not None
    svc = context.services
    meeting_id = int(context.matches[0][1])
    person_id = await svc.agreements.meeting_person(meeting_id)
    person = await _person_of(context, caller, person_id) if person_id else None
    if person is None:
        await query.answer(stale_button(caller.t))
        return
    agreement = await agreements.start(svc, caller.account, person.user_id, meeting_id)
    if agreement is None:  # another worker's, from before the person was moved
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    await _show(update, context, caller, agreement, person)


async def _show(
    update: Update, context: EscaleContext, caller: Caller, agreement: Agreement, person: Account
) -> None:
    if agreement.status != "draft":
        await answer(update, context, views.already_sent(caller.t, agreement.status))
        return
    lists = await context.services.topics.of_person(person.user_id)
    latest = next(
        (x for x in reversed(lists) if x.worker_id == caller.id and x.status == "sent"), None
    )
    accepted = [x for x in latest.topics if x.reply in ("ok", "comment")] if latest else []
    await _answer_all(
        update, context, views.draft(caller.t, agreement, person.known_as, caller.name, accepted)
    )


async def _answer_all(update: Update, context: EscaleContext, replies: Sequence[Reply]) -> None:
    """A long draft or proposal comes in a few messages, its buttons under the last one."""
    for reply in replies:
        await answer(update, context, reply)


@anyone
async def pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = callbacks.parse_agree(query.data)
    if parsed is None:  # an action no button makes
        await query.answer(stale_button(caller.t))
        return
    agreement_id, action, argument = parsed
    svc = context.services
    agreement = await svc.agreements.get(agreement_id)
    if agreement is not None and action.by_worker:
        person = await _worker_may(context, caller, agreement)
        if person is not None:
            await query.answer()
            await _worker_action(update, context, caller, agreement, person, action, argument)
            return
    if agreement is not None and not action.by_worker and _person_may(caller, agreement):
        await query.answer()
        await _person_action(update, context, caller, agreement, action, argument)
        return
    log.info("agreement button refused user=%s", caller.id)
    await query.answer(stale_button(caller.t))


async def _worker_may(
    context: EscaleContext, caller: Caller, agreement: Agreement
) -> Account | None:
    if not caller.has(Role.WORKER) or agreement.worker_id != caller.id:
        return None
    if agreement.status != "draft":
        return None
    return await _person_of(context, caller, agreement.person_id)


def _person_may(caller: Caller, agreement: Agreement) -> bool:
    return (
        caller.has(Role.PERSON)
        and agreement.person_id == caller.id
        and agreement.status == "proposed"
    )


async def _await(
    context: EscaleContext, caller: Caller, purpose: str, target: int, part: str | None
) -> None:
    now = context.services.clock.now()
    await context.ask(Asked(purpose, now, target_id=target, part=part))


async def _worker_action(
    update: Update,
    context: EscaleContext,
    caller: Caller,
    agreement: Agreement,
    person: Account,
    action: AgreeAction,
    argument: int | None,
) -> None:
    svc, t, aid = context.services, caller.t, agreement.id
    if action == AgreeAction.QUESTION:
        await _await(context, caller, "ag_q", aid, None)
        await answer(update, context, views.question_prompt(t))
    elif action == AgreeAction.PLAN_B:
        await _await(context, caller, "ag_b", aid, None)
        await answer(update, context, views.plan_b_prompt(t))
    elif action == AgreeAction.ADD_STEP and len(agreement.steps) >= MAX_STEPS:
        await answer(update, context, views.no_more_steps(t))
    elif action == AgreeAction.ADD_STEP:
        allies = await agreements.allies_shared_with(svc, person.user_id, caller.id)
        await answer(update, context, views.who_prompt(t, aid, person.known_as, allies))
    elif action in (AgreeAction.WHO_PERSON, AgreeAction.WHO_WORKER, AgreeAction.WHO_ALLY):
        part = {AgreeAction.WHO_PERSON: "person", AgreeAction.WHO_WORKER: "worker"}.get(action)
        if action == AgreeAction.WHO_ALLY:
            shared = await agreements.allies_shared_with(svc, person.user_id, caller.id)
            known = {a.id for a in shared}
            part = f"ally:{argument}" if argument in known else None
        if part is None:
            await answer(update, context, views.ally_not_offered(t))
            return
        await _await(context, caller, "ag_what", aid, part)
        await answer(update, context, views.what_prompt(t))
    elif action == AgreeAction.REMOVE_STEP and argument:
        await svc.agreements.remove_step(aid, argument - 1)
        await _redraw(update, context, caller, aid, person)
    elif action == AgreeAction.NO_DATE:
        await context.stop_asking(NEGOTIATION)
        await _redraw(update, context, caller, aid, person)
    elif action == AgreeAction.SEND:
        await _send(update, context, caller, agreement, person)
    elif action == AgreeAction.DROP and await svc.agreements.drop_draft(aid, caller.id):
        await context.stop_asking(NEGOTIATION)
        await replace_buttons(update, context, views.dropped(t))


async def _redraw(
    update: Update, context: EscaleContext, caller: Caller, agreement_id: int, person: Account
) -> None:
    agreement = await context.services.agreements.get(agreement_id)
    if agreement is not None:
        await _show(update, context, caller, agreement, person)


async def _send(
    update: Update, context: EscaleContext, caller: Caller, agreement: Agreement, person: Account
) -> None:
    svc = context.services
    person_t = svc.translator_for(person)
    proposal = views.proposal(person_t, agreement, person.known_as, caller.name)
    messages = [preparation_views.notice(person_t, person.user_id, part) for part in proposal]
    if await svc.agreements.propose(agreement.id, caller.id, messages, svc.clock.now()):
        await context.stop_asking(NEGOTIATION)
        log.info("agreement proposed id=%s", agreement.id)
        svc.deliver()
        await replace_buttons(update, context, views.sent_footer(caller.t, person.known_as))
        await answer(update, context, views.proposed(caller.t, person.known_as))


async def _worker_name(context: EscaleContext, agreement: Agreement) -> tuple[Account | None, str]:
    worker = await context.services.repo.account(agreement.worker_id or 0)
    return worker, worker.display_name if worker else ""


async def _person_action(
    update: Update,
    context: EscaleContext,
    caller: Caller,
    agreement: Agreement,
    action: AgreeAction,
    argument: int | None,
) -> None:
    svc, t, aid = context.services, caller.t, agreement.id
    worker, worker_name = await _worker_name(context, agreement)
    assert caller.account is not None
    name = caller.account.known_as
    if action in (AgreeAction.ACCEPT, AgreeAction.REJECT):
        accepted = action is AgreeAction.ACCEPT
        notices = []
        # Told only to a worker who still follows the person (not one they were moved from).
        if worker is not None and caller.account.worker_id == worker.user_id:
            worker_t = svc.translator_for(worker)
            told = (
                views.accepted_notice(worker_t, agreement, name, worker_name)
                if accepted
                else [views.rejected_notice(worker_t, name)]
            )
            notices += [preparation_views.notice(worker_t, worker.user_id, x) for x in told]
        if await svc.agreements.answer(aid, caller.id, accepted, notices, svc.clock.now()):
            await context.stop_asking(NEGOTIATION)
            log.info("agreement answered id=%s accepted=%s", aid, accepted)
            svc.deliver()
            await replace_buttons(update, context, views.chosen(t, accepted))
            reply = views.accepted(t) if accepted else views.rejected(t, worker_name)
            await answer(update, context, reply)
    elif action == AgreeAction.CHANGE:
        await answer(update, context, views.change_menu(t, agreement))
    elif action == AgreeAction.BACK:
        await _answer_all(update, context, views.proposal(t, agreement, name, worker_name))
    elif action in (AgreeAction.AMEND_QUESTION, AgreeAction.AMEND_PLAN_B):
        part = "question" if action is AgreeAction.AMEND_QUESTION else "plan_b"
        await _await(context, caller, "ag_amend", aid, part)
        await answer(update, context, views.amend_prompt(t))
    elif action == AgreeAction.AMEND_STEP and argument and 1 <= argument <= len(agreement.steps):
        await _await(context, caller, "ag_amend", aid, f"step:{argument - 1}")
        await answer(update, context, views.amend_prompt(t))


async def text_typed(update: Update, context: EscaleContext, caller: Caller) -> bool:
    """If the caller was asked for a part of an agreement, take the text for it."""
    svc = context.services
    message = update.message
    if message is None or message.text is None:
        return False
    since = svc.clock.now() - agreements.TEXT_WAIT
    awaited = context.conversation.asked_for(AGREEMENT, since)
    if awaited is None:
        return False
    agreement = await svc.agreements.get(awaited.target_id)
    text = message.text.strip()
    if agreement is None:
        await context.stop_asking(NEGOTIATION)
        return False
    if not agreements.part_fits(text):
        await answer(update, context, views.too_long(caller.t, agreements.PART_MAX_LENGTH))
        return True
    if awaited.purpose == "ag_amend":
        if not _person_may(caller, agreement):
            await context.stop_asking(NEGOTIATION)
            return False
        await _amend(update, context, caller, agreement, awaited.part or "", text)
        return True
    person = await _worker_may(context, caller, agreement)
    if person is None:
        await context.stop_asking(NEGOTIATION)
        return False
    await context.stop_asking(NEGOTIATION)
    if awaited.purpose in ("ag_q", "ag_b"):
        part = "question" if awaited.purpose == "ag_q" else "plan_b"
        await svc.agreements.set_text(agreement.id, "draft", part, text)
    elif awaited.purpose == "ag_what":
        added = await agreements.add_step(
            svc, agreement, person.user_id, caller.id, awaited.part or "", text
        )
        match added.outcome:
            case agreements.Step.ALLY_NOT_OFFERED:
                await answer(update, context, views.ally_not_offered(caller.t))
            case agreements.Step.FULL:
                await answer(update, context, views.no_more_steps(caller.t))
            case agreements.Step.ADDED:
                await _await(context, caller, "ag_when", agreement.id, str(added.number - 1))
                await answer(
                    update, context, views.when_prompt(caller.t, agreement.id, added.number)
                )
                return True
    elif awaited.purpose == "ag_when" and (awaited.part or "").isdigit():
        await svc.agreements.set_step_when(agreement.id, int(awaited.part or 0), text)
    await _redraw(update, context, caller, agreement.id, person)
    return True


async def _amend(
    update: Update,
    context: EscaleContext,
    caller: Caller,
    agreement: Agreement,
    part: str,
    text: str,
) -> None:
    svc = context.services
    if part in ("question", "plan_b"):
        changed = await svc.agreements.set_text(agreement.id, "proposed", part, text)
    elif part.startswith("step:") and part[5:].isdigit():
        changed = await svc.agreements.set_step_what(agreement.id, "proposed", int(part[5:]), text)
    else:
        changed = False
    await context.stop_asking(NEGOTIATION)
    after = await svc.agreements.get(agreement.id) if changed else agreement
    assert caller.account is not None and after is not None
    _, worker_name = await _worker_name(context, after)
    await _answer_all(
        update, context, views.proposal(caller.t, after, caller.account.known_as, worker_name)
    )


# What this feature answers: its commands and its buttons (bot/app.py registers them).
COMMANDS: dict[str, Handler] = {
    "agreed": agreed_command,
}
BUTTONS: Buttons = [
    (callbacks.pattern(callbacks.AGREE_MEETING, r"\d{1,12}"), meeting_chosen),
    (callbacks.pattern(callbacks.AGREE_PERSON, r"\d{1,18}"), person_chosen),
    (callbacks.AGREE_PATTERN, pressed),
]
