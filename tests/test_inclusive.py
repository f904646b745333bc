"""The French catalog speaks to everyone: no masculine-only form addresses or names a person."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.core.i18n import LOCALES_DIR

# Forms that assume a man, as they were found in Escale's own French (issue 11), and their kin.
# Each is a pattern over one translated message; see the README ("Adding a language") for the rule.
MASCULINE_ONLY = [
    r"\bêtes-vous (sûr|prêt|certain)\b",
    r"\bvous êtes (maintenant |déjà |bien )?(relié|accompagné|prévenu|parti|arrivé|prêt|sûr|"
    r"inscrit|connecté|informé|invité|arrêté|seul|content|certain|travailleur)\b(?![e·])",
    r"\b(a été|est|sera|est maintenant) (prévenu|relié|invité|informé|averti|parti)\b"
    r"(?![e·])",
    r"\bde nouveau actif\b",
    r"\} est (suspendu|actif)\b",
    r"\bnous nous sommes arrêtés\b",
    r"\bquand vous êtes prêt\b",
    r"\btravailleurs? soci(al|aux)\b",
    r"\b(votre|mon|un|le|au) travailleur\b",
    r"\b(votre|un|le|au|du|vos|les|aux|des) coordinateurs?\b",
    r"\bbienvenu\b(?!e)",
]
WHOLE_MESSAGES = {"Ami", "Élu", "Professionnel", "Mon travailleur social", "actif", "suspendu"}


def _french() -> list[tuple[str, str]]:
    path = LOCALES_DIR / "fr" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po)
    found: list[tuple[str, str]] = []
    for message in catalog:
        if not message.id or "|" in str(message.id):  # words Escale reads, never shows
            continue
        strings = (
            tuple(message.string)
            if isinstance(message.string, tuple | list)
            else (message.string or "",)
        )
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        found.extend((msgid, s) for s in strings if s)
    return found


def masculine_forms(text: str) -> list[str]:
    """The known masculine-only forms in one French message."""
    hits = [m.group(0) for p in MASCULINE_ONLY for m in re.finditer(p, text, re.IGNORECASE)]
    if text.strip() in WHOLE_MESSAGES:
        hits.append(text.strip())
    return hits


@pytest.mark.parametrize(
    "text",
    [
        "Vous êtes maintenant relié à Alice.",
        "Séverine Durin a été prévenu.",
        "Êtes-vous sûr de vouloir tout effacer ?",
        "Il dit seulement que vous êtes parti.",
        "Vous êtes maintenant travailleur social.",
        "Ensuite, {name} ne sera plus travailleur social dans Escale.",
        "Élu",
        "Ami",
        "Professionnel",
        "Demandez-le à votre coordinateur.",
        "Alice est de nouveau actif.",
        "{name} est suspendu.",
    ],
)
def test_the_check_catches_each_known_form(text: str) -> None:
    assert masculine_forms(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Séverine Durin le sait maintenant.",
        "La personne qui vous accompagne",
        "Vous êtes d'accord ?",
        "Ami ou amie",
        "Accès suspendu : Alice.",
        "Quel petit pas pouvez-vous faire à coup sûr ?",
        "Bienvenue dans Escale !",
    ],
)
def test_forms_that_fit_everyone_pass(text: str) -> None:
    assert masculine_forms(text) == []


def test_the_french_catalog_has_no_masculine_only_form() -> None:
    found = {msgid: masculine_forms(text) for msgid, text in _french()}
    assert {msgid: hits for msgid, hits in found.items() if hits} == {}


def test_the_rule_is_written_for_translators() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "without assuming a man" in " ".join(readme.split())
