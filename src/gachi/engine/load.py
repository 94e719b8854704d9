"""YAML in, models out — keeping the file, line and column of every field.

`read_yaml` composes the YAML node tree itself (PyYAML's composer keeps marks), refuses duplicate
keys and records where each path starts. Validation errors from Pydantic are mapped back to those
positions, so each issue says `file:line:col` of the field it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from gachi.engine.expr.nodes import Span
from gachi.errors import GachiError, Issue, Location
from gachi.kernel.files import read_text

PathKey = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Positions:
    """Where each path of a YAML document starts, and the file's lines for carets."""

    file: str
    lines: tuple[str, ...]
    starts: Mapping[PathKey, tuple[int, int]]
    styles: Mapping[PathKey, str | None]
    keys: Mapping[PathKey, tuple[int, int]] = field(default_factory=dict)  # where each key is

    def at(self, path: PathKey, length: int = 1) -> Location:
        """The location of `path`, or of its nearest ancestor that exists in the file."""
        key = tuple(path)
        while key and key not in self.starts:
            key = key[:-1]
        line, col = self.starts.get(key, (0, 0))
        text = self.lines[line] if line < len(self.lines) else None
        return Location(self.file, line + 1, col + 1, length, text, ".".join(map(str, path)))

    def key_at(self, path: PathKey) -> Location:
        """The location of the key that names `path` (for an unknown field, not its value)."""
        if path not in self.keys:
            return self.at(path, len(str(path[-1])) if path else 1)
        line, col = self.keys[path]
        text = self.lines[line] if line < len(self.lines) else None
        name = ".".join(map(str, path))
        return Location(self.file, line + 1, col + 1, len(str(path[-1])), text, name)

    def text_locator(self, path: PathKey, value: str) -> Callable[[Span], Location]:
        """Map offsets inside the string at `path` to places in the file."""
        line0, col0 = self.starts.get(path, (0, 0))
        style = self.styles.get(path)
        value_lines = value.split("\n")
        anchors: list[tuple[int, int] | None] = []
        cursor = line0
        for k, vline in enumerate(value_lines):
            found = None
            if k == 0 and style in (None, "'", '"'):
                start = col0 + (1 if style in ("'", '"') else 0)
                if self.lines[line0][start:].startswith(vline):
                    found = (line0, start)
            if found is None and vline.strip():
                for ln in range(cursor, min(len(self.lines), cursor + 200)):
                    idx = self.lines[ln].find(vline)
                    if idx >= 0:
                        found = (ln, idx)
                        break
            anchors.append(found)
            if found is not None:
                cursor = found[0] + 1

        def locate(span: Span) -> Location:
            before = value[: span.start]
            k = before.count("\n")
            c = span.start - (before.rfind("\n") + 1)
            anchor = anchors[k] if k < len(anchors) else None
            if anchor is None:
                return self.at(path)
            ln, idx = anchor
            eol = value.find("\n", span.start)  # a caret stays on its own line
            length = max(1, min(span.end, len(value) if eol < 0 else eol) - span.start)
            return Location(
                self.file, ln + 1, idx + c + 1, length, self.lines[ln], ".".join(map(str, path))
            )

        return locate


class _Failed(Exception):
    def __init__(self, issue: Issue) -> None:
        self.issue = issue


def read_yaml(path: Path) -> tuple[Any, Positions]:
    """Parse one YAML file; raise `_Failed`-wrapped issues via `read_yaml_issues` callers."""
    text, _ = read_text(path)
    lines = tuple(text.splitlines())
    starts: dict[PathKey, tuple[int, int]] = {}
    styles: dict[PathKey, str | None] = {}
    keys: dict[PathKey, tuple[int, int]] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as ex:
        mark = ex.problem_mark or ex.context_mark
        line = mark.line if mark else 0
        col = mark.column if mark else 0
        where = Location(
            str(path), line + 1, col + 1, 1, lines[line] if line < len(lines) else None
        )
        raise _Failed(Issue("yaml.syntax", {"problem": ex.problem or str(ex)}, where)) from None
    if node is None:
        raise _Failed(Issue("yaml.empty", {}, Location(str(path))))
    data = _build(node, (), starts, styles, str(path), lines, keys)
    return data, Positions(str(path), lines, starts, styles, keys)


def _build(
    node: yaml.Node,
    path: PathKey,
    starts: dict[PathKey, tuple[int, int]],
    styles: dict[PathKey, str | None],
    file: str,
    lines: tuple[str, ...],
    keys: dict[PathKey, tuple[int, int]],
    seen: set[int] | None = None,
) -> Any:
    # An alias makes the composer reuse a node; walking it again and again is how a few hundred
    # bytes of YAML ("billion laughs") can take forever. Definitions have no need for aliases.
    seen = set() if seen is None else seen
    if id(node) in seen:
        line = node.start_mark.line
        raise _Failed(
            Issue(
                "yaml.alias",
                {},
                Location(
                    file,
                    line + 1,
                    node.start_mark.column + 1,
                    1,
                    lines[line] if line < len(lines) else None,
                ),
            )
        )
    seen.add(id(node))
    starts[path] = (node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = (
                yaml.SafeLoader.construct_scalar(_LOADER, key_node)
                if isinstance(key_node, yaml.ScalarNode)
                else None
            )
            if not isinstance(key, str):
                line = key_node.start_mark.line
                raise _Failed(
                    Issue(
                        "yaml.key-not-text",
                        {},
                        Location(file, line + 1, key_node.start_mark.column + 1, 1, lines[line]),
                    )
                )
            if key in out:
                line = key_node.start_mark.line
                raise _Failed(
                    Issue(
                        "yaml.duplicate-key",
                        {"key": key},
                        Location(
                            file, line + 1, key_node.start_mark.column + 1, len(key), lines[line]
                        ),
                    )
                )
            starts[(*path, key)] = (key_node.start_mark.line, key_node.start_mark.column)
            keys[(*path, key)] = starts[(*path, key)]
            out[key] = _build(value_node, (*path, key), starts, styles, file, lines, keys, seen)
            # the value's own start (for carets inside strings) overrides the key's
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(v, (*path, i), starts, styles, file, lines, keys, seen)
            for i, v in enumerate(node.value)
        ]
    assert isinstance(node, yaml.ScalarNode)
    styles[path] = node.style
    value = _LOADER.construct_object(node, deep=True)
    if isinstance(value, str) and node.style in (None, "'", '"', "|", ">"):
        starts[path] = (node.start_mark.line, node.start_mark.column)
    return value


_LOADER = yaml.SafeLoader("")


def validate(model: type[M], data: Any, pos: Positions) -> tuple[M | None, list[Issue]]:
    """Validate `data` against `model`; every Pydantic error becomes an issue at its field."""
    try:
        return model.model_validate(data), []
    except ValidationError as ex:
        return None, list(_issues(ex, pos))


def _issues(ex: ValidationError, pos: Positions) -> Iterator[Issue]:
    seen: set[tuple[PathKey, str]] = set()
    for err in ex.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
        kind = err["type"]
        if (loc, kind) in seen:
            continue
        seen.add((loc, kind))
        field = ".".join(map(str, loc)) or "-"
        if kind == "missing":
            yield Issue("spec.missing-field", {"field": field}, pos.at(loc[:-1]))
        elif kind == "extra_forbidden":
            yield Issue("spec.unknown-field", {"field": field}, pos.key_at(loc))
        elif kind.startswith("spec."):  # our own validators name their message
            yield Issue(kind, {"field": field, **err.get("ctx", {})}, pos.at(loc))
        elif kind in _PYDANTIC:
            ctx = {k: _show(v) for k, v in err.get("ctx", {}).items()}
            for bound in ("ge", "gt", "le", "lt"):
                if bound in ctx:
                    ctx["limit"] = ctx[bound]
            yield Issue(_PYDANTIC[kind], {"field": field, **ctx}, pos.at(loc))
        else:
            yield Issue("spec.bad-value", {"field": field, "detail": err["msg"]}, pos.at(loc))


# Pydantic's error types, each with a message of ours in Korean and English.
_PYDANTIC = {
    "string_type": "spec.expected-text",
    "string_too_short": "spec.empty-text",
    "float_type": "spec.expected-number",
    "float_parsing": "spec.expected-number",
    "finite_number": "spec.not-finite",
    "int_type": "spec.expected-integer",
    "int_parsing": "spec.expected-integer",
    "int_from_float": "spec.expected-integer",
    "bool_type": "spec.expected-bool",
    "bool_parsing": "spec.expected-bool",
    "greater_than": "spec.too-small",
    "greater_than_equal": "spec.too-small",
    "less_than": "spec.too-large",
    "less_than_equal": "spec.too-large",
    "literal_error": "spec.not-one-of",
    "enum": "spec.not-one-of",
    "string_pattern_mismatch": "spec.bad-pattern",
    "url_parsing": "spec.bad-url",
    "url_scheme": "spec.bad-url",
    "dict_type": "spec.expected-mapping",
    "model_type": "spec.expected-mapping",
    "model_attributes_type": "spec.expected-mapping",
    "list_type": "spec.expected-list",
    "tuple_type": "spec.expected-list",
    "union_tag_invalid": "spec.not-one-of",
}


def _show(value: object) -> str:
    return str(value).replace("'", "")


def _is_union_tag(part: object) -> bool:
    # Pydantic puts union member names and discriminator tags into `loc`.
    return isinstance(part, str) and (
        part in ("Adjustment", "float", "fixed", "triangular", "uniform", "normal", "lognormal")
        or part.startswith(("function-", "constrained-", "literal["))
    )


def read_model(
    path: Path, model: type[M], *, empty_is_default: bool = False
) -> tuple[M | None, Positions | None, list[Issue]]:
    """Read and validate one file; every problem comes back as an issue, none is raised, so a
    catalogue can report all its files at once. An empty file is the model's defaults when
    `empty_is_default` (a settings file with everything commented out)."""
    try:
        data, pos = read_yaml(path)
    except _Failed as failed:
        if empty_is_default and failed.issue.code == "yaml.empty":
            return model(), None, []
        return None, None, [failed.issue]
    except GachiError as ex:  # unreadable: empty, undecodable, too large
        return None, None, list(ex.issues)
    if not isinstance(data, dict):
        return None, pos, [Issue("yaml.not-mapping", {}, pos.at(()))]
    obj, issues = validate(model, data, pos)
    return obj, pos, issues
