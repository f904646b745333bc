"""A person's own data: /mydata gives a copy, /forget erases it after a confirmation."""

from __future__ import annotations

import json
import logging

from telegram import Update

from bot.accounts import person_views as texts
from bot.context import Caller, EscaleContext, Role
from bot.core import callbacks
from bot.core.rows import from_db_time
from bot.general.common_handlers import (
    Buttons,
    Handler,
    answer,
    replace_buttons,
    requires,
    tell,
    worker_name,
)
from bot.preparation.dialogue import engine

log = logging.getLogger(__name__)


@requires(Role.PERSON)
async def mydata(update: Update, context: EscaleContext, caller: Caller) -> None:
    svc = context.services
    data = await svc.repo.export_person(caller.id)
    data.update(await svc.preparations.export(caller.id))
    data.update(await svc.meetings.export(caller.id))
    data.update(await svc.agreements.export(caller.id))
    data.update(await svc.topics.export(caller.id))
    readable = await _readable_copy(context, caller)
    await context.bot.send_document(
        caller.id,
        readable.encode(),
        filename="escale-my-data.html",
        caption=texts.readable_caption(caller.t),
        protect_content=False,
    )
    document = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await context.bot.send_document(
        caller.id,
        document,
        filename="escale-my-data.json",
        caption=texts.mydata_caption(caller.t),
        protect_content=False,
    )
    log.info("data exported user=%s", caller.id)


async def _readable_copy(context: EscaleContext, caller: Caller) -> str:
    svc = context.services
    assert caller.account is not None
    finished = await svc.preparations.finished(caller.id, limit=1000)
    open_one = await svc.preparations.open_for(caller.id)
    preparations = sorted([*finished, *([open_one] if open_one else [])], key=lambda p: p.id)
    allies = {ally.id: ally for ally in await svc.preparations.allies(caller.id)}
    meetings = await svc.meetings.export(caller.id)
    asked = [(p, engine.asked_steps(svc.dialogue, p.answers, {})) for p in preparations]
    return texts.readable_copy(
        caller.t,
        caller.account.known_as,
        await worker_name(context, caller),
        asked,
        allies,
        [from_db_time(m["at"]) for m in meetings["meetings"]],
    )


@requires(Role.PERSON)
async def forget(update: Update, context: EscaleContext, caller: Caller) -> None:
    await answer(
        update, context, texts.forget_confirm(caller.t, await worker_name(context, caller) or "")
    )


@requires(Role.PERSON)
async def forget_confirmed(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and caller.account is not None
    svc = context.services
    worker = await svc.repo.account(caller.account.worker_id or 0)
    name = caller.account.known_as
    if await svc.repo.forget_person(caller.id, svc.clock.now()) is None:
        await query.answer()
        return
    log.info("person erased user=%s", caller.id)
    context.recognise(None)  # no account any more: later handlers see a visitor (this
    # reply stays in the language the person had chosen)
    await query.answer()
    await replace_buttons(update, context, texts.forget_answer(caller.t, erase=True))
    await answer(update, context, texts.forgotten(caller.t))
    if worker:
        await tell(context, worker.user_id, worker, lambda t: texts.person_left_notice(t, name))


@requires(Role.PERSON)
async def forget_cancelled(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await replace_buttons(update, context, texts.forget_answer(caller.t, erase=False))
    await answer(update, context, texts.kept(caller.t))


# What this feature answers: its commands and its buttons (bot/app.py registers them).
COMMANDS: dict[str, Handler] = {
    "mydata": mydata,
    "forget": forget,
}
BUTTONS: Buttons = [
    (callbacks.pattern(callbacks.FORGET_YES), forget_confirmed),
    (callbacks.pattern(callbacks.FORGET_NO), forget_cancelled),
]
