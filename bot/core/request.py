"""Escale's one way to Telegram: every send waits for the same pace, and replies are retried.

`Pace` counts what Escale sends in any second of the injected clock, replies and outbox alike,
so that together they stay under Telegram's limit (about 30 a second for a bot): at its
default of 30 a second, a burst of 1,000 reminders takes some 34 seconds. Replies come first
when there are any, without a share kept for them when there are none: the outbox never
takes a place while a reply waits for one, and it spreads its sends over the second (at most
an eighth of the second's places in any eighth of a second) rather than taking them all at
the start of it, so a reply never waits more than about an eighth of a second behind a burst.

Each send counts from the moment its answer came back (a message reaches Telegram before its
answer reaches Escale), so however long a call takes, Telegram never sees more in a second.

`ChatPace` keeps the outbox under Telegram's limit for one chat (about one message a second
sustained, short bursts allowed): a worker receiving many briefs gets them at that pace.

`EscaleRequest` is the bot's HTTP layer. A reply (anything a handler sends) waits for its
turn in the pace, waits out a 429's `retry_after`, and is tried again after a server error, a
timeout or a dropped connection, a few times with a short backoff. After an outcome that cannot
be known the call is made again: a question twice is better than silence, and older buttons
are stale-proof. The answer to an edit is not handed on: Escale never reads the edited
message, so PTB is told "done" rather than left to build it (`UNREAD_ANSWERS`). The outbox
sender has its own retries and its exactly-once bookkeeping, so its calls (made inside
`outbox_call()`) go through once, untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import logging
import re
import ssl
import warnings
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

import httpx
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, RetryAfter
from telegram.request import RequestData
from telegram.warnings import PTBDeprecationWarning

from bot.core.clock import Clock
from bot.core.transport import AiohttpRequest

log = logging.getLogger(__name__)

SECOND = timedelta(seconds=1)
PER_SECOND = 30  # messages a second at most: Telegram's limit for a bot overall
SLICES = 8  # the outbox spreads its sends over the second, in slices of 125 ms
CHAT_BURST = 20  # outbox messages to one chat in any CHAT_BURST seconds: about 1 a second
ATTEMPTS = 4  # a reply is tried this many times at most
BACKOFF = (timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4))
LONGEST_WAIT = timedelta(seconds=30)  # a 429 asking for longer is a failure, not a wait

# Methods that put a message in a chat: what Telegram's flood limits count.
PACED = frozenset(
    {
        "sendMessage",
        "sendVoice",
        "sendDocument",
        "sendPhoto",
        "sendAudio",
        "sendVideo",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)

# Edits whose answer, the whole edited message, Escale never reads: PTB would build it (its
# text, entities and keyboard: about 0.1 ms, on every answer a person gives) only for it to be
# dropped. Escale tells PTB "done" instead, as Telegram answers an edit of an inline message;
# PTB's edit methods are typed to return a Message or True, so every caller expects either.
UNREAD_ANSWERS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
_DONE = b'{"ok": true, "result": true}'
# How an answer that says so starts ({"ok":true,…}); anything else goes to PTB as it came.
_OK = re.compile(rb'\s*\{\s*"ok"\s*:\s*true\b')

_OUTBOX_CALL: contextvars.ContextVar[bool] = contextvars.ContextVar("outbox_call", default=False)


@contextlib.contextmanager
def outbox_call() -> Iterator[None]:
    """Calls made inside come from the outbox sender: paced by it, retried by it."""
    token = _OUTBOX_CALL.set(True)
    try:
        yield
    finally:
        _OUTBOX_CALL.reset(token)


@dataclass
class Sending:
    """One send in the pace: when it began, and once answered, when its answer came."""

    moment: datetime
    answered: bool = False


class Pace:
    """At most `per_second` sends in any second of the injected clock, replies first."""

    def __init__(self, per_second: int = PER_SECOND):
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self._per_second = per_second
        self._per_slice = -(-per_second // SLICES)  # rounded up: the slices may add up to more
        self._slice = SECOND / SLICES
        self._recent: list[Sending] = []
        self._outbox_recent: deque[datetime] = deque()
        self._replies_waiting = 0
        self._watchers: list[asyncio.Future[None]] = []

    @property
    def outbox_share(self) -> int:
        """How many outbox sends may start in one slice of the second."""
        return self._per_slice

    def next_slot(self, now: datetime, *, outbox: bool = False) -> datetime:
        """When the next send may go: `now`, or a moment to ask again.

        Replies may take any place of the second; the outbox only a place no reply waits for,
        and at most its share of each slice of the second."""
        slot = self._window_slot(now)
        if not outbox:
            return slot
        if self._replies_waiting:
            return max(slot, now + self._slice)  # the reply goes first; look again after it
        while self._outbox_recent and self._outbox_recent[0] + self._slice <= now:
            self._outbox_recent.popleft()
        if len(self._outbox_recent) >= self._per_slice:
            slot = max(slot, self._outbox_recent[-self._per_slice] + self._slice)
        return slot

    def sent(self, now: datetime, *, outbox: bool = False) -> Sending:
        """A send begins now; call `answered` once its answer (or its failure) has come."""
        sending = Sending(now)
        self._recent.append(sending)
        if outbox:
            self._outbox_recent.append(now)
        return sending

    def answered(self, sending: Sending, now: datetime) -> None:
        """The send's answer came: it counts from now, when it has surely reached Telegram.
        Whoever waits for a place looks again: an answered send may free one sooner. Only
        the first answer counts (the outbox reports it before its bookkeeping, then again)."""
        if sending.answered:
            return
        sending.moment = max(sending.moment, now)
        sending.answered = True
        watchers, self._watchers = self._watchers, []
        for watcher in watchers:
            if not watcher.done():
                watcher.set_result(None)

    async def wait(self, clock: Clock, slot: datetime) -> None:
        """Until `slot` by the clock, or until a send is answered (then the caller looks again)."""
        watcher: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._watchers.append(watcher)
        sleeper = asyncio.ensure_future(clock.sleep_until(slot))
        try:
            await asyncio.wait({watcher, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            watcher.cancel()

    def withdraw(self, sending: Sending) -> None:
        """A send that did not happen after all (its row was erased meanwhile): its place frees."""
        self._recent = [s for s in self._recent if s is not sending]
        with contextlib.suppress(ValueError):
            self._outbox_recent.remove(sending.moment)

    @contextlib.contextmanager
    def reply_waiting(self) -> Iterator[None]:
        """While a reply waits for a place, the outbox takes none."""
        self._replies_waiting += 1
        try:
            yield
        finally:
            self._replies_waiting -= 1

    def _window_slot(self, now: datetime) -> datetime:
        if len(self._recent) < self._per_second:  # fewer sends kept than the limit: free
            return now
        # A send still waiting for its answer counts as sent now, until it is answered.
        self._recent = [s for s in self._recent if not s.answered or s.moment + SECOND > now]
        if len(self._recent) < self._per_second:
            return now
        moments = sorted(s.moment if s.answered else max(s.moment, now) for s in self._recent)
        return moments[len(moments) - self._per_second] + SECOND


class ChatPace:
    """At most `burst` outbox messages to one chat in any `burst` seconds of the clock."""

    def __init__(self, burst: int = CHAT_BURST) -> None:
        self._burst = burst
        self._window = SECOND * burst
        self._sent: dict[int, deque[datetime]] = {}

    def next_slot(self, chat_id: int, now: datetime) -> datetime:
        times = self._sent.get(chat_id)
        if times is None:
            return now
        while times and times[0] + self._window <= now:
            times.popleft()
        if not times:
            del self._sent[chat_id]
            return now
        if len(times) < self._burst:
            return now
        return times[len(times) - self._burst] + self._window

    def sent(self, chat_id: int, now: datetime) -> None:
        self._sent.setdefault(chat_id, deque()).append(now)
        if len(self._sent) > FORGET_CHATS_AFTER:
            for chat in [c for c, t in self._sent.items() if not t or t[-1] + self._window <= now]:
                del self._sent[chat]


FORGET_CHATS_AFTER = 1000  # chats tracked before those with nothing recent are dropped


@functools.cache
def shared_tls() -> ssl.SSLContext:
    """The TLS settings PTB's own client would use (certifi's CA bundle, through httpx, which
    PTB requires), built once per process: loading the bundle costs some 20 ms, and every
    Application has two clients."""
    return httpx.create_ssl_context()


class EscaleRequest(AiohttpRequest):
    """The bot's requests: paced, and for replies, retried (see the module's docstring)."""

    def __init__(self, pace: Pace, clock: Clock, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pace = pace
        self._clock = clock

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = None,
        write_timeout: ODVInput[float] = None,
        connect_timeout: ODVInput[float] = None,
        pool_timeout: ODVInput[float] = None,
    ) -> tuple[int, bytes]:
        timeouts = {
            "read_timeout": read_timeout,
            "write_timeout": write_timeout,
            "connect_timeout": connect_timeout,
            "pool_timeout": pool_timeout,
        }
        api_method = url.rsplit("/", 1)[-1]
        if _OUTBOX_CALL.get():
            return await super().do_request(url, method, request_data, **timeouts)
        for attempt in range(1, ATTEMPTS + 1):
            last = attempt == ATTEMPTS
            sending = await self._turn() if api_method in PACED else None
            try:
                try:
                    status, payload = await super().do_request(
                        url, method, request_data, **timeouts
                    )
                finally:
                    if sending is not None:
                        self._pace.answered(sending, self._clock.now())
            except NetworkError as error:  # timeouts and dropped connections (TimedOut too)
                if last:
                    raise
                await self._backoff(api_method, attempt, type(error).__name__)
                continue
            if status == HTTPStatus.TOO_MANY_REQUESTS:
                delay = _asked_wait(payload)
                if last or delay is None or delay > LONGEST_WAIT:
                    return status, payload
                log.info("reply flood control method=%s retry_in=%ss", api_method, delay.seconds)
                await self._wait(delay)
                continue
            if status >= HTTPStatus.INTERNAL_SERVER_ERROR and not last:
                await self._backoff(api_method, attempt, f"HTTP{status}")
                continue
            if status == HTTPStatus.OK and api_method in UNREAD_ANSWERS and _OK.match(payload):
                return status, _DONE
            return status, payload
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _backoff(self, api_method: str, attempt: int, error: str) -> None:
        delay = BACKOFF[min(attempt, len(BACKOFF)) - 1]
        log.warning(
            "reply retry method=%s attempt=%s error=%s retry_in=%ss",
            api_method,
            attempt,
            error,
            delay.seconds,
        )
        await self._wait(delay)

    async def _turn(self) -> Sending:
        """Wait for a free place in the pace and take it (checked again after each wait, as
        other senders may have taken the place meanwhile)."""
        now = self._clock.now()
        if self._pace.next_slot(now) <= now:
            return self._pace.sent(now)
        with self._pace.reply_waiting():
            while True:
                now = self._clock.now()
                slot = self._pace.next_slot(now)
                if slot <= now:
                    return self._pace.sent(now)
                await self._pace.wait(self._clock, slot)

    async def _wait(self, delay: timedelta) -> None:
        await self._clock.sleep_until(self._clock.now() + delay)


def _asked_wait(payload: bytes) -> timedelta | None:
    """The `retry_after` of a 429's body, if it has one."""
    try:
        body = json.loads(payload)
        seconds = body["parameters"]["retry_after"]
    except (ValueError, TypeError, KeyError):
        return None
    return timedelta(seconds=seconds) if isinstance(seconds, int | float) else None


def retry_after(error: RetryAfter) -> timedelta:
    """PTB 22 gives an int (deprecated, with a warning) or, opted in, a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        delay = error.retry_after
    return delay if isinstance(delay, timedelta) else timedelta(seconds=delay)
