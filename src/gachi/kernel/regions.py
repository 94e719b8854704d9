"""Where an organisation is (시·도, 시·군·구) and what it does (KSIC section), for its profile.

The tables are package data: ``data/regions_kr.yaml`` and ``data/industries_kr.yaml``, each
citing its source and reference date. A name is matched in Korean or English, ignoring case,
spaces and punctuation, and also in the forms people write: a short or former 시·도 name (서울,
경기, 강원도, 전라남도), a former 시·군·구 absorbed whole (청원군 → 청주시), or a 시·군·구 without
its suffix (수원 → 수원시) when that is unambiguous within its 시·도. What is stored is always the
canonical Korean name; `region_label` and `industry_label` give it back in either language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from gachi.errors import InvalidInput
from gachi.kernel.i18n import Lang, current_lang

REGIONS_FILE = "regions_kr.yaml"
INDUSTRIES_FILE = "industries_kr.yaml"

# Separators people put in (or leave out of) names: 서울 특별시, Gyeonggi-do, 전기·가스.
# U+318D/U+119E are the Hangul arae-a often typed as a middle dot (before and after NFKC).
_IGNORED = re.compile(r"[\s\-‐‑–—_.,;:·・\u318d\u119e'’\"()\[\]/&]+")
_KSIC_CODE = re.compile(r"([a-u])?([0-9]{2,5})")
_EN_SUFFIX = re.compile(r"-(si|gun|gu)$")


def label(lang: Lang | None, ko: str, en: str) -> str:
    """`ko` or `en` for `lang` (default: the current language)."""
    return en if (lang or current_lang()) == "en" else ko


@dataclass(frozen=True)
class Place:
    """A 시·군·구 (city, county or district)."""

    ko: str
    en: str

    def label(self, lang: Lang | None = None) -> str:
        return label(lang, self.ko, self.en)


@dataclass(frozen=True)
class Region:
    """A 시·도 with its 시·군·구 (none for 세종특별자치시)."""

    ko: str
    en: str
    sigungu: tuple[Place, ...]

    def label(self, lang: Lang | None = None) -> str:
        return label(lang, self.ko, self.en)


@dataclass(frozen=True)
class Industry:
    """A section (대분류) of the Korean Standard Industrial Classification, A to U."""

    code: str
    ko: str
    en: str

    def label(self, lang: Lang | None = None) -> str:
        return label(lang, self.ko, self.en)


def regions() -> tuple[Region, ...]:
    """Every 시·도 in the official order."""
    return _region_index().regions


def industries() -> tuple[Industry, ...]:
    """The 21 KSIC sections, A to U."""
    return _industry_index().sections


def find_region(sido: str) -> Region:
    """The 시·도 named `sido` in any accepted form; `InvalidInput` (region.unknown-sido) if none."""
    found = _region_index().sido.get(_key(sido))
    if found is None:
        raise InvalidInput("region.unknown-sido", value=_shown(sido), field="region_sido")
    return found


def check_region(sido: str, sigungu: str | None = None) -> tuple[str, str | None]:
    """The canonical Korean names of a 시·도 and (optionally) one of its 시·군·구.

    A blank `sigungu` means none. For 세종특별자치시, which has no 시·군·구, repeating the 시·도
    (세종시) is accepted as none too.
    """
    region = find_region(sido)
    if sigungu is None or not _key(sigungu):
        return region.ko, None
    index = _region_index()
    place = index.places[region.ko].get(_key(sigungu))
    if place is not None:
        return region.ko, place.ko
    if not region.sigungu and index.sido.get(_key(sigungu)) == region:
        return region.ko, None
    raise InvalidInput(
        "region.unknown-sigungu", value=_shown(sigungu), sido=region.ko, field="region_sigungu"
    )


def region_label(sido: str, sigungu: str | None = None, lang: Lang | None = None) -> str:
    """A stored region for people: '서울특별시 종로구' in Korean, 'Jongno-gu, Seoul' in English."""
    sido_ko, sigungu_ko = check_region(sido, sigungu)
    region = find_region(sido_ko)
    place = _region_index().places[sido_ko][_key(sigungu_ko)] if sigungu_ko else None
    if place is None:
        return region.label(lang)
    if (lang or current_lang()) == "en":
        return f"{place.en}, {region.en}"
    return f"{region.ko} {place.ko}"


def find_industry(code_or_name: str) -> Industry:
    """The KSIC section for a letter (C), a name in Korean or English (제조업, Manufacturing) or a
    detailed KSIC code (10, C1011, 62010); `InvalidInput` (industry.unknown) if none."""
    index = _industry_index()
    key = _key(code_or_name)
    found = index.by_key.get(key)
    if found is None and (code := _KSIC_CODE.fullmatch(key)):
        section = index.by_division.get(int(code[2][:2]))
        if section is not None and code[1] in (None, section.code.casefold()):
            found = section
    if found is None:
        raise InvalidInput("industry.unknown", value=_shown(code_or_name), field="industry")
    return found


def check_industry(code_or_name: str) -> str:
    """The section letter (A-U) for anything `find_industry` accepts."""
    return find_industry(code_or_name).code


def industry_label(code_or_name: str, lang: Lang | None = None) -> str:
    return find_industry(code_or_name).label(lang)


# --- loading ------------------------------------------------------------------------------------


def _key(text: object) -> str:
    return _IGNORED.sub("", unicodedata.normalize("NFKC", str(text))).casefold()


def _shown(text: object) -> str:
    return str(text).strip()


@dataclass(frozen=True)
class _RegionIndex:
    regions: tuple[Region, ...]
    sido: Mapping[str, Region]
    places: Mapping[str, Mapping[str, Place]]  # by the 시·도's Korean name


@dataclass(frozen=True)
class _IndustryIndex:
    sections: tuple[Industry, ...]
    by_key: Mapping[str, Industry]
    by_division: Mapping[int, Industry]


class _TableError(ValueError):
    """The shipped table is malformed: a bug in the package, not in anyone's input."""


def _load(name: str) -> Any:
    text = resources.files("gachi").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _text(entry: Mapping[str, Any], field: str, where: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise _TableError(f"{where}: '{field}' must be a non-empty text")
    return value.strip()


def _texts(entry: Mapping[str, Any], field: str, where: str) -> tuple[str, ...]:
    values = entry.get(field) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise _TableError(f"{where}: '{field}' must be a list of texts")
    return tuple(v.strip() for v in values)


def _mapping(entry: object, where: str) -> Mapping[str, Any]:
    if not isinstance(entry, dict):
        raise _TableError(f"{where}: expected a mapping")
    return entry


def _add(index: dict[str, Any], name: str, value: object, where: str) -> None:
    key = _key(name)
    other = index.setdefault(key, value)
    if other != value:
        raise _TableError(f"{where}: '{name}' would name two different entries")


def _stems(place: Place) -> Iterator[str]:
    """The name without its 시/군/구 suffix, if what is left has two syllables or more."""
    if len(place.ko) >= 3 and place.ko[-1] in "시군구":
        yield place.ko[:-1]
        yield _EN_SUFFIX.sub("", place.en)


@cache
def _region_index() -> _RegionIndex:
    data = _load(REGIONS_FILE)
    if not isinstance(data, list):
        raise _TableError(f"{REGIONS_FILE}: expected a list of 시·도")
    found: list[Region] = []
    by_name: dict[str, Any] = {}
    places: dict[str, dict[str, Place]] = {}
    for n, raw in enumerate(data, 1):
        entry = _mapping(raw, f"{REGIONS_FILE}: 시·도 #{n}")
        where = f"{REGIONS_FILE}: {entry.get('ko')}"
        rows = entry.get("sigungu")
        if not isinstance(rows, list):
            raise _TableError(f"{where}: 'sigungu' must be a list (empty for none)")
        named: list[tuple[Place, tuple[str, ...]]] = []
        for raw_place in rows:
            row = _mapping(raw_place, where)
            place = Place(_text(row, "ko", where), _text(row, "en", where))
            named.append((place, _texts(row, "formerly", f"{where} {place.ko}")))
        region = Region(
            _text(entry, "ko", where), _text(entry, "en", where), tuple(p for p, _ in named)
        )
        for name in (region.ko, region.en, *_texts(entry, "aliases", where)):
            _add(by_name, name, region, where)
        places[region.ko] = _place_index(named, where)
        found.append(region)
    return _RegionIndex(tuple(found), by_name, places)


def _place_index(named: list[tuple[Place, tuple[str, ...]]], where: str) -> dict[str, Place]:
    index: dict[str, Any] = {}
    for place, formerly in named:
        for name in (place.ko, place.en, *formerly):
            _add(index, name, place, where)
    # Short forms only where they point at one place and shadow no full name.
    short: dict[str, set[Place]] = {}
    for place, _ in named:
        for stem in _stems(place):
            short.setdefault(_key(stem), set()).add(place)
    for key, matches in short.items():
        if len(matches) == 1 and key not in index:
            index[key] = next(iter(matches))
    return index


@cache
def _industry_index() -> _IndustryIndex:
    data = _load(INDUSTRIES_FILE)
    if not isinstance(data, list):
        raise _TableError(f"{INDUSTRIES_FILE}: expected a list of sections")
    sections: list[Industry] = []
    by_key: dict[str, Any] = {}
    by_division: dict[int, Industry] = {}
    for n, raw in enumerate(data, 1):
        entry = _mapping(raw, f"{INDUSTRIES_FILE}: section #{n}")
        where = f"{INDUSTRIES_FILE}: {entry.get('code')}"
        section = Industry(
            _text(entry, "code", where), _text(entry, "ko", where), _text(entry, "en", where)
        )
        if not re.fullmatch(r"[A-U]", section.code):
            raise _TableError(f"{where}: a section code is one letter A-U")
        for name in (section.code, section.ko, section.en):
            _add(by_key, name, section, where)
        span = entry.get("divisions")
        if not (
            isinstance(span, list)
            and len(span) == 2
            and all(isinstance(d, int) for d in span)
            and 1 <= span[0] <= span[1] <= 99
        ):
            raise _TableError(f"{where}: 'divisions' must be [first, last] between 1 and 99")
        for division in range(span[0], span[1] + 1):
            if by_division.setdefault(division, section) != section:
                raise _TableError(f"{where}: division {division:02d} is in two sections")
        sections.append(section)
    return _IndustryIndex(tuple(sections), by_key, by_division)
