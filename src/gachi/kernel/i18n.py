"""Message catalogue: every text a person reads is looked up by a stable code, in Korean or English.

The catalogue is every ``locale/*.yaml`` file of the package merged; a code defined twice is a bug.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from functools import cache
from importlib import resources
from string import Formatter
from typing import Any, Literal, cast

import yaml

Lang = Literal["ko", "en"]
LANGS: tuple[Lang, ...] = ("ko", "en")

_current: ContextVar[Lang | None] = ContextVar("gachi_lang", default=None)


def default_lang() -> Lang:
    """The language from GACHI_LANG, else Korean (Korean first, English too)."""
    env = os.environ.get("GACHI_LANG", "ko").lower()[:2]
    return env if env in LANGS else "ko"


def current_lang() -> Lang:
    return _current.get() or default_lang()


def set_lang(lang: Lang | None) -> None:
    _current.set(lang)


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files("gachi").joinpath("locale")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        assert isinstance(data, dict)
        clash = merged.keys() & data.keys()
        assert not clash, f"message codes defined twice: {sorted(clash)}"
        merged.update(cast(dict[str, dict[str, str]], data))
    return merged


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@cache
def message_codes() -> frozenset[str]:
    """Every code the catalogue has (`code in message_codes()` asks whether it names one)."""
    return frozenset(_catalogue())


def t(code: str, lang: Lang | None = None, /, **params: Any) -> str:
    """Render message `code` in `lang` (default: the current language) with `params` filled in.

    An unknown code renders as the code itself followed by its parameters, so that a missing
    translation is visible but never crashes the error path.
    """
    entry = _catalogue().get(code)
    if entry is None:
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{code}({detail})" if detail else code
    template = entry.get(lang or current_lang()) or entry.get("en") or code
    return Formatter().vformat(template, (), _Lenient(params))
