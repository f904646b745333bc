"""When a person's two answers can safely be joined into "How can I …, even though …?".

A sentence pasted from someone's words must read as a sentence, or it is not shown at all:
the person is then simply invited to say their question in their own words. The rules are
deliberately narrow, per language: what the person wants must start with a verb ("to …" in
English, an infinitive in French), and what blocks them with a subject ("I …", "je …"). Their
words are never changed (not even their case); only a leading "to" and the final full stop go.
A language without rules here never gets a proposal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Part = Literal["want", "obstacle"]
PARTS: tuple[Part, Part] = ("want", "obstacle")  # in the order of the proposal's placeholders
LONGEST = 150  # characters of one answer in a proposal; longer answers read better apart

_END = re.compile(r"[\s.!…;:,]+$")


@dataclass(frozen=True)
class Rules:
    want: re.Pattern[str]  # group "rest" is what goes into the sentence
    obstacle: re.Pattern[str]


_FRENCH_NOT_VERBS = (
    "mère|père|frère|hier|leur|pour|sur|par|premier|dernier|cher|chère|entre|autre|notre|"
    "votre|contre|noir|soir|espoir|plaisir|loisir|désir|pire|livre|chambre|"
    "lettre|centre|titre|ordre|nombre|dossier|papier|loyer|quartier|métier|"
    "foyer|hiver|cadre|libre|propre|simple|sûr|dur|mur|bonjour|jour|toujours|amour"
)

RULES: dict[str, Rules] = {
    "en": Rules(
        want=re.compile(r"^(?:to|To)\s+(?P<rest>[a-z].*)$", re.DOTALL),
        obstacle=re.compile(
            r"^(?P<rest>(?:I|I'm|I’m|I've|I’ve|I'd|I’d|it|it's|it’s|they|they're|they’re|he|"
            r"she|we|there|you)\s+\S.*)$",
            re.DOTALL,
        ),
    ),
    "fr": Rules(
        want=re.compile(
            rf"^(?P<rest>(?!(?:{_FRENCH_NOT_VERBS})\b)"
            r"(?:(?:ne\s+(?:pas|plus)\s+)?(?:me\s+|m'|m’|se\s+|s'|s’)?)"
            r"[a-zàâäéèêëîïôöùûüç]+(?:er|ir|re|oir)\b.*)$",
            re.DOTALL,
        ),
        obstacle=re.compile(
            r"^(?P<rest>(?:(?:je|il|elle|on|ils|elles|nous|vous|tu|ça|ce)\s+|j'|j’|c'|c’)"
            r"\S.*)$",
            re.DOTALL,
        ),
    ),
}


def clause(language: str, part: Part, text: str) -> str | None:
    """`text` as it sits in the proposal, or None if it would not read as a sentence there."""
    rules = RULES.get(language.split("_")[0])
    text = _END.sub("", text.strip())
    if rules is None or not text or len(text) > LONGEST or "\n" in text or "?" in text:
        return None
    found = (rules.want if part == "want" else rules.obstacle).match(text)
    if found is None:
        return None
    return " ".join(found["rest"].split())
