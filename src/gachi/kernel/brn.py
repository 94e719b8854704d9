"""Korean business registration numbers (사업자등록번호): ten digits, the last a check digit.

The check digit: weights 1 3 7 1 3 7 1 3 5 on the first nine digits, plus ⌊5 × ninth / 10⌋;
the check digit makes the sum a multiple of ten. Every single mistyped digit changes the sum
modulo ten, so it is always caught.
"""

from __future__ import annotations

import unicodedata

from gachi.errors import InvalidInput

_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def check_digit(first_nine: str) -> int:
    """The tenth digit that makes `first_nine` a valid number."""
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True)) + digits[8] * 5 // 10
    return (10 - total % 10) % 10


def parse_brn(text: str) -> str:
    """The ten digits of a business registration number written as `124-81-00998`,
    `1248100998` or with full-width digits and spaces; `InvalidInput` saying why otherwise."""
    normal = unicodedata.normalize("NFKC", str(text))
    digits = "".join(c for c in normal if c not in " -‐–—")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise InvalidInput("brn.format", value=str(text))
    if check_digit(digits[:9]) != int(digits[9]):
        raise InvalidInput("brn.checksum", value=format_brn(digits))
    return digits


def format_brn(digits: str) -> str:
    """`1248100998` → `124-81-00998`."""
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
