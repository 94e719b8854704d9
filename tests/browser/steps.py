"""What a person does in the browser, one step at a time, found by labels, roles and stable ids.

Each step takes a Playwright page and returns what later steps need (an id from the address).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from gachi.kernel.brn import check_digit
from gachi.kernel.i18n import t

PASSWORD = "correct horse battery"
# The shipped catalogue's volunteering indicator: hours × the average hourly wage (25,156원).
INDICATOR = "volunteering_hours"


def ko(code: str, **params: Any) -> str:
    """The Korean text of message `code`, as the page shows it."""
    return t(code, "ko", **params)


def valid_brn(first_nine: str) -> str:
    """A business registration number whose check digit is right, written as people do."""
    digits = first_nine + str(check_digit(first_nine))
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def org_id_of(page: Any) -> int:
    found = re.search(r"/orgs/(\d+)", page.url)
    assert found, f"no organisation in {page.url}"
    return int(found.group(1))


def sign_up(page: Any, name: str, email: str, password: str = PASSWORD) -> None:
    page.goto("/signup")
    page.get_by_label(ko("web.field.name"), exact=True).fill(name)
    page.get_by_label(ko("web.field.email")).fill(email)
    page.get_by_label(ko("web.field.password")).fill(password)
    page.get_by_role("button", name=ko("web.signup")).click()
    expect(page).to_have_url(re.compile(r"/orgs/new$"))


def log_in(page: Any, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label(ko("web.field.email")).fill(email)
    page.get_by_label(ko("web.field.password")).fill(password)
    page.get_by_role("button", name=ko("web.login")).click()


def fill_organisation(
    page: Any,
    *,
    name: str,
    kind: str,
    brn: str,
    sido: str,
    sigungu: str,
    industry: str,
) -> None:
    """The new-organisation form, as typed and picked (kind, regions and industry by their
    Korean names)."""
    page.get_by_label(ko("org.field.name")).fill(name)
    page.get_by_label(ko("org.field.kind")).select_option(label=kind)
    page.get_by_label(ko("org.field.brn")).fill(brn)
    page.get_by_label(ko("org.field.region")).select_option(label=sido)
    districts = page.get_by_label(ko("org.field.sigungu"))
    # gachi.js offers only the 시군구 of the chosen 시도.
    elsewhere = districts.locator(f'option[data-sido]:not([data-sido="{sido}"])').first
    expect(elsewhere).to_have_js_property("hidden", True)
    districts.select_option(label=sigungu)
    page.get_by_label(ko("org.field.industry")).select_option(label=industry)


def assert_korean_font(page: Any) -> None:
    """The page's web font (NanumGothic, served from /fonts) loaded: Korean renders the same on
    every machine, even one without Korean fonts of its own."""
    statuses = page.evaluate(
        """async () => { await document.fonts.ready;
        return [...document.fonts].filter(f => f.family.includes('Nanum')).map(f => f.status); }"""
    )
    assert statuses, "the stylesheet declares no Nanum web font"
    # A face is fetched only when text needs it; an "error" one was refused by the browser.
    assert "error" not in statuses, f"the Korean web font did not load: {statuses}"
    assert "loaded" in statuses, f"no Korean web font face loaded: {statuses}"


def programme_id_of(page: Any) -> int:
    found = re.search(r"/programmes/(\d+)", page.url)
    assert found, f"no programme in {page.url}"
    return int(found.group(1))


def create_programme(
    page: Any, org: int, name: str, kind: str = "programme", description: str = ""
) -> int:
    """The new-programme form on the programme list; returns the new programme's id."""
    page.goto(f"/orgs/{org}/programmes")
    form = page.locator("#new")
    form.get_by_label(ko("programme.field.name")).fill(name)
    form.get_by_label(ko("programme.field.kind")).select_option(label=ko(f"programme.kind.{kind}"))
    if description:
        form.get_by_label(ko("programme.field.description")).fill(description)
    form.get_by_role("button", name=ko("programme.create")).click()
    expect(page).to_have_url(re.compile(rf"/orgs/{org}/programmes/\d+$"))
    return programme_id_of(page)


def choose_indicator(page: Any, indicator_name: str, indicator_id: str) -> None:
    """On a programme's page: pick an indicator of the shipped catalogue and add it."""
    page.get_by_label(ko("programme.choose-indicator")).select_option(
        label=f"{indicator_name} ({indicator_id})"
    )
    page.get_by_role("button", name=ko("programme.add-indicator")).click()
    expect(page.locator("#indicators table.data")).to_contain_text(indicator_id)


def org_nav(page: Any, code: str) -> None:
    """Click an item of the organisation menu in the header (by its Korean name)."""
    nav = page.get_by_role("navigation", name=ko("web.nav.organisation"))
    nav.get_by_role("link", name=ko(code), exact=True).click()


def enter_data(page: Any, label: str, values: dict[int, str]) -> None:
    """The data grid of the organisation's only programme: add each year, type its value, save."""
    org_nav(page, "web.nav.data")
    expect(page).to_have_url(re.compile(r"/data\?programme=\d+"))
    for year in values:
        page.get_by_label(ko("points.add-period")).fill(str(year))
        page.get_by_role("button", name=ko("points.add"), exact=True).click()
        expect(page.get_by_label(f"{year} · {label}")).to_be_visible()
    for year, text in values.items():
        page.get_by_label(f"{year} · {label}").fill(text)
    page.get_by_role("button", name=ko("web.save"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(ko("points.saved", count=len(values)))


def upload_preview(page: Any, path: Path) -> None:
    """From the data page: choose a file and see what it would change (nothing saved yet)."""
    page.get_by_role("link", name=ko("upload.title"), exact=True).click()
    page.get_by_label(ko("upload.file")).set_input_files(str(path))
    page.get_by_role("button", name=ko("upload.preview"), exact=True).click()
    expect(page.get_by_role("heading", name=ko("upload.preview-title"))).to_be_visible()


def start_run(page: Any, draws: str, seed: str) -> int:
    """The runs page: pick the draws, type a seed, start; returns the run's id (progress page)."""
    org_nav(page, "web.nav.runs")
    page.get_by_label(ko("run.field.draws")).select_option(label=draws)
    page.get_by_label(ko("run.field.seed")).fill(seed)
    page.get_by_role("button", name=ko("run.start"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    found = re.search(r"/runs/(\d+)$", page.url)
    assert found
    return int(found.group(1))


def write_xlsx(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    """A one-sheet workbook as a person saves it from Excel."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "데이터"
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def api(page: Any, method: str, path: str, body: Any) -> Any:
    """A JSON API call as the page's own scripts make it: the person's cookies, the CSRF header."""
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = page.request.fetch(path, method=method, data=body, headers={"X-CSRF-Token": token})
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def measured_by_api(page: Any, org: int, programme: str, hours: dict[int, int]) -> int:
    """A programme with the volunteering indicator, its hours and a finished run, set up through
    the JSON API (the Korean main flow does all this through the pages)."""
    base = f"/api/v1/orgs/{org}"
    made = api(page, "POST", f"{base}/programmes", {"name": programme})
    api(page, "POST", f"{base}/programmes/{made['id']}/indicators", {"indicator_id": INDICATOR})
    points = [
        {"programme_id": made["id"], "period": year, "name": "volunteer_hours", "value": value}
        for year, value in hours.items()
    ]
    api(page, "PUT", f"{base}/data", points)
    run = api(page, "POST", f"{base}/runs", {"draws": 0, "seed": 1})
    deadline = time.monotonic() + 60
    while run["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        run = page.request.get(f"{base}/runs/{run['id']}").json()
    assert run["status"] == "done", run
    return int(run["id"])


def assert_reads_as_table(page: Any, column: str, row: str) -> None:
    """A table laid out as a table: the row's header cell sits under its column's header (a
    stray `display` rule can put the header row beside the body instead)."""
    head = page.get_by_role("columnheader", name=column, exact=True).first.bounding_box()
    cell = page.get_by_role("rowheader", name=row, exact=True).first.bounding_box()
    assert head and cell
    assert abs(head["x"] - cell["x"]) < 2 and cell["y"] > head["y"], (
        f"'{row}' is not under '{column}': {head} vs {cell}"
    )
