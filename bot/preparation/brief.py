"""The brief's two operations, as the domain sees them: the person sends it, the worker reads it.

Each decides everything there is to decide (is there a worker, are they active, is it still
this preparation's moment; is this brief the reader's) and returns an outcome; the handler only
says the outcome with a view. The brief's words are written by a `BriefWriter` the handler
hands in (the views), in the worker's language, and queued in the transaction that closes
the preparation.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.accounts.store import Account
from bot.context import Caller, Role, Services
from bot.core.i18n import Translator
from bot.core.notices import NoticeKind
from bot.outbox.store import Notice, Outgoing
from bot.preparation import flow as preparation
from bot.preparation.brief_model import BriefInput

# The brief in messages for the outbox: (the worker's language, the worker, the preparation,
# what it shows) -> the messages, in order.
BriefWriter = Callable[[Translator, int, int, BriefInput], Sequence[Outgoing]]


class Sending(enum.Enum):
    SENT = "sent"  # queued for the worker, the preparation closed
    NO_WORKER = "no_worker"  # nobody follows the person now
    WORKER_PAUSED = "worker_paused"  # suspended: it stays with the person, nothing is queued
    MOVED_ON = "moved_on"  # the preparation changed meanwhile (sent already, a step back…)


@dataclass(frozen=True)
class Sent:
    outcome: Sending
    worker: Account | None = None
    messages: int = 0


async def send(svc: Services, flow: preparation.Flow, person: Account, write: BriefWriter) -> Sent:
    """The person presses *Send*: the brief goes to their worker, exactly as the review showed
    it, if that worker can act on it."""
    worker = await svc.repo.account(person.worker_id) if person.worker_id else None
    if worker is None:
        return Sent(Sending.NO_WORKER)
    if not worker.is_active_worker:  # could neither act on it nor mark it read
        return Sent(Sending.WORKER_PAUSED, worker)
    data = await preparation.brief_input(svc, flow, person)
    messages = write(svc.translator_for(worker), worker.user_id, flow.id, data)
    if not await preparation.send(svc, flow, worker.user_id, data, messages):
        return Sent(Sending.MOVED_ON, worker)
    svc.deliver()
    return Sent(Sending.SENT, worker, len(messages))


class Reading(enum.Enum):
    TOLD = "told"  # recorded; the person is told, once
    ALREADY_READ = "already_read"
    NOT_YOURS = "not_yours"  # not a brief sent to this caller as their worker (or gone)


async def read(svc: Services, caller: Caller, preparation_id: int) -> Reading:
    """The worker presses *I've read it*: recorded once, and the person told in their
    language when the notice goes out."""
    prepared = await svc.preparations.get(preparation_id)
    if prepared is None or prepared.worker_id != caller.id or not caller.has(Role.WORKER):
        return Reading.NOT_YOURS
    notice = Notice(
        prepared.person_id,
        NoticeKind.BRIEF_READ,
        {"worker": caller.id, "preparation": prepared.id},
    )
    if not await svc.preparations.mark_read(prepared.id, caller.id, notice, svc.clock.now()):
        return Reading.ALREADY_READ
    svc.deliver()
    return Reading.TOLD
