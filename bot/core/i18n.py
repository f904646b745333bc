"""Languages: gettext catalogs loaded with Babel, choosing a user's language, dates in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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


@dataclass(frozen=True)
class Translator:
    """One language's gettext functions and date formatting, in the service's time zone."""

    language: str
    translations: Translations
    timezone: ZoneInfo

    def _(self, message: str) -> str:
        return self.translations.gettext(message)

    def n_(self, singular: str, plural: str, count: int) -> str:
        return self.translations.ngettext(singular, plural, count)

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
        if telegram_code:
            primary = telegram_code.replace("_", "-").split("-")[0].lower()
            if primary in self._translators:
                return primary
        return self.default

    def native_name(self, language: str) -> str:
        """A language's name in itself (`Français`, `English`), for the language buttons."""
        name = Locale.parse(language).get_display_name(language) or language
        return name[:1].upper() + name[1:]
