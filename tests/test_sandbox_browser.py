"""The sandbox page in a real browser: headless Chromium (Debian's), driven by Playwright.

Everything is done by clicking and typing in the page, as a newcomer would. The sandbox runs
in-process on a temporary database, on port 0, on a clock that starts at a known Monday and
runs like a real one (Escale paces its sends by it), so dates are the same on every run; days
pass only through the page's own buttons.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from bot.sandbox import web as page_server
from bot.sandbox.world import COORDINATOR_ID, FIRST_PERSON_ID, WORKER_ID, Sandbox
from tests.test_sandbox import flowing_from

if TYPE_CHECKING:  # for mypy; at run time the module may be missing, and the tests skip
    from playwright.async_api import Browser as Chromium
    from playwright.async_api import Locator, Page

CHROMIUM = shutil.which("chromium")
NO_CHROMIUM = (
    "browser tests skipped: no `chromium` on the PATH (apt-get install chromium "
    "fonts-noto-color-emoji; .ci/run does it)"
)
# One Chromium for the whole module (starting it is most of a test's set-up), each test in a
# fresh browser context of its own (its own cookies, storage and pages): the tests and the
# browser share the module's event loop.
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM),
    pytest.mark.asyncio(loop_scope="module"),
]
playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
expect = playwright_api.expect
expect.set_options(timeout=20_000)  # a shared CI machine can be slow

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Paris
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "sandbox.png"
WAIT_MS = 20_000  # a shared CI machine can be slow; nothing waits this long when all is well
SKIP = "Je préfère ne pas répondre"


@dataclass
class Browser:
    sandbox: Sandbox
    page: Page
    url: str
    alerts: list[str]

    def pane(self, chat_id: int) -> Locator:
        return self.page.locator(f'.pane[data-chat="{chat_id}"]')

    async def new_tab(self) -> Page:
        tab = await self.page.context.new_page()
        await tab.goto(self.url)
        await tab.wait_for_selector("body.ready")
        return tab


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def chromium() -> AsyncIterator[Chromium]:
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            # A fake microphone (a beep), allowed without asking, for recorded voice notes.
            args=[
                "--no-sandbox",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
            ],
        )
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def browser(chromium: Chromium, tmp_path: Path) -> AsyncIterator[Browser]:
    sandbox = Sandbox(
        tmp_path / "sandbox.sqlite3",
        environ={"ESCALE_DEFAULT_LOCALE": "fr"},
        env_file=None,
        wall=flowing_from(MONDAY),
    )
    await sandbox.start()
    runner, port = await page_server.serve(sandbox, 0)
    url = f"http://127.0.0.1:{port}/?lang=fr"
    alerts: list[str] = []
    try:
        context = await chromium.new_context(
            viewport={"width": 1180, "height": 800}, locale="fr-FR"
        )
        try:
            await context.grant_permissions(["microphone"])
            context.set_default_timeout(WAIT_MS)
            page = await context.new_page()
            page.on("dialog", lambda dialog: _note_dialog(alerts, dialog))
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(url)
            await page.wait_for_selector("body.ready")
            yield Browser(sandbox, page, url, alerts)
        finally:
            await context.close()
        assert errors == [], f"the page's script failed: {errors}"
    finally:
        await sandbox.stop()
        await page_server.close(runner)


async def _note_dialog(alerts: list[str], dialog: object) -> None:
    """Confirmations (Start again) are accepted; anything else would be an injected alert."""
    kind = dialog.type  # type: ignore[attr-defined]
    if kind != "confirm":
        alerts.append(f"{kind}: {dialog.message}")  # type: ignore[attr-defined]
    await dialog.accept()  # type: ignore[attr-defined]


async def type_in(pane: Locator, text: str) -> None:
    box = pane.locator("textarea")
    await box.fill(text)
    await box.press("Enter")


def bot_messages(pane: Locator) -> Locator:
    return pane.locator(".msg.bot")


async def press(pane: Locator, label: str) -> None:
    """The first button with exactly this label on the newest message that has one."""
    key = pane.page.locator(".key").filter(has_text=re.compile(f"^{re.escape(label)}$"))
    await (
        bot_messages(pane)
        .filter(has=key)
        .last.locator(".key")
        .filter(has_text=re.compile(f"^{re.escape(label)}$"))
        .first.click()
    )


async def skip_to_the_review(person: Locator) -> None:
    """I'd rather not on every question (the first choice where it cannot be skipped)."""
    while True:
        await expect(bot_messages(person).last.locator(".key").first).to_be_visible()
        labels = await bot_messages(person).last.locator(".key").all_inner_texts()
        if "📨 Envoyer à Séverine" in labels:
            return
        before = await bot_messages(person).count()
        await press(person, SKIP if SKIP in labels else labels[0])
        await expect(bot_messages(person)).not_to_have_count(before)


async def open_link_as(browser: Browser, pane: Locator, chat_id: int) -> None:
    await pane.locator(".msg.bot a.start-link").last.click()
    await browser.page.locator(f'#open-dialog .choice[data-chat="{chat_id}"]').click()


async def open_link_as_new_person(browser: Browser, pane: Locator, name: str) -> Locator:
    await pane.locator(".msg.bot a.start-link").last.click()
    dialog = browser.page.locator("#open-dialog")
    await dialog.locator('input[name="name"]').fill(name)
    await dialog.locator('select[name="language"]').select_option("fr")
    panes = browser.page.locator(".pane")
    count = await panes.count()
    await dialog.locator('button[value="new"]').click()
    await expect(panes).to_have_count(count + 1)  # the new person's chat, added after the click
    person = browser.pane(max(browser.sandbox.participants))
    await expect(person).to_be_visible()
    return person


async def bring_a_worker(browser: Browser) -> Locator:
    coordinator, worker = browser.pane(COORDINATOR_ID), browser.pane(WORKER_ID)
    await coordinator.locator(".menu-button").click()
    await coordinator.locator(".command-item", has_text="/newworker").click()
    await expect(bot_messages(coordinator).last).to_contain_text(
        "nouveau membre de l'équipe sociale"
    )
    await open_link_as(browser, coordinator, WORKER_ID)
    await expect(bot_messages(worker).last).to_contain_text("Bienvenue dans Escale, Séverine")
    return worker


async def invite(browser: Browser, worker: Locator, name: str, label: str = "Léa") -> Locator:
    await type_in(worker, f"/invite {label}")
    await expect(worker.locator(".msg.bot img.photo")).to_have_count(1)
    person = await open_link_as_new_person(browser, worker, name)
    await expect(bot_messages(person).last).to_contain_text("vous invite à utiliser Escale")
    return person


async def test_the_whole_story_by_clicking(browser: Browser) -> None:
    page = browser.page
    worker = await bring_a_worker(browser)
    await expect(browser.pane(COORDINATOR_ID)).to_contain_text("Séverine a ouvert votre lien")

    await type_in(worker, "/invite Léa")
    qr = worker.locator(".msg.bot img.photo")
    await expect(qr).to_have_count(1)
    width = await qr.evaluate("image => image.complete ? image.naturalWidth : 0")
    assert width > 100, "the QR code is drawn"

    lea = await open_link_as_new_person(browser, worker, "Léa")
    await expect(lea.locator(".owner-name")).to_have_text("Léa")
    await press(lea, "Je suis d'accord")
    await expect(worker).to_contain_text("a accepté votre invitation")

    await press(lea, "📝 Préparer mon rendez-vous")
    await expect(bot_messages(lea).last).to_contain_text("Question 1 sur")
    await type_in(lea, "Le loyer a augmenté")  # one free text
    await expect(lea.locator(".msg.me").last).to_have_text(re.compile("^Le loyer a augmenté"))
    await expect(bot_messages(lea).last).to_contain_text("C'est un problème pour qui ?")
    await press(lea, "Pour moi")  # one button
    await expect(bot_messages(lea).last).to_contain_text("Question 3")
    await press(lea, SKIP)  # one skip
    await expect(bot_messages(lea).last).to_contain_text("Qu'est-ce qui vous bloque en premier ?")
    await press(lea, "« Retour")  # one back
    await expect(bot_messages(lea).last).to_contain_text("qu'est-ce qui changerait ?")
    await skip_to_the_review(lea)
    await expect(bot_messages(lea).last).to_contain_text(
        "Voici ce que la personne qui vous accompagne va lire"
    )

    await press(
        lea, "🙈 Cacher : Mon problème aujourd'hui"
    )  # the first answer: the problem, hidden at the review
    await expect(bot_messages(lea).last).to_contain_text("Caché : Mon problème aujourd'hui")
    await press(lea, "📨 Envoyer à Séverine")
    brief = worker.locator(".msg.bot", has_text=re.compile("Préparation de \u2068?Léa"))
    await expect(brief).to_have_count(1)
    await expect(brief.locator("b").first).to_be_visible()  # the brief's HTML formatting
    assert "Le loyer a augmenté" not in await brief.inner_text(), "a hidden answer stays hidden"
    await expect(brief).to_contain_text("Pour moi")
    await expect(brief).to_contain_text("Pas abordé")
    if os.environ.get("ESCALE_UPDATE_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))

    await press(worker, "✓ Je l'ai lu")
    await expect(bot_messages(lea).last).to_contain_text("Séverine a lu votre préparation")
    await expect(brief.locator(".key", has_text="Je l'ai lu")).to_have_count(0)

    await type_in(worker, "/meeting")
    await press(worker, "Léa")
    await type_in(worker, "jeudi 14h")
    await expect(bot_messages(worker).last).to_contain_text("jeudi 26 novembre à 14:00")
    await press(worker, "✔ Oui")
    await expect(bot_messages(lea).last).to_contain_text("Séverine a fixé votre prochain")

    await page.locator('button[data-step="next"]').click()  # time travel
    await expect(page.locator("#clock")).to_contain_text("mardi")
    await expect(bot_messages(lea).last).to_contain_text("Vous voulez le préparer maintenant ?")
    assert browser.alerts == []


async def test_html_in_names_and_answers_shows_as_text(browser: Browser) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    worker = await bring_a_worker(browser)
    person = await invite(browser, worker, hostile, label="<b>Léa</b>")
    await expect(person.locator(".owner-name")).to_have_text(hostile)
    await press(person, "Je suis d'accord")
    notice = worker.locator(".msg.bot", has_text="a accepté votre invitation")
    await expect(notice).to_contain_text(hostile)
    await press(person, "📝 Préparer mon rendez-vous")
    await type_in(person, "<script>alert(2)</script> & <b>gras</b>")
    await expect(person.locator(".msg.me").last).to_contain_text("<script>alert(2)</script>")
    await expect(bot_messages(person).last).to_contain_text("C'est un problème pour qui ?")
    assert await browser.page.locator('img[src="x"], .msg script, .msg.me b').count() == 0
    assert browser.alerts == []


async def test_a_persons_menu_never_shows_worker_commands(browser: Browser) -> None:
    worker = await bring_a_worker(browser)
    person = await invite(browser, worker, "Léa")
    await press(person, "Je suis d'accord")
    await expect(person.locator(".command-item", has_text="/prepare")).to_have_count(1)
    person_menu = await person.locator(".command-item b").all_inner_texts()
    for command in ("/invite", "/people", "/history", "/newworker", "/workers"):
        assert command not in person_menu
    await expect(worker.locator(".command-item", has_text="/invite")).to_have_count(1)
    await person.locator(".menu-button").click()
    await person.locator(".command-item", has_text="/privacy").click()
    await expect(person.locator(".msg.me").last).to_have_text(re.compile("^/privacy"))
    await expect(bot_messages(person).last).to_contain_text("Escale")


async def test_start_again_wipes_everything(browser: Browser) -> None:
    worker = await bring_a_worker(browser)
    await invite(browser, worker, "Léa")
    database = browser.sandbox.database
    assert database.is_file()
    await browser.page.locator("#start-again").click()
    await expect(browser.page.locator(".pane")).to_have_count(2)
    await expect(browser.pane(COORDINATOR_ID).locator(".msg")).to_have_count(0)
    await expect(browser.pane(COORDINATOR_ID).locator(".empty")).to_be_visible()
    assert FIRST_PERSON_ID not in browser.sandbox.participants
    # Escale forgot Séverine was a worker: /invite is an unknown command for her again.
    worker = browser.pane(WORKER_ID)
    await type_in(worker, "/invite")
    await expect(bot_messages(worker).last).not_to_contain_text("Voici un lien")
    await expect(worker.locator("img.photo")).to_have_count(0)
    accounts = await browser.sandbox.services.repo.db.fetchone("SELECT COUNT(*) FROM workers")
    assert accounts is not None and accounts[0] == 0


async def test_a_stale_button_is_said_and_sends_nothing(browser: Browser) -> None:
    worker = await bring_a_worker(browser)
    person = await invite(browser, worker, "Léa")
    other_tab = await browser.new_tab()
    in_other_tab = other_tab.locator(f'.pane[data-chat="{FIRST_PERSON_ID}"] .key')
    await expect(in_other_tab.filter(has_text="Pas maintenant")).to_have_count(1)
    await press(person, "Je suis d'accord")
    await expect(in_other_tab.filter(has_text="Pas maintenant")).to_have_count(0)  # live

    # A page that is behind (its buttons already gone on the server) presses one anyway.
    await press(person, "📝 Préparer mon rendez-vous")
    await expect(bot_messages(person).last).to_contain_text("Question 1 sur")
    skip_message = next(
        m for m in reversed(browser.sandbox.telegram.messages(FIRST_PERSON_ID)) if m.buttons
    )
    skip_message.buttons = []
    updates = len(browser.sandbox.telegram.updates)
    await press(person, SKIP)
    await expect(person.locator(".toast")).to_have_text("Ce bouton n'est plus là.")
    assert len(browser.sandbox.telegram.updates) == updates, "nothing reached Escale"
    await expect(bot_messages(person).last).to_contain_text("Question 1 sur")


async def test_a_reload_shows_the_same_conversation(browser: Browser) -> None:
    worker = await bring_a_worker(browser)
    await invite(browser, worker, "Léa")
    panes = browser.page.locator(".pane")
    before = [await pane.inner_text() for pane in await panes.all()]
    menus = await browser.page.locator(".command-item b").all_inner_texts()
    await browser.page.reload()
    await browser.page.wait_for_selector("body.ready")
    await expect(panes).to_have_count(3)
    after = [await pane.inner_text() for pane in await panes.all()]
    assert after == before
    assert await browser.page.locator(".command-item b").all_inner_texts() == menus


async def test_the_sample_voice_note_plays_and_documents_download(browser: Browser) -> None:
    worker = await bring_a_worker(browser)
    person = await invite(browser, worker, "Léa")
    await press(person, "Je suis d'accord")
    await press(person, "📝 Préparer mon rendez-vous")
    await person.locator(".composer .sample").click()
    voice = person.locator(".msg.me .voice audio")
    await expect(voice).to_have_count(1)
    seconds = await voice.evaluate(
        """audio => new Promise((done) => {
             if (audio.readyState >= 1) return done(audio.duration);
             audio.addEventListener("loadedmetadata", () => done(audio.duration));
             audio.addEventListener("error", () => done(-1));
             audio.load();
           })"""
    )
    assert 5 < seconds < 8, "the shipped sample is a real, playable recording"
    await expect(bot_messages(person).last).to_contain_text("C'est un problème pour qui ?")

    await type_in(person, "/mydata")
    document = person.locator(".msg.bot .document a.doc-name", has_text=".json")
    await expect(document).to_have_count(1)
    async with browser.page.expect_download() as download_info:
        await document.click()
    download = await download_info.value
    assert "Léa" in json.dumps(_json_file(Path(await download.path())), ensure_ascii=False)


def _json_file(path: Path) -> object:
    return json.loads(path.read_text("utf-8"))


async def test_a_recorded_voice_answer_reaches_the_worker(browser: Browser) -> None:
    worker = await bring_a_worker(browser)
    person = await invite(browser, worker, "Léa")
    await press(person, "Je suis d'accord")
    await press(person, "📝 Préparer mon rendez-vous")
    await expect(bot_messages(person).last).to_contain_text("Question 1 sur")
    record = person.locator(".composer .record")
    await record.click()
    await expect(record).to_have_class(re.compile("recording"))
    await record.click()  # stop: the recording is sent as a voice note
    await expect(person.locator(".msg.me .voice")).to_have_count(1)
    await expect(bot_messages(person).last).to_contain_text("C'est un problème pour qui ?")
    await skip_to_the_review(person)
    await press(person, "📨 Envoyer à Séverine")
    voice = worker.locator(".msg.bot .voice audio")
    await expect(voice).to_have_count(1)
    status = await voice.evaluate("audio => fetch(audio.src).then((reply) => reply.status)")
    assert status == 200
