"""The self-contained HTML report: one file, styles and charts inline, nothing fetched — it opens
the same on a separated network as on the internet. Every text from a catalogue or data file is
escaped by the template engine."""

from __future__ import annotations

import base64
import io
import logging
import re
from pathlib import Path

from fontTools import subset
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from gachi.kernel.cells import clean_text
from gachi.kernel.files import atomic_output
from gachi.kernel.money import format_number
from gachi.report.charts import Chart, focus_charts, overview_charts
from gachi.report.fonts import korean_font
from gachi.report.model import Report


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("gachi.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_clean,
    )
    return env


def _clean(value: object) -> object:
    # Control characters are not allowed in an HTML page: every text printed is cleaned of them
    # (markup of ours, the charts and the font slot, has none).
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean_text(value)
    return value


FONT_FAMILY = "gachi-ko"
_FONT_SLOT = "/*gachi-font-face*/"


def render_html(report: Report) -> str:
    def drawn(found: list[Chart]) -> list[tuple[str, str, Markup]]:
        return [(c.key, c.title, Markup(c.svg())) for c in found]  # noqa: S704 — our SVG

    template = _environment().get_template("report.html.j2")
    page = template.render(
        r=report,
        overview_charts=drawn(overview_charts(report)),
        section_charts=[drawn(focus_charts(report, i)) for i in range(len(report.sections))],
        pct=_pct,
        num=format_number,
        font_slot=Markup(_FONT_SLOT),  # noqa: S704 — a constant
    )
    # The page carries the Korean font itself, cut down to the characters it uses (tens of KB,
    # not 4 MB): a reader without a Korean font, on a separated network, still reads Korean.
    return page.replace(_FONT_SLOT, font_face(_visible_text(page)), 1)


def _visible_text(page: str) -> str:
    # Characters of the page outside the charts (whose text is already drawn as paths).
    parts = re.split(r"<svg.*?</svg>", page, flags=re.DOTALL)
    return "".join(set("".join(parts)))


def font_face(text: str) -> str:
    """CSS @font-face rules embedding the regular and bold Korean font, subset to `text`."""
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # tables it drops, by design
    rules = []
    for weight, bold in ((400, False), (700, True)):
        options = subset.Options()
        options.flavor = "woff"
        font = subset.load_font(str(korean_font(bold)), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        buf = io.BytesIO()
        subset.save_font(font, buf, options)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        rules.append(
            f"@font-face{{font-family:'{FONT_FAMILY}';font-weight:{weight};"
            f"src:url(data:font/woff;base64,{data}) format('woff');}}"
        )
    return "\n".join(rules)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def write_html(report: Report, path: Path) -> None:
    text = render_html(report)
    with atomic_output(path) as fh:
        fh.write(text)
