"""Joining by invitation: links for workers (from an admin) and for people (from their worker)."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from bot.accounts.store import Account, Invitation, InvitationKind, PersonJoined
from bot.accounts.tokens import deep_link, looks_like_token, new_token, token_hash
from bot.context import Caller, Role, Services

log = logging.getLogger(__name__)

CONSENT_TEXT_VERSION = 4  # raise it whenever the consent or privacy wording changes in substance
LABEL_MAX_LENGTH = 60


def label_fits(label: str | None) -> bool:
    """Whether the note a worker gives a person's link (/invite Léa) is short enough."""
    return label is None or len(label) <= LABEL_MAX_LENGTH


@dataclass(frozen=True)
class NewLink:
    url: str
    invitation: Invitation


async def create_link(
    svc: Services, kind: InvitationKind, created_by: int, bot_username: str, label: str | None
) -> NewLink:
    """A fresh single-use link; only its hash is stored."""
    token = new_token()
    now = svc.clock.now()
    invitation = await svc.repo.create_invitation(
        kind, token_hash(token), created_by, label, now, now + svc.settings.invitation_lifetime
    )
    log.info("invitation created id=%s kind=%s by=%s", invitation.id, kind, created_by)
    return NewLink(deep_link(bot_username, token), invitation)


class Opened(enum.Enum):
    """What opening a link did. Unknown, used and expired links all give INVALID."""

    INVALID = "invalid"
    BECAME_WORKER = "became_worker"
    ALREADY_WORKER = "already_worker"
    CONSENT_NEEDED = "consent_needed"
    ALREADY_LINKED = "already_linked"
    NOT_FOR_STAFF = "not_for_staff"
    NOT_FOR_PEOPLE = "not_for_people"


@dataclass(frozen=True)
class OpenedLink:
    outcome: Opened
    invitation: Invitation | None = None
    worker: Account | None = None


def is_staff(caller: Caller) -> bool:
    """A coordinator, or a worker (suspended too): never followed as a person in Escale."""
    account = caller.account
    return caller.has(Role.ADMIN) or (account is not None and account.worker_status is not None)


async def open_link(svc: Services, caller: Caller, payload: str) -> OpenedLink:
    """Act on `/start <payload>`; nothing changes unless the link is valid and fits the caller."""
    if not looks_like_token(payload):
        return OpenedLink(Opened.INVALID)
    digest = token_hash(payload)
    now = svc.clock.now()
    invitation = await svc.repo.open_invitation(digest, now)
    if invitation is None:
        return OpenedLink(Opened.INVALID)
    account = caller.account
    if invitation.kind == "worker":
        if account and account.worker_status is not None:
            return OpenedLink(Opened.ALREADY_WORKER, invitation)
        if account and account.is_person:
            return OpenedLink(Opened.NOT_FOR_PEOPLE, invitation)
        redeemed = await svc.repo.redeem_worker_invitation(digest, caller.profile, now)
        if redeemed is None:
            return OpenedLink(Opened.INVALID)
        log.info("worker joined user=%s invitation=%s", caller.id, redeemed.id)
        return OpenedLink(Opened.BECAME_WORKER, redeemed)
    if account and account.is_person:
        return OpenedLink(Opened.ALREADY_LINKED, invitation)
    if is_staff(caller):
        return OpenedLink(Opened.NOT_FOR_STAFF, invitation)
    claimed = await svc.repo.claim_person_invitation(digest, caller.id, now)
    worker = await svc.repo.account(claimed.created_by) if claimed else None
    if claimed is None or worker is None:
        return OpenedLink(Opened.INVALID)
    log.info("person link opened user=%s invitation=%s", caller.id, claimed.id)
    return OpenedLink(Opened.CONSENT_NEEDED, claimed, worker)


async def give_consent(svc: Services, caller: Caller, invitation_id: int) -> PersonJoined | None:
    """Link the caller to the inviting worker, if the link is still theirs to use."""
    if caller.account and caller.account.is_person:
        return None
    if is_staff(caller):  # one account, one role: a worker is never followed as a person
        return None
    joined = await svc.repo.accept_person_invitation(
        invitation_id, caller.profile, caller.t.language, CONSENT_TEXT_VERSION, svc.clock.now()
    )
    if joined:
        log.info("person joined user=%s worker=%s", caller.id, joined.worker.user_id)
    return joined
