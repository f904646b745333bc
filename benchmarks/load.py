"""Escale under load beside a bare PTB echo bot: `python -m benchmarks.load [--seconds 8]`.

Two bots, each in a process of its own and each polling its own Bot API emulator
(`bot.emulator`, served by this process): Escale exactly as `python -m bot` runs it (through
`benchmarks/escale_counted.py`, which only counts its SQL statements), and a bare
python-telegram-bot 22 echo bot (`benchmarks/echo_bot.py`: it replies to each text and answers
each button, nothing else). Both are driven by the same simulated people.

- Escale's people are brought in through the real flows (a coordinator's worker link, the
  worker's `/invite`, the person's `/start` and *I agree*), then prepare meetings over and
  over as `tests/walk.py` does (typed answers, a choice, a joker, the scale), keeping each
  preparation for themselves at the review. The echo bot's people type two texts and press
  its button, over and over.
- Closed loop, for N = 1, 20, 200 people at once: each person acts as soon as the reply to
  their last action arrives. Runs are interleaved (echo, Escale, echo, Escale…) so that noise
  on the machine hits both.
- Open loop: 200 people, each acting after a human pause of 3 to 8 seconds (before their
  first action too).

Latency is from the update's arrival at the emulator to the reply the person acts on (for
Escale, the next message with buttons; for the echo bot, its reply or its answer to the
press). CPU is the bot process's own (user + system). Escale runs with its pace and flood
limit lifted (`ESCALE_SENDS_PER_SECOND=100000`, `ESCALE_UPDATES_PER_MINUTE=10000`): the
emulator does not rate-limit, and the echo bot has neither. Figures are printed, never
asserted; everything stays on 127.0.0.1 and in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.emulator.server import ApiCall, FakeTelegram
from tests.fake_telegram import TelegramUser
from tests.journeys import LINK, token_in
from tests.walk import Reading, first_preparation

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"  # shaped like a real one, as Escale checks
ADMIN_ID = 900001
PEOPLE = (1, 20, 200)
OPEN_PEOPLE = 200
PAUSE = (3.0, 8.0)  # seconds a person takes before each action in the open loop
REPLY_TIMEOUT = 30.0  # seconds; a reply slower than that counts as lost
SENDS = frozenset({"sendMessage", "sendPhoto", "sendVoice", "sendDocument"})
EDITS = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption"})
SQL_KINDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT")


class Stop(Exception):
    """The round is over: the person stops after their last reply."""


@dataclass
class Round:
    """What one run of one bot measured."""

    latencies: list[float] = field(default_factory=list)  # seconds
    lost: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0  # seconds of the bot process
    calls: Counter[str] = field(default_factory=Counter)
    sql: Counter[str] = field(default_factory=Counter)
    steps: dict[str, list[float]] = field(default_factory=dict)  # latencies by kind of step

    @property
    def updates(self) -> int:
        return len(self.latencies)

    def add(self, other: Round) -> None:
        self.latencies += other.latencies
        self.lost += other.lost
        self.elapsed += other.elapsed
        self.cpu += other.cpu
        self.calls += other.calls
        self.sql += other.sql
        for step, latencies in other.steps.items():
            self.steps.setdefault(step, []).extend(latencies)

    def percentile(self, p: int) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) < 2:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    @property
    def per_second(self) -> float:
        return self.updates / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.updates if self.updates else float("nan")


class Replies:
    """Watches a bot's calls to its emulator and wakes the person whose reply has come."""

    def __init__(self, telegram: FakeTelegram, *, press_answer_is_reply: bool) -> None:
        self._telegram = telegram
        self._press_answer_is_reply = press_answer_is_reply
        self._chats: dict[int, asyncio.Future[float]] = {}
        self._queries: dict[str, asyncio.Future[float]] = {}
        self._modes: dict[int, str] = {}
        telegram.observe(self._seen)

    def expect(self, chat_id: int, mode: str) -> asyncio.Future[float]:
        """The reply to the update just pushed in `chat_id`, resolved with its moment: the first
        message (`any`), the first with buttons or an edit that brings some (`buttons`), or the
        first message with a t.me link (`link`)."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._chats[chat_id] = future
        self._modes[chat_id] = mode
        update = self._telegram.updates[-1]
        query = update.get("callback_query")
        if query is not None and self._press_answer_is_reply:
            self._queries[query["id"]] = future
        return future

    def _seen(self, call: ApiCall) -> None:
        now = time.perf_counter()
        if call.method == "answerCallbackQuery":
            future = self._queries.pop(str(call.params.get("callback_query_id")), None)
            if future is not None and not future.done():
                future.set_result(now)
            return
        try:
            chat_id = int(call.params.get("chat_id") or 0)
        except (TypeError, ValueError):
            return
        future = self._chats.get(chat_id)
        if future is None or future.done():
            return
        markup = call.params.get("reply_markup")
        has_buttons = isinstance(markup, dict) and bool(markup.get("inline_keyboard"))
        mode = self._modes.get(chat_id, "any")
        if mode == "link":
            text = str(call.params.get("text") or call.params.get("caption") or "")
            done = call.method in SENDS and LINK.search(text) is not None
        else:
            sent = call.method in SENDS and (has_buttons or mode == "any")
            done = sent or (call.method in EDITS and has_buttons)
        if done:
            future.set_result(now)


class Simulated:
    """One bot under test: its emulator, its process, and the people who talk to it."""

    def __init__(
        self, name: str, telegram: FakeTelegram, *, echo: bool, escale_transport: bool = False
    ) -> None:
        self.name = name
        self.telegram = telegram
        self.echo = echo
        self.escale_transport = escale_transport
        self.replies = Replies(telegram, press_answer_is_reply=echo)
        self.process: asyncio.subprocess.Process | None = None
        self.counts_file: Path | None = None
        self.round: Round = Round()
        self.stopping = False
        self.pause: Callable[[], Awaitable[None]] | None = None
        self._next_user = 1000

    # -- people ---------------------------------------------------------------------------------

    def user(self, first_name: str, language_code: str | None = "en", **extra: Any) -> TelegramUser:
        self._next_user += 1
        user_id = extra.pop("user_id", self._next_user)
        mode = ["buttons"]

        async def settle(update_id: int) -> None:
            pushed = time.perf_counter()
            step = _step_of(self.telegram.updates[-1], person)
            future = self.replies.expect(user_id, mode[0])
            try:
                arrived = await asyncio.wait_for(future, REPLY_TIMEOUT)
            except TimeoutError:
                self.round.lost += 1
            else:
                self.round.latencies.append(arrived - pushed)
                self.round.steps.setdefault(step, []).append(arrived - pushed)
            if self.stopping:
                raise Stop
            if self.pause is not None:
                await self.pause()

        person = TelegramUser(
            self.telegram,
            settle,
            user_id=user_id,
            first_name=first_name,
            language_code=language_code,
            **extra,
        )
        person.mode = mode  # type: ignore[attr-defined]
        return person

    def admin(self, language_code: str | None = "en") -> TelegramUser:
        return self.user("Camille", language_code, user_id=ADMIN_ID, last_name="Admin")

    async def onboard(self, count: int) -> list[TelegramUser]:
        """The people, each brought in as in real life (Escale) or by a first hello (echo)."""
        if self.echo:
            return [self.user(f"P{n}") for n in range(count)]
        admin = self.admin()
        admin.mode[0] = "link"  # type: ignore[attr-defined]
        await admin.send("/newworker")
        worker = self.user("Alice")
        worker.mode[0] = "any"  # type: ignore[attr-defined]
        await worker.send(f"/start {token_in(_newest_link(admin))}")
        worker.mode[0] = "link"  # type: ignore[attr-defined]
        people = []
        for n in range(count):
            await worker.send(f"/invite P{n}")
            person = self.user(f"P{n}")
            await person.send(f"/start {token_in(_newest_link(worker))}")
            consent = next(m for m in reversed(person.messages) if m.buttons)
            person.mode[0] = "any"  # type: ignore[attr-defined]
            await person.press_data(consent.buttons[0][0].callback_data or "", consent.message_id)
            person.mode[0] = "buttons"  # type: ignore[attr-defined]
            people.append(person)
        return people

    async def act(self, person: TelegramUser) -> None:
        """What a person does, over and over, until the round stops them (in the open loop,
        after a pause before each action, the first one included, as people do not all start
        at the same instant)."""
        try:
            if self.pause is not None:
                await self.pause()
            while True:
                if self.echo:
                    await person.send("My rent is late again")
                    await person.send("and the letters scare me")
                    await person.press("Again")
                    continue
                reading = Reading()
                try:
                    await first_preparation(person, reading, send=False)
                except (AssertionError, StopIteration):
                    continue  # an unexpected screen: /prepare picks the preparation up again
                review = next(m for m in reversed(person.messages) if m.buttons)
                keep = [
                    b.callback_data
                    for row in review.buttons
                    for b in row
                    if (b.callback_data or "").endswith(":keep")
                ]
                if keep:  # answered by a message without buttons
                    person.mode[0] = "any"  # type: ignore[attr-defined]
                    await person.press_data(keep[0] or "", review.message_id)
                    person.mode[0] = "buttons"  # type: ignore[attr-defined]
        except Stop:
            return

    # -- the process ----------------------------------------------------------------------------

    async def start(self, directory: Path) -> None:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": self.telegram.token,
            "TELEGRAM_API_BASE_URL": self.telegram.base_url,
        }
        if self.echo:
            module = "benchmarks.echo_bot"
            if self.escale_transport:
                env["ECHO_TRANSPORT"] = "escale"
        else:
            module = "benchmarks.escale_counted"
            self.counts_file = directory / "sql-counts.json"
            env |= {
                "ESCALE_ADMIN_IDS": str(ADMIN_ID),
                "ESCALE_DATABASE": str(directory / "escale.sqlite3"),
                "ESCALE_DEFAULT_LOCALE": "en",
                "ESCALE_SENDS_PER_SECOND": "100000",
                "ESCALE_UPDATES_PER_MINUTE": "10000",
                "ESCALE_BENCH_COUNTS": str(self.counts_file),
            }
            self.telegram.add_private_chat(ADMIN_ID, "Camille")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            cwd=directory,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=(directory / "stderr.log").open("wb"),
        )
        polling = asyncio.Event()
        self.telegram.observe(lambda call: polling.set() if call.method == "getUpdates" else None)
        try:
            async with asyncio.timeout(60):
                await polling.wait()
        except TimeoutError:
            log = (directory / "stderr.log").read_text(errors="replace")[-2000:]
            raise SystemExit(f"{self.name} did not start polling:\n{log}") from None

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 30)

    def cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_memory_mib(self) -> float:
        """The bot process's largest resident size so far (VmHWM), in MiB."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    async def sql_counts(self) -> Counter[str]:
        if self.counts_file is None or self.process is None:
            return Counter()
        self.counts_file.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGUSR1)
        async with asyncio.timeout(10):
            while not self.counts_file.exists():  # noqa: ASYNC110 (another process writes it)
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)
        return Counter(json.loads(self.counts_file.read_text(encoding="utf-8")))

    # -- one measured run -----------------------------------------------------------------------

    async def run(
        self, people: Iterable[TelegramUser], seconds: float, *, open_loop: bool = False
    ) -> Round:
        measured = Round()
        self.round, self.stopping = measured, False
        rng = random.Random(14)

        async def pause() -> None:
            await asyncio.sleep(rng.uniform(*PAUSE))  # a person thinking, in real time

        self.pause = pause if open_loop else None
        calls_before = Counter(call.method for call in self.telegram.calls)
        sql_before = await self.sql_counts()
        cpu_before = self.cpu_seconds()
        started = time.perf_counter()
        tasks = [asyncio.create_task(self.act(person)) for person in people]
        await asyncio.sleep(seconds)  # the length of the run, in real time
        self.stopping = True
        await asyncio.gather(*tasks)
        measured.elapsed = time.perf_counter() - started
        measured.cpu = self.cpu_seconds() - cpu_before
        measured.calls = Counter(call.method for call in self.telegram.calls) - calls_before
        measured.calls.pop("getUpdates", None)
        measured.sql = await self.sql_counts() - sql_before
        self.pause = None
        return measured


def _step_of(update: dict[str, Any], person: TelegramUser) -> str:
    """What a person did, by kind: a button (a preparation's by its step and action), a
    command, or a text (typed at the step of the last message with buttons)."""
    query = update.get("callback_query")
    if query is not None:
        data = str(query.get("data") or "")
        parts = data.split(":")
        return "press " + (":".join(parts[2:4]) if parts[0] == "p" else parts[0])
    text = str(update.get("message", {}).get("text") or "")
    if text.startswith("/"):
        return text.split()[0]
    asking = next((m for m in reversed(person.messages) if m.buttons), None)
    parts = (asking.buttons[0][0].callback_data or "").split(":") if asking else []
    return "text at " + (parts[2] if len(parts) > 2 and parts[0] == "p" else "?")


def _newest_link(user: TelegramUser) -> str:
    return next(m.text for m in reversed(user.messages) if LINK.search(m.text))


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:7.1f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:5.2f}" if b else "  n/a"


def print_closed(results: dict[int, tuple[Round, Round]]) -> None:
    print("Closed loop: each person acts as soon as the reply to their last action arrives")
    print(
        "people  bot      updates  upd/s    p50 ms  p95 ms  p99 ms  CPU ms/upd  lost"
        "   ÷echo: upd/s  p99   CPU"
    )
    for people, (echo, escale) in results.items():
        for name, r in (("echo", echo), ("Escale", escale)):
            line = (
                f"{people:6}  {name:7} {r.updates:8} {r.per_second:6.1f} "
                f"{_ms(r.percentile(50))} {_ms(r.percentile(95))} {_ms(r.percentile(99))} "
                f"{r.cpu_ms:10.2f}  {r.lost:4}"
            )
            if name == "Escale":
                line += (
                    f"          {_ratio(r.per_second, echo.per_second)} "
                    f"{_ratio(r.percentile(99), echo.percentile(99))} "
                    f"{_ratio(r.cpu_ms, echo.cpu_ms)}"
                )
            print(line)


def print_slowest(people: int, r: Round, count: int = 5) -> None:
    """Escale's kinds of step with the highest p99 at that many people: where its tail is."""
    ranked = sorted(
        ((step, Round(latencies=latencies)) for step, latencies in r.steps.items()),
        key=lambda item: item[1].percentile(99),
        reverse=True,
    )
    print(f"Escale's slowest steps at {people} people (p50 / p99 ms, updates):")
    for step, of_step in ranked[:count]:
        print(
            f"  {step:28} {_ms(of_step.percentile(50))} / {_ms(of_step.percentile(99))}"
            f"  {of_step.updates:6}"
        )


def print_per_update(name: str, r: Round) -> None:
    if not r.updates:
        return
    calls = ", ".join(
        f"{method} {count / r.updates:.2f}" for method, count in r.calls.most_common()
    )
    print(f"{name:7} Bot API calls per update: {sum(r.calls.values()) / r.updates:.2f} ({calls})")
    if r.sql:
        kinds = ", ".join(f"{kind} {r.sql.get(kind, 0) / r.updates:.2f}" for kind in SQL_KINDS)
        total = sum(r.sql.values()) / r.updates
        print(f"{name:7} SQL statements per update: {total:.2f} ({kinds}; PRAGMA and others aside)")


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="escale-load-") as directory:
        async with FakeTelegram(token=TOKEN) as echo_api, FakeTelegram(token=TOKEN) as escale_api:
            echo = Simulated("echo", echo_api, echo=True, escale_transport=args.echo_transport)
            escale = Simulated("Escale", escale_api, echo=False)
            (Path(directory) / "echo").mkdir()
            (Path(directory) / "escale").mkdir()
            await echo.start(Path(directory) / "echo")
            await escale.start(Path(directory) / "escale")
            try:
                crowd = max(*args.people, args.open_people)
                started = time.perf_counter()
                people = {bot.name: await bot.onboard(crowd) for bot in (echo, escale)}
                print(
                    f"{crowd} people brought in to each bot in "
                    f"{time.perf_counter() - started:.1f} s (Escale: link, /start, I agree)"
                )
                totals = {bot.name: Round() for bot in (echo, escale)}
                results: dict[int, tuple[Round, Round]] = {}
                for count in args.people:
                    pair = (Round(), Round())
                    for _ in range(args.rounds):
                        for bot, into in zip((echo, escale), pair, strict=True):
                            measured = await bot.run(people[bot.name][:count], args.seconds)
                            into.add(measured)
                            totals[bot.name].add(measured)
                    results[count] = pair
                print_closed(results)
                print()
                most = max(results)
                print_slowest(most, results[most][1])
                print()
                print(
                    f"Open loop: {args.open_people} people, each acting after a pause of "
                    f"{PAUSE[0]:.0f} to {PAUSE[1]:.0f} s, {args.open_seconds:.0f} s per bot"
                )
                print("bot      updates  upd/s    p50 ms  p95 ms  p99 ms  CPU ms/upd  lost")
                for bot in (echo, escale):
                    r = await bot.run(
                        people[bot.name][: args.open_people], args.open_seconds, open_loop=True
                    )
                    print(
                        f"{bot.name:7} {r.updates:8} {r.per_second:6.1f} "
                        f"{_ms(r.percentile(50))} {_ms(r.percentile(95))} "
                        f"{_ms(r.percentile(99))} {r.cpu_ms:10.2f}  {r.lost:4}"
                    )
                print()
                print("Per update, over every closed-loop run:")
                for bot in (echo, escale):
                    print_per_update(bot.name, totals[bot.name])
                print()
                print(
                    "Peak memory (resident), after every run: "
                    + ", ".join(
                        f"{bot.name} {bot.peak_memory_mib():.0f} MiB" for bot in (echo, escale)
                    )
                )
            finally:
                await echo.stop()
                await escale.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each closed run")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each bot for each N")
    parser.add_argument("--open-seconds", type=float, default=60.0, help="the open-loop run")
    parser.add_argument("--open-people", type=int, default=OPEN_PEOPLE)
    parser.add_argument(
        "--echo-transport",
        action="store_true",
        help="run the echo bot on Escale's HTTP client (bot/core/transport.py) rather than "
        "PTB's own: what the client alone is worth",
    )
    parser.add_argument(
        "--people",
        type=lambda text: [int(n) for n in text.split(",")],
        default=list(PEOPLE),
        help="people at once in the closed runs, separated by commas (default 1,20,200)",
    )
    args = parser.parse_args(argv)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
