"""Exporting an organisation's data points in the wide layout the upload reads back unchanged:
organisation, programme, period, then one column per input. Every cell goes through
`safe_cell`, so a name like `=cmd()` stays text in any spreadsheet."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from gachi.db.tenancy import TenantRepository
from gachi.domains.data.numbers import plain
from gachi.domains.data.service import records_frame
from gachi.kernel.cells import safe_cell

HEADER = ("organisation", "programme", "period")


def table(repo: TenantRepository) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the export (values as numbers, missing values as `None`)."""
    frame = records_frame(repo).drop(columns=["programme_id"])
    header = [str(c) for c in frame.columns]
    rows: list[list[Any]] = []
    for record in frame.itertuples(index=False, name=None):
        org, programme, period, *values = record
        cells = [
            None if v is None or (isinstance(v, float) and math.isnan(v)) else plain(float(v))
            for v in values
        ]
        rows.append([org, programme, int(period), *cells])
    return header, rows


def to_csv(repo: TenantRepository) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Korean text right."""
    header, rows = table(repo)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(repo: TenantRepository) -> bytes:
    from openpyxl import Workbook

    header, rows = table(repo)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
