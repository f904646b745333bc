"""Click to rendered in the sandbox: `python -m benchmarks.sandbox_latency [--rounds 3]`.

The sandbox runs in this process (on a temporary database, the real clock), its page in
headless Chromium. A coordinator brings a worker, who invites a person, who agrees; then the
person prepares `--rounds` meetings by clicking and typing in the page: one typed answer, then
"I'd rather not" on every question, then Send. For every action the page notes when the click
or key press happened and when Escale's answer was drawn (the next frame after it reached the
page: `window.sandboxTimings`). As a baseline, in the same run, the script notes how long Escale
itself took for the same action: from the update reaching the emulator to Escale's first
answering call. Prints median and p95 of both and their ratio. Nothing is asserted; only
127.0.0.1 is used; it stops by itself (after `--timeout` seconds at worst).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.core import logs
from bot.emulator.server import ApiCall
from bot.sandbox import web as page_server
from bot.sandbox.world import COORDINATOR_ID, WORKER_ID, Sandbox

TARGET_MS = 200.0
SKIP = "Je préfère ne pas répondre"
ANSWERING = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto"})


class EscaleTimes:
    """Update pushed to the emulator -> Escale's first answering call in that chat, in ms."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.samples: list[float] = []
        self._pushed: dict[int, float] = {}
        telegram = sandbox.telegram
        push = telegram.push_update

        def timed_push(payload: dict[str, Any], *, unfiltered: bool = False) -> int:
            body = payload.get("message") or payload.get("callback_query") or {}
            chat = (body.get("chat") or body.get("from") or {}).get("id")
            if isinstance(chat, int):
                self._pushed[chat] = time.perf_counter()
            return push(payload, unfiltered=unfiltered)

        telegram.push_update = timed_push  # type: ignore[method-assign]
        telegram.observe(self._answered)

    def _answered(self, call: ApiCall) -> None:
        if call.method not in ANSWERING:
            return
        try:
            chat = int(call.params.get("chat_id", ""))
        except (TypeError, ValueError):
            return
        began = self._pushed.pop(chat, None)
        if began is not None:
            self.samples.append((time.perf_counter() - began) * 1000)


async def _act(page: Any, action: Any) -> None:
    """Do one action in the page and wait until it noted Escale's answer as drawn."""
    before = await page.evaluate("window.sandboxTimings.length")
    await action()
    await page.wait_for_function(f"window.sandboxTimings.length > {before}")


async def _press(pane: Any, label: str) -> None:
    exact = re.compile(f"^{re.escape(label)}$")
    key = pane.page.locator(".key").filter(has_text=exact)
    message = pane.locator(".msg.bot").filter(has=key).last
    await message.locator(".key").filter(has_text=exact).first.click()


async def _type(pane: Any, text: str) -> None:
    await pane.locator("textarea").fill(text)
    await pane.locator("textarea").press("Enter")


async def play(sandbox: Sandbox, url: str, rounds: int) -> tuple[list[float], list[float]]:
    from playwright.async_api import async_playwright

    escale = EscaleTimes(sandbox)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox"]
        )
        # The page's Content-Security-Policy forbids eval, which wait_for_function needs.
        page = await browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
        page.set_default_timeout(30_000)
        await page.goto(url)
        await page.wait_for_selector("body.ready")
        coordinator = page.locator(f'.pane[data-chat="{COORDINATOR_ID}"]')
        worker = page.locator(f'.pane[data-chat="{WORKER_ID}"]')
        await _act(page, lambda: _type(coordinator, "/newworker"))
        await coordinator.locator("a.start-link").last.click()
        await _act(page, lambda: page.locator(f'.choice[data-chat="{WORKER_ID}"]').click())
        await _act(page, lambda: _type(worker, "/invite Léa"))
        await worker.locator("a.start-link").last.click()
        await page.locator('#open-dialog input[name="name"]').fill("Léa")
        await page.locator('#open-dialog button[value="new"]').click()
        person = page.locator(".pane").nth(2)
        await person.locator(".msg.bot .key").first.wait_for()
        await _act(page, lambda: _press(person, "Je suis d'accord"))
        setup = len(await page.evaluate("window.sandboxTimings"))
        escale_setup = len(escale.samples)
        for _ in range(rounds):
            await _act(page, lambda: _type(person, "/prepare"))
            answered = False
            while True:
                last = person.locator(".msg.bot").last
                labels = await last.locator(".key").all_inner_texts()
                if any(label.startswith("📨") for label in labels):
                    send = next(label for label in labels if label.startswith("📨"))
                    await _act(page, lambda label=send: _press(person, label))
                    break
                if SKIP in labels and not answered:
                    answered = True
                    await _act(page, lambda: _type(person, "Le loyer a augmenté"))
                elif SKIP in labels:
                    await _act(page, lambda: _press(person, SKIP))
                elif labels:
                    await _act(page, lambda label=labels[0]: _press(person, label))
                else:
                    await page.wait_for_timeout(50)
        timings = await page.evaluate("window.sandboxTimings")
        await browser.close()
    return [float(t) for t in timings[setup:]], escale.samples[escale_setup:]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


async def main(rounds: int, timeout: float) -> int:  # noqa: ASYNC109
    if shutil.which("chromium") is None:
        print("no chromium on the PATH: apt-get install chromium fonts-noto-color-emoji")
        return 1
    logs.configure(30)
    with tempfile.TemporaryDirectory() as folder:
        sandbox = Sandbox(
            Path(folder) / "sandbox.sqlite3",
            # Faster than any person: Escale's per-user flood limit would rightly silence it.
            environ={"ESCALE_DEFAULT_LOCALE": "fr", "ESCALE_UPDATES_PER_MINUTE": "10000"},
            env_file=None,
        )
        await sandbox.start()
        runner, port = await page_server.serve(sandbox, 0)
        try:
            async with asyncio.timeout(timeout):
                page, escale = await play(sandbox, f"http://127.0.0.1:{port}/?lang=fr", rounds)
        except TimeoutError:
            print(f"gave up after {timeout:.0f} s")
            return 1
        finally:
            await sandbox.stop()
            await page_server.close(runner)
    print(f"sandbox, click to rendered: {len(page)} actions over {rounds} preparation(s)")
    print(f"{'':32}{'median':>10}{'p95':>10}")
    rows = [("page (click -> drawn)", page), ("Escale alone (update -> reply)", escale)]
    for name, values in rows:
        print(f"{name:32}{statistics.median(values):>8.1f}ms{_p95(values):>8.1f}ms")
    print(
        f"{'ratio page / Escale':32}"
        f"{statistics.median(page) / statistics.median(escale):>10.2f}"
        f"{_p95(page) / _p95(escale):>10.2f}"
    )
    verdict = "met" if _p95(page) < TARGET_MS else "NOT met"
    print(f"target: p95 under {TARGET_MS:.0f} ms in the page — {verdict}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300)
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.rounds, arguments.timeout)))
