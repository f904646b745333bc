"""The sender: delivers the outbox, each chat's messages in order, until each has arrived.

Rows are written by whoever causes them, in the same transaction; the sender only ever talks to
Telegram outside a transaction. However many instances of Escale share the database, one sender
works at a time: the instance the database elects (`Database.lead`); the others' senders wait,
and one of them takes over (recovering what was cut short) once the elected one is gone. The
reminders, offers and retention it produces are therefore queued by one instance too.

An attempt is recorded as begun before the call, so an attempt a crash interrupted is known at
the next start. Telegram has no idempotency key: when a call's
outcome is unknown the message is sent once more, headed by its repeat note, and never again.

Several calls are in flight at once (to different chats; one chat has one at a time), as many
as the pace lets start, so a slow answer or a slow disk holds up no other chat's message. What
the sender can do ahead of a place in the pace it does meanwhile: it reads the next rows and
writes their notices in words. When places open, it marks the rows that take them 'sending' in
one transaction, makes their calls at once, and records the calls' outcomes as they come (on
SQLite, the outcomes recorded at the same moment share one commit: the engine's group commit).
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.core.clock import Clock
from bot.core.request import PER_SECOND, ChatPace, Pace, Sending, outbox_call, retry_after
from bot.core.text import (
    MAX_CAPTION,
    MAX_TEXT,
    NO_PREVIEW,
    Reply,
    plain_text,
    split_plain,
    utf16_length,
)
from bot.core.transport import may_have_arrived
from bot.outbox.store import OutboxRow, OutboxStore, Outgoing, Queued

log = logging.getLogger(__name__)

BATCH = 50  # rows read at a time to find the next ones to send
BACKOFF_CAP = timedelta(minutes=5)
PAUSE_AFTER_FAILURE = timedelta(seconds=30)  # when the database itself failed a pass
PRODUCE_EVERY = timedelta(seconds=1)  # while paced, the producers run no more often
LOOK_AGAIN = timedelta(minutes=1)  # rows queued without `wake()` (another process) wait no longer
# Beside other instances, rows queued by theirs bring no `wake()` here, and the elected sender
# may die: looked for, and the election asked again, this often, in real seconds (a wait for
# the network, not a moment of the service's time such as a reminder's).
SHARED_POLL = 1.0
# Rows read and written in words ahead of their places are read again if they waited longer.
READY_FOR = timedelta(seconds=1)
# While calls keep going out, the database is scrubbed (see `_send_due`) at most this often;
# always once the sender rests.
SCRUB_EVERY = timedelta(seconds=1)
ROLE = "outbox-sender"
# The name of the task in which the sender rests until its next pass (not a wait out of a 429
# or a backoff): a test clock can tell the two apart when both end at the same moment.
IDLE = "outbox-idle"

# Who to tell, and what, when a chat refuses the bot (read-only: the sender queues them).
OnUnreachable = Callable[[int], Awaitable[Sequence[Queued]]]
# Who to tell, and what, when a message ends undelivered (refused twice, or its outcome
# unknown twice): read-only, the sender queues them with the row's end.
OnUndelivered = Callable[[OutboxRow, bool], Awaitable[Sequence[Queued]]]
# Writes a queued notice in words, in its recipient's language of now; None when there is
# nothing left to say (what it was about is gone).
Render = Callable[[OutboxRow], Awaitable[Outgoing | None]]
# Called before each pass with the time: queues whatever has come due (reminders, say) and
# returns when it next has something due, so one loop serves every timed message.
Producer = Callable[[datetime], Awaitable[datetime | None]]


@dataclass
class _Ready:
    """A row read ahead of its place in the pace; a notice already written in words (or why
    it could not be)."""

    row: OutboxRow
    read_at: datetime
    message: Outgoing | None = None  # a notice's words; None when it had nothing left to say
    unwritten: str | None = None  # a notice that could not be written: the error's name


class Sender:
    """One task that starts whatever is due, as the pace lets it, then sleeps until the next
    row is due or `wake()`; each call runs in a task of its own."""

    def __init__(
        self,
        bot: Bot,
        store: OutboxStore,
        clock: Clock,
        on_unreachable: OnUnreachable,
        producers: Sequence[Producer] = (),
        per_second: int = PER_SECOND,
        on_undelivered: OnUndelivered | None = None,
        pace: Pace | None = None,
        render: Render | None = None,
    ) -> None:
        self._bot = bot
        self._store = store
        self._clock = clock
        self._on_unreachable = on_unreachable
        self._on_undelivered = on_undelivered
        self._render = render
        self._producers = producers
        # The application's one pace, shared with replies; a sender of its own has its own.
        self._pace = pace or Pace(per_second)
        self._chats = ChatPace()  # and Telegram's limit for each chat
        self._ready: list[_Ready] = []  # the next rows to send, read ahead of their places
        self._reading: asyncio.Task[None] | None = None  # reading the next rows, if it is
        self._waiting: dict[int, datetime] = {}  # chats paced, until when (as last read)
        self._calls: dict[asyncio.Task[None], int] = {}  # the calls in flight, to their rows
        self._claimed: dict[int, int] = {}  # rows read ahead or in flight, to their chats
        self._ended = asyncio.Event()  # a call ended since the pass began
        # Whether reading again may find more rows (not while the last read found them all,
        # until rows are queued or a call ends): read beside, while rows wait for the pace.
        self._more = True
        self._failed: BaseException | None = None  # a call or a read that failed
        self._task: asyncio.Task[None] | None = None
        self._woken = asyncio.Event()
        self._idle = asyncio.Event()
        self._recover_first = False
        self._scrub = False  # rows ended since the last scrub, whose words are then scrubbed
        self._scrubbed: datetime | None = None  # when the database was last scrubbed
        self._leading = False  # this instance's sender is the elected one
        self._poll = None if store.db.sole_instance else SHARED_POLL

    @property
    def leading(self) -> bool:
        """Whether this sender is the elected one (the only one at work), as of its last pass."""
        return self._leading

    async def start(self) -> None:
        """Become the elected sender if no other instance is, recovering the attempts a crash
        interrupted; then run the loop as a task (which asks again while another leads)."""
        if self._task is not None:
            raise RuntimeError("the outbox sender is already running")
        await self._elect()
        self._idle.clear()
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def _elect(self) -> bool:
        """Whether this sender leads now; on becoming it, what a crash interrupted is recovered
        first ('sending' rows of the previous sender, which is gone)."""
        leading = await self._store.db.lead(ROLE)
        if leading and not self._leading:
            interrupted = await self._store.recover()
            if interrupted:
                log.warning("outbox recovered interrupted=%s", interrupted)
            if not self._store.db.sole_instance:
                log.info("outbox sender elected")
        elif self._leading and not leading:
            log.warning("outbox sender no longer elected: another instance sends")
        self._leading = leading
        return leading

    async def stop(self) -> None:
        """Cancel the loop, the reading ahead and the calls in flight; a row whose call was
        cut short stays 'sending' until `start()`."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        await asyncio.wait({task})
        await self._settle(cancel=True)

    def wake(self) -> None:
        """Look for due rows now; call after committing new ones. At once no longer idle."""
        self._idle.clear()
        self._more = True
        self._woken.set()

    async def drained(self) -> None:
        """Return once nothing is due at the clock's current time and no call is in flight."""
        task = self._task
        if task is None:
            raise RuntimeError("the outbox sender is not running")
        idle = asyncio.create_task(self._idle.wait())
        try:
            await asyncio.wait({idle, task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            idle.cancel()
        if not self._idle.is_set():
            raise RuntimeError("the outbox sender stopped")

    async def _run(self) -> None:
        paced: datetime | None = None  # the last pass ended held back by the pace, until then
        produced: datetime | None = None  # when the producers last ran
        produced_wakes: list[datetime | None] = []
        while True:
            self._woken.clear()
            self._ended.clear()
            try:
                if not await self._elect():
                    await self._settle()
                    self._idle.set()
                    await self._wait(self._clock.now() + LOOK_AGAIN)
                    self._idle.clear()
                    continue
                if self._recover_first:
                    await self._store.recover()
                    self._recover_first = False
                now = self._clock.now()
                # Paced, the sender comes back every eighth of a second or so: the producers
                # (a few queries each) run at most once a second meanwhile.
                if paced is None or produced is None or now >= produced + PRODUCE_EVERY:
                    produced = now
                    produced_wakes = [
                        await self._produce(produce, now) for produce in self._producers
                    ]
                wakes: list[datetime | None] = [now + LOOK_AGAIN, *produced_wakes]
                # Held back by the pace, rows are due already: wait for the pace, not for them.
                paced = await self._send_due()
                await self._scrub_if_due(busy=paced is not None or self._busy)
                wakes.append(paced if paced is not None else await self._store.next_due())
                until = min(w for w in wakes if w is not None)
            except Exception as error:
                # Most likely the database. Once no call is in flight, a row left 'sending' was
                # interrupted and is recovered (as a possible repeat) on the next pass.
                _log_unexpected("outbox pass failed", error)
                await self._settle()
                self._recover_first = True
                until = self._clock.now() + PAUSE_AFTER_FAILURE
            else:
                if self._woken.is_set() or (self._ended.is_set() and not self._ready):
                    continue  # rows queued, or a chat's next row freed, during the pass
            if self._busy:  # not idle: calls in flight, or rows being read
                await self._wait(until)
                continue
            self._idle.set()
            await self._wait(until)
            self._idle.clear()

    @property
    def _busy(self) -> bool:
        return bool(self._calls) or self._reading is not None

    async def _produce(self, produce: Producer, now: datetime) -> datetime | None:
        """A failing producer must not hold back what is already queued (briefs above all):
        it is tried again a little later."""
        try:
            return await produce(now)
        except Exception as error:
            _log_unexpected("outbox producer failed", error)
            return now + PAUSE_AFTER_FAILURE

    async def _wait(self, until: datetime) -> None:
        """Until `until` by the injected clock, or until `wake()`, or until a call or a read
        in flight ends; beside other instances, at most `SHARED_POLL` real seconds."""
        waiters: list[asyncio.Task[Any]] = [
            asyncio.create_task(self._woken.wait()),
            asyncio.create_task(self._clock.sleep_until(until), name=IDLE),
        ]
        if self._calls or self._ended.is_set():
            waiters.append(asyncio.create_task(self._ended.wait()))
        if self._reading is not None:
            waiters.append(asyncio.create_task(asyncio.wait({self._reading})))
        if self._poll is not None:  # beside other instances: see SHARED_POLL
            waiters.append(asyncio.create_task(asyncio.sleep(self._poll)))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _scrub_if_due(self, *, busy: bool) -> None:
        """A sent row's words are blanked; then the database is scrubbed so that they are gone
        from its log file too: once the sender rests, and at least every `SCRUB_EVERY` while
        calls keep going out."""
        if not self._scrub:
            return
        now = self._clock.now()
        if busy and self._scrubbed is not None and now < self._scrubbed + SCRUB_EVERY:
            return
        self._scrub = False
        self._scrubbed = now
        await self._store.db.scrub(erasure=False)

    async def _send_due(self) -> datetime | None:
        """Start what is due, as fast as the pace allows; when paced, the time to go on.

        A chat that had its share of messages lately (`ChatPace`) waits, and so do its later
        rows, in order; other chats' rows go meanwhile. The next rows are read (and notices
        written in words) beside, while rows already read wait for their places; when places
        open, the rows that take them are marked 'sending' together, and their calls go at
        once, each in a task of its own."""
        while True:
            self._raise_failure()
            now = self._clock.now()
            if self._ready and self._ready[0].read_at + READY_FOR <= now:
                self._drop_ready()  # read too long ago: read again
            if not self._ready or (self._more and len(self._ready) < self._pace.outbox_share):
                self._read_beside()
            if not self._ready:
                while self._reading is not None:
                    await asyncio.wait({self._reading})
                self._raise_failure()
                if not self._ready:  # nothing due, or only rows of chats that must wait
                    return min(self._waiting.values(), default=None)
                continue
            if not await self._elect():  # another instance took over: it sends now
                self._drop_ready()
                return None
            now = self._clock.now()
            places: list[Sending] = []
            while len(places) < len(self._ready) and self._pace.next_slot(now, outbox=True) <= now:
                places.append(self._pace.sent(now, outbox=True))
            if not places:
                waiting = self._waiting.values()
                return min([self._pace.next_slot(now, outbox=True), *waiting])
            batch, self._ready = self._ready[: len(places)], self._ready[len(places) :]
            await self._start(batch, places)

    async def _read_next(self) -> None:
        """Read the next rows to send, up to twice as many as the outbox may start in a slice
        of the pace, and write the notices among them in words (rows already read, or in
        flight, and their chats, are left out)."""
        now = self._clock.now()
        waiting: dict[int, datetime] = {}  # chats paced, and until when
        chats = set(self._claimed.values())
        for row in await self._store.due(now, BATCH):
            if row.id in self._claimed or row.chat_id in chats:
                continue
            chat_slot = self._chats.next_slot(row.chat_id, now)
            if chat_slot > now:
                waiting[row.chat_id] = chat_slot
                continue
            ready = await self._read_ahead(row, now)
            if self._task is None:  # stopped meanwhile
                return
            self._ready.append(ready)
            self._claimed[row.id] = row.chat_id
            chats.add(row.chat_id)
            if len(self._ready) >= 2 * self._pace.outbox_share:
                self._more = True  # there may be more
                break
        self._waiting = waiting

    def _read_beside(self) -> None:
        if self._reading is None:
            self._more = False  # until the read finds as many rows as it may take
            self._reading = asyncio.create_task(self._read_next(), name="outbox-read")
            self._reading.add_done_callback(self._read_ended)

    def _read_ended(self, reading: asyncio.Task[None]) -> None:
        if reading is self._reading:
            self._reading = None
        self._failure_of(reading)

    def _drop_ready(self) -> None:
        for ready in self._ready:
            self._claimed.pop(ready.row.id, None)
        self._ready = []

    async def _read_ahead(self, row: OutboxRow, now: datetime) -> _Ready:
        ready = _Ready(row, now)
        if row.notice is None:
            return ready
        try:
            if self._render is None:
                raise LookupError("no renderer for notices")
            ready.message = await self._render(row)
        except Exception as error:
            _log_unexpected(f"outbox notice not written id={row.id} kind={row.notice}", error)
            ready.unwritten = _error_name(error)
        return ready

    async def _start(self, batch: Sequence[_Ready], places: Sequence[Sending]) -> None:
        """Mark the rows 'sending' (one transaction), then start each one's call in its
        place; a place no call takes after all is given back."""
        unused = list(places)
        started: set[int] = set()
        try:
            begun = await self._store.begin_attempts([ready.row.id for ready in batch])
            now = self._clock.now()
            for ready, place in zip(batch, places, strict=True):
                row = await self._sendable(ready, begun.get(ready.row.id))
                if row is None:
                    continue
                unused.remove(place)
                started.add(row.id)
                self._chats.sent(row.chat_id, now)
                call = asyncio.create_task(self._call(row, place), name=f"outbox-call-{row.id}")
                self._calls[call] = row.id
                call.add_done_callback(self._call_ended)
        finally:
            for place in unused:
                self._pace.withdraw(place)
            for ready in batch:
                if ready.row.id not in started:
                    self._claimed.pop(ready.row.id, None)

    async def _sendable(self, ready: _Ready, row: OutboxRow | None) -> OutboxRow | None:
        """The row marked 'sending', as it is to be sent; None (and the row ended if need be)
        when it is not to be sent after all."""
        if row is None:  # erased or held since it was read (a held row lost any erased name)
            self._scrub = True
            return None
        if row.expired(self._clock.now()):
            await self._store.give_up(row.id, "failed", "expired")
            self._scrub = True
            log.info("outbox expired id=%s purpose=%s", row.id, row.purpose)
            return None
        if row.notice is None:
            return row
        if ready.unwritten is not None:
            await self._store.give_up(row.id, "failed", f"unwritten:{ready.unwritten}")
            self._scrub = True
            return None
        message = ready.message
        if message is None:
            await self._store.give_up(row.id, "failed", "obsolete")
            self._scrub = True
            log.info("outbox obsolete id=%s kind=%s", row.id, row.notice)
            return None
        return replace(
            row,
            kind=message.kind,
            body=message.body,
            caption=message.caption,
            buttons=tuple(tuple(line) for line in message.buttons),
            protect=message.protect,
            repeat_note=message.repeat_note,
        )

    def _call_ended(self, call: asyncio.Task[None]) -> None:
        """A call's task ended: its row is no longer in flight; the loop looks again when it
        has nothing ready (the chat's next row may be due now)."""
        row_id = self._calls.pop(call, None)
        if row_id is not None:
            self._claimed.pop(row_id, None)
        self._more = True
        self._ended.set()
        self._failure_of(call)

    def _failure_of(self, task: asyncio.Task[None]) -> None:
        """What a call or a read failed with (a database error, most likely): the loop's next
        pass raises the first; others are logged."""
        if task.cancelled() or (error := task.exception()) is None:
            return
        if self._failed is None:
            self._failed = error
        else:
            _log_unexpected("outbox call failed", error)

    def _raise_failure(self) -> None:
        error, self._failed = self._failed, None
        if error is not None:
            raise error

    async def _settle(self, *, cancel: bool = False) -> None:
        """Drop the rows read ahead, and wait until no call or read is in flight (or cancel
        them); what one failed with is logged."""
        self._drop_ready()
        while tasks := {*self._calls, *([self._reading] if self._reading else [])}:
            if cancel:
                for task in tasks:
                    task.cancel()
            await asyncio.wait(tasks)
        self._drop_ready()  # a read that ended meanwhile
        error, self._failed = self._failed, None
        if error is not None and not cancel:
            _log_unexpected("outbox call failed", error)

    async def _call(self, row: OutboxRow, place: Sending) -> None:
        """One attempt at one row marked 'sending', in its place in the pace; its outcome
        recorded."""
        try:
            await self._attempt(row, place)
        finally:
            self._pace.answered(place, self._clock.now())  # if not yet

    async def _attempt(self, row: OutboxRow, place: Sending) -> None:
        """The call (as HTML, then as plain text if Telegram refuses the HTML), and what came
        of it recorded."""
        try:
            try:
                with outbox_call():
                    message_id = await self._send(row, place, plain=False)
            except BadRequest as error:
                log.warning(
                    "outbox refused id=%s error=%s; sending it as plain text",
                    row.id,
                    _error_name(error),
                )
                with outbox_call():
                    message_id = await self._send(row, place, plain=True)
        except BadRequest as error:
            await self._end_undelivered(row, "failed", _error_name(error))
            log.error(
                "outbox failed id=%s chat=%s purpose=%s error=%s",
                row.id,
                row.chat_id,
                row.purpose,
                _error_name(error),
            )
        except RetryAfter as error:
            delay = retry_after(error)
            await self._store.retry(row.id, self._clock.now() + delay, "RetryAfter")
            log.info("outbox flood control id=%s retry_in=%ss", row.id, delay.total_seconds())
        except Forbidden:
            notices = await self._unreachable_notices(row.chat_id)
            newly = await self._store.hold_chat(row.chat_id, self._clock.now(), notices)
            self._scrub = True  # the rows held lost any erased name: gone from the disk too
            log.warning(
                "outbox held chat=%s id=%s: the chat refuses the bot (told=%s)",
                row.chat_id,
                row.id,
                len(notices) if newly else 0,
            )
        except NetworkError as error:  # TimedOut included
            if may_have_arrived(error):
                await self._unknown_outcome(row, _error_name(error))
            else:
                await self._retry_later(row, _error_name(error))
        except Exception as error:  # an answer we could not read: the call may have worked
            _log_unexpected(f"outbox attempt failed id={row.id}", error)
            await self._unknown_outcome(row, _error_name(error))
        else:
            await self._store.delivered(row.id, message_id, self._clock.now())
            self._scrub = True
            log.info("outbox sent id=%s chat=%s purpose=%s", row.id, row.chat_id, row.purpose)

    async def _unknown_outcome(self, row: OutboxRow, name: str) -> None:
        """The message may have arrived: send it once more, marked; after that, give up."""
        if row.maybe_delivered:
            await self._end_undelivered(row, "uncertain", name)
            log.warning(
                "outbox uncertain id=%s chat=%s error=%s: the resend's outcome is unknown too",
                row.id,
                row.chat_id,
                name,
            )
        else:
            await self._retry_later(row, name, maybe_delivered=True)

    async def _end_undelivered(
        self, row: OutboxRow, status: Literal["failed", "uncertain"], name: str
    ) -> None:
        """No more attempts: the words go, and whoever should know is told (once)."""
        notices: Sequence[Queued] = ()
        if self._on_undelivered is not None:
            try:
                notices = await self._on_undelivered(row, status == "uncertain")
            except Exception as error:
                _log_unexpected(f"outbox on_undelivered failed id={row.id}", error)
        told = await self._store.give_up(row.id, status, name, notices, now=self._clock.now())
        if told:
            log.warning("outbox undelivered id=%s told=%s", row.id, len(notices))
        self._scrub = True

    async def _retry_later(
        self, row: OutboxRow, error: str, *, maybe_delivered: bool = False
    ) -> None:
        delay = min(timedelta(seconds=2 ** min(row.attempts, 16)), BACKOFF_CAP)
        await self._store.retry(
            row.id, self._clock.now() + delay, error, maybe_delivered=maybe_delivered
        )
        log.warning(
            "outbox retry id=%s chat=%s attempt=%s error=%s maybe_delivered=%s retry_in=%ss",
            row.id,
            row.chat_id,
            row.attempts,
            error,
            maybe_delivered or row.maybe_delivered,
            delay.total_seconds(),
        )

    async def _unreachable_notices(self, chat_id: int) -> Sequence[Queued]:
        try:
            return await self._on_unreachable(chat_id)
        except Exception as error:
            _log_unexpected(f"outbox on_unreachable failed chat={chat_id}", error)
            return ()

    async def _send(self, row: OutboxRow, place: Sending, *, plain: bool) -> int:
        """Send `row` (see `_send_row`); the pace counts it from its answer, before the
        database records the outcome."""
        try:
            return await self._send_row(row, plain=plain)
        finally:
            self._pace.answered(place, self._clock.now())

    async def _send_row(self, row: OutboxRow, *, plain: bool) -> int:
        """Send `row` as HTML, or as plain text split to fit; the id of the message sent."""
        markup = Reply(row.body, row.buttons).markup
        if row.kind in ("voice", "photo", "document"):
            return await self._send_voice(row, markup, plain=plain)
        text = _headed(row.repeat_note, row.body) if row.maybe_delivered else row.body
        if not plain:
            message = await self._bot.send_message(
                row.chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                protect_content=row.protect,
                link_preview_options=NO_PREVIEW,
            )
            return message.message_id
        parts = split_plain(plain_text(text), MAX_TEXT)
        for index, part in enumerate(parts):
            message = await self._bot.send_message(
                row.chat_id,
                part,
                parse_mode=None,
                reply_markup=markup if index == len(parts) - 1 else None,
                protect_content=row.protect,
                link_preview_options=NO_PREVIEW,
            )
        return message.message_id  # the last part's, which carries the buttons

    async def _send_voice(
        self, row: OutboxRow, markup: InlineKeyboardMarkup | None, *, plain: bool
    ) -> int:
        caption = row.caption or ""
        if row.maybe_delivered:
            caption = _headed(row.repeat_note, caption)
        rest: list[str] = []
        if plain:
            caption = plain_text(caption)
            if utf16_length(caption) > MAX_CAPTION:  # too long to caption: follows as text
                caption, rest = "", split_plain(caption, MAX_TEXT)
        parse_mode = None if plain else ParseMode.HTML
        if row.kind == "photo":
            message = await self._bot.send_photo(
                row.chat_id,
                photo=row.body,
                caption=caption or None,
                parse_mode=parse_mode,
                reply_markup=markup,
                protect_content=row.protect,
            )
        elif row.kind == "document":
            message = await self._bot.send_document(
                row.chat_id,
                document=row.body,
                caption=caption or None,
                parse_mode=parse_mode,
                reply_markup=markup,
                protect_content=row.protect,
            )
        else:
            message = await self._bot.send_voice(
                row.chat_id,
                voice=row.body,
                caption=caption or None,
                parse_mode=parse_mode,
                reply_markup=markup,
                protect_content=row.protect,
            )
        for part in rest:
            await self._bot.send_message(
                row.chat_id,
                part,
                parse_mode=None,
                protect_content=row.protect,
                link_preview_options=NO_PREVIEW,
            )
        return message.message_id


def _headed(note: str, html: str) -> str:
    return f"{note}\n\n{html}" if html else note


def _error_name(error: BaseException) -> str:
    """The error's class (and its cause's): never its text, which may quote the message."""
    cause = error.__cause__
    name = type(error).__name__
    return f"{name}({type(cause).__name__})" if cause is not None else name


def _log_unexpected(event: str, error: BaseException) -> None:
    """Type and stack only: an exception's text may quote what a person wrote."""
    stack = "".join(traceback.format_tb(error.__traceback__))
    log.error("%s error=%s\n%s", event, _error_name(error), stack)
