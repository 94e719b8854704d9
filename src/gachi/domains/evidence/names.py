"""The name a person gave a file: kept for display and download, never used on disk.

A name is refused, with a message that says why, rather than silently changed: a path in it
(`../../etc/passwd`, `C:\\x\\y.pdf`, `a/b.pdf`) would otherwise turn into a different name without
the person knowing, and control or direction characters (U+202E turns `gpj.exe` around on
screen) make a name show something other than what it is.
"""

from __future__ import annotations

import unicodedata

from gachi.errors import InvalidInput

MAX_NAME = 200
_PATH_CHARS = frozenset("/\\:")  # separators, and the drive or stream colon of Windows


def clean_name(raw: str | None) -> str:
    """`raw` NFC-normalised and trimmed, or `InvalidInput` (field `file`) saying what is wrong."""
    name = unicodedata.normalize("NFC", raw or "").strip()
    if not name:
        raise InvalidInput("evidence.name-empty", field="file")
    shown = _printable(name)
    if any(ch in _PATH_CHARS for ch in name) or name in (".", ".."):
        raise InvalidInput("evidence.name-path", field="file", filename=shown)
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        raise InvalidInput("evidence.name-control", field="file", filename=shown)
    if len(name) > MAX_NAME:
        raise InvalidInput("evidence.name-too-long", field="file", length=len(name), limit=MAX_NAME)
    return name


def _printable(name: str) -> str:
    """The name as a message may show it: control characters as `?`, at most 80 characters."""
    text = "".join("?" if unicodedata.category(ch)[0] == "C" else ch for ch in name)
    return text if len(text) <= 80 else text[:79] + "…"
