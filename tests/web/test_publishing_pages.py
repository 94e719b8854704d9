"""What the publishing pages say around the numbers: the reading order of indicators, an
estimate outside its own range, the older-version notice, the publish form's defaults and
preview, times in the reader's zone, and where a reader lands after a "not published"."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from gachi.db.models import Publication
from gachi.domains.audit.service import record
from web.data_helpers import korean
from web.helpers import api, sign_up
from web.publishing_helpers import measure_and_publish, mentoring, mentoring_org, set_definition
from web.runs_helpers import run_to_end, set_point

# The wage drawn from a triangle whose mode is its low end: every draw is at least the stated
# value, so the estimate (100 h × 10,000) lies below the range's P5.
LOPSIDED = mentoring().replace(
    "    licence: facts-only\n",
    "    licence: facts-only\n"
    "    uncertainty: {distribution: triangular, low: 10000, mode: 10000, high: 20000}\n",
)


def test_an_estimate_outside_its_range_is_marked_and_explained(client, engine, anonymous) -> None:
    found = mentoring_org(client, engine, {2024: 100})
    set_definition(engine, found.org, LOPSIDED)
    assert run_to_end(client, found.org, draws=1000, seed=3)["status"] == "done"
    made = api(client, "POST", f"/api/v1/orgs/{found.org}/publications", json={"year": 2024})
    assert made.status_code == 201, made.text
    book = anonymous.get(f"/api/v1/public/{found.org}/2024").json()
    band = book["total"]["band"]
    assert book["total"]["value"] == 1_000_000 < band["p5"]
    [proxy] = book["indicators"][0]["proxies"]
    assert proxy["spread"] == {"low": 10_000, "mode": 10_000, "high": 20_000}
    page = anonymous.get(f"/public/{found.org}/2024").text
    assert 'class="outside"' in page and 'id="outside-range"' in page
    assert "삼각분포 10,000 ~ 20,000 (최빈 10,000)" in page
    assert "멘토링 시간" in page  # the indicator's description


def test_a_book_inside_its_ranges_has_no_mark(client, engine, anonymous) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)  # a fixed wage: range = estimate
    page = anonymous.get(f"/public/{org}/2024").text
    assert 'class="outside"' not in page and "outside-range" not in page


def test_indicators_are_listed_by_category_then_size(client, engine, anonymous) -> None:
    from web.runs_helpers import add_programme

    found = mentoring_org(client, engine, {2024: 1})  # 10,000 won, social contribution
    add_programme(engine, found.org, "봉사", ["volunteering_hours"], {(2024, "volunteer_hours"): 9})
    add_programme(engine, found.org, "매립", ["waste_landfilled"], {(2024, "landfilled_t"): 1})
    measure_and_publish(client, found.org, 2024)
    page = anonymous.get(f"/public/{found.org}/2024").text
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    order = re.findall(r'href="#ind-(\w+)"', table)
    # Environment (the landfill's negative value) before social contribution, then the larger.
    assert order == ["waste_landfilled", "volunteering_hours", "my_mentoring"]


def test_an_older_version_says_it_was_restated_why_and_links_both(
    client, engine, anonymous
) -> None:
    found = mentoring_org(client, engine)
    measure_and_publish(client, found.org, 2024)
    set_point(engine, found.org, found.programme, 2024, "hours", 120)
    measure_and_publish(client, found.org, 2024, "누락된 20시간 추가")
    page = anonymous.get(f"/public/{found.org}/2024?version=1").text
    notice = page.split('class="alert warn"', 1)[1].split("</div>", 1)[0]
    assert "이 판(v1)은 v2에서 정정되었습니다." in notice and "누락된 20시간 추가" in notice
    assert f"/public/{found.org}/2024/restatements/2" in notice
    assert "alert warn" not in anonymous.get(f"/public/{found.org}/2024").text
    # Restated again: v1 still points at what replaced it (v2), and says the latest is v3.
    set_point(engine, found.org, found.programme, 2024, "hours", 130)
    measure_and_publish(client, found.org, 2024, "두 번째 정정")
    page = anonymous.get(f"/public/{found.org}/2024?version=1").text
    notice = page.split('class="alert warn"', 1)[1].split("</div>", 1)[0]
    assert "v2에서 정정되었습니다" in notice and "누락된 20시간 추가" in notice
    assert "두 번째 정정" not in notice and "(v3)" in notice
    # The first version restates nothing: its "restatement" is the version itself.
    first = anonymous.get(f"/public/{found.org}/2024/restatements/1", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == f"/public/{found.org}/2024?version=1"


def test_the_publish_form_offers_the_newest_unpublished_year_with_a_preview(client, engine) -> None:
    found = mentoring_org(client, engine, {2022: 10, 2023: 80, 2024: 100})
    measure_and_publish(client, found.org, 2024)
    page = korean(client).get(f"/orgs/{found.org}/publications").text
    assert re.search(r'<option value="2023" selected>', page)
    preview = page.split('id="publish-preview"', 1)[1].split("</table>", 1)[0]
    # The run's totals beside what is public: 100 h, 80 h and 10 h at 10,000 won.
    assert "100만원" in preview and "800,000원" in preview and "100,000원" in preview
    assert "v1" in preview
    assert preview.count("공개 전") == 2  # 2023 and 2022


def test_after_publishing_the_publisher_is_told_and_a_stranger_is_not(
    client, other_client, engine, anonymous
) -> None:
    found = mentoring_org(client, engine)
    assert run_to_end(client, found.org)["status"] == "done"
    form = {"year": "2024", "reason": ""}
    from web.helpers import post

    done = post(korean(client), f"/orgs/{found.org}/publications", form)
    assert done.status_code == 303
    assert done.headers["location"] == f"/public/{found.org}/2024?published=1"
    assert "공시(v1)를 공개했습니다" in client.get(done.headers["location"]).text
    assert "공개했습니다" not in anonymous.get(done.headers["location"]).text
    sign_up(korean(other_client), "stranger@example.kr")  # signed in, not a member
    assert "공개했습니다" not in other_client.get(done.headers["location"]).text


def test_publication_dates_are_in_the_readers_zone(client, engine, anonymous) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)
    evening = datetime(2026, 12, 6, 19, 47, tzinfo=UTC)  # 04:47 the next day in Seoul
    with Session(engine) as db:
        db.execute(update(Publication).values(published_at=evening))
        db.commit()
    assert "2026-12-07" in anonymous.get(f"/public/{org}").text
    own = korean(client).get(f"/orgs/{org}/publications").text
    assert "2026-12-07 04:47" in own and "(KST)" in own


def test_a_changed_definition_keeps_its_unit_names_in_korean(client, engine, anonymous) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)
    set_definition(engine, org, mentoring(wage=12_000, version=2))
    measure_and_publish(client, org, 2024, "임금 갱신")
    page = anonymous.get(f"/public/{org}/2024/restatements/2").text
    assert "대리지표 wage: 10,000 → 12,000 원/시간" in page


def test_the_change_log_names_fields_and_shows_numbers_in_words(client, engine) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)
    api(client, "PUT", f"/api/v1/orgs/{org}/publications/profile", json={"peer_comparison": True})
    log = korean(client).get(f"/orgs/{org}/audit").text
    assert "<dt>합계</dt><dd>1,000,000</dd>" in log
    assert "<dt>기관 비교 참여</dt><dd>아니오</dd>" in log and "<dd>예</dd>" in log
    assert "<dt>peer_comparison</dt>" not in log
    with Session(engine) as db:
        after = {"period": 2024, "value": 1234.5}
        record(db, organisation_id=org, user_id=None, entity="data_point", entity_id=1,
               action="update", before=None, after=after)  # fmt: skip
        db.commit()
    log = korean(client).get(f"/orgs/{org}/audit").text
    assert "<dt>연도</dt><dd>2024</dd>" in log and "2,024" not in log  # a year is no amount
    assert "<dt>값</dt><dd>1,234.5</dd>" in log


def test_the_icon_is_ours_and_local(client) -> None:
    icon = client.get("/favicon.ico", follow_redirects=False)
    assert icon.status_code == 301 and icon.headers["location"] == "/static/favicon.svg"
    assert client.get("/static/favicon.svg").headers["content-type"].startswith("image/svg")
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/login").text
