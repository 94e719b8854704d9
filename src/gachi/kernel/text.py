"""Text people type that others will read: names and reasons shown on public pages, in
reports and in spreadsheets.

Refused rather than silently cleaned, so the person knows: control characters (a spreadsheet
refuses them, a terminal obeys them), format characters that turn text around (U+202E) or hide
in it (U+200B), and — for text that must say something — text made only of characters that show
nothing (spaces, U+3164 HANGUL FILLER, U+2800 BRAILLE PATTERN BLANK).
"""

from __future__ import annotations

import unicodedata

from gachi.errors import Issue

# Letters and symbols by their category, yet drawn as nothing.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
_LINE_BREAKS = frozenset("\n\r\t")


def normalised(raw: str | None) -> str:
    """`raw` NFC-normalised and trimmed of surrounding white space."""
    return unicodedata.normalize("NFC", raw or "").strip()


def is_hidden(ch: str, *, multiline: bool = False) -> bool:
    """Whether `ch` is a control or format character (line breaks and tabs allowed when
    `multiline`): the one test every text others read is held to."""
    if multiline and ch in _LINE_BREAKS:
        return False
    return unicodedata.category(ch)[0] == "C"


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def hidden_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control and format characters of `text` as `U+202E` (line breaks and tabs allowed
    when `multiline`); empty when it has none."""
    found = []
    for ch in text:
        if is_hidden(ch, multiline=multiline) and code_point(ch) not in found:
            found.append(code_point(ch))
    return found


def shows_nothing(text: str) -> bool:
    """Whether `text` would look empty on a page (only spaces, format or blank-looking
    characters)."""
    return all(
        ch.isspace() or ch in _BLANK_LOOKING or unicodedata.category(ch)[0] == "C" for ch in text
    )


def hidden_issue(text: str, field: str, *, multiline: bool = False) -> Issue | None:
    """The issue to report when `text` (of form field `field`) has hidden characters."""
    hidden = hidden_characters(text, multiline=multiline)
    if not hidden:
        return None
    return Issue("text.hidden-characters", {"field": field, "chars": ", ".join(hidden)})
