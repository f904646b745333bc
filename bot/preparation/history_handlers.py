"""/history for a worker (what a person shared over time) and /logbook for a person."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import Caller, EscaleContext, Role
from bot.core import callbacks
from bot.general.common_handlers import Buttons, Handler, answer, requires, worker_name
from bot.general.views import stale_button
from bot.preparation import history_views as history
from bot.preparation import logbook

log = logging.getLogger(__name__)


@requires(Role.WORKER)
async def choose_person(update: Update, context: EscaleContext, caller: Caller) -> None:
    people = await context.services.repo.people_of(caller.id)
    await answer(update, context, history.choose_person(caller.t, people))


@requires(Role.WORKER)
async def person_history(update: Update, context: EscaleContext, caller: Caller) -> None:
    """Checked again on the press: the person must still be one the worker follows."""
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    person_id = int(context.matches[0][1])
    person = next((p for p in await svc.repo.people_of(caller.id) if p.user_id == person_id), None)
    if person is None:
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    finished = await svc.preparations.finished(person_id)
    visible = logbook.shared_with(caller.id)
    allies = {a.id: a for a in await svc.preparations.allies(person_id)}
    agreements = [a for a in await svc.agreements.of_person(person_id) if a.worker_id == caller.id]
    agreed = logbook.agreed_entries(svc.dialogue, agreements, finished, visible)
    replies = history.worker_history(
        caller.t,
        svc.dialogue,
        person.known_as,
        [p for p in finished if logbook.sent_to(p, caller.id)],
        logbook.without_agreed(logbook.entries(svc.dialogue, finished, visible), agreed),
        logbook.scores(svc.dialogue, finished, visible),
        allies,
        agreed,
        (person.known_as, caller.name),
        [x for x in await svc.topics.of_person(person_id) if x.worker_id == caller.id],
    )
    for reply in replies:
        await answer(update, context, reply)


@requires(Role.PERSON)
async def own_logbook(update: Update, context: EscaleContext, caller: Caller) -> None:
    svc = context.services
    finished = await svc.preparations.finished(caller.id)
    allies = {a.id: a for a in await svc.preparations.allies(caller.id)}
    agreements = await svc.agreements.of_person(caller.id)
    agreed = logbook.agreed_entries(svc.dialogue, agreements, finished, logbook.given)
    entries = logbook.without_agreed(logbook.entries(svc.dialogue, finished, logbook.given), agreed)
    waiting = [a for a in agreements if a.status == "proposed"]
    worker = await worker_name(context, caller)
    assert caller.account is not None
    names = (caller.account.known_as, worker or "")
    for reply in history.person_logbook(caller.t, entries, allies, agreed, waiting, names):
        await answer(update, context, reply)


# What this feature answers: its commands and its buttons (bot/app.py registers them).
COMMANDS: dict[str, Handler] = {
    "logbook": own_logbook,
    "history": choose_person,
}
BUTTONS: Buttons = [
    (callbacks.pattern(callbacks.HISTORY, r"\d{1,18}"), person_history),
]
