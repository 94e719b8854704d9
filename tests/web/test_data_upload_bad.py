"""Every bad file gets a clear message that says where and why, and writes nothing: not a data
point, not an upload record. No file, however odd, gives a 500."""

from __future__ import annotations

import io
import threading
import zipfile

import anyio
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from web.data_helpers import (
    add_points,
    csv_bytes,
    data_org,
    point_count,
    upload,
    upload_count,
    xlsx_bytes,
)
from web.helpers import token

LONG = ["programme", "period", "input", "value"]


@pytest.fixture
def org(client, engine):
    org_id, ids = data_org(client, engine)
    add_points(engine, org_id, {(ids["자원봉사"], 2020, "cash_given"): 1.0})
    return org_id


def refused(client, engine, org, name, content, *, status=422):
    before = point_count(engine)
    response = upload(client, org, name, content)
    assert response.status_code == status, response.text
    assert point_count(engine) == before and upload_count(engine) == 0
    return response.text


def test_wrong_columns_say_which_are_expected(client, engine, org) -> None:
    text = refused(client, engine, org, "a.csv", csv_bytes([["이름", "수량"], ["a", "1"]]))
    assert "필요한 열: 사업(programme), 연도(period)" in text and "파일의 열: 이름, 수량" in text
    # a long file with a column it does not know
    text = refused(
        client,
        engine,
        org,
        "b.csv",
        csv_bytes([[*LONG, "비고"], ["자원봉사", 2024, "cash_given", 1, "x"]]),
    )
    assert "알 수 없는 열 &#39;비고&#39;" in text
    # a wide file whose column is no programme's input
    text = refused(
        client, engine, org, "c.csv", csv_bytes([["사업", "연도", "tonnes"], ["자원봉사", 2024, 1]])
    )
    assert (
        "열 &#39;tonnes&#39;은(는) 어느 사업의 입력 항목도 아닙니다" in text
        and "volunteer_hours" in text
    )


def test_merged_cells_are_refused_with_their_range(client, engine, org) -> None:
    content = xlsx_bytes(
        [LONG, ["자원봉사", 2024, "cash_given", 1], [None, 2024, "volunteer_hours", 2]],
        merge="A2:A3",
    )
    text = refused(client, engine, org, "merged.xlsx", content)
    assert "병합된 셀이 있습니다: A2:A3" in text


def test_formulas_without_a_saved_result_are_refused(client, engine, org) -> None:
    content = xlsx_bytes([LONG, ["자원봉사", 2024, "cash_given", "=SUM(1,2)"]])
    text = refused(client, engine, org, "f.xlsx", content)
    assert "수식 =SUM(1,2)의 결과값이 저장되어 있지 않습니다" in text
    assert '<td>데이터</td><td class="num">2</td><td>D</td>' in text  # sheet, row, column


def test_text_in_number_cells_and_bad_periods(client, engine, org) -> None:
    content = csv_bytes(
        [
            LONG,
            ["자원봉사", "2024", "cash_given", "많음"],
            ["자원봉사", "작년", "cash_given", "1"],
            ["자원봉사", "2024", "volunteer_hours", "12"],  # a good row does not save alone
        ]
    )
    text = refused(client, engine, org, "t.csv", content)
    assert "&#39;많음&#39;은(는) 숫자가 아닙니다" in text
    assert "&#39;작년&#39;은(는) 연도가 아닙니다" in text
    assert '<td class="num">2</td><td>4</td>' in text  # CSV row 2, column 4
    assert '<td class="num">3</td><td>2</td>' in text


def test_unknown_programme_offers_the_known_ones(client, engine, org) -> None:
    text = refused(
        client, engine, org, "p.csv", csv_bytes([LONG, ["없는사업", 2024, "cash_given", 1]])
    )
    assert "사업 &#39;없는사업&#39;이(가) 없습니다. 이 기관의 사업: 자원봉사, 취약계층 고용" in text


def test_unknown_input_names_the_programme_inputs(client, engine, org) -> None:
    text = refused(
        client, engine, org, "i.csv", csv_bytes([LONG, ["자원봉사", 2024, "@tonnes", 1]])
    )
    assert "&#39;@tonnes&#39;은(는) 사업 &#39;자원봉사&#39;의 입력 항목이 아닙니다" in text
    assert "cash_given" in text and "volunteer_hours" in text


def test_an_input_of_another_programme_in_a_wide_row(client, engine, org) -> None:
    content = csv_bytes([["programme", "period", "vulnerable_workers"], ["자원봉사", 2024, 3]])
    text = refused(client, engine, org, "w.csv", content)
    assert (
        "&#39;vulnerable_workers&#39;은(는) 사업 &#39;자원봉사&#39;의 입력 항목이 아닙니다" in text
    )


def test_repeated_cells_name_the_first_row(client, engine, org) -> None:
    content = csv_bytes(
        [LONG, ["자원봉사", 2024, "cash_given", 1], ["자원봉사", "2024", "cash_given", 2]]
    )
    text = refused(client, engine, org, "d.csv", content)
    assert "자원봉사 · 2024 · cash_given 값이 2행에 이미 있습니다" in text


def test_another_organisations_rows_are_refused(client, engine, org) -> None:
    content = csv_bytes(
        [["organisation", "programme", "period", "cash_given"], ["남의기관", "자원봉사", 2024, 1]]
    )
    text = refused(client, engine, org, "o.csv", content)
    assert "다른 기관 &#39;남의기관&#39;의 데이터입니다" in text


def test_negative_where_the_indicator_forbids_it(client, engine, org) -> None:
    text = refused(
        client, engine, org, "n.csv", csv_bytes([LONG, ["자원봉사", 2024, "cash_given", "-3"]])
    )
    assert "음수" in text


def test_empty_files(client, engine, org) -> None:
    assert "파일이 비어 있습니다" in refused(client, engine, org, "e.csv", b"")
    assert "데이터 행이 없습니다" in refused(client, engine, org, "h.csv", csv_bytes([LONG]))
    assert "파일이 비어 있습니다" in refused(client, engine, org, "blank.csv", b"\r\n,,\r\n")
    assert "올릴 파일을 고르세요" in refused(client, engine, org, "", b"")


def test_files_that_are_not_spreadsheets(client, engine, org) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    assert "스프레드시트 파일이 아닙니다" in refused(client, engine, org, "data.xlsx", png)
    assert "스프레드시트 파일이 아닙니다" in refused(
        client, engine, org, "data.csv", b"\x00\x01\x02abc" * 50
    )
    assert "스프레드시트 파일이 아닙니다" in refused(
        client, engine, org, "data.csv", b"%PDF-1.7\n..."
    )
    assert ".xls" in refused(
        client, engine, org, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    )
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    assert "XLSX 파일을 열 수 없습니다" in refused(
        client, engine, org, "doc.xlsx", other_zip.getvalue()
    )
    truncated = xlsx_bytes([LONG, ["자원봉사", 2024, "cash_given", 1]])[:700]
    assert "XLSX 파일을 열 수 없습니다" in refused(client, engine, org, "cut.xlsx", truncated)
    bad_text = "사업,연도\n".encode() + b"\xff\xfe\xfa" * 10
    assert "인코딩" in refused(client, engine, org, "enc.csv", bad_text)


def test_a_50_mb_file_is_refused_before_it_is_read(client, engine, org, settings) -> None:
    assert settings.upload_max_mb == 20
    big = b"a" * (50 * 2**20)
    text = refused(client, engine, org, "big.csv", big, status=413)
    assert "20MB까지 올릴 수 있습니다" in text


def test_a_large_body_without_a_length_is_counted_as_it_streams(client, engine, org, app) -> None:
    """Straight at the ASGI app (the test client would read the whole body first): a chunked
    body with no Content-Length is refused once past the limit, the rest never read."""
    boundary = "gachi-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{token(client)}\r\n--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
    ).encode()
    chunks = [head, *(b"b" * 2**20 for _ in range(60))]  # 60 MB if all of it were read
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/orgs/{org}/data/upload",
        "raw_path": f"/orgs/{org}/data/upload".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"cookie", cookies.encode()),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    read = [0]
    sent: list[dict] = []

    async def receive() -> dict:
        if read[0] < len(chunks):
            read[0] += 1
            return {"type": "http.request", "body": chunks[read[0] - 1], "more_body": True}
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    # In a thread of its own: this worker may already run an event loop (Playwright's, when the
    # browser tests share it), and anyio refuses to start a second one in the same thread.
    worker = threading.Thread(target=anyio.run, args=(app, scope, receive, send))
    worker.start()
    worker.join(timeout=60)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert status == 413, body[:500]
    assert "20MB까지 올릴 수 있습니다" in body.decode()
    assert read[0] <= 22  # refused as soon as the limit passed, not after all 60 MB came
    assert point_count(engine) == 1 and upload_count(engine) == 0


def test_english_messages_too(client, engine, org) -> None:
    client.cookies.set("gachi_lang", "en")
    text = refused(client, engine, org, "p.csv", csv_bytes([LONG, ["nope", 2024, "cash_given", 1]]))
    assert "there is no programme &#39;nope&#39;; this organisation&#39;s programmes are" in text


CELL = st.text(
    alphabet=st.sampled_from([*list("0123456789,.-+=@ 'e\"\t년원억가나１２"), "\r", "\n", "\x00"]),
    max_size=12,
)


@hsettings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.lists(CELL, min_size=1, max_size=5), max_size=4), long=st.booleans())
def test_random_cells_never_give_a_500(client, engine, org, rows, long) -> None:
    header = LONG if long else ["programme", "period", "cash_given", "volunteer_hours"]
    before = point_count(engine)
    response = upload(client, org, "random.csv", csv_bytes([header, *rows]))
    assert response.status_code in (200, 422), response.text
    assert point_count(engine) == before


def test_a_value_under_no_header_is_not_dropped_silently(client, engine, org) -> None:
    content = csv_bytes([["programme", "period", "", "cash_given"], ["자원봉사", 2024, "77", 1]])
    text = refused(client, engine, org, "n.csv", content)
    assert "열 이름(머리글)이 없습니다" in text and '<td class="num">2</td><td>3</td>' in text
    longer = csv_bytes([LONG, ["자원봉사", 2024, "cash_given", 1, "extra"]])
    assert "머리글" in refused(client, engine, org, "l.csv", longer)
