"""Languages: gettext catalogs loaded with Babel, choosing a user's language, dates in words."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"


class CatalogError(Exception):
    """A language Escale is configured for cannot be loaded."""


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the language is known."""
    return message


FSI, PDI = "\u2068", "\u2069"  # first-strong isolate, pop directional isolate


class Isolating(str):
    """A right-to-left message: each value `format` inserts is wrapped in Unicode isolates, so a
    Latin name, a number, a date or a reference (`ESC-00042`) keeps its own direction and the
    sentence around it reads in the right order."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        return str.format(
            self,
            *(isolate(a) for a in args),
            **{key: isolate(value) for key, value in kwargs.items()},
        )


class IsolatingRtlValues(str):
    """A left-to-right message: only values written right to left (an Arabic name in a French
    sentence) are isolated; every other value is inserted as it is."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        return str.format(
            self,
            *(_isolate_rtl(a) for a in args),
            **{key: _isolate_rtl(value) for key, value in kwargs.items()},
        )


def _isolate_rtl(value: object) -> object:
    text = str(value) if isinstance(value, str) else None
    if text and any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return isolate(text)
    return value


def isolate(value: object) -> str:
    """`value` between FSI and PDI; empty stays empty."""
    text = str(value)
    if not text or (text.startswith(FSI) and text.endswith(PDI)):  # empty, or set apart already
        return text
    return f"{FSI}{text}{PDI}"


@cache
def is_rtl(language: str) -> bool:
    return Locale.parse(language).character_order == "right-to-left"


@dataclass(frozen=True)
class Translator:
    """One language's gettext functions and date formatting, in the service's time zone."""

    language: str
    translations: Translations
    timezone: ZoneInfo

    @property
    def rtl(self) -> bool:
        return is_rtl(self.language)

    def _(self, message: str) -> str:
        text = self.translations.gettext(message)
        return Isolating(text) if self.rtl else IsolatingRtlValues(text)

    def n_(self, singular: str, plural: str, count: int) -> str:
        text = self.translations.ngettext(singular, plural, count)
        return Isolating(text) if self.rtl else IsolatingRtlValues(text)

    def date(self, moment: datetime) -> str:
        """`mardi 3 décembre` / `Tuesday 3 December`, in the service's time zone."""
        return format_date(moment.astimezone(self.timezone), "EEEE d MMMM", locale=self.language)

    def month(self, month: str) -> str:
        """`2026-11` as `novembre 2026` / `November 2026`."""
        year, number = (int(part) for part in month.split("-"))
        return format_date(date(year, number, 1), "LLLL yyyy", locale=self.language)

    def time(self, moment: datetime) -> str:
        """`10:00`, in the service's time zone."""
        return format_time(moment.astimezone(self.timezone), "HH:mm", locale=self.language)

    def date_time(self, moment: datetime) -> str:
        """`mardi 3 décembre à 10:00` / `Tuesday 3 December at 10:00`."""
        return self._("{date} at {time}").format(date=self.date(moment), time=self.time(moment))


class Catalogs:
    """Every language found in `locales/`, each checked to load, and the default among them."""

    def __init__(self, default: str, timezone: ZoneInfo, locales_dir: Path = LOCALES_DIR):
        self.default = default
        self._translators: dict[str, Translator] = {}
        languages = sorted(
            p.name for p in locales_dir.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
        )
        for language in languages:
            mo = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
            translations = Translations.load(str(locales_dir), [language], DOMAIN)
            if not mo.is_file() or not isinstance(translations, Translations):
                raise CatalogError(
                    f"the {language!r} catalog is not compiled ({mo} is missing): "
                    "run `make locales` (pybabel compile -d locales)"
                )
            self._translators[language] = Translator(language, translations, timezone)
        if default not in self._translators:
            raise CatalogError(
                f"ESCALE_DEFAULT_LOCALE is {default!r} but Escale has no catalog for it "
                f"(available: {', '.join(languages) or 'none'})"
            )

    @property
    def languages(self) -> list[str]:
        return list(self._translators)

    def get(self, language: str) -> Translator:
        return self._translators.get(language) or self._translators[self.default]

    def resolve(self, chosen: str | None, telegram_code: str | None) -> str:
        """The user's own choice, else their Telegram language if Escale has it, else default."""
        if chosen in self._translators:
            return chosen
        closest = self.closest(telegram_code) if telegram_code else None
        return closest or self.default

    def closest(self, code: str) -> str | None:
        """The catalog nearest to a language code such as `pt-BR`, `nl-BE` or `fr_be`: the same
        language and region, else the language alone, else the language in another region."""
        parts = code.replace("-", "_").split("_")
        primary = parts[0].lower()
        if not primary:
            return None
        wanted = [f"{primary}_{parts[1].upper()}"] if len(parts) > 1 and parts[1] else []
        for candidate in [*wanted, primary]:
            if candidate in self._translators:
                return candidate
        regional = sorted(lang for lang in self._translators if lang.split("_")[0] == primary)
        return regional[0] if regional else None

    def native_name(self, language: str) -> str:
        """A language's name in itself (`Français`, `English`), for the language buttons."""
        name = Locale.parse(language).get_display_name(language) or language
        return name[:1].upper() + name[1:]
