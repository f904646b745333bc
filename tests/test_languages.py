"""Every catalog in locales/ carries a whole first preparation, each side in its own language."""

from __future__ import annotations

import pytest

from bot.core.i18n import LOCALES_DIR
from bot.preparation.views import sent
from tests.conftest import Escale
from tests.journeys import make_worker
from tests.walk import ANSWER, Reading, first_preparation, join

LANGUAGES = sorted(p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_whole_preparation_in_each_language(escale: Escale, language: str) -> None:
    services = escale.app.bot_data.services
    worker_language = "en" if language != "en" else "fr"
    person_t, worker_t = services.catalogs.get(language), services.catalogs.get(worker_language)
    worker = await make_worker(escale, "Séverine Durin", worker_language)
    reading = Reading()
    person = await join(escale, worker, language, reading)
    await first_preparation(person, reading)
    problem = services.dialogue.step("problem")
    assert problem is not None, "the dialogue has its problem step"
    review = "\n".join(reading.seen[i] for i in sorted(reading.review_ids))
    assert person_t._(problem.label) in review  # the person reads their own language
    assert ANSWER in review
    assert person.last.text == sent(person_t, "Séverine Durin").text  # in their language too
    await escale.deliveries()
    briefs = [m.text for m in worker.messages if "ESC-" in m.text and m.kind == "text"]
    assert briefs, "the worker received the brief"
    assert worker_t._(problem.label) in briefs[0]  # the worker reads theirs
    assert ANSWER in briefs[0]  # and the person's words, untouched
