"""The organisation's dashboard (its home page) and the explanation behind every number."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from gachi.domains.runs import dashboard
from gachi.kernel.i18n import message_codes
from web.helpers import person_with_org
from web.runs_helpers import (
    A_2024,
    B_2024,
    TOTAL,
    add_programme,
    install_standins,
    measured_org,
    run_to_end,
    set_point,
)

TEMPLATES = Path(dashboard.__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _other_domains(monkeypatch):
    install_standins(monkeypatch)


def korean(client: TestClient) -> None:
    client.get("/lang/ko", follow_redirects=False)


def english(client: TestClient) -> None:
    client.get("/lang/en", follow_redirects=False)


@pytest.fixture
def measured(client, engine):
    org = measured_org(client, engine)
    run = run_to_end(client, org.id, draws=1000, seed=1)
    assert run["status"] == "done", run
    return org, run


def test_before_any_run_the_dashboard_says_what_to_do(client) -> None:
    korean(client)
    org = person_with_org(client, "owner@example.kr", "가온텔레콤")
    page = client.get(f"/orgs/{org}")
    assert page.status_code == 200
    assert "아직 측정 결과가 없습니다" in page.text
    for step in ("/programmes", "/data"):
        assert f'href="/orgs/{org}{step}"' in page.text
    assert f'action="/orgs/{org}/runs"' in page.text  # an owner may start one from here
    assert client.get(f"/api/v1/orgs/{org}/dashboard").json() == {"run": None, "numbers": None}


def test_the_dashboard_shows_the_total_in_korean_units_and_negatives(client, measured) -> None:
    org, run = measured
    korean(client)
    page = client.get(f"/orgs/{org.id}")
    assert page.status_code == 200
    html = page.text
    assert "7.4억원" in html  # 742,994,500 won
    assert "-1,169만원" in html  # the landfill, −11,685,500 won
    # the negative category is drawn down, in red, and its number is marked negative
    assert re.search(r'class="amount neg"[^>]*>-1,169만원<', html)
    assert 'fill="#c0392b"' in html
    assert "<svg" in html and "비즈니스 사회성과" in html
    # the trend has a point per year, and the P5–P95 band of a run with draws
    assert 'fill="#9cc3e6"' in html
    for name in ("청소년 코딩교실", "친환경 물류", "임직원 자원봉사", "폐기물 매립"):
        assert name in html
    # every number leads to its explanation
    base = f"/orgs/{org.id}/runs/{run['id']}/explain"
    assert f'href="{base}"' in html
    assert f'href="{base}?category=business_environment"' in html
    assert f'href="{base}?programme={org.a}&amp;period=2024"' in html
    assert f'href="{base}?indicator=volunteering_hours&amp;period=2023"' in html


def test_the_dashboard_in_english(client, measured) -> None:
    org, _ = measured
    english(client)
    html = client.get(f"/orgs/{org.id}").text
    assert "₩743.0 m" in html and "-₩11.7 m" in html
    assert "Value by category" in html and "Employee volunteering" in html


def test_the_dashboard_as_json(client, measured) -> None:
    org, run = measured
    body = client.get(f"/api/v1/orgs/{org.id}/dashboard").json()
    assert body["run"]["id"] == run["id"]
    numbers = body["numbers"]
    assert numbers["total"]["value"] == pytest.approx(TOTAL)
    band = numbers["total"]["band"]
    assert band["p5"] <= TOTAL <= band["p95"]
    categories = {c["key"]: c["value"] for c in numbers["by_category"]}
    assert categories == {
        "business_environment": pytest.approx(B_2024),
        "social_contribution": pytest.approx(TOTAL - B_2024),
    }
    assert numbers["periods"] == [2023, 2024]
    assert [p["key"] for p in numbers["by_period"]] == [2023, 2024]
    programmes = {p["key"]: p for p in numbers["by_programme"]}
    assert programmes[org.b]["total"]["value"] == pytest.approx(B_2024)
    assert programmes[org.b]["periods"]["2023"] is None
    assert programmes[org.a]["periods"]["2024"]["value"] == pytest.approx(A_2024)


def test_the_dashboard_shows_the_latest_successful_run(client, engine, measured) -> None:
    org, run = measured
    set_point(engine, org.id, org.a, 2024, "volunteer_hours", -1)  # the next run fails
    failed = run_to_end(client, org.id)
    assert failed["status"] == "failed"
    assert client.get(f"/api/v1/orgs/{org.id}/dashboard").json()["run"]["id"] == run["id"]


def test_names_are_escaped(client, engine) -> None:
    korean(client)
    org = person_with_org(client, "owner@example.kr", "가온텔레콤")
    evil = '<script>alert("x")</script>'
    add_programme(engine, org, evil, ["volunteering_hours"], {(2024, "volunteer_hours"): 1})
    assert run_to_end(client, org)["status"] == "done"
    for url in (f"/orgs/{org}", f"/orgs/{org}/runs/1", f"/orgs/{org}/runs/1/explain?period=2024"):
        html = client.get(url).text
        assert evil not in html, url
        assert "&lt;script&gt;" in html, url


# ---- explanations ---------------------------------------------------------------------------


def test_a_cell_is_explained_down_to_its_sources(client, measured) -> None:
    org, run = measured
    korean(client)
    url = (
        f"/orgs/{org.id}/runs/{run['id']}/explain"
        f"?indicator=volunteering_hours&programme={org.a}&period=2024"
    )
    page = client.get(url)
    assert page.status_code == 200
    html = page.text
    assert "5.0억원" in html  # 20,000 h × 25,156 won
    assert "volunteer_hours * hourly_wage" in html  # the formula
    assert "20,000 [hour] * 25,156 [KRW/hour]" in html  # with the values substituted
    assert "고용형태별근로실태조사" in html  # the proxy's source
    assert 'href="https://member.newspim.com/news/view/20250429000323"' in html
    assert "facts-only" in html  # its licence
    assert "2024" in html and "삼각분포" in html
    assert "데이터가 바뀌었습니다" not in html


def test_an_explanation_as_json(client, measured) -> None:
    org, run = measured
    url = f"/api/v1/orgs/{org.id}/runs/{run['id']}/explain"
    body = client.get(url, params={"indicator": "volunteering_hours", "period": 2024}).json()
    assert body["value"] == pytest.approx(A_2024)  # B's 2024 hours are not counted
    e = body["explanation"]
    assert e["value"] == pytest.approx(A_2024) and e["records"] == 1 and e["reproduces"]
    assert e["lineage"]["proxies"][0]["value"] == 25156
    assert e["lineage"]["proxies"][0]["base_year"] == 2024
    assert body["data_changed"] is False and body["definition_changed"] is False


def test_wider_sums_are_explained_by_their_parts(client, measured) -> None:
    org, run = measured
    korean(client)
    base = f"/orgs/{org.id}/runs/{run['id']}/explain"
    whole = client.get(base).text
    assert "7.4억원" in whole
    assert f'href="{base}?indicator=waste_landfilled"' in whole
    assert "폐기물 매립" in whole and "임직원 자원봉사" in whole
    category = client.get(f"{base}?category=business_environment").text
    assert "-1,169만원" in category and "임직원 자원봉사" not in category
    year = client.get(f"/api/v1{base}?period=2024")
    assert year.json()["value"] == pytest.approx(A_2024 + B_2024)


def test_an_explanation_warns_when_the_data_changed_after_the_run(client, engine, measured):
    org, run = measured
    korean(client)
    set_point(engine, org.id, org.a, 2024, "volunteer_hours", 30_000)
    url = (
        f"/orgs/{org.id}/runs/{run['id']}/explain"
        f"?indicator=volunteering_hours&programme={org.a}&period=2024"
    )
    html = client.get(url).text
    assert "데이터가 바뀌었습니다" in html
    assert "5.0억원" in html and "7.5억원" in html  # the run's value, and today's


def test_an_unknown_selection_explains_nothing_without_error(client, measured) -> None:
    org, run = measured
    korean(client)
    page = client.get(f"/orgs/{org.id}/runs/{run['id']}/explain?indicator=nope&period=1999")
    assert page.status_code == 200
    assert "값이 없습니다" in page.text
    assert client.get(f"/orgs/{org.id}/runs/{run['id']}/explain?period=x").status_code == 422


# ---- pieces ---------------------------------------------------------------------------------


def test_every_message_the_templates_use_exists() -> None:
    known = message_codes()
    used = set()
    for template in TEMPLATES.glob("*.j2"):
        used |= set(
            re.findall(r"(?<![\w.])t\('([a-z0-9.-]+[a-z0-9])'", template.read_text("utf-8"))
        )
    assert used, "the templates were read"
    assert sorted(used - known) == []
    prefixes = {"run.stage.", "run.status.", "sk.", "cli.dist."}
    for prefix in prefixes:
        assert any(code.startswith(prefix) for code in known), prefix


def test_the_waterfall_goes_down_for_a_negative_category() -> None:
    up = dashboard.Number("a", 100.0, "/a")
    down = dashboard.Number("b", -40.0, "/b")
    total = dashboard.Number("total", 60.0, "/t")
    chart = dashboard.waterfall([up, down], total, str)
    first, second, last = chart.bars
    assert second.colour == dashboard.NEGATIVE and first.colour == dashboard.POSITIVE
    assert second.y == first.y  # the fall starts at the top of the rise
    assert second.y + second.height < chart.zero  # and stops above zero, at 60
    assert last.y + last.height == pytest.approx(chart.zero)  # the total stands on zero
    assert chart.ticks[0].y > chart.ticks[-1].y  # larger values higher up


@pytest.mark.parametrize(
    ("low", "high"), [(0, 1), (-3.5e8, 7.4e8), (-5, -1), (0, 0), (12_345, 98_765_432)]
)
def test_axis_ticks_cover_the_values_and_zero(low: float, high: float) -> None:
    ticks = dashboard.nice_ticks(low, high)
    assert ticks[0] <= min(low, 0) and ticks[-1] >= max(high, 0)
    assert 0 in ticks and 2 <= len(ticks) <= 12
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1


def _edges(bar: dashboard.Bar, value: float) -> tuple[float, float]:
    """(start, end) of a bar in SVG y: a rise ends at its top, a fall at its bottom."""
    top, bottom = bar.y, bar.y + bar.height
    return (bottom, top) if value >= 0 else (top, bottom)


@given(
    st.lists(
        st.floats(min_value=-1e12, max_value=1e12).filter(lambda v: abs(v) >= 1e7),
        min_size=1,
        max_size=4,
    )
)
def test_each_waterfall_bar_starts_where_the_previous_ended(values: list[float]) -> None:
    parts = [dashboard.Number(str(i), v, f"/{i}") for i, v in enumerate(values)]
    total = dashboard.Number("total", sum(values), "/t")
    chart = dashboard.waterfall(parts, total, str)
    top, bottom = dashboard.TOP, chart.height - dashboard.BOTTOM
    px = 1.1  # a bar too small to see is drawn 1 px tall, so its far edge may be off by that
    for bar in chart.bars:
        assert top - px <= bar.y and bar.y + bar.height <= bottom + px  # inside the plot
    for i, value in enumerate(values):
        bar = chart.bars[i]
        assert bar.colour == (dashboard.NEGATIVE if value < 0 else dashboard.POSITIVE)
        end = _edges(bar, value)[1]
        assert chart.links[i][2] == pytest.approx(end, abs=px)
        if i + 1 < len(values):
            assert _edges(chart.bars[i + 1], values[i + 1])[0] == pytest.approx(end, abs=px)
    assert _edges(chart.bars[0], values[0])[0] == pytest.approx(chart.zero, abs=px)
