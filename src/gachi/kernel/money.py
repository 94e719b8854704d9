"""Money: exchange-rate and price-index tables as sourced data, re-basing, Korean display units.

Conversion policy (documented in the README): a proxy in currency C from base year Y is converted
to the report currency at the annual-average rate of year Y, then carried to the report year with
the report currency's consumer price index. Every step names its table and source.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cache
from importlib import resources
from typing import Any

import yaml

from gachi.errors import InvalidInput, MissingRate
from gachi.kernel.units import CURRENCIES


@dataclass(frozen=True)
class Source:
    title: str
    publisher: str | None = None
    url: str | None = None
    licence: str | None = None

    def cite(self) -> str:
        bits = [b for b in (self.publisher, self.title) if b]
        text = ", ".join(bits)
        return f"{text} <{self.url}>" if self.url else text


def _source(raw: Mapping[str, Any] | None) -> Source:
    raw = raw or {}
    return Source(
        title=str(raw.get("title", "")),
        publisher=raw.get("publisher"),
        url=raw.get("url"),
        licence=raw.get("licence"),
    )


@dataclass(frozen=True)
class ExchangeRates:
    """Won per unit of each currency, per year (annual averages)."""

    krw_per_unit: Mapping[int, Mapping[str, float]]
    source: Source = field(default_factory=lambda: Source("user-supplied table"))
    # (year, currency) whose figure the table marks as not confirmed against its source
    provisional: frozenset[tuple[int, str]] = frozenset()

    def rate(self, from_ccy: str, to_ccy: str, year: int) -> float:
        """How many `to_ccy` one `from_ccy` buys in `year` (crossing through KRW)."""
        if from_ccy == to_ccy:
            return 1.0
        row = self.krw_per_unit.get(year)
        for ccy in (from_ccy, to_ccy):
            if ccy == "KRW":
                continue
            if row is None or ccy not in row:
                years = sorted(y for y, r in self.krw_per_unit.items() if ccy in r)
                span = f"{years[0]}–{years[-1]}" if years else "-"
                raise MissingRate("money.missing-rate", currency=ccy, year=year, years=span)
        assert row is not None or "KRW" in (from_ccy, to_ccy)
        frm = 1.0 if from_ccy == "KRW" else row[from_ccy]  # type: ignore[index]
        to = 1.0 if to_ccy == "KRW" else row[to_ccy]  # type: ignore[index]
        return frm / to


@dataclass(frozen=True)
class PriceIndex:
    """A consumer price index for one currency area, per year."""

    currency: str
    index: Mapping[int, float]
    base_year: int = 2020
    source: Source = field(default_factory=lambda: Source("user-supplied table"))
    provisional: frozenset[int] = frozenset()  # years not confirmed against the source

    def factor(self, from_year: int, to_year: int) -> float:
        """Multiply a price of `from_year` by this to express it in `to_year` prices."""
        if from_year == to_year:
            return 1.0
        for y in (from_year, to_year):
            if y not in self.index:
                years = sorted(self.index)
                raise MissingRate(
                    "money.missing-cpi",
                    currency=self.currency,
                    year=y,
                    years=f"{years[0]}–{years[-1]}" if years else "-",
                )
        return self.index[to_year] / self.index[from_year]


@dataclass(frozen=True)
class Rebased:
    """A value carried to another currency and year, with the steps that did it."""

    value: float
    currency: str
    year: int
    fx_rate: float
    cpi_factor: float
    steps: tuple[str, ...]


def rebase(
    value: float,
    currency: str,
    base_year: int,
    *,
    to_currency: str,
    to_year: int,
    rates: ExchangeRates,
    cpi: Mapping[str, PriceIndex] | None,
) -> Rebased:
    """Convert at the base year's rate, then inflate with the target currency's price index.

    `cpi=None` switches price re-basing off (the factor is 1 and the step says so).
    """
    fx = rates.rate(currency, to_currency, base_year)
    steps: list[str] = []
    if currency != to_currency:
        unsure = {(base_year, c) for c in (currency, to_currency)} & rates.provisional
        mark = " [provisional]" if unsure else ""
        steps.append(
            f"{currency}→{to_currency} @ {fx:,.6g} ({base_year} avg{mark}; {rates.source.cite()})"
        )
    factor = 1.0
    if cpi is not None and base_year != to_year:
        index = cpi.get(to_currency)
        if index is None:
            raise MissingRate("money.missing-cpi-table", currency=to_currency)
        factor = index.factor(base_year, to_year)
        mark = " [provisional]" if {base_year, to_year} & index.provisional else ""
        steps.append(f"CPI {base_year}→{to_year} × {factor:.4f}{mark} ({index.source.cite()})")
    return Rebased(value * fx * factor, to_currency, to_year, fx, factor, tuple(steps))


def _load_yaml(name: str) -> dict[str, Any]:
    text = resources.files("gachi").joinpath(f"data/{name}").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@cache
def default_rates() -> ExchangeRates:
    """The shipped annual-average won exchange rates (see data/fx_krw.yaml for the source)."""
    data = _load_yaml("fx_krw.yaml")
    table = {
        int(year): {c: float(v) for c, v in row.items() if c in CURRENCIES and v is not None}
        for year, row in data["rates"].items()
    }
    unsure = frozenset(
        (int(year), c)
        for year, row in (data.get("confirmed") or {}).items()
        for c, ok in row.items()
        if not ok
    )
    return ExchangeRates(table, _source(data.get("source")), unsure)


@cache
def default_price_indices() -> dict[str, PriceIndex]:
    """The shipped consumer price indices (Korea's, base 2020 = 100)."""
    data = _load_yaml("cpi_kr.yaml")
    index = {int(y): float(v) for y, v in data["index"].items() if v is not None}
    unsure = frozenset(int(y) for y, ok in (data.get("confirmed") or {}).items() if not ok)
    base = int(data.get("base_year", 2020))
    return {"KRW": PriceIndex("KRW", index, base, _source(data.get("source")), unsure)}


# --- Korean display units --------------------------------------------------------------------

KOREAN_UNITS: dict[str, int] = {
    "원": 1,
    "만원": 10**4,
    "백만원": 10**6,
    "억원": 10**8,
    "조원": 10**12,
}


def format_krw(amount: float, unit: str = "auto", *, digits: int | None = None) -> str:
    """Format won in Korean units: ``2.11조원``, ``1,234.5억원``, ``3,500만원``, ``-12.0억원``.

    `unit` is one of 원, 만원, 백만원, 억원, 조원 or ``auto``: the largest of 조/억/만 that is at
    least one *after rounding* (99,999,999원 is ``1.0억원``, not ``10,000만원``), with amounts
    under 100만원 in 원 (``15,000원``). Rounding is half away from zero, as people do by hand.
    """
    if not math.isfinite(amount):
        raise InvalidInput("money.not-finite", value=str(amount))
    if unit == "auto":
        unit = _auto_unit(amount, digits)
    if unit not in KOREAN_UNITS:
        raise InvalidInput("money.unknown-unit", unit=unit, known=", ".join(KOREAN_UNITS))
    if digits is None:
        digits = _default_digits(unit)
    rounded = _round(Decimal(repr(amount)) / KOREAN_UNITS[unit], digits)
    return f"{rounded:,.{digits}f}{unit}"


def _round(value: float | Decimal, digits: int) -> Decimal:
    """Half away from zero, exactly, however large the number (a double reaches 1.8e308), and
    never a negative zero."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    with localcontext() as ctx:
        ctx.prec = max(28, exact.adjusted() + digits + 2)
        rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded


_STEPS = ("원", "만원", "억원", "조원")


def _default_digits(unit: str) -> int:
    return {"조원": 2, "억원": 1}.get(unit, 0)


# Below 100만원 amounts show in 원 exactly: "15,000원", not a rounded "2만원".
_FROM = {"만원": 10**6, "억원": 10**8, "조원": 10**12}


def _auto_unit(amount: float, digits: int | None) -> str:
    unit = "원"
    for candidate in _STEPS[1:]:
        if abs(amount) >= _FROM[candidate]:
            unit = candidate
    # Rounding may carry into the next unit: 99,999,999원 shows as 1.0억원.
    while unit != "조원":
        bigger = _STEPS[_STEPS.index(unit) + 1]
        places = _default_digits(unit) if digits is None else digits
        shown = abs(_round(Decimal(repr(amount)) / KOREAN_UNITS[unit], places))
        if shown * KOREAN_UNITS[unit] < _FROM[bigger]:
            break
        unit = bigger
    return unit


def format_krw_english(amount: float) -> str:
    """Won for English readers: ``₩2.11 tn``, ``₩184.2 bn``, ``₩71.0 m``, ``₩15,000``."""
    if not math.isfinite(amount):
        raise InvalidInput("money.not-finite", value=str(amount))
    exact = Decimal(repr(amount))
    for size, suffix, places in ((10**12, "tn", 2), (10**9, "bn", 1), (10**6, "m", 1)):
        shown = _round(exact / size, places)
        if abs(shown) >= 1:  # after rounding: ₩999,999 shows as ₩1.0 m
            return f"{'-' if shown < 0 else ''}₩{abs(shown):,.{places}f} {suffix}"
    shown = _round(exact, 0)
    return f"{'-' if shown < 0 else ''}₩{abs(shown):,.0f}"


def format_money(
    amount: float, currency: str = "KRW", *, korean_units: bool = True, lang: str = "ko"
) -> str:
    """Won in Korean units (or, in English, ₩ with bn/tn); other currencies with their code and
    thousands separators (rounded half away from zero, like won)."""
    amount = float(amount)  # a NumPy scalar's repr is not a decimal number
    if currency == "KRW" and korean_units:
        return format_krw(amount) if lang == "ko" else format_krw_english(amount)
    if not math.isfinite(amount):
        raise InvalidInput("money.not-finite", value=str(amount))
    digits = 0 if currency in ("KRW", "JPY") else 2
    return f"{_round(amount, digits):,.{digits}f} {currency}"


def format_number(value: float, significant: int = 4) -> str:
    """A number for people, never in scientific notation: ``2,980,000``, ``0.4173``, ``0.002``,
    ``1,234.5``; `significant` digits below a thousand, whole numbers above."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}" if size >= 1e5 or value.is_integer() else f"{value:,.1f}"
    digits = max(0, significant - math.floor(math.log10(size)) - 1)
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
