"""Physical and money units for dimensional analysis of formulas.

A unit is a product of base atoms with integer exponents and a scale relative to them:
``MWh`` is ``kWh`` with scale 1000, ``KRW/tCO2e`` is ``KRW¹·tCO2e⁻¹``. Currencies are atoms of
their own: KRW and USD never cancel — money converts only through an exchange-rate table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from gachi.errors import InvalidInput
from gachi.kernel.i18n import Lang, message_codes, t

CURRENCIES: tuple[str, ...] = ("KRW", "USD", "EUR", "GBP", "JPY")

# name -> (base atom, factor to the base). A base atom maps to itself with factor 1.
_ATOMS: dict[str, tuple[str, float]] = {c: (c, 1.0) for c in CURRENCIES}
_ATOMS.update(
    {
        # people and things counted
        "person": ("person", 1.0),
        "household": ("household", 1.0),
        "organisation": ("organisation", 1.0),
        "case": ("case", 1.0),
        "item": ("item", 1.0),
        "job": ("job", 1.0),
        "session": ("session", 1.0),
        "visit": ("visit", 1.0),
        "call": ("call", 1.0),
        "alert": ("alert", 1.0),
        "device": ("device", 1.0),
        # time
        "hour": ("hour", 1.0),
        "minute": ("hour", 1.0 / 60.0),
        "year": ("year", 1.0),
        "month": ("year", 1.0 / 12.0),
        # energy and emissions
        "kWh": ("kWh", 1.0),
        "MWh": ("kWh", 1e3),
        "GWh": ("kWh", 1e6),
        "tCO2e": ("tCO2e", 1.0),
        "kgCO2e": ("tCO2e", 1e-3),
        # mass, length, area, volume
        "t": ("t", 1.0),
        "kg": ("t", 1e-3),
        "km": ("km", 1.0),
        "m": ("km", 1e-3),
        "m2": ("m2", 1.0),
        "L": ("L", 1.0),
        "m3": ("L", 1e3),
        # dimensionless
        "1": ("1", 1.0),
        "%": ("1", 0.01),
    }
)
_ALIASES: dict[str, str] = {
    "persons": "person",
    "people": "person",
    "명": "person",
    "인": "person",
    "households": "household",
    "가구": "household",
    "cases": "case",
    "건": "case",
    "items": "item",
    "개": "item",
    "jobs": "job",
    "sessions": "session",
    "회": "session",
    "visits": "visit",
    "calls": "call",
    "alerts": "alert",
    "devices": "device",
    "대": "device",
    "hours": "hour",
    "h": "hour",
    "시간": "hour",
    "minutes": "minute",
    "min": "minute",
    "분": "minute",
    "years": "year",
    "yr": "year",
    "년": "year",
    "months": "month",
    "개월": "month",
    "원": "KRW",
    "₩": "KRW",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "tCO2": "tCO2e",
    "kgCO2": "kgCO2e",
    "tonne": "t",
    "tonnes": "t",
    "ton": "t",
    "톤": "t",
    "litre": "L",
    "liter": "L",
    "l": "L",
}

_TOKEN = re.compile(r"\s*(?:(?P<op>[*/·()])|(?P<pow>\^\s*-?\d+)|(?P<atom>[^\s*/·()^]+))")


@dataclass(frozen=True, slots=True)
class Unit:
    """Exponents of base atoms (sorted, no zeros) and a scale factor to those atoms."""

    dims: tuple[tuple[str, int], ...] = ()
    scale: float = 1.0

    @property
    def dimensionless(self) -> bool:
        return not self.dims

    @property
    def currency(self) -> str | None:
        """The one currency in the numerator, if any (``KRW/tCO2e`` -> ``KRW``)."""
        money = [a for a, e in self.dims if a in CURRENCIES and e == 1]
        return money[0] if len(money) == 1 else None

    def same_dims(self, other: Unit) -> bool:
        return self.dims == other.dims

    def __mul__(self, other: Unit) -> Unit:
        return _combine(self, other, 1)

    def __truediv__(self, other: Unit) -> Unit:
        return _combine(self, other, -1)

    def __pow__(self, n: int) -> Unit:
        if n == 0:
            return DIMENSIONLESS
        return Unit(tuple((a, e * n) for a, e in self.dims), self.scale**n)

    def base(self) -> Unit:
        return Unit(self.dims, 1.0)

    def with_currency(self, currency: str) -> Unit:
        """The same unit with its currency atom replaced (``USD/t`` -> ``KRW/t``)."""
        old = self.currency
        if old is None:
            return self
        exps = dict(self.dims)
        e = exps.pop(old)
        exps[currency] = exps.get(currency, 0) + e
        return Unit(_norm(exps), self.scale)

    def __str__(self) -> str:
        if not self.dims:
            return "1"
        num = [_fmt(a, e) for a, e in self.dims if e > 0]
        den = [_fmt(a, -e) for a, e in self.dims if e < 0]
        top = "·".join(num) or "1"
        if not den:
            return top
        bottom = den[0] if len(den) == 1 else "(" + "·".join(den) + ")"
        return f"{top}/{bottom}"


DIMENSIONLESS = Unit()


def _fmt(atom: str, e: int) -> str:
    return atom if e == 1 else f"{atom}^{e}"


def _norm(exps: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((a, e) for a, e in exps.items() if e != 0 and a != "1"))


def _combine(a: Unit, b: Unit, sign: int) -> Unit:
    exps = dict(a.dims)
    for atom, e in b.dims:
        exps[atom] = exps.get(atom, 0) + sign * e
    return Unit(_norm(exps), a.scale * (b.scale if sign > 0 else 1.0 / b.scale))


def known_atoms() -> list[str]:
    return sorted(_ATOMS)


@cache
def parse_unit(text: str) -> Unit:
    """Parse ``KRW/tCO2e``, ``KRW/(person·hour)``, ``MWh``, ``명``, ``%`` or ``1``.

    Raises `InvalidInput` with code ``unit.unknown`` or ``unit.syntax``.
    """
    src = text.strip()
    if not src:
        raise InvalidInput("unit.syntax", unit=text)
    pos = 0
    tokens: list[tuple[str, str]] = []
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if m is None or m.end() == pos:
            raise InvalidInput("unit.syntax", unit=text)
        pos = m.end()
        kind = m.lastgroup
        assert kind is not None
        tokens.append((kind, m.group(kind).replace(" ", "")))
    unit, rest = _parse_product(tokens, text)
    if rest:
        raise InvalidInput("unit.syntax", unit=text)
    if not math.isfinite(unit.scale) or unit.scale == 0:
        raise InvalidInput("unit.syntax", unit=text)
    return unit


def _parse_product(tokens: list[tuple[str, str]], text: str) -> tuple[Unit, list[tuple[str, str]]]:
    unit, tokens = _parse_factor(tokens, text)
    while tokens and tokens[0][1] in ("*", "·", "/"):
        op = tokens[0][1]
        right, tokens = _parse_factor(tokens[1:], text)
        unit = unit / right if op == "/" else unit * right
    return unit, tokens


def _parse_factor(tokens: list[tuple[str, str]], text: str) -> tuple[Unit, list[tuple[str, str]]]:
    if not tokens:
        raise InvalidInput("unit.syntax", unit=text)
    kind, value = tokens[0]
    if value == "(":
        unit, rest = _parse_product(tokens[1:], text)
        if not rest or rest[0][1] != ")":
            raise InvalidInput("unit.syntax", unit=text)
        tokens = rest[1:]
    elif kind == "atom":
        unit = _atom(value, text)
        tokens = tokens[1:]
    else:
        raise InvalidInput("unit.syntax", unit=text)
    if tokens and tokens[0][0] == "pow":
        power = int(tokens[0][1][1:])
        if not -12 <= power <= 12:
            raise InvalidInput("unit.syntax", unit=text)
        unit = unit**power
        tokens = tokens[1:]
    return unit, tokens


def _atom(name: str, text: str) -> Unit:
    key = _ALIASES.get(name, name)
    if key not in _ATOMS:
        raise InvalidInput("unit.unknown", unit=text, atom=name, known=", ".join(known_atoms()))
    base, factor = _ATOMS[key]
    return Unit(_norm({base: 1}), factor)


# ---- display ------------------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def unit_label(unit: str, lang: Lang) -> str:
    """`unit` as a reader of `lang` reads it after a number: in Korean, counted things, time and
    currencies by their Korean names (``KRW/hour`` → ``원/시간``, ``minute/case`` → ``분/건``),
    SI and scientific units as they are (``tCO2e/MWh``); ``""`` for the dimensionless ``1``.
    Text that is not a unit is returned as written (a label never fails)."""
    text = unit.strip()
    if text in ("", "1"):
        return ""
    try:
        parse_unit(text)
    except InvalidInput:
        return unit
    known = message_codes()
    out: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None  # the unit parsed
        pos = m.end()
        kind = m.lastgroup
        piece = m.group(kind or 0).replace(" ", "")
        if kind == "op":
            out.append("·" if piece == "*" else piece)
        elif kind == "pow":
            out.append(piece[1:].translate(_SUPERSCRIPT))
        else:
            code = f"unit.{_ALIASES.get(piece, piece)}"
            out.append(t(code, lang) if code in known else piece)
    return "".join(out)
