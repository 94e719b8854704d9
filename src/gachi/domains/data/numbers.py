"""Numbers and periods as people type them in Korean spreadsheets and forms.

Korean writing uses the comma for thousands and the point for decimals, so `1,234.5` is 1234.5
and a comma is never a decimal mark; spaces inside a number (`1 234`) are ignored. Full-width
digits and signs (`１２３`, `－５`) come from Korean input methods and are folded to ASCII first.
"""

from __future__ import annotations

import math
import re
import unicodedata

from gachi.errors import InvalidInput

# After folding: an optional sign, digits with optional thousands commas, an optional fraction,
# an optional exponent. Nothing else (no units, no words, no "1억").
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?|[+-]?\.\d+")
_MINUS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-"})
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f\u3000]+")
MIN_PERIOD, MAX_PERIOD = 1900, 2200


def parse_number(text: str) -> float:
    """The value of `text` (`1,234.5`, `１２３`, `- 5`, `3.2e4`), else `points.not-a-number`."""
    folded = _SPACES.sub("", unicodedata.normalize("NFKC", text).translate(_MINUS))
    if not _NUMBER.fullmatch(folded):
        raise InvalidInput("points.not-a-number", text=_short(text))
    value = float(folded.replace(",", ""))
    if not math.isfinite(value):
        raise InvalidInput("points.not-a-number", text=_short(text))
    return value


def parse_period(raw: object) -> int:
    """A year (`2024`, `2024.0`, `"2024년"`, `"２０２４"`), else `points.bad-period`."""
    if isinstance(raw, bool):
        raise InvalidInput("points.bad-period", text=str(raw))
    if isinstance(raw, (int, float)):
        year = raw
    else:
        folded = _SPACES.sub("", unicodedata.normalize("NFKC", str(raw)))
        folded = folded.removesuffix("년").removesuffix("年")
        try:
            year = float(folded) if "." in folded else int(folded)
        except ValueError:
            raise InvalidInput("points.bad-period", text=_short(str(raw))) from None
    if not math.isfinite(year) or year != int(year) or not MIN_PERIOD <= year <= MAX_PERIOD:
        raise InvalidInput("points.bad-period", text=_short(str(raw)))
    return int(year)


def edit_text(value: float | None) -> str:
    """A stored value as a form shows it for editing: `68,400`, `1,234.5`, `0.25`."""
    if value is None:
        return ""
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    text = repr(value)
    if "e" in text or "E" in text:
        return text
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}.{frac}"


def plain(value: float) -> int | float:
    """A value as an export writes it: whole numbers without `.0`."""
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("\n", " ").replace("\r", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
