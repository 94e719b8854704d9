"""Every message code the code can raise or print has a Korean and an English text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from gachi.kernel.i18n import _catalogue, message_codes

SRC = Path(__file__).resolve().parent.parent / "src" / "gachi"
CODE = re.compile(
    r"^(spec|formula|data|file|yaml|catalog|money|unit|cli|sroi|postgres|plan|input|not-found"
    r"|region|industry|auth|org|web|audit|conflict|programme|indicator|points|upload|run"
    r"|dashboard|db|demo|serve|publish|public|restate|peer|token|api|evidence|verify|scan"
    r"|totals|range)"
    r"(\.[a-z0-9-]+)+$"
)


def _codes_in_source() -> set[tuple[str, str]]:
    found = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and CODE.match(text) and not text.endswith((".yaml", ".yml")):
                found.add((text, f"{path.relative_to(SRC)}:{node.lineno}"))
    return found


def test_every_code_in_the_source_has_a_message() -> None:
    known = message_codes()
    missing = sorted(f"{where}: {code}" for code, where in _codes_in_source() if code not in known)
    assert not missing, "codes without a message in src/gachi/locale/*.yaml:\n" + "\n".join(missing)


def test_every_message_has_korean_and_english_with_the_same_placeholders() -> None:
    for code, texts in _catalogue().items():
        assert texts.get("ko") and texts.get("en"), code
        names = {lang: set(re.findall(r"{(\w+)}", texts[lang])) for lang in ("ko", "en")}
        assert names["ko"] == names["en"], f"{code}: {names}"
