"""Checks of value-map inputs: each problem becomes an `Issue` pointing where the value was read.

Every check appends to `issues` instead of raising, so a value map reports all its problems at
once. `places` maps a field name (or ``investment[2]``) to where that value was read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from gachi.errors import Issue, Location
from gachi.kernel.units import CURRENCIES


def place(places: Mapping[str, Location], name: str) -> Location:
    """Where `name` was read; ``investment[2]`` falls back to ``investment``."""
    base = name.split("[", 1)[0]
    return places.get(name) or places.get(base) or Location(field=name)


def label(places: Mapping[str, Location], name: str) -> str:
    """The heading or key the value was read under, for messages."""
    return place(places, name).field or name


def finite(value: object) -> float | None:
    """The value as a finite float, or None for text, booleans, NaN and infinities."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def check_text(
    value: object, name: str, places: Mapping[str, Location], issues: list[Issue]
) -> None:
    """Non-blank text: a blank is `sroi.empty`, a list or number `sroi.not-text`."""
    if not isinstance(value, str):
        issues.append(Issue("sroi.not-text", {"field": label(places, name)}, place(places, name)))
    elif not value.strip():
        issues.append(Issue("sroi.empty", {"field": label(places, name)}, place(places, name)))


def check_number(
    value: object,
    name: str,
    places: Mapping[str, Location],
    issues: list[Issue],
    *,
    minimum: float | None = None,
) -> None:
    number = finite(value)
    heading = label(places, name)
    if number is None:
        issues.append(
            Issue("sroi.not-number", {"field": heading, "value": str(value)}, place(places, name))
        )
    elif minimum is not None and number < minimum:
        issues.append(
            Issue(
                "sroi.negative", {"field": heading, "value": f"{number:,.10g}"}, place(places, name)
            )
        )


def check_fraction(
    value: object, name: str, places: Mapping[str, Location], issues: list[Issue]
) -> None:
    number = finite(value)
    heading = label(places, name)
    if number is None:
        issues.append(
            Issue("sroi.not-number", {"field": heading, "value": str(value)}, place(places, name))
        )
    elif not 0.0 <= number <= 1.0:
        issues.append(
            Issue(
                "sroi.fraction-range",
                {"field": heading, "value": f"{number * 100:,.6g}%"},
                place(places, name),
            )
        )


def check_currency(
    value: object, name: str, places: Mapping[str, Location], issues: list[Issue]
) -> None:
    if value not in CURRENCIES:
        issues.append(
            Issue(
                "sroi.currency-unknown",
                {
                    "field": label(places, name),
                    "value": str(value),
                    "known": ", ".join(CURRENCIES),
                },
                place(places, name),
            )
        )


def whole_years(
    value: object,
    name: str,
    places: Mapping[str, Location],
    issues: list[Issue],
    code: str,
    minimum: int,
    maximum: int,
) -> int:
    """A whole number of years from `minimum` to `maximum` (3.0 is accepted as 3)."""
    written = shown(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        issues.append(
            Issue(
                code,
                {"field": label(places, name), "value": written, "max": maximum},
                place(places, name),
            )
        )
        return minimum
    return value


def shown(value: object) -> str:
    """A value for a message: big numbers in short scientific form, not hundreds of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"{Decimal(value):.3e}"
    if isinstance(value, float):
        return f"{value:,.10g}"
    return str(value)


def check_ranges(outcome: Any, issues: list[Issue]) -> None:
    """An uncertainty range has both ends, low ≤ estimate ≤ high, and fractions within 0–1."""
    places = outcome.places
    for name in ("quantity", "proxy", "deadweight", "displacement", "attribution", "drop_off"):
        low = getattr(outcome, f"{name}_low")
        high = getattr(outcome, f"{name}_high")
        if low is None and high is None:
            continue
        missing = f"{name}_high" if high is None else f"{name}_low" if low is None else None
        if missing is not None:
            given_end = f"{name}_low" if high is None else f"{name}_high"
            issues.append(
                Issue(
                    "sroi.range-half",
                    {"field": label(places, given_end), "missing": missing},
                    place(places, given_end),
                )
            )
            continue
        for end in (f"{name}_low", f"{name}_high"):
            if name == "quantity":
                check_number(getattr(outcome, end), end, places, issues, minimum=0.0)
            elif name != "proxy":
                check_fraction(getattr(outcome, end), end, places, issues)
            else:
                check_number(getattr(outcome, end), end, places, issues)
        lo, hi, value = finite(low), finite(high), finite(getattr(outcome, name))
        if lo is None or hi is None or value is None:
            continue  # reported as not a number
        if not lo <= value <= hi or lo == hi:
            issues.append(
                Issue(
                    "sroi.range-order",
                    {
                        "field": label(places, name),
                        "low": f"{lo:,.10g}",
                        "value": f"{value:,.10g}",
                        "high": f"{hi:,.10g}",
                    },
                    place(places, f"{name}_low"),
                )
            )
