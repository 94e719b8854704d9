"""The Korean font of charts and PDFs: NanumGothic (SIL Open Font License 1.1), shipped inside the
`koreanize-matplotlib` package from PyPI, or found among the system's fonts. Never downloaded."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from matplotlib import font_manager, rc_context

from gachi.errors import InvalidInput

FAMILY = "NanumGothic"
_SYSTEM = (
    "/usr/share/fonts/truetype/nanum",
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/truetype/noto",
)


@cache
def korean_font(bold: bool = False) -> Path:
    """The path of the regular (or bold) Korean TTF font."""
    name = "NanumGothicBold.ttf" if bold else "NanumGothic.ttf"
    # find_spec, not import: importing koreanize_matplotlib would change matplotlib's settings.
    spec = importlib.util.find_spec("koreanize_matplotlib")
    for folder in spec.submodule_search_locations or [] if spec else []:
        path = Path(folder) / "fonts" / name
        if path.is_file():
            return path
    for folder in _SYSTEM:
        path = Path(folder) / name
        if path.is_file():
            return path
    raise InvalidInput("report.no-korean-font", name=name)


@cache
def _registered() -> str:
    for bold in (False, True):
        font_manager.fontManager.addfont(str(korean_font(bold)))
    return FAMILY


@contextmanager
def font_family() -> Iterator[None]:
    """matplotlib settings for charts with Korean text: glyphs drawn as paths in SVG (the page
    needs no font), a real minus sign the font has, stable element ids."""
    family = _registered()
    with rc_context(
        {
            "font.family": family,
            "axes.unicode_minus": False,
            "svg.fonttype": "path",
            "svg.hashsalt": "gachi",
            "font.size": 9,
        }
    ):
        yield
