"""All of Escale's SQL, by concern. Rows come back as frozen dataclasses; times are UTC text."""

from bot.repository.accounts import (
    Account,
    Invitation,
    InvitationKind,
    PersonJoined,
    PersonSummary,
    Repository,
    TelegramProfile,
    WorkerStatus,
    WorkerSummary,
)
from bot.repository.common import from_db_time, to_db_time
from bot.repository.outbox import Outgoing
from bot.repository.preparations import Ally, Answer, Preparation, PreparationStore

__all__ = [
    "Account",
    "Ally",
    "Answer",
    "Invitation",
    "InvitationKind",
    "Outgoing",
    "PersonJoined",
    "PersonSummary",
    "Preparation",
    "PreparationStore",
    "Repository",
    "TelegramProfile",
    "WorkerStatus",
    "WorkerSummary",
    "from_db_time",
    "to_db_time",
]
