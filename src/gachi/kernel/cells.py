"""Spreadsheet cells that stay data: text a spreadsheet would run as a formula is neutralised, and
characters a workbook cannot hold are replaced, so that no name breaks an export."""

from __future__ import annotations

import re
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# The characters XML 1.0 cannot carry, so neither can an XLSX file: the C0 controls but tab, line
# feed and carriage return (openpyxl's ILLEGAL_CHARACTERS_RE, kept here so that the kernel needs
# no spreadsheet library), lone surrogates, and U+FFFE and U+FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def clean_text(text: str) -> str:
    """`text` with every character a workbook (or any XML) cannot hold replaced by U+FFFD."""
    return _ILLEGAL.sub(REPLACEMENT, text)


def reads_as_formula(text: str) -> bool:
    """Whether a spreadsheet would take `text`, typed or imported as CSV, for a formula."""
    return text.startswith(_FORMULA_START)


def safe_cell(value: Any) -> Any:
    """A value for a CSV or XLSX cell: text cleaned of characters a workbook cannot hold, and
    text a spreadsheet would run as a formula neutralised with a leading apostrophe (CSV/XLSX
    injection); numbers and other values stay as they are."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return "'" + text if reads_as_formula(text) else text


def workbook_cell(value: Any) -> tuple[Any, bool]:
    """A value for an XLSX cell written as data, and whether the cell needs the quote-prefix
    style: text that would read as a formula keeps its first character (`-x * y` stays
    readable) and is stored as text, with the style that keeps it text when edited."""
    if not isinstance(value, str):
        return value, False
    text = clean_text(value)
    return text, reads_as_formula(text)
