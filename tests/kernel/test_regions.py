"""Regions (시·도, 시·군·구) and industry sections (KSIC): the shipped tables and name matching."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gachi.errors import InvalidInput
from gachi.kernel.i18n import t
from gachi.kernel.regions import (
    Place,
    check_industry,
    check_region,
    find_region,
    industries,
    industry_label,
    label,
    region_label,
    regions,
)


def _names(sido: str) -> list[str]:
    return [p.ko for p in find_region(sido).sigungu]


# --- the table ----------------------------------------------------------------------------------


def test_sixteen_sido_since_gwangju_and_jeonnam_merged() -> None:
    # 17 until 2026-06-30; 광주광역시 and 전라남도 became 전남광주통합특별시 on 2026-07-01.
    names = [r.ko for r in regions()]
    assert len(names) == 16
    assert len(set(names)) == 16
    assert {"강원특별자치도", "전북특별자치도", "제주특별자치도", "세종특별자치시"} <= set(names)
    assert "전남광주통합특별시" in names
    assert not {"광주광역시", "전라남도", "강원도", "전라북도"} & set(names)


def test_sigungu_total() -> None:
    # 226 autonomous 시·군·구 before 2026-07-01, +1 net from Incheon's new 구 (2 abolished,
    # 3 created), plus Jeju's two administrative cities.
    assert sum(len(r.sigungu) for r in regions()) == 229


@pytest.mark.parametrize(
    ("sido", "count"),
    [
        ("서울특별시", 25),
        ("부산광역시", 16),
        ("대구광역시", 9),
        ("인천광역시", 11),
        ("대전광역시", 5),
        ("울산광역시", 5),
        ("세종특별자치시", 0),
        ("경기도", 31),
        ("강원특별자치도", 18),
        ("충청북도", 11),
        ("충청남도", 15),
        ("전북특별자치도", 14),
        ("전남광주통합특별시", 27),
        ("경상북도", 22),
        ("경상남도", 18),
        ("제주특별자치도", 2),
    ],
)
def test_sigungu_per_sido(sido: str, count: int) -> None:
    assert len(find_region(sido).sigungu) == count


def test_known_members() -> None:
    assert _names("제주") == ["제주시", "서귀포시"]
    assert "군위군" in _names("대구")
    assert "군위군" not in _names("경북")
    assert {"제물포구", "영종구", "검단구"} <= set(_names("인천"))
    assert not {"중구", "동구"} & set(_names("인천"))
    assert {"광산구", "목포시", "신안군"} <= set(_names("전남광주통합특별시"))
    # Cities with 일반구 appear at city level only.
    assert {"수원시", "부천시", "화성시"} <= set(_names("경기"))
    assert not [n for n in _names("경기") if n.endswith("구")]


def test_names_are_unique_within_each_sido() -> None:
    for region in regions():
        for attr in ("ko", "en"):
            names = [getattr(p, attr) for p in region.sigungu]
            assert len(names) == len(set(names)), (region.ko, attr)


def test_every_name_has_korean_and_romanised_english() -> None:
    for region in regions():
        for place in region.sigungu:
            assert place.ko[-1] in "시군구", place
            assert place.en.endswith(("-si", "-gun", "-gu")), place
            assert place.en.isascii() and not place.ko.isascii(), place


# --- matching names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sido", "canonical"),
    [
        ("서울", "서울특별시"),
        ("서울시", "서울특별시"),
        ("서울 특별시", "서울특별시"),
        ("  서울특별시 ", "서울특별시"),
        ("Seoul", "서울특별시"),
        ("seoul", "서울특별시"),
        ("부산", "부산광역시"),
        ("경기", "경기도"),
        ("Gyeonggi-do", "경기도"),
        ("gyeonggi do", "경기도"),
        ("강원도", "강원특별자치도"),
        ("Gangwon", "강원특별자치도"),
        ("전라북도", "전북특별자치도"),
        ("충북", "충청북도"),
        ("경남", "경상남도"),
        ("세종", "세종특별자치시"),
        ("제주도", "제주특별자치도"),
        ("광주", "전남광주통합특별시"),
        ("광주광역시", "전남광주통합특별시"),
        ("전라남도", "전남광주통합특별시"),
        ("Jeollanam-do", "전남광주통합특별시"),
        ("ＳＥＯＵＬ", "서울특별시"),  # full-width
    ],
)
def test_sido_forms(sido: str, canonical: str) -> None:
    assert check_region(sido, None) == (canonical, None)


@pytest.mark.parametrize(
    ("sido", "sigungu", "expected"),
    [
        ("서울", "종로구", ("서울특별시", "종로구")),
        ("Seoul", "Jongno-gu", ("서울특별시", "종로구")),
        ("서울특별시", "jongno gu", ("서울특별시", "종로구")),
        ("서울", "Jongno", ("서울특별시", "종로구")),
        ("서울", "종로", ("서울특별시", "종로구")),
        ("경기", "수원시", ("경기도", "수원시")),
        ("경기", "수원", ("경기도", "수원시")),
        ("경기도", "Suwon-si", ("경기도", "수원시")),
        ("경기", "광주시", ("경기도", "광주시")),
        ("대구", "군위군", ("대구광역시", "군위군")),
        ("부산", "중구", ("부산광역시", "중구")),
        ("제주", "서귀포시", ("제주특별자치도", "서귀포시")),
        ("광주", "광산구", ("전남광주통합특별시", "광산구")),
        ("전남", "목포", ("전남광주통합특별시", "목포시")),
        ("인천", "동구", ("인천광역시", "제물포구")),  # absorbed whole
        ("인천", "남구", ("인천광역시", "미추홀구")),  # renamed 2018
        ("충북", "청원군", ("충청북도", "청주시")),
        ("서울", "", ("서울특별시", None)),
        ("서울", "  ", ("서울특별시", None)),
        ("세종", None, ("세종특별자치시", None)),
        ("세종", "세종시", ("세종특별자치시", None)),
    ],
)
def test_sigungu_forms(sido: str, sigungu: str | None, expected: tuple[str, str | None]) -> None:
    assert check_region(sido, sigungu) == expected


def test_a_one_syllable_stem_is_not_a_name() -> None:
    # '중' or '동' alone say nothing: only 중구, Jung-gu... are accepted.
    with pytest.raises(InvalidInput):
        check_region("부산", "중")


@pytest.mark.parametrize("sido", ["", "서울특별", "Seul", "경기북도", "대구경북", "Tokyo", "구"])
def test_unknown_sido(sido: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_region(sido, "종로구")
    issue = err.value.first
    assert issue.code == "region.unknown-sido"
    assert issue.params == {"value": sido.strip(), "field": "region_sido"}


@pytest.mark.parametrize(
    ("sido", "sigungu"),
    [
        ("서울", "수원시"),  # exists, but elsewhere
        ("경북", "군위군"),  # moved to 대구 in 2023
        ("경기", "장안구"),  # a 일반구 of 수원시
        ("경기", "수원시 장안구"),
        ("인천", "중구"),  # split between 제물포구 and 영종구: no single answer
        ("세종", "조치원읍"),
        ("서울", "Jongno-si"),
    ],
)
def test_unknown_sigungu(sido: str, sigungu: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_region(sido, sigungu)
    issue = err.value.first
    assert issue.code == "region.unknown-sigungu"
    assert issue.params == {
        "value": sigungu,
        "sido": find_region(sido).ko,
        "field": "region_sigungu",
    }


def test_messages_read_naturally() -> None:
    with pytest.raises(InvalidInput) as err:
        check_region("서울", "수원시")
    assert err.value.first.message("ko").startswith("서울특별시에는 '수원시'(이)라는 시·군·구가")
    assert "Seoul" not in err.value.first.message("ko")
    assert err.value.first.message("en").startswith("서울특별시 has no city, county or district")


@given(st.text(), st.one_of(st.none(), st.text()))
def test_check_region_raises_nothing_but_invalid_input(sido: str, sigungu: str | None) -> None:
    try:
        sido_ko, sigungu_ko = check_region(sido, sigungu)
    except InvalidInput as err:
        assert err.first.code in {"region.unknown-sido", "region.unknown-sigungu"}
        assert t(err.first.code, "ko")  # renders
    else:
        assert sido_ko in {r.ko for r in regions()}
        assert sigungu_ko is None or sigungu_ko in _names(sido_ko)
        # Canonical names are a fixed point.
        assert check_region(sido_ko, sigungu_ko) == (sido_ko, sigungu_ko)


@given(st.sampled_from([(r.ko, p.ko) for r in regions() for p in r.sigungu]))
def test_every_listed_place_is_accepted_by_both_names(pair: tuple[str, str]) -> None:
    region = find_region(pair[0])
    place = next(p for p in region.sigungu if p.ko == pair[1])
    assert check_region(region.en, place.en) == pair
    assert check_region(region.ko, place.ko) == pair


# --- labels -------------------------------------------------------------------------------------


def test_labels_in_both_languages() -> None:
    assert region_label("서울", "종로구", "ko") == "서울특별시 종로구"
    assert region_label("서울", "종로구", "en") == "Jongno-gu, Seoul"
    assert region_label("세종", None, "en") == "Sejong"
    assert label("ko", "경기도", "Gyeonggi-do") == "경기도"
    assert Place("수원시", "Suwon-si").label("en") == "Suwon-si"
    assert industry_label("C", "ko") == "제조업"
    assert industry_label("C", "en") == "Manufacturing"


def test_label_follows_the_current_language(monkeypatch: pytest.MonkeyPatch) -> None:
    assert find_region("서울").label() == "Seoul"  # tests run in English (conftest)
    monkeypatch.setenv("GACHI_LANG", "ko")
    assert find_region("서울").label() == "서울특별시"


# --- industries ---------------------------------------------------------------------------------


def test_twenty_one_sections_a_to_u() -> None:
    sections = industries()
    assert [s.code for s in sections] == [chr(c) for c in range(ord("A"), ord("U") + 1)]
    assert len({s.ko for s in sections}) == 21
    assert len({s.en for s in sections}) == 21


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("C", "C"),
        ("c", "C"),
        (" j ", "J"),
        ("제조업", "C"),
        ("정보통신업", "J"),
        ("Manufacturing", "C"),
        ("manufacturing", "C"),
        ("전기, 가스, 증기 및 공기 조절 공급업", "D"),
        ("전기,가스,증기및공기조절공급업", "D"),
        ("보건업 및 사회복지 서비스업", "Q"),
        ("Information and communication", "J"),
        ("62010", "J"),  # 컴퓨터 프로그래밍 서비스업
        ("J62010", "J"),
        ("10", "C"),  # 식료품 제조업
        ("C1011", "C"),
        ("01", "A"),
        ("99", "U"),
        ("８５", "P"),  # full-width digits
    ],
)
def test_industry_forms(text: str, code: str) -> None:
    assert check_industry(text) == code


@pytest.mark.parametrize(
    "text", ["", "V", "Z", "AB", "1", "04", "40", "C62010", "소프트웨어", "Software", "١٠"]
)
def test_unknown_industry(text: str) -> None:
    # 04 and 40 fall between sections; C62010 names a J division; Arabic-Indic digits are not ours.
    with pytest.raises(InvalidInput) as err:
        check_industry(text)
    assert err.value.first.code == "industry.unknown"
    assert err.value.first.params == {"value": text.strip(), "field": "industry"}


@given(st.text())
def test_check_industry_raises_nothing_but_invalid_input(text: str) -> None:
    try:
        code = check_industry(text)
    except InvalidInput as err:
        assert err.first.code == "industry.unknown"
    else:
        assert code in {s.code for s in industries()}
