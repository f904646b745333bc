"""The sandbox page: static files, one stream of server-sent events, and a few JSON actions.

It listens on 127.0.0.1 only, answers only requests addressed to that host (so another site
open in the browser cannot drive it, even through DNS tricks), and every action answers with
JSON: `{"ok": true, ...}`, or `{"ok": false, "error": <sentence in the page's language>}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.core.i18n import Catalogs
from bot.sandbox.views import page_strings
from bot.sandbox.world import Sandbox, SandboxError

log = logging.getLogger(__name__)

STATIC = Path(str(resources.files("bot.sandbox") / "static"))
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
KEEP_ALIVE = 15.0  # seconds between comments on an idle event stream
MAX_BODY = 6 * 1024 * 1024
SANDBOX: web.AppKey[Sandbox] = web.AppKey("sandbox", Sandbox)
HOSTS: web.AppKey[set[str]] = web.AppKey("hosts", set)

JsonDict = dict[str, Any]
# The event streams open on this page: ended when the page server stops, rather than waited
# for until the shutdown timeout (a stream waits for an event that would never come).
STREAMS: web.AppKey[set[asyncio.Queue[JsonDict | None]]] = web.AppKey("streams", set)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _language(request: web.Request, catalogs: Catalogs) -> str:
    """`?lang=` if Escale has it, else the browser's first language Escale has, else the default."""
    wanted = [request.query.get("lang", "")]
    for part in request.headers.get("Accept-Language", "").split(","):
        wanted.append(part.split(";")[0].strip()[:2].lower())
    return next((code for code in wanted if code in catalogs.languages), catalogs.default)


def _strings(request: web.Request) -> dict[str, str]:
    catalogs = request.app[SANDBOX].services.catalogs
    return page_strings(catalogs.get(_language(request, catalogs)))


@web.middleware
async def _same_host_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    hosts = request.app[HOSTS]
    if request.host not in hosts:
        return web.Response(status=421, text="This sandbox answers on 127.0.0.1 only.")
    origin = request.headers.get("Origin")
    if request.method == "POST" and origin is not None and origin.split("//")[-1] not in hosts:
        return web.Response(status=403, text="Requests from other sites are refused.")
    return await handler(request)


def _refused(request: web.Request, key: str, status: int = 400) -> web.Response:
    strings = _strings(request)
    return web.json_response(
        {"ok": False, "error": strings.get(key, strings["failed"])}, status=status
    )


async def _json(request: web.Request) -> JsonDict:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise SandboxError("failed") from None
    if not isinstance(body, dict):
        raise SandboxError("failed")
    return body


def _int(body: JsonDict, name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SandboxError("failed")
    try:
        return int(value)
    except ValueError:
        raise SandboxError("failed") from None


def _text(body: JsonDict, name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise SandboxError("failed")
    return value


def _action(run: Callable[[web.Request], Awaitable[JsonDict]]) -> Handler:
    """An action: its result as JSON, or a kind sentence when it cannot be done."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            result = await run(request)
        except SandboxError as error:
            return _refused(request, error.key)
        return web.json_response({"ok": True, **result})

    return handle


async def _index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def _events(request: web.Request) -> web.StreamResponse:
    """The whole state first, then every change as it happens (server-sent events)."""
    sandbox = request.app[SANDBOX]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    queue, state = sandbox.subscribe()
    request.app[STREAMS].add(queue)
    catalogs = sandbox.services.catalogs
    state["language"] = _language(request, catalogs)
    state["strings"] = page_strings(catalogs.get(state["language"]))
    try:
        await response.write(f"data: {json.dumps(state)}\n\n".encode())
        while True:
            try:
                async with asyncio.timeout(KEEP_ALIVE):
                    event = await queue.get()
            except TimeoutError:
                await response.write(b": still here\n\n")
                continue
            if event is None:
                break
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
    except (ConnectionResetError, RuntimeError):
        pass  # the page went away
    finally:
        sandbox.unsubscribe(queue)
        request.app[STREAMS].discard(queue)
    return response


async def _end_streams(app: web.Application) -> None:
    """When the page server stops, each open event stream ends at once (as at a reset)."""
    for queue in app[STREAMS]:
        queue.put_nowait(None)


async def _file(request: web.Request) -> web.StreamResponse:
    stored = request.app[SANDBOX].file(request.match_info["file_id"])
    if stored is None:
        return web.Response(status=404, text="No such file.")
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    if request.query.get("download"):
        name = stored.filename.replace('"', "")
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    content_type = stored.content_type or "application/octet-stream"
    if content_type.startswith(("text/html", "image/svg")):
        content_type = "application/octet-stream"
    headers["Accept-Ranges"] = "bytes"
    data = stored.data
    wanted = _RANGE.fullmatch(request.headers.get("Range", ""))
    if wanted is None or not any(wanted.groups()):
        return web.Response(body=data, content_type=content_type, headers=headers)
    # Browsers read a voice note's length from its end: answer ranges, as Telegram's CDN does.
    start = int(wanted.group(1)) if wanted.group(1) else max(len(data) - int(wanted.group(2)), 0)
    end = int(wanted.group(2)) if wanted.group(1) and wanted.group(2) else len(data) - 1
    end = min(end, len(data) - 1)
    if start > end:
        headers["Content-Range"] = f"bytes */{len(data)}"
        return web.Response(status=416, headers=headers)
    headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
    return web.Response(
        status=206, body=data[start : end + 1], content_type=content_type, headers=headers
    )


async def _send(request: web.Request) -> JsonDict:
    body = await _json(request)
    await request.app[SANDBOX].send_text(_int(body, "chat"), _text(body, "text"))
    return {}


async def _voice(request: web.Request) -> JsonDict:
    sandbox = request.app[SANDBOX]
    chat = _int(dict(request.query), "chat")
    duration = _int(dict(request.query), "duration")
    if request.query.get("sample"):
        data = (STATIC / "sample-voice.ogg").read_bytes()
        await sandbox.send_voice(chat, data, "audio/ogg", duration)
        return {}
    data = await request.read()
    content_type = request.content_type if request.content_type.startswith("audio/") else ""
    await sandbox.send_voice(chat, data, content_type or "audio/ogg", duration)
    return {}


async def _press(request: web.Request) -> JsonDict:
    body = await _json(request)
    url = await request.app[SANDBOX].press(
        _int(body, "chat"),
        _int(body, "message"),
        _int(body, "row"),
        _int(body, "column"),
        _text(body, "text"),
    )
    return {"url": url}


async def _open(request: web.Request) -> JsonDict:
    body = await _json(request)
    chat = None if body.get("chat") in (None, "") else _int(body, "chat")
    opened = await request.app[SANDBOX].open_link(
        _text(body, "url"), chat, _text(body, "name"), _text(body, "language")
    )
    return {"chat": opened}


async def _people(request: web.Request) -> JsonDict:
    body = await _json(request)
    person = await request.app[SANDBOX].add_person(_text(body, "name"), _text(body, "language"))
    return {"chat": person.user_id}


async def _clock(request: web.Request) -> JsonDict:
    body = await _json(request)
    moment = await request.app[SANDBOX].travel(_text(body, "step"))
    return {"now": moment.isoformat()}


async def _reset(request: web.Request) -> JsonDict:
    await request.app[SANDBOX].reset()
    return {}


def page_app(sandbox: Sandbox) -> web.Application:
    """The page's aiohttp application (its allowed hosts are set once the port is known)."""
    app = web.Application(middlewares=[_same_host_only], client_max_size=MAX_BODY)
    app[SANDBOX] = sandbox
    app[HOSTS] = set()
    app[STREAMS] = set()
    app.on_shutdown.append(_end_streams)
    app.router.add_get("/", _index)
    app.router.add_get("/api/events", _events)
    app.router.add_get("/api/files/{file_id}", _file)
    app.router.add_post("/api/send", _action(_send))
    app.router.add_post("/api/voice", _action(_voice))
    app.router.add_post("/api/press", _action(_press))
    app.router.add_post("/api/open", _action(_open))
    app.router.add_post("/api/people", _action(_people))
    app.router.add_post("/api/clock", _action(_clock))
    app.router.add_post("/api/reset", _action(_reset))
    app.router.add_static("/static/", STATIC, append_version=False)
    return app


async def serve(sandbox: Sandbox, port: int) -> tuple[web.AppRunner, int]:
    """Serve the page on 127.0.0.1:`port` (0: any free port); the runner and the port used.

    Raises OSError when the port is taken.
    """
    app = page_app(sandbox)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    used = int(runner.addresses[0][1])
    app[HOSTS].update({f"127.0.0.1:{used}", f"localhost:{used}"})
    return runner, used


async def close(runner: web.AppRunner) -> None:
    with contextlib.suppress(RuntimeError):
        await runner.cleanup()
