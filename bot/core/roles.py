"""Who someone is to Escale: the roles an account can hold, checked on every update."""

from __future__ import annotations

import enum


class Role(enum.Enum):
    ADMIN = "admin"
    WORKER = "worker"
    PERSON = "person"
