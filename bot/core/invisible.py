"""Characters that change how text reads without being seen: bidi controls and zero widths.

One user's text shown to another must not be able to reorder what surrounds it (a right-to-left
override) or pass for another name (a zero-width space inside "Léa"). Names lose every
invisible format character; longer text loses the controls and the invisible spaces but keeps
the joiners that emoji sequences and several scripts need.
"""

from __future__ import annotations

import re
import unicodedata

# Bidirectional controls: marks, embeddings, overrides and isolates (and the Arabic letter mark).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Invisible spaces and joiners that no script needs: zero-width space, word joiner and the
# invisible operators, the byte-order mark, the Mongolian vowel separator.
INVISIBLE_SPACES = "\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\u180e"
_IN_TEXT = re.compile(f"[{BIDI_CONTROLS}{INVISIBLE_SPACES}]")

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


def visible_text(text: str) -> str:
    """`text` without bidi controls or invisible spaces; joiners (emoji, scripts) stay."""
    return _IN_TEXT.sub("", text)


def visible_name(text: str) -> str:
    """A name, label or joker: no invisible format character at all, spaces collapsed."""
    shown = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return " ".join(shown.split())


def isolated(text: str) -> str:
    """`text` set apart, so that a right-to-left name cannot reorder the words around it."""
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"
