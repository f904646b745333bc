"""Catalogs are complete and compile; languages resolve choice → Telegram → default."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.core.config import PREPARATION
from bot.core.i18n import LOCALES_DIR, CatalogError, Catalogs
from bot.preparation.dialogue.model import load

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "n_": (1, 2), "N_": None}
PARIS = ZoneInfo("Europe/Paris")


def _extracted() -> list[tuple[str, int, str | tuple[str, ...], list[str], str | None]]:
    """What `make extract` finds: babel.cfg's mapping, the dialogue extractor by its entry point."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")  # type: ignore[no-untyped-call]
    return list(
        extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=["Translators:"]
        )
    )


def _source_messages() -> set[str | tuple[str, ...]]:
    return {
        message if isinstance(message, str) else tuple(message)
        for _file, _line, message, _comments, _context in _extracted()
    }


def test_every_text_of_the_dialogue_is_extracted_with_comments_for_translators() -> None:
    dialogue = load(PREPARATION)
    found = {
        (message, line): comments
        for file, line, message, comments, _context in _extracted()
        if Path(file).parts == ("dialogues", "preparation.toml")
    }
    texts = {m for m, _ in found}
    for step in dialogue.steps:
        assert {step.question, *(o.label for o in step.options)} <= texts, step.id
        optional = (step.label, step.hint, step.proposal, step.low_label, step.high_label)
        assert {t for t in optional if t} <= texts, step.id
    jokers = dialogue.step("jokers")
    assert jokers is not None
    question = next(c for (m, _), c in found.items() if m == jokers.question)
    assert question == [
        'Dialogue step "jokers" (jokers): question',
        "A joker is an ally: a person or an organisation that could help.",
    ]
    relation = next(c for (m, _), c in found.items() if m == "My social worker")
    assert relation[0] == 'Dialogue step "jokers" (jokers): relation "worker"'
    lines = PREPARATION.read_text(encoding="utf-8").splitlines()
    for (message, line), _comments in found.items():
        assert str(message).split("\n")[0] in lines[line - 1], (message, line)


def _catalog(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


LANGUAGES = sorted(p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())


def test_french_and_english_are_there() -> None:
    assert {"fr", "en"} <= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_translates_every_string_of_the_code(language: str) -> None:
    catalog = _catalog(language)
    for message in _source_messages():
        key = message if isinstance(message, str) else message[0]
        entry = catalog.get(key)
        assert entry is not None, f"{language}: missing {message!r} (run `make extract`)"
        assert not entry.fuzzy, f"{language}: fuzzy translation of {message!r}"
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string or ())
        assert strings and all(strings), f"{language}: untranslated {message!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_compiles_and_keeps_placeholders(language: str, tmp_path: Path) -> None:
    catalog = _catalog(language)
    assert not list(catalog.check()), f"{language}: {list(catalog.check())}"
    for entry in catalog:
        if not entry.id:
            continue
        ids = [entry.id] if isinstance(entry.id, str) else list(entry.id)
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string or ())
        expected = {part for text in ids for part in _placeholders(text)}
        for text in strings:
            assert _placeholders(text) <= expected, f"{language}: {text!r}"
            assert _placeholders(text) >= _placeholders(ids[0]) - {"count"}, text
    with (tmp_path / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog)


def _placeholders(text: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_language_resolution_order() -> None:
    catalogs = Catalogs("fr", PARIS)
    assert catalogs.resolve("en", "fr") == "en"
    assert catalogs.resolve(None, "en-GB") == "en"
    assert catalogs.resolve(None, "de") == "fr"
    assert catalogs.resolve("xx", None) == "fr"
    assert Catalogs("en", PARIS).resolve(None, None) == "en"


def test_translations_and_dates_follow_the_language() -> None:
    catalogs = Catalogs("fr", PARIS)
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert catalogs.get("fr").date_time(moment) == "mardi 1 décembre à 10:00"
    assert catalogs.get("en").date_time(moment) == "Tuesday 1 December at 10:00"
    assert catalogs.get("fr")._("I agree") == "Je suis d'accord"
    assert catalogs.native_name("fr") == "Français"


def test_a_language_without_catalog_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="ESCALE_DEFAULT_LOCALE"):
        Catalogs("de", PARIS)
    (tmp_path / "it" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "it" / "LC_MESSAGES" / "messages.po").write_text("")
    with pytest.raises(CatalogError, match="not compiled"):
        Catalogs("it", PARIS, locales_dir=tmp_path)


def _locales_with(tmp_path: Path, languages: list[str], translated: dict[str, str]) -> Path:
    """A locales folder whose catalogs translate `translated` alike, one per language code."""
    for language in languages:
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        catalog = Catalog(locale=language)
        for message, text in translated.items():
            catalog.add(message, text)
        (folder / "messages.po").write_text("compiled below")
        with (folder / "messages.mo").open("wb") as mo:
            write_mo(mo, catalog)
    return tmp_path


def test_regional_codes_resolve_to_the_closest_catalog(tmp_path: Path) -> None:
    locales = _locales_with(tmp_path, ["fr", "en", "nl", "pt_BR", "pt_PT"], {})
    catalogs = Catalogs("fr", PARIS, locales_dir=locales)
    assert catalogs.resolve(None, "fr-BE") == "fr"
    assert catalogs.resolve(None, "nl-BE") == "nl"
    assert catalogs.resolve(None, "pt-BR") == "pt_BR"
    assert catalogs.resolve(None, "pt-br") == "pt_BR"
    assert catalogs.resolve(None, "pt_PT") == "pt_PT"
    assert catalogs.resolve(None, "pt") == "pt_BR"  # the language in another region
    assert catalogs.resolve(None, "es-AR") == "fr"
    assert catalogs.resolve(None, "-") == "fr"
    assert (
        catalogs.get("pt_BR")
        .date_time(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
        .startswith("terça-feira")
    )


def test_a_right_to_left_message_isolates_each_inserted_value(tmp_path: Path) -> None:
    message = "{name} has read your preparation ({reference})."
    locales = _locales_with(tmp_path, ["fr", "ar"], {message: "قرأ {name} تحضيرك ({reference})."})
    catalogs = Catalogs("fr", PARIS, locales_dir=locales)
    arabic = catalogs.get("ar")
    assert arabic.rtl and not catalogs.get("fr").rtl
    text = arabic._(message).format(name="Séverine Durin", reference="ESC-00042")
    assert text == "قرأ \u2068Séverine Durin\u2069 تحضيرك (\u2068ESC-00042\u2069)."
    assert arabic.n_("{count} day", "{count} days", 3).format(count=3) == "\u20683\u2069 days"
    # left-to-right messages isolate only what is written right to left
    french = catalogs.get("fr")._("Voice message, just below {name} {n}")
    assert french.format(name="Léa", n=3) == "Voice message, just below Léa 3"
    assert french.format(name="محمد", n=3) == "Voice message, just below \u2068محمد\u2069 3"
    assert "\u2068" not in Catalogs("fr", PARIS).get("en")._("{date} at {time}").format(
        date="Tuesday", time="10:00"
    )
