"""Escale's one way to Telegram: every send waits for the same pace, and replies are retried.

`Pace` counts what Escale sends in any second of the injected clock, replies and outbox alike,
so that together they stay under Telegram's limit (about 30 a second for a bot). The outbox
sender leaves a few of each second's sends to replies: a person waiting for their next
question does not queue behind a burst of reminders.

`EscaleRequest` is the bot's HTTP layer. A reply (anything a handler sends) waits for its
turn in the pace, waits out a 429's `retry_after`, and is tried again after a server error, a
timeout or a dropped connection, a few times with a short backoff. After an outcome that cannot
be known the call is made again: a question twice is better than silence, and older buttons
are stale-proof. The outbox sender has its own retries and its exactly-once bookkeeping, so
its calls (made inside `outbox_call()`) go through once, untouched.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import logging
import ssl
import warnings
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

import httpx
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, RetryAfter
from telegram.request import HTTPXRequest, RequestData
from telegram.warnings import PTBDeprecationWarning

from bot.core.clock import Clock

log = logging.getLogger(__name__)

SECOND = timedelta(seconds=1)
PER_SECOND = 25  # messages a second at most, under Telegram's ~30 for a bot overall
KEPT_FOR_REPLIES = 5  # of each second's sends, the outbox leaves these to replies
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

_OUTBOX_CALL: contextvars.ContextVar[bool] = contextvars.ContextVar("outbox_call", default=False)


@contextlib.contextmanager
def outbox_call() -> Iterator[None]:
    """Calls made inside come from the outbox sender: paced by it, retried by it."""
    token = _OUTBOX_CALL.set(True)
    try:
        yield
    finally:
        _OUTBOX_CALL.reset(token)


class Pace:
    """At most `per_second` sends in any second of the injected clock: no 429 in a burst."""

    def __init__(self, per_second: int = PER_SECOND, kept_for_replies: int = KEPT_FOR_REPLIES):
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self._per_second = per_second
        self._outbox_share = max(1, per_second - kept_for_replies)
        self._recent: deque[datetime] = deque()

    def next_slot(self, now: datetime, *, outbox: bool = False) -> datetime:
        """When the next send may go: `now`, or when enough sends of the window age out.
        The outbox may use only its share of the second; replies may use all of it."""
        while self._recent and self._recent[0] + SECOND <= now:
            self._recent.popleft()
        allowed = self._outbox_share if outbox else self._per_second
        if len(self._recent) < allowed:
            return now
        return self._recent[len(self._recent) - allowed] + SECOND

    def sent(self, now: datetime) -> None:
        self._recent.append(now)


@functools.cache
def shared_tls() -> ssl.SSLContext:
    """The TLS settings httpx gives each client by default, built once per process: loading the
    CA bundle costs some 20 ms, and every Application has two clients."""
    return httpx.create_ssl_context()


class EscaleRequest(HTTPXRequest):
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
            if api_method in PACED:
                await self._turn()
            try:
                status, payload = await super().do_request(url, method, request_data, **timeouts)
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

    async def _turn(self) -> None:
        """Wait for a free place in the pace and take it (checked again after each wait, as
        other senders may have taken the place meanwhile)."""
        while True:
            now = self._clock.now()
            slot = self._pace.next_slot(now)
            if slot <= now:
                self._pace.sent(now)
                return
            await self._clock.sleep_until(slot)

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
