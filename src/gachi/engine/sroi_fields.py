"""How each value-map field is named (English and Korean headings) and how its cells are read."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gachi.kernel.money import KOREAN_UNITS

# --- cell parsers: each returns the value or raises ValueError --------------------------------


class BadComma(ValueError):
    """A number whose commas are not thousands separators (``1,5``, ``1,2,3``): never guessed."""

    code = "sroi.bad-comma"


class NotFinite(ValueError):
    """A number too large to compute with, NaN or an infinity."""

    code = "sroi.not-finite"


# Commas only as thousands separators, in groups of three; no underscores, no inner spaces.
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
_NUMBER = re.compile(r"[+-]?" + _DIGITS)
_NOT_FINITE = re.compile(r"[+-]?\.?(?:inf|infinity|nan)", re.IGNORECASE)
_SCALES = {u.removesuffix("원"): float(v) for u, v in KOREAN_UNITS.items() if u != "원"}
_MONEY_PART = re.compile(
    r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*("
    + "|".join(sorted(_SCALES, key=len, reverse=True))
    + r")?\s*"
)
_TRUE = {"true", "yes", "y", "1", "예", "네", "참"}
_FALSE = {"false", "no", "n", "0", "아니오", "아니요", "거짓"}


def parse_number(value: object) -> float:
    """A finite number from a cell: numbers as they are, text with correctly grouped commas."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return _finite(float(value))
        except OverflowError:  # an int beyond the float range
            raise NotFinite(value) from None
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.fullmatch(text):
            return _finite(float(text.replace(",", "")))
        _refuse(text)
    raise ValueError(value)


def _finite(number: float) -> float:
    if not math.isfinite(number):
        raise NotFinite(number)
    return number


def _refuse(text: str, read: Callable[[str], float] = parse_number) -> None:
    """Raise the most telling error for text that `read` cannot read, if there is one."""
    if _NOT_FINITE.fullmatch(text):
        raise NotFinite(text)
    if "," in text:
        try:
            read(text.replace(",", ""))
        except ValueError:
            return
        raise BadComma(text)  # readable without its commas: they were not thousands separators


def parse_money(value: object) -> float:
    """An amount: ``1200000``, ``1,200,000원``, ``₩1,200,000``, ``120만원``, ``1억 2,000만원``."""
    if not isinstance(value, str):
        return parse_number(value)
    try:
        return _money(value)
    except ValueError:
        _refuse(value.strip(), _money)
        raise


def _money(value: str) -> float:
    text = value.strip()
    sign = -1.0 if text.startswith(("-", "−")) else 1.0
    if text[:1] in ("+", "-", "−"):
        text = text[1:].lstrip()
    text = text.removeprefix("₩").lstrip()
    text = text.removesuffix("KRW").removesuffix("원").rstrip()
    if _NUMBER.fullmatch(text):
        return sign * _finite(float(text.replace(",", "")))
    pos, total, previous = 0, 0.0, math.inf
    while pos < len(text):
        part = _MONEY_PART.match(text, pos)
        if part is None or part.end() == pos:
            raise ValueError(value)
        scale = _SCALES[part[2]] if part[2] else 1.0
        if scale >= previous:  # units must shrink left to right: 1억 2000만, not 2000만 1억
            raise ValueError(value)
        total, previous, pos = total + float(part[1].replace(",", "")) * scale, scale, part.end()
    if pos == 0:
        raise ValueError(value)
    return sign * _finite(total)


def fraction_and_text(value: object) -> tuple[float, str]:
    """The fraction and how it was written: 'percent', 'bare-percent', 'bare-fraction', 'zero'."""
    if isinstance(value, str) and value.strip().endswith("%"):
        return parse_number(value.strip()[:-1]) / 100.0, "percent"
    number = parse_number(value)
    if abs(number) > 1.0:
        return number / 100.0, "bare-percent"
    return number, "zero" if number == 0 else "bare-fraction"


def parse_percent(value: object) -> float:
    """A fraction from ``25%``, ``25`` or ``0.25`` (all 0.25); see the module docstring."""
    return fraction_and_text(value)[0]


def parse_years(value: object) -> float:
    """A number of years: ``3``, ``3년``, ``3 years``."""
    if isinstance(value, str):
        value = re.sub(r"(년|years?|yrs?)$", "", value.strip(), flags=re.IGNORECASE)
    return parse_number(value)


_DURING = {"during", "duringactivity", "활동중", "사업중"}
_AFTER = {"after", "afteractivity", "활동후", "사업후"}


def parse_start(value: object) -> float:
    """Years of delay before an outcome starts; the Guide's 'during'/'after' activity are 0/1."""
    if isinstance(value, str):
        key = norm_heading(value)
        if key in _DURING:
            return 0.0
        if key in _AFTER:
            return 1.0
    return parse_years(value)


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def parse_currency(value: object) -> str:
    text = str(value).strip()
    if text.casefold() in ("원", "won", "₩", "krw"):
        return "KRW"
    if not text:
        raise ValueError(value)
    return text.upper()


def parse_text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(value)
    return str(value).strip()


# --- what each field is called and how it is read ---------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    parse: Callable[[object], Any]
    error: str
    placeholder: Any
    required: bool = False

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(h.strip() for h in HEADINGS[self.name].split("|"))


FIELDS: tuple[Field, ...] = (
    Field("stakeholder", parse_text, "sroi.not-text", "?", required=True),
    Field("outcome", parse_text, "sroi.not-text", "?", required=True),
    Field("indicator", parse_text, "sroi.not-text", None),
    Field("quantity", parse_number, "sroi.not-number", 0.0, required=True),
    Field("proxy", parse_money, "sroi.not-money", 0.0, required=True),
    Field("proxy_description", parse_text, "sroi.not-text", None),
    Field("proxy_source", parse_text, "sroi.not-text", None),
    Field("currency", parse_currency, "sroi.not-text", "KRW"),
    Field("deadweight", parse_percent, "sroi.not-percent", 0.0),
    Field("displacement", parse_percent, "sroi.not-percent", 0.0),
    Field("attribution", parse_percent, "sroi.not-percent", 0.0),
    Field("drop_off", parse_percent, "sroi.not-percent", 0.0),
    Field("duration", parse_years, "sroi.not-years", 1),
    Field("outcome_start", parse_start, "sroi.not-start", 0),
    # Optional uncertainty: a low and a high value around the estimate (a triangular range).
    Field("quantity_low", parse_number, "sroi.not-number", None),
    Field("quantity_high", parse_number, "sroi.not-number", None),
    Field("proxy_low", parse_money, "sroi.not-money", None),
    Field("proxy_high", parse_money, "sroi.not-money", None),
    *(
        Field(f"{name}_{end}", parse_percent, "sroi.not-percent", None)
        for name in ("deadweight", "displacement", "attribution", "drop_off")
        for end in ("low", "high")
    ),
)

# Accepted headings (and YAML keys) per field; the first English and the first Korean one are
# shown in messages. Case, spaces, "%" and anything in brackets are ignored when matching.
HEADINGS: dict[str, str] = {
    "stakeholder": "Stakeholders | 이해관계자 | stakeholder",
    "outcome": "Outcome | 성과 | outcomes | the outcome | the outcomes | description"
    " | outcome description | 결과 | 성과 내용 | 성과 설명",
    "indicator": "Indicator | 지표 | indicators | 성과 지표",
    "quantity": "Quantity | 수량",
    "proxy": "Value | 단가 | proxy value | value per unit | unit value | financial proxy value"
    " | 화폐 가치 | 대리변수 값",
    "proxy_description": "Proxy description | 대리변수 설명 | financial proxy description",
    "proxy_source": "Source | 출처 | proxy source | 근거",
    "currency": "Currency | 통화",
    "deadweight": "Deadweight % | 자중손실 | 사중손실 | 사중효과",
    "displacement": "Displacement % | 대체효과 | 전치효과",
    "attribution": "Attribution % | 기여도 | 귀속 | 귀속률",
    "drop_off": "Drop off % | 감소율 | drop-off | 하락률 | 감쇠율",
    "duration": "Duration | 지속기간 | 기간",
    "outcome_start": "Outcome start | 시작연도 | outcomes start | start | 시작 연도 | 시작년도"
    " | 성과 시작",
}


def _range_headings(base: str, end: str) -> str:
    """Every heading of `base` with low/high words: 'Value low', '단가 하한', 'proxy min'…"""
    english, korean = ("low", "min", "minimum"), ("하한", "최소")
    if end == "high":
        english, korean = ("high", "max", "maximum"), ("상한", "최대")
    names = [h.strip() for h in HEADINGS[base].split("|")]
    # Korean headings take the Korean words; the first one of each kind is shown in messages.
    hangul = [n for n in names if any("가" <= c <= "힣" for c in n)]
    latin = [n for n in names if n not in hangul]
    out = [f"{n} {w}" for w in english for n in latin] + [
        f"{n} {w}" for w in korean for n in hangul
    ]
    return " | ".join([out[0], f"{hangul[0]} {korean[0]}", *out[1:]]) if hangul else " | ".join(out)


for _base in ("quantity", "proxy", "deadweight", "displacement", "attribution", "drop_off"):
    for _end in ("low", "high"):
        HEADINGS[f"{_base}_{_end}"] = _range_headings(_base, _end)

# "Financial proxy" names the proxy's amount, unless a Value column holds the amount: then it
# describes the proxy (the Guide's value map has both columns).
_EITHER_PROXY = (
    "financial proxy | proxy | 화폐화 대리변수 | 대리변수 | 대리지표 | 재무적 프록시 | 프록시"
)
# Columns of the Guide's value map that this reader does not need.
_IGNORED = "impact | inputs | outputs | notes | note | comments | 비고 | 메모 | 산출물 | 투입물"

SETTINGS: dict[str, tuple[str, ...]] = {
    "name": ("name", "이름", "사업명"),
    "currency": ("currency", "통화"),
    "investment": ("investment", "inputs", "total inputs", "투자액", "투입액", "총 투입액"),
    "discount_rate": ("discount rate", "할인율"),
    "discount_first_year": ("discount first year", "첫해 할인", "1년차 할인"),
}
SETTING_FIELDS = {
    "currency": Field("currency", parse_currency, "sroi.not-text", None),
    "investment": Field("investment", parse_money, "sroi.not-money", None),
    "discount_rate": Field("discount_rate", parse_percent, "sroi.not-percent", None),
    "discount_first_year": Field("discount_first_year", parse_bool, "sroi.not-bool", None),
    "name": Field("name", parse_text, "sroi.not-text", None),
}


def norm_heading(heading: str) -> str:
    """Case, spaces, punctuation and anything in brackets do not matter in a heading."""
    text = re.sub(r"[(\[（].*?[)\]）]", "", heading.casefold())
    return re.sub(r"[\s_\-%.:/£₩$€¥]", "", text)


ALIASES = {norm_heading(h): f.name for f in FIELDS for h in (f.name, *f.headings)}
EITHER = {norm_heading(h) for h in _EITHER_PROXY.split("|")}
SKIP = {norm_heading(h) for h in _IGNORED.split("|")}
SETTING_ALIASES = {norm_heading(h): k for k, hs in SETTINGS.items() for h in (k, *hs)}
