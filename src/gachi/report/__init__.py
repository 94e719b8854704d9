"""Reports of a measurement: HTML (self-contained), XLSX and PDF, from one `Report` model."""

from __future__ import annotations

from pathlib import Path

from gachi.errors import InvalidInput, Location
from gachi.report.build import build_report
from gachi.report.model import Report

FORMATS = ("html", "xlsx", "pdf")


def write_report(report: Report, path: Path) -> str:
    """Write `report` in the format its file extension names; returns that format."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "htm":
        fmt = "html"
    if fmt == "html":
        from gachi.report.html import write_html

        write_html(report, path)
    elif fmt == "xlsx":
        from gachi.report.xlsx import write_xlsx

        write_xlsx(report, path)
    elif fmt == "pdf":
        from gachi.report.pdf import write_pdf

        write_pdf(report, path)
    else:
        raise InvalidInput("report.unknown-format", path=str(path), where=Location(str(path)))
    return fmt


__all__ = ["FORMATS", "Report", "build_report", "write_report"]
