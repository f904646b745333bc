"""What a notice to another user says, by name: the kinds the outbox queues and writes later.

A rule that tells someone else queues a `Notice` (bot/outbox/store.py): one of these kinds and
its data — ids, times, numbers, flags; never a copy of what a person wrote where an id will do.
The outbox writes it in words when it sends it, in the recipient's language of that moment
(`bot/outbox/notices.py`, from each feature's `notices.py`). The values are stored in queued
rows: never change one, or rows already queued with it could not be written.
"""

from __future__ import annotations

import enum


@enum.unique
class NoticeKind(enum.StrEnum):
    # meetings: to the person (data: worker, at[, old])
    MEETING_SET = "meeting_set"  # the worker set the next meeting
    MEETING_MOVED = "meeting_moved"  # the worker moved it from `old` to `at`
    MEETING_ACCEPTED = "meeting_accepted"  # the worker confirmed the time the person proposed
    MEETING_CANCELLED = "meeting_cancelled"  # the worker cancelled it
    INVITATION = "invitation"  # an invitation to prepare (data: meeting)
    # meetings: to the worker (data: person, at[, meeting, old, prepared])
    MEETING_GIVEN = "meeting_given"  # the person gave the date
    CANNOT_COME = "cannot_come"  # the person cannot come (with meeting: its buttons)
    COMING_AFTER_ALL = "coming_after_all"
    ABSENCE_NOTE = "absence_note"  # the few words the person added (read from the meeting)
    ABSENCE_VOICE = "absence_voice"  # their voice message (read from the meeting)
    PROPOSAL = "proposal"  # another time the person proposes (`at`, instead of `old`)
    DAY_LIST = "day_list"  # the day's meetings (data: day), read when it is sent
    DAY_ADDENDUM = "day_addendum"  # one meeting set for today after the list went out
    # what was agreed: to the worker (data: person, meeting, at)
    AGREEMENT_OFFER = "agreement_offer"
    # topics: to the worker (data: person, topic), the answer and comment read from the topic
    TOPIC_REPLY = "topic_reply"
    # the brief: to the person (data: worker, preparation)
    BRIEF_READ = "brief_read"  # their worker has read it
    # the outbox itself
    PERSON_UNREACHABLE = "person_unreachable"  # to their worker (data: person)
    WORKER_UNREACHABLE = "worker_unreachable"  # to the coordinators (data: worker)
    BRIEF_UNDELIVERED = "brief_undelivered"  # to the person (data: preparation, worker, uncertain)
    BRIEF_UNDELIVERED_STAFF = "brief_undelivered_staff"  # to the coordinators (same data)
    # retention
    RETENTION_WARNING = "retention_warning"  # to the person (data: erase_on)
    RETENTION_ERASED = "retention_erased"  # to the worker: the erased person's name, if kept
