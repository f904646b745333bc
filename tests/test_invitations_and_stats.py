"""Links not used yet, seen and revoked; the coordinators' numbers, counts only."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta

from bot.service.chart import bar_chart
from tests.conftest import Escale
from tests.fake_telegram import TelegramUser
from tests.journeys import make_person, make_worker, token_in
from tests.test_preparation import first_preparation

SECRET = "Secret-words-9876"


async def test_a_worker_sees_and_revokes_a_link_not_used_yet(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    await worker.send("/invite Léa")
    token = token_in(worker.texts()[-2] if "start=" in worker.texts()[-2] else worker.last.text)
    await worker.send("/invite Sam")
    await worker.send("/invitations")
    listing = worker.last.text
    assert listing.startswith("Your links not used yet")
    assert "Léa: works until Wednesday 2 December at 10:00" in listing
    assert "Sam: works until" in listing
    assert "/invite makes a new link." in listing
    await worker.press("Revoke: Léa")
    assert "Léa" not in worker.last.text and "Sam" in worker.last.text
    # The revoked link no longer works; whoever opens it learns nothing more.
    lea = escale.user("Léa", "en")
    await lea.send(f"/start {token}")
    assert lea.last.text.startswith("This link does not work.")
    assert await escale.repo.account(lea.user_id) is None
    # Another worker cannot revoke Sam's link with a forged button.
    other = await make_worker(escale, "Bob", "en")
    row = await escale.db.fetchone("SELECT id FROM invitations WHERE label = 'Sam'")
    assert row is not None
    await other.press_data(f"inx:{row['id']}")
    assert await escale.db.fetchone("SELECT id FROM invitations WHERE label = 'Sam'") is not None


async def test_an_admin_sees_pending_worker_links(escale: Escale) -> None:
    admin = escale.admin("en")
    await admin.send("/newworker")
    await admin.send("/invitations")
    assert admin.last.text.startswith("Links for workers, not used yet")
    assert "/newworker makes a new link for a worker." in admin.last.text
    await admin.press("Revoke: worker link of Wednesday 25 November")
    assert admin.last.text.startswith("No link is waiting to be used.")


async def _person_sends(escale: Escale, worker_name: str, worker: TelegramUser, n: int) -> None:
    for index in range(n):
        person = await make_person(escale, worker, f"{worker_name}{index}", None, "en")
        await first_preparation(escale, person, problem=SECRET)
        await person.press(f"📨 Send to {worker_name}")


async def test_stats_show_counts_hide_small_ones_and_never_content(escale: Escale) -> None:
    alice = await make_worker(escale, "Alice", "en")
    bob = await make_worker(escale, "Bob", "en")
    await _person_sends(escale, "Alice", alice, 6)
    await _person_sends(escale, "Bob", bob, 2)
    await escale.deliveries()
    admin = escale.admin("en")
    await admin.send("/stats")
    text = "\n".join(m.text for m in admin.messages if m.kind == "text")
    report = text[text.index("The service in numbers") :]
    assert "People followed now: 8" in report
    assert "preparations started: 8; sent: 8; read by the worker: 0; kept for oneself: 0" in report
    alice_part = report[report.index("Alice\n") : report.index("Bob\n")]
    bob_part = report[report.index("Bob\n") :]
    assert "people followed now: 6" in alice_part
    assert "sent: 6" in alice_part
    assert "people followed now: fewer than 5" in bob_part
    assert "sent: fewer than 5" in bob_part
    assert SECRET not in report
    for index in range(6):
        assert f"Alice{index}" not in report, "no person is named"
    # One month only: no trend to look at yet, so no chart.
    assert not [m for m in admin.messages if m.kind == "photo"]
    # A person may only see their own: /stats is for coordinators.
    await alice.send("/stats")
    assert alice.last.text.startswith("I don't know this command.")

    # Two more months with preparations: a trend, so a chart comes with the numbers.
    for _ in range(2):
        escale.clock.advance(timedelta(days=31))
        await _person_sends(escale, "Alice", alice, 1)
    await admin.send("/stats")
    [photo] = [m for m in admin.messages if m.kind == "photo"]
    assert photo.text.startswith(
        "Preparations started (blue) and sent (green), August 2026 to January 2027."
    )


def test_the_chart_is_a_png_that_hides_small_counts() -> None:
    picture = bar_chart([[1, 9, 4], [0, 7, 2]])
    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", picture[16:24])
    assert (width, height) == (360, 180)
    # Counts 1 and 4 are drawn at the same height: the picture tells no more than the text.
    start = picture.index(b"IDAT") + 4
    (length,) = struct.unpack(">I", picture[start - 8 : start - 4])
    raw = zlib.decompress(picture[start : start + length])
    rows = [raw[y * (width * 3 + 1) + 1 : (y + 1) * (width * 3 + 1)] for y in range(height)]

    def column_height(x: int) -> int:
        return sum(1 for row in rows if row[3 * x : 3 * x + 3] != b"\xff\xff\xff")

    group = (width - 24) // 3
    first, third = 12 + 3 + 1, 12 + 2 * group + 3 + 1
    assert column_height(first) == column_height(third) > 0
