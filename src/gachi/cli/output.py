"""Shared CLI output: consoles, money cells, safe spreadsheet cells, progress."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from gachi.kernel.i18n import current_lang
from gachi.kernel.money import format_money

out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def money(value: float | None, currency: str) -> str:
    return "—" if value is None else format_money(value, currency, lang=current_lang())


@contextmanager
def progress(description: str) -> Iterator[Any]:
    """A spinner with elapsed time on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield lambda _text: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(description)
        yield lambda text: bar.update(task, description=text)
