"""What a person reads on a full first preparation, per language:
`python -m benchmarks.reading_load [--language fr]`.

The real Application polls the Bot API emulator on 127.0.0.1 (on a clock that does not move). A
person joins (the consent screen), prepares with typed answers, a choice, a joker and the scale,
reads the review and sends it; every message the bot sent them is counted as first shown.
Words are runs of letters or digits (`\\w+`). Nothing is asserted: the targets of issue 11 are
printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.app import build_application
from bot.core import logs
from bot.core.config import Settings
from bot.core.i18n import LOCALES_DIR
from tests.conftest import ADMIN_ID, Escale, FakeClock, start_app, stop_app
from tests.fake_telegram import FakeTelegram
from tests.journeys import make_worker
from tests.walk import Reading, first_preparation, join

CONSENT_MAX, MESSAGE_MAX, MEDIAN_MAX = 90, 60, 25
SLOW, FAST = 80, 120  # words a minute


@dataclass(frozen=True)
class Load:
    language: str
    consent: int
    review: int
    others: list[int]  # every other message, in order

    @property
    def messages(self) -> int:
        return len(self.others) + 2

    @property
    def total(self) -> int:
        return self.consent + self.review + sum(self.others)

    @property
    def median(self) -> float:
        return statistics.median([self.consent, self.review, *self.others])

    @property
    def longest(self) -> int:
        return max(self.others, default=0)


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


async def measure(language: str) -> Load:
    with tempfile.TemporaryDirectory(prefix="escale-reading-") as directory:
        async with FakeTelegram() as telegram:
            telegram.add_private_chat(ADMIN_ID, "Camille")  # for the admin menu set at start-up
            settings = Settings(
                token=telegram.token,
                api_base_url=telegram.base_url,
                admin_ids=frozenset({ADMIN_ID}),
                database_path=Path(directory) / "escale.sqlite3",
                # The clock stands still and the walk types faster than people: as in the tests,
                # the pace and the flood limit are raised so they never wait for it.
                sends_per_second=1000,
                updates_per_minute=10000,
            )
            clock = FakeClock()
            escale = Escale(telegram, settings, clock, build_application(settings, clock))
            await start_app(escale.app)
            try:
                worker = await make_worker(escale, "Séverine Durin", "fr")
                reading = Reading()
                person = await join(escale, worker, language, reading)
                await first_preparation(person, reading)
            finally:
                await stop_app(escale.app)
    consent = reading.consent_id
    review = [i for i in sorted(reading.seen) if i in reading.review_ids]
    others = [
        words(text)
        for i, text in sorted(reading.seen.items())
        if i != consent and i not in reading.review_ids and i > (consent or 0)
    ]
    return Load(
        language,
        words(reading.seen.get(consent or -1, "")),
        sum(words(reading.seen[i]) for i in review),
        others,
    )


def _verdict(value: float, limit: float) -> str:
    return "ok" if value <= limit else "OVER"


def main(argv: list[str] | None = None) -> int:
    available = sorted(p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reading_load")
    parser.add_argument("--language", action="append", choices=available, help="default: all")
    args = parser.parse_args(argv)
    logs.configure(logging.WARNING)
    logs.quiet_noisy_loggers()
    print(
        f"targets: consent <= {CONSENT_MAX} words, every other message <= {MESSAGE_MAX} "
        f"except the review, median <= {MEDIAN_MAX}; reading at {SLOW}-{FAST} words a minute\n"
    )
    header = f"{'lang':<6}{'msgs':>5}{'words':>7}{'consent':>9}{'review':>8}{'longest':>9}"
    print(header + f"{'median':>8}{'minutes':>12}")
    for language in args.language or available:
        load = asyncio.run(measure(language))
        minutes = f"{load.total / FAST:.1f}-{load.total / SLOW:.1f}"
        print(
            f"{language:<6}{load.messages:>5}{load.total:>7}"
            f"{load.consent:>5} {_verdict(load.consent, CONSENT_MAX):<4}{load.review:>7} "
            f"{load.longest:>5} {_verdict(load.longest, MESSAGE_MAX):<4}"
            f"{load.median:>5} {_verdict(load.median, MEDIAN_MAX):<4}{minutes:>10}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
