"""Names people read for the codes of indicator definitions — units, licences, distributions —
in Korean or English, from the message catalogue. Pure functions, for pages and reports alike;
a code without a name is shown as written, never an error."""

from __future__ import annotations

import re

from gachi.kernel.i18n import Lang, message_codes, t
from gachi.kernel.units import unit_label

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_CALL = re.compile(r"^\s*(?P<name>[a-z_]+)\s*(?:\((?P<args>.*)\))?\s*$", re.DOTALL)


def licence_label(code: str, lang: Lang) -> str:
    """The licence `code` of a proxy (``CC0-1.0``, ``KOGL-1``, ``facts-only (figure cited, text
    not copied)``) in `lang`; a code the catalogue does not name is returned as written."""
    key = _NOT_WORD.sub("-", code.lower()).strip("-")
    known = message_codes()
    if f"licence.{key}" in known:
        return t(f"licence.{key}", lang)
    # A known licence with a note of its own: `facts-only (table 3 only)`.
    base, sep, note = code.partition("(")
    base_key = _NOT_WORD.sub("-", base.lower()).strip("-")
    if sep and f"licence.{base_key}" in known:
        return f"{t(f'licence.{base_key}', lang)} ({note.rstrip(') ')})"
    return code


def distribution_label(name: str, lang: Lang) -> str:
    """A distribution (``triangular``, ``lognormal``, …) in `lang`, with its parameters if it
    has them as the engine writes them: ``triangular(0.3, 0.5, 0.7)`` → ``삼각분포(0.3, 0.5,
    0.7)``, ``normal(sd=2)`` → ``정규분포(표준편차 2)``."""
    m = _CALL.match(name)
    if m is None or f"distribution.{m['name']}" not in message_codes():
        return name
    label = t(f"distribution.{m['name']}", lang)
    args = m["args"]
    if args is None:
        return label
    # `gsd=` before `sd=`: the one contains the other.
    for param in ("gsd", "sd"):
        args = args.replace(f"{param}=", f"{t(f'distribution.param.{param}', lang)} ")
    return f"{label}({args})"


__all__ = ["distribution_label", "licence_label", "unit_label"]
