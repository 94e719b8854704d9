"""One error hierarchy for every channel.

Each error has a stable `code` (looked up in the message catalogue), the parameters of its
message, where it happened (file, line, column, with the source line for a caret) and an HTTP
status. The CLI renders it as one line per issue, the web as JSON or a page — never a traceback.
An error can carry many issues: catalogue validation collects all of them before reporting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from gachi.kernel.i18n import Lang, message_codes, t


@dataclass(frozen=True)
class Location:
    """A place in a file: 1-based line and column; `text` is the whole source line for a caret."""

    file: str | None = None
    line: int | None = None
    col: int | None = None
    length: int = 1
    text: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def caret(self) -> str | None:
        if self.text is None or self.col is None:
            return None
        line = self.text.rstrip("\n")
        pad = "".join("\t" if ch == "\t" else " " for ch in line[: self.col - 1])
        # East Asian wide characters take two columns in a terminal.
        pad += " " * sum(1 for ch in line[: self.col - 1] if _wide(ch))
        marked = line[self.col - 1 : self.col - 1 + max(1, self.length)]
        width = max(1, len(marked) + sum(1 for ch in marked if _wide(ch)))
        return f"    {line}\n    {pad}{'^' * width}"


def _wide(ch: str) -> bool:
    o = ord(ch)
    return (
        0x1100 <= o <= 0x115F
        or 0x2E80 <= o <= 0xA4CF
        or 0xAC00 <= o <= 0xD7A3
        or (0xF900 <= o <= 0xFAFF or 0xFE30 <= o <= 0xFE4F or 0xFF00 <= o <= 0xFF60)
    )


class Term:
    """A word of the message catalogue given as a message parameter: said in the language the
    message is rendered in (a page in Korean says 페이지, not page)."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __str__(self) -> str:
        return t(self.code, "en")

    def __repr__(self) -> str:
        return f"Term({self.code!r})"


@dataclass(frozen=True)
class Issue:
    """One problem, renderable in any language."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    where: Location | None = None
    severity: str = "error"

    def message(self, lang: Lang | None = None) -> str:
        params = {k: t(v.code, lang) if isinstance(v, Term) else v for k, v in self.params.items()}
        return t(self.code, lang, **params)

    def render(self, lang: Lang | None = None, *, caret: bool = True) -> str:
        head = f"{self.code}: {self.message(lang)}"
        if self.where is not None:
            head = f"{self.where}: {head}"
        mark = self.where.caret() if (caret and self.where is not None) else None
        return f"{head}\n{mark}" if mark else head

    def to_dict(self, lang: Lang | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message(lang)}
        if self.where is not None:
            out.update(file=self.where.file, line=self.where.line, column=self.where.col)
        return out


class GachiError(Exception):
    """Base of every error gachi raises on purpose."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400

    def __init__(
        self, code: str | None = None, /, *, where: Location | None = None, **params: Any
    ) -> None:
        self.issues: tuple[Issue, ...] = (Issue(code or self.code, params, where),)
        super().__init__(self.render("en", caret=False))

    @classmethod
    def of(cls, issues: Iterable[Issue]) -> GachiError:
        err = cls.__new__(cls)
        err.issues = tuple(issues)
        Exception.__init__(err, err.render("en", caret=False))
        return err

    @property
    def first(self) -> Issue:
        return self.issues[0]

    def render(self, lang: Lang | None = None, *, caret: bool = True) -> str:
        return "\n".join(i.render(lang, caret=caret) for i in self.issues)


class InvalidInput(GachiError):
    """A file, cell, option or value given by a person is not usable."""

    code = "input.invalid"
    status = 422


class TooLarge(InvalidInput):
    """A request body (or the file in it) over its limit: refused before it is read whole."""

    code = "input.too-large"
    status = 413


class CatalogInvalid(GachiError):
    """One or more indicator definitions are wrong; `issues` holds all of them."""

    code = "catalog.invalid"
    status = 422


class FormulaError(CatalogInvalid):
    code = "formula.invalid"


class DataError(InvalidInput):
    """Record-level data does not fit the indicators (missing column, text in a number cell...)."""

    code = "data.invalid"


class NotFound(GachiError):
    code = "not-found"
    status = 404

    def __init__(self, kind: str, ident: object, /, *, where: Location | None = None) -> None:
        # A kind the catalogue names (`noun.run`) is said in the reader's language.
        said: str | Term = Term(f"noun.{kind}") if f"noun.{kind}" in message_codes() else kind
        super().__init__("not-found", where=where, kind=said, id=str(ident)[:80])


class MissingRate(InvalidInput):
    """A currency conversion or price re-basing has no table entry for the year asked."""

    code = "money.missing-rate"


class Unauthenticated(GachiError):
    """No signed-in person (or their session has expired)."""

    code = "auth.required"
    status = 401


class Forbidden(GachiError):
    """Signed in and a member, but the role does not allow this."""

    code = "auth.forbidden"
    status = 403


class Conflict(GachiError):
    """Someone else changed the same thing first (optimistic locking), or a name is taken."""

    code = "conflict"
    status = 409


class TooManyRequests(GachiError):
    code = "auth.too-many-attempts"
    status = 429
