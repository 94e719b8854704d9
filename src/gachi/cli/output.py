"""Shared CLI output: consoles, money cells, safe spreadsheet cells, progress."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from gachi.engine.uncertainty import Assumption
from gachi.kernel.cells import safe_cell
from gachi.kernel.i18n import current_lang, t
from gachi.kernel.money import format_money

out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def assumptions_table(
    assumptions: Sequence[Assumption], currency: str, title: str | None = None
) -> Table:
    """The tornado as a table: each uncertain assumption, its share of the variance and the
    total with it at its P5 and at its P95 (the others at their estimates)."""
    table = Table(
        t("report.assumption"),
        t("report.distribution"),
        t("report.share"),
        t("report.total-at-p5"),
        t("report.total-at-p95"),
        t("report.used-by"),
        title=title or t("report.chart-tornado"),
    )
    for a in assumptions:
        table.add_row(
            Text(a.label),
            a.distribution,
            f"{a.share * 100:.0f}%",
            money(a.total_at_p5, currency),
            money(a.total_at_p95, currency),
            Text(", ".join(a.used_by)),
        )
    return table


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


__all__ = ["assumptions_table", "err", "money", "out", "progress", "safe_cell"]
