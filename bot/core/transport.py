"""Escale's HTTP client for the Bot API: PTB's request interface over one aiohttp session.

PTB's own client (`HTTPXRequest`, on httpx and httpcore) costs more CPU per call than
everything else Escale does for an update: measured under load, more than half of the bot's
main thread went to it, much of that in httpcore's connection pool, which looks at every
open connection (a `select` on each socket) for every request. aiohttp, already a
dependency, parses HTTP in C and keeps its pool in a few dicts.

`AiohttpRequest` keeps PTB's contract: it returns the status and the body as they came and
leaves their reading to PTB; a failure to get an answer raises `NetworkError` (`TimedOut`
for a timeout) from aiohttp's own exception. `may_have_arrived` tells those that prove the
request never left Escale (no connection could be made, or none was free in time) from the
others, so that the outbox sends again only what cannot double a message.
"""

from __future__ import annotations

import base64
import json
import ssl
import urllib.request
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

# PTB's own defaults for its HTTPXRequest, in seconds.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0  # an upload (a QR code, a document) may take longer to write
CONNECTIONS = 64  # open at once at most: as many as handlers may run side by side
JSON = {"Content-Type": "application/json"}

# aiohttp's exceptions that prove nothing was sent: the connection could not be made (refused,
# no route, a name not found, TLS refused) or none was free before the pool timeout.
_NEVER_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


def may_have_arrived(error: NetworkError) -> bool:
    """Whether the request may have reached Telegram although no answer came back.

    When no answer came, this module raises NetworkError (or TimedOut) from aiohttp's
    exception, and only some of those prove nothing left. When Telegram or a proxy answered
    with an error status (a 502, say), PTB raises NetworkError without a cause (or from a
    JSON error): then nothing was sent."""
    cause = error.__cause__
    if cause is None or isinstance(cause, TelegramError):
        return False
    return not isinstance(cause, _NEVER_SENT)


class AiohttpRequest(BaseRequest):
    """PTB's `BaseRequest` over one aiohttp session, opened by `initialize`, closed by
    `shutdown` (PTB calls both)."""

    def __init__(
        self,
        *,
        connections: int = CONNECTIONS,
        tls: ssl.SSLContext | None = None,
        trust_env: bool = True,
        read_timeout: float | None = READ_TIMEOUT,
    ) -> None:
        # trust_env: HTTPS_PROXY and the like are honoured, as httpx does by default. They are
        # read once per host (`_proxy`), not by aiohttp, which would look them up, and the
        # netrc file, on another thread for every request.
        self._connections = connections
        self._tls = tls
        self._trust_env = trust_env
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], Proxy] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._connections,
                ssl=self._tls if self._tls is not None else True,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                headers={"User-Agent": self.USER_AGENT},
                # PTB reads the body itself, and an error status is an answer, not a failure.
                raise_for_status=False,
                auto_decompress=True,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        proxy = self._proxy(url)
        tunnel = url.startswith("https:")
        body, content_type = _body(request_data)
        headers = None if tunnel else proxy.credentials
        if content_type is not None:
            headers = {**(headers or {}), **content_type}
        read = _given(read_timeout, self._read_timeout)
        # aiohttp has no timeout for writing alone: for an upload, the longer one bounds reads.
        if isinstance(body, aiohttp.FormData):
            read = _longest(read, _given(write_timeout, MEDIA_WRITE_TIMEOUT))
        connect = _given(connect_timeout, CONNECT_TIMEOUT)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_sum(_given(pool_timeout, POOL_TIMEOUT), connect),  # a free one, then a new one
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with session.request(
                method,
                url,
                data=body,
                timeout=timeout,
                proxy=proxy.url,
                # Through a tunnel (https), the credentials go to the proxy with CONNECT;
                # otherwise with the request itself, which the proxy reads.
                proxy_headers=proxy.credentials if tunnel else None,
                headers=headers,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut(f"aiohttp.{type(error).__name__}") from error
        except aiohttp.ClientError as error:
            # The class name only: the error's text may carry the URL, and the URL the token.
            raise NetworkError(f"aiohttp.{type(error).__name__}") from error

    def _proxy(self, url: str) -> Proxy:
        """The proxy the environment names for `url`'s host (none when told to bypass it)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        known = self._proxies.get(key)
        if known is None:
            known = self._proxies[key] = _env_proxy(*key) if self._trust_env else Proxy()
        return known


class Proxy(NamedTuple):
    """Where requests to one host go through, if anywhere, with the proxy's credentials."""

    url: URL | None = None
    credentials: dict[str, str] | None = None  # the Proxy-Authorization header


def _env_proxy(scheme: str, host: str) -> Proxy:
    if host and urllib.request.proxy_bypass(host):
        return Proxy()
    named = urllib.request.getproxies().get(scheme)
    if not named:
        return Proxy()
    url = URL(named)
    if url.user is None:
        return Proxy(url)
    credentials = f"{url.user}:{url.password or ''}".encode()  # UTF-8, as RFC 7617 allows
    basic = "Basic " + base64.b64encode(credentials).decode("ascii")
    return Proxy(url.with_user(None), {"Proxy-Authorization": basic})


def _body(
    request_data: RequestData | None,
) -> tuple[aiohttp.FormData | bytes | None, dict[str, str] | None]:
    """The request's body, and its type when it must be named: multipart with files, else
    one JSON object, as the Bot API takes it. JSON is cheaper to build than a form, where
    each value is first encoded as JSON and then escaped for the URL."""
    if request_data is None:
        return None, None
    files = request_data.multipart_data
    if files:
        return _form(request_data.json_parameters, files), None
    parameters = request_data.parameters
    if not parameters:
        return None, None
    # Not PTB's `json_payload`, which writes every value as a string of JSON.
    return json.dumps(parameters).encode(), JSON


def _form(parameters: dict[str, str], files: dict[str, Any]) -> aiohttp.FormData:
    """A multipart body: the parameters as fields, each file with its name and type."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def _longest(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else max(a, b)
