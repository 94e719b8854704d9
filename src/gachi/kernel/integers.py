"""Whole numbers sent as text: ids in a path, numbers in a query or a form field.

One rule for every route: ASCII digits 0–9 and nothing else (no sign, no space, no `_`, no
superscript ² or digits of another script such as ١ or ５, which `str.isdigit()` accepts and
`int()` then either refuses or reads as a number the person never typed), and a value within a
bound. Python's own `int()` and Pydantic's lax `int` accept '1_000', ' 1', '+1' and '1.0'; an id
is not any of those. Spreadsheet cells are not read here: they are numbers people write, with
signs, separators and decimals.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL: a larger one names nothing


def parse_whole(text: str, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """The number `text` writes in ASCII digits when it lies in `low`…`high`; None otherwise
    (any other character, nothing at all, or out of bounds)."""
    if not text or len(text) > len(str(high)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_id(value: object) -> int | None:
    """The row id `value` names (an int, or text by `parse_whole`) when it is 1…`MAX_ID`, else
    None: services take ids from routes, forms and JSON alike."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_ID else None
    return parse_whole(str(value), low=1)


def _whole(value: Any) -> Any:
    """Pydantic's view of a route's integer parameter: text must be digits only; a number (a
    JSON integer) passes on to the type's own checks. Bounds are the parameter's (`ge`, `le`)
    or, for an id, `MAX_ID`."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        if len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:
            raise PydanticCustomError(
                "less_than_equal", "Input should be less than or equal to {le}", {"le": MAX_ID}
            )
        return int(value)
    raise PydanticCustomError("int_parsing", "Input should be a valid integer")


# An integer path, query or form parameter of a route: `org_id: WholeNumber`, or with bounds
# `Annotated[WholeNumber, Query(ge=1, le=500)]`.
WholeNumber = Annotated[int, BeforeValidator(_whole)]
