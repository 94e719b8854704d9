"""What each value-map reader (table or YAML) hands over: raw cells with where they were found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gachi.engine.sroi_fields import SETTING_FIELDS, Field
from gachi.errors import Issue, Location

_SHOWN = 60  # characters of a refused value quoted back in a message


@dataclass
class RawRow:
    """One outcome's raw values with where each was found; `at` is the whole row or mapping."""

    at: Location
    cells: dict[str, tuple[Any, Location]] = field(default_factory=dict)


@dataclass
class RawMap:
    """Map-level values gathered from a file and the caller, with their places."""

    name: str
    currency: tuple[Any, Location] | None = None
    investment: list[tuple[Any, Location]] = field(default_factory=list)
    discount_rate: tuple[Any, Location] | None = None
    discount_first_year: tuple[Any, Location] | None = None


def given(cell: tuple[Any, Location] | None) -> bool:
    """Whether a cell holds something other than nothing or blanks."""
    return cell is not None and cell[0] is not None and str(cell[0]).strip() != ""


def parse_cell(spec: Field, value: Any, where: Location, issues: list[Issue]) -> Any:
    """The parsed value, or None after recording why it could not be read."""
    try:
        return spec.parse(value)
    except ValueError as ex:
        # The parsers raise subclasses with their own code for commas and non-finite numbers.
        code = getattr(ex, "code", spec.error)
        shown = str(value)
        if len(shown) > _SHOWN:
            shown = shown[: _SHOWN - 1] + "…"
        issues.append(Issue(code, {"field": where.field or spec.name, "value": shown}, where))
        return None


def set_meta(meta: RawMap, key: str, value: Any, where: Location, issues: list[Issue]) -> None:
    """Record a map-level setting other than the investment."""
    if key == "name":
        name = parse_cell(SETTING_FIELDS["name"], value, where, issues)
        if name:
            meta.name = name
    else:  # currency, discount_rate, discount_first_year: read once everything is gathered
        setattr(meta, key, (value, where))
